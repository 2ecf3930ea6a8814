// The rate-limit reserve for replaces, with an injected clock: start, wait for a replace in flight,
// wait out an announced window reset, or skip with the reason.
import { describe, expect, it } from 'vitest';
import { type RateLimitState, ReplaceReserve } from '../../src/reconcile/rate-reserve';

function clock(startMs = 1_000) {
  let now = startMs;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      now += ms;
    },
  };
}

describe('ReplaceReserve', () => {
  it('starts while 2 × (in flight + 1) + reserve calls are left; unknown limits never hold a replace back', async () => {
    let state: RateLimitState | undefined = { remaining: 9, atMs: 0 };
    const reserve = new ReplaceReserve({ readState: () => state, reserve: 5, clock: clock(), waitUntilMs: 10_000 });
    expect(await reserve.acquire()).toEqual({ go: true }); // needs 7
    expect(await reserve.acquire()).toEqual({ go: true }); // needs 9
    let settled = false;
    const third = reserve.acquire().finally(() => (settled = true)); // needs 11: waits for those in flight
    state = { remaining: 7, atMs: 1 };
    reserve.release();
    await Promise.resolve();
    expect(settled).toBe(false); // one still in flight: needs 9, waits again
    state = { remaining: 5, atMs: 2 };
    reserve.release();
    expect(await third).toMatchObject({ go: false, reason: expect.stringContaining('has 5 calls left and a replace needs 7') });
    state = undefined;
    expect(await new ReplaceReserve({ readState: () => state, reserve: 5, clock: clock(), waitUntilMs: 0 }).acquire()).toEqual({ go: true });
  });

  it('waits out a window reset the server announced when it ends before the deadline, else skips', async () => {
    const time = clock(1_000);
    const state: RateLimitState = { remaining: 0, waitMs: 30_000, atMs: 1_000 };
    expect(await new ReplaceReserve({ readState: () => state, reserve: 5, clock: time, waitUntilMs: 60_000 }).acquire()).toEqual({ go: true });
    expect(time.sleeps).toEqual([30_000]);
    const late = clock(1_000);
    expect(await new ReplaceReserve({ readState: () => state, reserve: 5, clock: late, waitUntilMs: 20_000 }).acquire()).toMatchObject({ go: false });
    expect(late.sleeps).toEqual([]);
  });

  it('an interrupt ends the wait: the replace does not start', async () => {
    const controller = new AbortController();
    controller.abort();
    const reserve = new ReplaceReserve({ readState: () => ({ remaining: 0, atMs: 0 }), reserve: 5, clock: clock(), waitUntilMs: 0, signal: controller.signal });
    expect(await reserve.acquire()).toEqual({ go: false, reason: 'interrupted' });
  });
});
