// One replace: there is no update endpoint and names are unique, so the new exception cannot be
// created while the old one holds the name: delete the old, then create the new, back to back. For
// the moment between the two calls the resources are not exempt; the result reports that gap.
// If the create fails, the exemption stays lifted, so the create is retried (only once looking
// showed it absent, with backoff ending before the deadline) and, if it still fails, the result is
// marked `missing` for the report to say so loudly. Creating under a temporary name first would
// need a rename, which the API does not have either.
import type { RetryClock } from '../api/retry';
import type { OperationResult } from './execute';
import type { CreateSettler } from './settle';
import { deleteOne, sendCreate, type CreateOutcome, type ExecuteApi, type MarkerStamp } from './writes';
import type { PlanChange } from './types';

export const CREATE_RETRY = {
  baseDelayMs: 1_000,
  maxDelayMs: 60_000,
} as const satisfies Record<string, number>;

export interface ReplaceContext {
  commit: string;
  /** The owner (and signing key) the new exception's marker carries: a replace re-stamps legacy and taken-over ones. */
  stamp: MarkerStamp;
  clock: Pick<RetryClock, 'now' | 'sleep'>;
  /** Clock ms by which retries must end. */
  deadlineMs: number;
  /** True once the run was interrupted: then the create is tried once more, at once, not on a schedule. */
  stopping: () => boolean;
  /** Wakes a backoff wait when the run is interrupted. */
  signal?: AbortSignal;
  /** Settles an ambiguous create: by name, else a listing shared with the other replaces (settle.ts). */
  settler: CreateSettler;
}

type ReplaceChange = Extract<PlanChange, { action: 'replace' }>;

export async function replaceOne(api: ExecuteApi, change: ReplaceChange, context: ReplaceContext): Promise<OperationResult> {
  const base = { operation: 'replace' as const, name: change.name, uuidBefore: change.uuid };
  const deleted = await deleteOne(api, change.uuid);
  if (!deleted.ok) return { ...base, uuidAfter: null, result: 'failed', error: `delete of the old exception failed, it is still in place: ${deleted.error}` };
  const liftedAt = context.clock.now();
  const { outcome, attempts } = await createWithRetry(api, change, context);
  if (outcome.kind === 'created') {
    return {
      ...base,
      uuidAfter: outcome.uuid,
      result: 'succeeded',
      gapMs: Math.max(0, context.clock.now() - liftedAt),
      createAttempts: attempts,
      ...(deleted.verified || outcome.verified ? { verified: true } : {}),
    };
  }
  return {
    ...base,
    uuidAfter: null,
    result: 'failed',
    missing: true,
    createAttempts: attempts,
    error: `old exception deleted, new one not created after ${attempts} ${attempts === 1 ? 'attempt' : 'attempts'}: its resources are NOT exempt until apply runs again: ${outcome.error}`,
  };
}

function retryable(outcome: CreateOutcome): boolean {
  return outcome.kind === 'absent' || outcome.kind === 'unsettled';
}

/** One create sent, an ambiguous failure settled before anything is sent again. */
async function createOnce(api: ExecuteApi, change: ReplaceChange, context: ReplaceContext): Promise<CreateOutcome> {
  const sent = await sendCreate(api, change.spec, context.commit, context.stamp);
  return sent.kind === 'ambiguous' ? context.settler.settle(change.spec, sent.error) : sent;
}

async function createWithRetry(api: ExecuteApi, change: ReplaceChange, context: ReplaceContext): Promise<{ outcome: CreateOutcome; attempts: number }> {
  const { clock } = context;
  let attempts = 1;
  let outcome = await createOnce(api, change, context);
  let lastTryAfterStop = false;
  for (let round = 1; retryable(outcome); round += 1) {
    if (context.stopping()) {
      // Interrupted: this change is in flight, so it gets one more try now, then the run ends.
      if (lastTryAfterStop) break;
      lastTryAfterStop = true;
    } else {
      const backoff = Math.min(CREATE_RETRY.maxDelayMs, CREATE_RETRY.baseDelayMs * 2 ** (round - 1));
      const wait = Math.max(backoff, outcome.kind === 'absent' ? (outcome.retryAfterMs ?? 0) : 0);
      if (clock.now() + wait > context.deadlineMs) break;
      await clock.sleep(wait, context.signal);
      if (context.stopping()) lastTryAfterStop = true;
    }
    // Sent again only once looking found it absent: a create that may have happened is looked up first.
    if (outcome.kind === 'unsettled') {
      outcome = await context.settler.settle(change.spec, outcome.error);
      if (!retryable(outcome) || outcome.kind === 'unsettled') continue;
    }
    attempts += 1;
    outcome = await createOnce(api, change, context);
  }
  return { outcome, attempts };
}
