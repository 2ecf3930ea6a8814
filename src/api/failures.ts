// Turns a final failed exchange into one of the named errors, with one line that says what happened,
// cleaned of credentials (server text is treated as echoed: even a short password is removed from it).
import {
  AmbiguousWriteError,
  ApiError,
  AuthError,
  NetworkError,
  RateLimitError,
  ResponseShapeError,
  type RouteName,
  parseErrorBody,
} from './errors';
import type { HttpResult } from './http';
import { formatBytes } from './limits';
import { type Secrets, redactSecrets } from './redact';
import { header, readLimitHints } from './retry';

type OkResponse = Extract<HttpResult, { type: 'response' }>;

export type FailureReason = 'final' | 'exhausted' | 'ambiguous' | 'rate-limit';

export interface FailureContext {
  route: RouteName;
  /** `METHOD /cloudview-api/rest/v1/...`, without the query. */
  where: string;
  /** For ambiguous-write messages, e.g. `create of exception "x"`. */
  action?: string;
  attempts: number;
  secrets: Secrets;
  nowMs: number;
}

const REQUEST_ID_HEADERS = ['x-request-id', 'x-qualys-request-id', 'x-correlation-id', 'x-amzn-requestid'];

/**
 * Public Qualys scripts treat a JSON body carrying `errorCode` (Qualys) or Spring's `{status, error}` as an
 * error even under a 2xx: a delete must not read as done, nor a list as a shape error that hides the
 * server's message. The status is Spring's when it gives one.
 */
export function embeddedErrorStatus(result: OkResponse): number | undefined {
  if (!result.text.includes('"error')) return undefined;
  let body: unknown;
  try {
    body = JSON.parse(result.text);
  } catch {
    return undefined;
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return undefined;
  const record = body as Record<string, unknown>;
  if (typeof record.status === 'number' && record.status >= 400 && record.status < 600 && typeof record.error === 'string') return record.status;
  if ((typeof record.errorCode === 'string' && record.errorCode !== '') || typeof record.errorCode === 'number') return result.status;
  return undefined;
}

/**
 * A 2xx whose body went past the route's cap: never read whole. A create or delete the server accepted
 * may have happened, so it says so.
 */
export function tooLargeError(context: FailureContext, result: OkResponse, limit: number, write: boolean): ResponseShapeError {
  const done = write ? `; the server accepted it (HTTP ${result.status}), so it may have happened: ${context.route === 'exceptions.create' ? 'look it up by name' : 'check by uuid'} before trying again` : '';
  return new ResponseShapeError(
    `unexpected response shape from ${context.route}: ${context.where}: the response body is larger than ${formatBytes(limit)}, the most cvex reads from ${context.route}; it stopped reading (a broken or hostile server?)${done}`,
    { route: context.route, status: result.status, mayHaveHappened: write },
  );
}

export function failureError(context: FailureContext, result: HttpResult, reason: FailureReason): ApiError {
  const { route, where } = context;
  const tries = context.attempts > 1 ? ` after ${context.attempts} attempts` : '';
  const clean = (text: string) => redactSecrets(text, context.secrets);
  const echoed = (text: string) => redactSecrets(text, context.secrets, { echoed: true });
  const action = context.action ?? route;
  const checkHint = route === 'exceptions.create' ? 'look it up by name before trying again' : 'check by uuid before trying again';

  if (result.type === 'network') {
    const what = {
      reset: 'connection reset',
      timeout: 'timed out',
      refused: 'could not connect',
      tls: 'TLS verification failed (use --ca-file for a private CA)',
      other: 'network failure',
    }[result.kind];
    if (reason === 'ambiguous') {
      return new AmbiguousWriteError(clean(`${action} may have happened: ${what} after the request was sent (${where}: ${result.detail}); ${checkHint}`), {
        route,
        status: 0,
      });
    }
    return new NetworkError(clean(`${where}: ${what}${tries} (${result.detail})`), { route, status: 0, kind: result.kind });
  }

  const body = parseErrorBody(result.status, result.statusText, result.text);
  // Message, errorCode and request id are server text: cleaned as echoed, they become error properties.
  const errorCode = body.errorCode === undefined ? undefined : echoed(body.errorCode);
  const rawRequestId = REQUEST_ID_HEADERS.map((name) => header(result.headers, name)).find((value) => value !== undefined);
  const requestId = rawRequestId === undefined ? undefined : echoed(rawRequestId);
  const suffix = `${errorCode ? ` [${errorCode}]` : ''}${requestId ? ` (request id ${requestId})` : ''}`;
  const details = { route, status: result.status, errorCode, requestId };
  const statusPart = `HTTP ${result.status}`;
  const serverMessage = echoed(body.message);
  const message = serverMessage.startsWith(statusPart) ? serverMessage : `${statusPart}: ${serverMessage}`;

  if (result.status === 401 || result.status === 403) {
    return new AuthError(clean(`${where}: ${message}${suffix}; check QUALYS_USERNAME / QUALYS_PASSWORD and that the user may call the CloudView API`), details);
  }
  if (reason === 'rate-limit') {
    const hints = readLimitHints(result.headers, context.nowMs);
    const waitText = hints.waitMs !== undefined ? `; the server asks to wait ${Math.ceil(hints.waitMs / 1000)} s` : '';
    const error = new RateLimitError(clean(`${where}: rate or concurrency limit (${message})${tries}${waitText}${suffix}`), details);
    error.retryAfterMs = hints.waitMs;
    return error;
  }
  if (reason === 'ambiguous') {
    return new AmbiguousWriteError(clean(`${action} may have happened: the server answered ${message}${suffix} after receiving it; ${checkHint}`), details);
  }
  if (result.status >= 300 && result.status < 400) {
    const location = header(result.headers, 'location');
    return new ApiError(clean(`${where}: HTTP ${result.status} redirect${location ? ` to ${echoed(location)}` : ''}; check --platform / --api-url`), details);
  }
  return new ApiError(clean(`${where}: ${message}${tries}${suffix}`), details);
}
