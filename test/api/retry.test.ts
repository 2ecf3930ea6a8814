import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY_POLICY, backoffDelayMs, decideRetry, parseRetryAfter, readLimitHints } from '../../src/api/retry';

const NOW = Date.parse('2026-11-23T12:00:00Z');
const base = { attempt: 1, idempotent: true, policy: DEFAULT_RETRY_POLICY, nowMs: NOW, random: () => 0.5 };

describe('parseRetryAfter', () => {
  it('reads delta seconds and HTTP dates', () => {
    expect(parseRetryAfter('3', NOW)).toBe(3000);
    expect(parseRetryAfter(' 1.5 ', NOW)).toBe(1500);
    expect(parseRetryAfter('Mon, 23 Nov 2026 12:00:10 GMT', NOW)).toBe(10_000);
    expect(parseRetryAfter('Mon, 23 Nov 2026 11:00:00 GMT', NOW)).toBe(0);
  });
  it('ignores absent or unreadable values', () => {
    expect(parseRetryAfter(undefined, NOW)).toBeUndefined();
    expect(parseRetryAfter('soon', NOW)).toBeUndefined();
    expect(parseRetryAfter('-5', NOW)).toBeUndefined();
  });
});

describe('readLimitHints', () => {
  it('takes the longest of Retry-After and X-RateLimit-ToWait-Sec and reads the concurrency limit', () => {
    expect(readLimitHints({ 'retry-after': '2', 'x-ratelimit-towait-sec': '7', 'x-ratelimit-remaining': '0' }, NOW)).toEqual({
      waitMs: 7000,
      remaining: 0,
      concurrencyLimit: undefined,
      present: true,
    });
    expect(readLimitHints({ 'x-concurrency-limit-limit': '1', 'x-concurrency-limit-running': '1' }, NOW)).toMatchObject({ concurrencyLimit: 1, present: true });
    expect(readLimitHints({ 'content-type': 'application/json' }, NOW).present).toBe(false);
  });
});

describe('backoff', () => {
  it('doubles per attempt up to the cap, with jitter in the upper half', () => {
    const policy = { ...DEFAULT_RETRY_POLICY, baseDelayMs: 100, maxDelayMs: 1000 };
    expect(backoffDelayMs(1, policy, () => 0)).toBe(50);
    expect(backoffDelayMs(1, policy, () => 0.999)).toBe(100);
    expect(backoffDelayMs(2, policy, () => 0)).toBe(100);
    expect(backoffDelayMs(3, policy, () => 0)).toBe(200);
    expect(backoffDelayMs(10, policy, () => 0.999)).toBe(1000);
  });
});

describe('decideRetry', () => {
  const response = (status: number, headers: Record<string, string> = {}) => ({ type: 'response' as const, status, headers });

  it('is done on success and final on client errors', () => {
    expect(decideRetry(response(200), base)).toEqual({ action: 'done' });
    expect(decideRetry(response(204), base)).toEqual({ action: 'done' });
    expect(decideRetry(response(400), base)).toEqual({ action: 'fail', reason: 'final' });
    expect(decideRetry(response(401), base)).toEqual({ action: 'fail', reason: 'final' });
    expect(decideRetry(response(404), base)).toEqual({ action: 'fail', reason: 'final' });
  });

  it('retries GETs on 5xx, resets and timeouts until the attempts run out', () => {
    expect(decideRetry(response(503), base)).toMatchObject({ action: 'retry', rateLimited: false });
    expect(decideRetry({ type: 'network', kind: 'reset' }, base)).toMatchObject({ action: 'retry' });
    expect(decideRetry({ type: 'network', kind: 'timeout' }, base)).toMatchObject({ action: 'retry' });
    expect(decideRetry(response(500), { ...base, attempt: DEFAULT_RETRY_POLICY.maxAttempts })).toEqual({ action: 'fail', reason: 'exhausted' });
    expect(decideRetry(response(501), base)).toEqual({ action: 'fail', reason: 'final' });
    expect(decideRetry({ type: 'network', kind: 'tls' }, base)).toEqual({ action: 'fail', reason: 'final' });
  });

  it('never resends a write after an ambiguous failure, but does when nothing was sent', () => {
    const write = { ...base, idempotent: false };
    expect(decideRetry(response(500), write)).toEqual({ action: 'fail', reason: 'ambiguous' });
    expect(decideRetry(response(502), write)).toEqual({ action: 'fail', reason: 'ambiguous' });
    expect(decideRetry({ type: 'network', kind: 'reset' }, write)).toEqual({ action: 'fail', reason: 'ambiguous' });
    expect(decideRetry({ type: 'network', kind: 'timeout' }, write)).toEqual({ action: 'fail', reason: 'ambiguous' });
    expect(decideRetry({ type: 'network', kind: 'other' }, write)).toEqual({ action: 'fail', reason: 'ambiguous' });
    expect(decideRetry({ type: 'network', kind: 'refused' }, write)).toMatchObject({ action: 'retry' });
  });

  it('waits what 409/429 ask, for writes too, and fails fast past the cap', () => {
    const write = { ...base, idempotent: false, random: () => 0 };
    expect(decideRetry(response(429, { 'retry-after': '3' }), write)).toEqual({ action: 'retry', delayMs: 3000, rateLimited: true });
    expect(decideRetry(response(409, { 'x-ratelimit-towait-sec': '4', 'x-ratelimit-remaining': '0' }), write)).toEqual({ action: 'retry', delayMs: 4000, rateLimited: true });
    expect(decideRetry(response(429), write)).toEqual({ action: 'retry', delayMs: DEFAULT_RETRY_POLICY.fallbackRetryAfterMs, rateLimited: true });
    expect(decideRetry(response(409, { 'x-ratelimit-towait-sec': '3600' }), write)).toEqual({ action: 'fail', reason: 'rate-limit' });
    expect(decideRetry(response(429, { 'retry-after': '1' }), { ...write, attempt: 5 })).toEqual({ action: 'fail', reason: 'rate-limit' });
  });

  it('treats a 409 without limit headers as a plain conflict', () => {
    expect(decideRetry(response(409), base)).toEqual({ action: 'fail', reason: 'final' });
  });
});
