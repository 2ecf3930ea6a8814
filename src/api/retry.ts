// When to try a request again, and after how long. Pure: time and randomness come in as arguments.
// GETs retry on 5xx, resets and timeouts with exponential backoff and jitter. Creates and deletes
// never do after an ambiguous failure (the server may have done the work); every method retries a
// 409/429 rate or concurrency refusal, because then the server did nothing.
import type { NetworkFailure } from './errors';

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  /** Backoff before the 2nd attempt; doubles each time. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** Longest server-requested wait (Retry-After, X-RateLimit-ToWait-Sec) we sleep through; past it, fail fast. */
  maxRetryAfterMs: number;
  /** Wait after a 429 / 409 that gives no hint. */
  fallbackRetryAfterMs: number;
}

export const DEFAULT_RETRY_POLICY = {
  maxAttempts: 5,
  baseDelayMs: 250,
  maxDelayMs: 8_000,
  // A common subscription allows 300 calls per hour: a full window can be an hour, which a CLI should report, not sit through.
  maxRetryAfterMs: 60_000,
  fallbackRetryAfterMs: 2_000,
} as const satisfies RetryPolicy;

/** Injectable time so retry tests run in milliseconds. */
export interface RetryClock {
  now(): number;
  /** Resolves early once `signal` aborts (the client closing), so no timer outlives the client. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** In [0, 1). */
  random(): number;
}

export const systemClock: RetryClock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal?.addEventListener('abort', done, { once: true });
    }),
  random: () => Math.random(),
};

export type HeaderBag = Record<string, string | string[] | undefined>;

export function header(headers: HeaderBag, name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

/** `Retry-After` as delta seconds or an HTTP date, in ms from `nowMs`; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  if (!/[a-z]/i.test(text)) return undefined;
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - nowMs);
}

function seconds(value: string | undefined): number | undefined {
  if (value === undefined || !/^\s*\d+(\.\d+)?\s*$/.test(value)) return undefined;
  return Math.round(Number(value) * 1000);
}

function integer(value: string | undefined): number | undefined {
  if (value === undefined || !/^\s*\d+\s*$/.test(value)) return undefined;
  return Number(value);
}

export interface LimitHints {
  /** The longest wait any header asks for, in ms. */
  waitMs?: number;
  /** `X-RateLimit-Remaining`. */
  remaining?: number;
  /** `X-Concurrency-Limit-Limit`: how many calls may run at once. */
  concurrencyLimit?: number;
  /** Whether any rate or concurrency header is present at all. */
  present: boolean;
}

/** Reads Retry-After, X-RateLimit-* and X-Concurrency-Limit-* (the classic Qualys limit headers). */
export function readLimitHints(headers: HeaderBag, nowMs: number): LimitHints {
  const waits = [parseRetryAfter(header(headers, 'retry-after'), nowMs), seconds(header(headers, 'x-ratelimit-towait-sec'))].filter(
    (ms): ms is number => ms !== undefined,
  );
  const names = Object.keys(headers).map((name) => name.toLowerCase());
  return {
    waitMs: waits.length > 0 ? Math.max(...waits) : undefined,
    remaining: integer(header(headers, 'x-ratelimit-remaining')),
    concurrencyLimit: integer(header(headers, 'x-concurrency-limit-limit')),
    present: names.some((name) => name === 'retry-after' || name.startsWith('x-ratelimit-') || name.startsWith('x-concurrency-limit-')),
  };
}

/** Exponential backoff with "equal jitter": half the step fixed, half random, so retries spread but never hit 0. */
export function backoffDelayMs(attempt: number, policy: RetryPolicy, random: () => number): number {
  const step = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(step / 2 + random() * (step / 2));
}

export type AttemptOutcome =
  | { type: 'response'; status: number; headers: HeaderBag }
  | { type: 'network'; kind: NetworkFailure };

export type RetryDecision =
  | { action: 'done' }
  | { action: 'retry'; delayMs: number; rateLimited: boolean }
  /** `ambiguous`: a write failed after it was sent. `rate-limit`: refused and no (affordable) retry left. */
  | { action: 'fail'; reason: 'final' | 'exhausted' | 'ambiguous' | 'rate-limit' };

export interface DecideInput {
  /** 1 for the first attempt. */
  attempt: number;
  /** GET: safe to send again. POST create / DELETE: not. */
  idempotent: boolean;
  policy: RetryPolicy;
  nowMs: number;
  random: () => number;
}

export function isRateLimitResponse(status: number, hints: LimitHints): boolean {
  // Classic Qualys APIs answer 409 for limits (with X-RateLimit-* headers); gateway APIs 429.
  // A 409 without any limit header is some other conflict and is not retried. Nor is one whose headers show
  // budget left and no wait: those APIs put X-RateLimit-* on every answer, so their presence alone proves nothing.
  if (status === 429) return true;
  if (status !== 409 || !hints.present) return false;
  const budgetLeft = hints.remaining !== undefined && hints.remaining > 0 && !(hints.waitMs !== undefined && hints.waitMs > 0);
  return !budgetLeft || hints.concurrencyLimit !== undefined;
}

export function decideRetry(outcome: AttemptOutcome, input: DecideInput): RetryDecision {
  const { attempt, idempotent, policy } = input;
  const canRetry = attempt < policy.maxAttempts;
  if (outcome.type === 'network') {
    if (outcome.kind === 'tls') return { action: 'fail', reason: 'final' };
    // Refused: nothing was sent, so even a write may go again.
    if (!idempotent && outcome.kind !== 'refused') return { action: 'fail', reason: 'ambiguous' };
    if (!canRetry) return { action: 'fail', reason: 'exhausted' };
    return { action: 'retry', delayMs: backoffDelayMs(attempt, policy, input.random), rateLimited: false };
  }
  const { status, headers } = outcome;
  if (status >= 200 && status < 300) return { action: 'done' };
  // Redirects are not followed: an API answering one is a wrong URL or a login page, not data.
  if (status < 400) return { action: 'fail', reason: 'final' };
  const hints = readLimitHints(headers, input.nowMs);
  if (isRateLimitResponse(status, hints)) {
    const waitMs = hints.waitMs ?? policy.fallbackRetryAfterMs;
    if (!canRetry || waitMs > policy.maxRetryAfterMs) return { action: 'fail', reason: 'rate-limit' };
    // A little jitter so two queued calls do not knock again in the same millisecond.
    return { action: 'retry', delayMs: waitMs + Math.round(input.random() * Math.min(250, waitMs / 10 + 50)), rateLimited: true };
  }
  if (status >= 500 && status !== 501 && status !== 505) {
    if (!idempotent) return { action: 'fail', reason: 'ambiguous' };
    if (!canRetry) return { action: 'fail', reason: 'exhausted' };
    const hinted = hints.waitMs !== undefined && hints.waitMs <= policy.maxRetryAfterMs ? hints.waitMs : undefined;
    return { action: 'retry', delayMs: Math.max(hinted ?? 0, backoffDelayMs(attempt, policy, input.random)), rateLimited: false };
  }
  return { action: 'fail', reason: 'final' };
}
