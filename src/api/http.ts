// One HTTP exchange with CloudView over an undici Pool: bounded concurrency, a per-request timeout
// that covers headers and body, TLS verified (optionally against a private CA), Basic auth.
// No retries here (retry.ts decides, client.ts loops); failures come back as data.
import { rootCertificates } from 'node:tls';
import type { Pool as UndiciPool } from 'undici';
import type { NetworkFailure } from './errors';
import type { HeaderBag } from './retry';

export interface HttpOptions {
  /** `<origin>/cloudview-api`, already normalised (platforms.ts). */
  baseUrl: string;
  username: string;
  password: string;
  /** Calls in flight at once. Default 2, the common Qualys per-API limit. */
  concurrency?: number;
  /** Per request, from the moment it gets a slot until its body is read. Default 30 s. */
  timeoutMs?: number;
  /** PEM CA bundle for private-cloud platforms; added to verification, which is never turned off. */
  ca?: string | Buffer;
  /** Sent as `X-Requested-With`, as Qualys's own scripts do. */
  clientName?: string;
}

export const HTTP_DEFAULTS = {
  concurrency: 2,
  timeoutMs: 30_000,
  clientName: 'cvex',
} as const satisfies Partial<HttpOptions>;

export interface HttpRequest {
  method: 'GET' | 'POST' | 'DELETE';
  /** Under the base URL, e.g. `/rest/v1/exceptions/list`. */
  path: string;
  query?: Record<string, string | number | undefined>;
  /** Sent as JSON. */
  body?: unknown;
  /** Stop reading the answer's body past this many bytes (limits.ts); `truncated` then says so. Default: no cap. */
  maxBodyBytes?: number;
}

export type HttpResult =
  /** `truncated`: the body went past `maxBodyBytes`; `text` holds its first `maxBodyBytes` and the rest was never read. */
  | { type: 'response'; status: number; statusText: string; headers: HeaderBag; text: string; truncated?: boolean }
  | { type: 'network'; kind: NetworkFailure; detail: string };

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed', 409: 'Conflict',
  429: 'Too Many Requests', 500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout',
};

const TLS_CODES = /^(CERT_|ERR_TLS_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|ERR_SSL_|HOSTNAME_MISMATCH)/;

function errorCodes(error: unknown): string[] {
  const codes: string[] = [];
  for (let current = error, depth = 0; current && typeof current === 'object' && depth < 5; depth += 1) {
    const record = current as { code?: unknown; name?: unknown; cause?: unknown };
    if (typeof record.code === 'string') codes.push(record.code);
    if (typeof record.name === 'string') codes.push(record.name);
    current = record.cause;
  }
  return codes;
}

/** Sorts an undici / socket error into the few kinds retry.ts reasons about. */
export function classifyNetworkError(error: unknown): NetworkFailure {
  const codes = errorCodes(error);
  if (codes.some((code) => TLS_CODES.test(code))) return 'tls';
  if (codes.some((code) => ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT', 'EHOSTUNREACH', 'ENETUNREACH'].includes(code))) {
    return 'refused';
  }
  if (codes.some((code) => ['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'TimeoutError', 'ETIMEDOUT'].includes(code))) return 'timeout';
  if (codes.some((code) => ['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'ECONNABORTED'].includes(code))) return 'reset';
  return 'other';
}

function describe(error: unknown): string {
  const codes = errorCodes(error).filter((code) => code !== 'Error');
  const message = error instanceof Error ? error.message : String(error);
  return [...new Set(codes)].slice(0, 2).concat(message ? [message] : []).join(': ').replace(/\s+/g, ' ');
}

/** Counts permits; the limit can shrink when the server says it allows fewer concurrent calls. */
class Slots {
  private running = 0;
  private readonly waiting: Array<() => void> = [];
  constructor(private limit: number) {}

  async acquire(): Promise<void> {
    if (this.running < this.limit) {
      this.running += 1;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  release(): void {
    const next = this.running <= this.limit ? this.waiting.shift() : undefined;
    if (next) next();
    else this.running -= 1;
  }

  lower(limit: number): void {
    this.limit = Math.max(1, Math.min(this.limit, limit));
  }

  get current(): number {
    return this.limit;
  }
}

// The Pool and its request() alone: undici's index also loads fetch, WebSocket, cookies and, through
// them, Node's own copy of undici: about 130 ms of CPU at every start. The index attaches request()
// to every dispatcher's prototype; called on the pool here instead. The version is pinned exactly.
const Pool = require('undici/lib/dispatcher/pool') as typeof UndiciPool;
const poolRequest = require('undici/lib/api/api-request') as (this: UndiciPool, options: Parameters<UndiciPool['request']>[0]) => ReturnType<UndiciPool['request']>;

export class HttpTransport {
  private readonly pool: UndiciPool;
  private readonly slots: Slots;
  private readonly basePath: string;
  private readonly headers: Record<string, string>;
  private readonly timeoutMs: number;
  private closed = false;

  constructor(options: HttpOptions) {
    const base = new URL(options.baseUrl);
    const concurrency = options.concurrency ?? HTTP_DEFAULTS.concurrency;
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError('concurrency must be a positive integer');
    this.timeoutMs = options.timeoutMs ?? HTTP_DEFAULTS.timeoutMs;
    this.basePath = base.pathname.replace(/\/+$/, '');
    this.slots = new Slots(concurrency);
    this.pool = new Pool(base.origin, {
      connections: concurrency,
      pipelining: 1,
      // Node's `ca` replaces the bundled Mozilla roots; keep them and add the private CA.
      connect: { rejectUnauthorized: true, ...(options.ca !== undefined ? { ca: [...rootCertificates, options.ca.toString()] } : {}), timeout: this.timeoutMs },
      headersTimeout: this.timeoutMs,
      bodyTimeout: this.timeoutMs,
    });
    this.headers = {
      authorization: `Basic ${Buffer.from(`${options.username}:${options.password}`, 'utf8').toString('base64')}`,
      accept: 'application/json',
      'x-requested-with': options.clientName ?? HTTP_DEFAULTS.clientName,
    };
  }

  /** The concurrency now in force (lowered when a 429 names a smaller limit). */
  get concurrency(): number {
    return this.slots.current;
  }

  lowerConcurrency(limit: number): void {
    this.slots.lower(limit);
  }

  /** `/cloudview-api/rest/v1/...?query`, as sent. */
  pathOf(request: HttpRequest): string {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(request.query ?? {})) {
      if (value !== undefined) params.set(key, String(value));
    }
    const search = params.toString();
    return `${this.basePath}${request.path}${search ? `?${search}` : ''}`;
  }

  /** `beforeSend` runs once the call holds a slot (the client's rate-limit pause, which queued calls must honour too). */
  async send(request: HttpRequest, beforeSend?: () => Promise<void>): Promise<HttpResult> {
    await this.slots.acquire();
    if (beforeSend && !this.closed) await beforeSend();
    if (this.closed) {
      // Queued behind the slots when the client closed: never sent, so not ambiguous even for a write.
      this.slots.release();
      return { type: 'network', kind: 'refused', detail: 'the client was closed before the request was sent' };
    }
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new TimeoutFired(this.timeoutMs)), this.timeoutMs);
    try {
      const headers: Record<string, string> = { ...this.headers };
      let body: string | undefined;
      if (request.body !== undefined) {
        body = JSON.stringify(request.body);
        headers['content-type'] = 'application/json';
      }
      const response = await poolRequest.call(this.pool, {
        path: this.pathOf(request),
        method: request.method,
        headers,
        body,
        signal: controller.signal,
      });
      const { text, truncated } = await readCapped(response.body, response.headers as HeaderBag, request.maxBodyBytes ?? Number.POSITIVE_INFINITY);
      return {
        type: 'response',
        status: response.statusCode,
        statusText: STATUS_TEXT[response.statusCode] ?? '',
        headers: response.headers as HeaderBag,
        text,
        ...(truncated ? { truncated } : {}),
      };
    } catch (error) {
      if (error instanceof TimeoutFired || controller.signal.aborted) {
        return { type: 'network', kind: 'timeout', detail: `no complete answer within ${this.timeoutMs} ms` };
      }
      return { type: 'network', kind: classifyNetworkError(error), detail: describe(error) };
    } finally {
      clearTimeout(timer);
      this.slots.release();
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    // destroy, not close: a hung request must not keep the process alive.
    await this.pool.destroy();
  }
}

/**
 * Reads a body chunk by chunk up to `limit` bytes, so an endless or padded body never sits whole in
 * memory. Past the limit (or when Content-Length already says so) reading stops and the stream is
 * destroyed, which ends the connection.
 */
async function readCapped(body: AsyncIterable<unknown> & { destroy(): unknown }, headers: HeaderBag, limit: number): Promise<{ text: string; truncated: boolean }> {
  const announced = Number(Array.isArray(headers['content-length']) ? headers['content-length'][0] : headers['content-length']);
  if (Number.isFinite(announced) && announced > limit) {
    body.destroy();
    return { text: '', truncated: true };
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const bytes = chunk as Buffer;
    if (size + bytes.length > limit) {
      chunks.push(bytes.subarray(0, limit - size));
      body.destroy();
      return { text: Buffer.concat(chunks).toString('utf8'), truncated: true };
    }
    chunks.push(bytes);
    size += bytes.length;
  }
  return { text: Buffer.concat(chunks).toString('utf8'), truncated: false };
}

class TimeoutFired extends Error {
  override name = 'TimeoutFired';
  constructor(ms: number) {
    super(`timed out after ${ms} ms`);
  }
}
