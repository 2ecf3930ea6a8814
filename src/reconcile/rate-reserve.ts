// Keeps a replace from starting when the rate-limit window could end between its delete and its
// create: the old exception would be gone and the new one refused for up to an hour.
// A replace starts only when the last answer's X-RateLimit-Remaining is at least
// 2 × (replaces in flight + 1) + the reserve; otherwise it waits for a replace in flight to finish,
// or for a window reset the server announced, or is skipped (the old exception stays in place).
import type { RetryClock } from '../api/retry';

/** What the client last read of the rate limit (src/api/client.ts `rateLimitState`). */
export interface RateLimitState {
  /** X-RateLimit-Remaining of the last answer that carried it. */
  remaining: number;
  /** The wait the server asked for with it (X-RateLimit-ToWait-Sec, Retry-After), when it did. */
  waitMs?: number;
  /** When that answer arrived (the clock's ms). */
  atMs: number;
}

export const REPLACE_RESERVE_DEFAULT = 5;

/** Calls one replace needs: the delete and the create. */
const CALLS_PER_REPLACE = 2;

export type ReserveDecision = { go: true } | { go: false; reason: string };

export interface ReplaceReserveOptions {
  readState: () => RateLimitState | undefined;
  reserve: number;
  clock: Pick<RetryClock, 'now' | 'sleep'>;
  /** The latest time a wait for a window reset may end (ms on the clock). */
  waitUntilMs: number;
  signal?: AbortSignal;
}

export class ReplaceReserve {
  private inFlight = 0;
  private released: Array<() => void> = [];
  /** When the answer was read whose announced window reset we waited out. */
  private resetWaitedAt = 0;

  constructor(private readonly options: ReplaceReserveOptions) {}

  /** Resolves when this replace may start (then call release() when it ends), or says why not. */
  async acquire(): Promise<ReserveDecision> {
    let waitedForReset = false;
    for (;;) {
      const state = this.options.readState();
      const need = CALLS_PER_REPLACE * (this.inFlight + 1) + this.options.reserve;
      // Unknown (the API sent no limit headers), enough left, or a window reset we just waited out.
      if (!state || state.remaining >= need || (waitedForReset && state.atMs <= this.resetWaitedAt)) {
        this.inFlight += 1;
        return { go: true };
      }
      if (this.options.signal?.aborted) return { go: false, reason: 'interrupted' };
      if (this.inFlight > 0) {
        // A replace in flight will answer with a fresher count: decide again then.
        await new Promise<void>((resolve) => this.released.push(resolve));
        continue;
      }
      const resetAt = state.waitMs !== undefined && state.waitMs > 0 ? state.atMs + state.waitMs : undefined;
      if (resetAt !== undefined && !waitedForReset && resetAt <= this.options.waitUntilMs) {
        await this.options.clock.sleep(Math.max(0, resetAt - this.options.clock.now()), this.options.signal);
        if (this.options.signal?.aborted) return { go: false, reason: 'interrupted' };
        waitedForReset = true;
        this.resetWaitedAt = state.atMs;
        continue;
      }
      return {
        go: false,
        reason:
          `not started: the rate-limit window has ${state.remaining} calls left and a replace needs ${need} ` +
          `(2 per replace in flight, plus a reserve of ${this.options.reserve}: config replaceReserve); the old exception is still in place, run apply again after the window resets`,
      };
    }
  }

  release(): void {
    this.inFlight -= 1;
    const waiting = this.released;
    this.released = [];
    for (const resolve of waiting) resolve();
  }
}
