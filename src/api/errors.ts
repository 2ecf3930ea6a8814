// The few named failures of the CloudView client. Every message is one line, built from what the
// server said, and never carries credentials: the client passes its secrets to `redactSecrets` (redact.ts).

import type { RouteId } from './routes';

/** A route id, e.g. `exceptions.create`; the same names the simulator counts requests by. */
export type RouteName = RouteId;

export interface ApiErrorDetails {
  route: RouteName;
  /** HTTP status; 0 when no response arrived (network failures, bad shapes keep the real status). */
  status: number;
  errorCode?: string;
  requestId?: string;
  /** True when a create or delete may have happened on the server although it failed here. */
  mayHaveHappened?: boolean;
  cause?: unknown;
}

/** Any failure talking to CloudView. `message` is a single line, safe to print. */
export class ApiError extends Error {
  override name = 'ApiError';
  readonly route: RouteName;
  readonly status: number;
  readonly errorCode?: string;
  readonly requestId?: string;
  readonly mayHaveHappened: boolean;

  constructor(message: string, details: ApiErrorDetails) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.route = details.route;
    this.status = details.status;
    this.errorCode = details.errorCode;
    this.requestId = details.requestId;
    this.mayHaveHappened = details.mayHaveHappened ?? false;
  }
}

/** 401 / 403: wrong credentials, or a user without CloudView API rights. Never retried. */
export class AuthError extends ApiError {
  override name = 'AuthError';
}

/** 409 / 429 still refused after the allowed waits, or a wait longer than the cap. The server did nothing. */
export class RateLimitError extends ApiError {
  override name = 'RateLimitError';
  /** How long the server asked us to wait, when it said. */
  retryAfterMs?: number;
}

export type NetworkFailure = 'reset' | 'timeout' | 'refused' | 'tls' | 'other';

/** No (complete) response: connection refused or reset, timeout, TLS verification failure. */
export class NetworkError extends ApiError {
  override name = 'NetworkError';
  readonly kind: NetworkFailure;
  constructor(message: string, details: ApiErrorDetails & { kind: NetworkFailure }) {
    super(message, details);
    this.kind = details.kind;
  }
}

/**
 * A create or delete failed after its request was sent (reset, timeout, 5xx): it may have happened.
 * It is never resent blindly; check first (create: by name, names are unique; delete: by uuid).
 */
export class AmbiguousWriteError extends ApiError {
  override name = 'AmbiguousWriteError';
  constructor(message: string, details: ApiErrorDetails) {
    super(message, { ...details, mayHaveHappened: true });
  }
}

/** The server answered 2xx with something the client does not understand. */
export class ResponseShapeError extends ApiError {
  override name = 'ResponseShapeError';
}

export interface ParsedErrorBody {
  errorCode?: string;
  /** One line, never empty. */
  message: string;
}

const MAX_MESSAGE = 300;

function oneLine(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > MAX_MESSAGE ? `${line.slice(0, MAX_MESSAGE - 1)}…` : line;
}

/**
 * Reads an error body of either shape the API uses — Qualys `{errorCode, message}` or Spring
 * `{timestamp, status, error, message, path}` — or plain text / HTML, into one line.
 */
export function parseErrorBody(status: number, statusText: string, body: string): ParsedErrorBody {
  const fallback = `HTTP ${status}${statusText ? ` ${statusText}` : ''}`;
  const trimmed = body.trim();
  if (trimmed === '') return { message: fallback };
  let parsed: unknown;
  try {
    parsed = JSON.parse(trimmed);
  } catch {
    parsed = undefined;
  }
  if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) {
    const record = parsed as Record<string, unknown>;
    const text = (value: unknown) => (typeof value === 'string' && value.trim() !== '' ? oneLine(value) : undefined);
    const errorCode = text(record.errorCode) ?? (typeof record.errorCode === 'number' ? String(record.errorCode) : undefined);
    const message = text(record.message) ?? text(record.errorMessage) ?? text(record.detail);
    const springError = text(record.error);
    const path = text(record.path);
    if (errorCode !== undefined || message !== undefined || springError !== undefined) {
      const parts = [message ?? springError ?? fallback];
      if (springError !== undefined && message !== undefined && springError !== message) parts[0] = `${springError}: ${message}`;
      if (path !== undefined) parts.push(`(path ${path})`);
      return { errorCode, message: oneLine(parts.join(' ')) };
    }
    return { message: `${fallback}: ${oneLine(trimmed)}` };
  }
  // HTML error pages from proxies: keep the words, drop the tags.
  const words = oneLine(trimmed.replace(/<(script|style)[\s\S]*?<\/\1>/gi, ' ').replace(/<[^>]*>/g, ' '));
  return { message: words === '' ? fallback : `${fallback}: ${words}` };
}

/** Credentials out of messages; see redact.ts for the forms covered. */
export { redactSecrets } from './redact';
