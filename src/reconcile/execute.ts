// Applies a plan through a CloudViewApi. Order keeps exemptions in force as long as possible:
// creates, then replaces, then deletes (batched). A failure on one exception never stops the
// others. A create or delete that failed ambiguously (reset, timeout, 5xx after sending) is
// settled by looking — by name for a create (names are unique; misses share one listing per
// round, settle.ts), by uuid or a re-list for a delete — and never resent blindly: re-running
// apply converges instead.
// Once interrupted (Ctrl-C, SIGTERM) nothing new starts; a replace whose delete went through still
// gets its create (replace.ts), since stopping there would leave the exemption lifted.
import { systemClock, type RetryClock } from '../api/retry';
import type { ExceptionSpec } from '../model/exception';
import { API_CONCURRENCY, chunk, mapWithConcurrency } from './concurrency';
import { LOCAL_OWNER } from './marker';
import { REPLACE_RESERVE_DEFAULT, ReplaceReserve } from './rate-reserve';
import { listRemoteExceptions } from './remote';
import { replaceOne } from './replace';
import type { Plan, PlanChange } from './types';
import { CreateSettler } from './settle';
import { sendCreate, type CreateOutcome, type ExecuteApi, type MarkerStamp, mayHaveHappened, messageOf, statusOf } from './writes';

export { createBodyOf, type CreateOutcome, type ExecuteApi, type MarkerStamp } from './writes';

export interface OperationResult {
  operation: 'create' | 'delete' | 'replace';
  name: string;
  uuidBefore: string | null;
  uuidAfter: string | null;
  /** `skipped`: not started for a reason the report gives (rate-limit reserve); nothing changed. */
  result: 'succeeded' | 'failed' | 'skipped';
  /** The call failed ambiguously (or answered 404) and looking showed it had happened. */
  verified?: boolean;
  error?: string;
  /** Replace: ms from the old exception's delete answer to the new one's create answer (the exemption was lifted). */
  gapMs?: number;
  /** Replace: creates sent for the new exception (more than 1 when retried). */
  createAttempts?: number;
  /** Replace: the old exception was deleted and the new one not created: these resources are not exempt now. */
  missing?: boolean;
}

/** An exemption an apply took away without putting it back. */
export interface MissingExemption {
  name: string;
  uuidBefore: string;
  error: string;
}

export interface ApplyReport {
  results: OperationResult[];
  succeeded: number;
  failed: number;
  /** Not started for a reason given in its result (the rate-limit reserve); the old exception is in place. */
  skipped: number;
  /** Changes never started because the run was interrupted (Ctrl-C, SIGTERM). */
  notStarted: number;
  /** Deleted by a replace and not re-created: the report says so loudly. */
  missing: MissingExemption[];
}

export const EXECUTE_DEFAULTS = {
  concurrency: API_CONCURRENCY,
  /** uuids per DELETE call; the endpoint takes a list (its maximum is unknown, 100 is conservative). */
  deleteChunkSize: 100,
  replaceReserve: REPLACE_RESERVE_DEFAULT,
  /** Without a job time limit, a replace's create is retried for at most this long. */
  createRetryMs: 10 * 60_000,
} satisfies Record<string, number>;


export interface ExecuteOptions {
  /** Full commit or 'local': the create marker carries its first 12 characters. */
  commit: string;
  /** Default: owner `local`, unsigned (loopback only; apply passes the repository's). */
  stamp?: MarkerStamp;
  concurrency?: number;
  deleteChunkSize?: number;
  /** Called as each operation completes (progress lines, audit records). */
  onResult?: (result: OperationResult) => void;
  /** Resolves on Ctrl-C: calls in flight finish and are reported, no new change starts. */
  interrupted?: Promise<void>;
  /** The same, as a signal (checked before every start, so an interrupt already seen stops everything). */
  signal?: AbortSignal;
  /** Calls kept in reserve when deciding whether a replace may start (config replaceReserve). */
  replaceReserve?: number;
  /** Clock ms by which retrying a replace's create must end (below the job's time limit). */
  deadlineMs?: number;
  /** Injectable time, so retry and wait tests run in milliseconds. */
  clock?: Pick<RetryClock, 'now' | 'sleep'>;
}

export async function executePlan(api: ExecuteApi, plan: Pick<Plan, 'changes' | 'commit'>, options: ExecuteOptions): Promise<ApplyReport> {
  const concurrency = options.concurrency ?? EXECUTE_DEFAULTS.concurrency;
  const commit = options.commit;
  const stamp = options.stamp ?? { owner: LOCAL_OWNER };
  const clock = options.clock ?? systemClock;
  const results: OperationResult[] = [];
  const record = (result: OperationResult) => {
    results.push(result);
    options.onResult?.(result);
  };
  let interrupted = false;
  void options.interrupted?.then(() => {
    interrupted = true;
  });
  const stopping = () => interrupted || options.signal?.aborted === true;
  let notStarted = 0;
  const ofAction = <A extends PlanChange['action']>(action: A) => plan.changes.filter((change): change is Extract<PlanChange, { action: A }> => change.action === action);

  const settler = new CreateSettler(api, stamp, concurrency);
  const recordCreate = (change: PlanChange, outcome: CreateOutcome) =>
    record(
      outcome.kind === 'created'
        ? { operation: 'create', name: change.name, uuidBefore: null, uuidAfter: outcome.uuid, result: 'succeeded', ...(outcome.verified ? { verified: true } : {}) }
        : { operation: 'create', name: change.name, uuidBefore: null, uuidAfter: null, result: 'failed', error: `${outcome.error}${outcome.kind === 'absent' || outcome.kind === 'unsettled' ? ': re-run apply' : ''}` },
    );
  // The creates are one round: sent, then the ambiguous ones settled together (settle.ts).
  const ambiguous: Array<{ change: PlanChange; spec: ExceptionSpec; why: string }> = [];
  await mapWithConcurrency(ofAction('create'), concurrency, async (change) => {
    if (stopping()) return void (notStarted += 1);
    const sent = await sendCreate(api, change.spec, commit, stamp);
    if (sent.kind === 'ambiguous') ambiguous.push({ change, spec: change.spec, why: sent.error });
    else recordCreate(change, sent);
  });
  if (ambiguous.length > 0) {
    const outcomes = await settler.settleAll(ambiguous);
    ambiguous.forEach((item, index) => recordCreate(item.change, outcomes[index]));
  }

  // Waits for a rate-limit window and retries of a create both end by the deadline.
  const deadlineMs = options.deadlineMs ?? clock.now() + EXECUTE_DEFAULTS.createRetryMs;
  const reserve = new ReplaceReserve({
    readState: () => api.rateLimitState?.(),
    reserve: options.replaceReserve ?? EXECUTE_DEFAULTS.replaceReserve,
    clock,
    waitUntilMs: deadlineMs,
    signal: options.signal,
  });
  await mapWithConcurrency(ofAction('replace'), concurrency, async (change) => {
    // No replace lifts another exemption while a create may have failed and waits to be settled.
    await settler.idle();
    if (stopping()) return void (notStarted += 1);
    const decision = await reserve.acquire();
    if (!decision.go) {
      if (stopping()) return void (notStarted += 1);
      return record({ operation: 'replace', name: change.name, uuidBefore: change.uuid, uuidAfter: null, result: 'skipped', error: decision.reason });
    }
    try {
      // Checked again: the reserve may have waited, and an interrupt during the wait stops it here.
      if (stopping()) return void (notStarted += 1);
      settler.begin();
      try {
        record(await replaceOne(api, change, { commit, stamp, clock, deadlineMs, stopping, signal: options.signal, settler }));
      } finally {
        settler.end();
      }
    } finally {
      reserve.release();
    }
  });

  notStarted += await deleteInBatches(api, ofAction('delete'), { ...options, concurrency, stopping, record });

  const failed = results.filter((result) => result.result === 'failed').length;
  const skipped = results.filter((result) => result.result === 'skipped').length;
  const missing = results
    .filter((result) => result.missing)
    .map((result) => ({ name: result.name, uuidBefore: result.uuidBefore ?? '', error: result.error ?? 'not re-created' }));
  return { results, succeeded: results.length - failed - skipped, failed, skipped, notStarted, missing };
}

type DeleteChange = Extract<PlanChange, { action: 'delete' }>;

/**
 * One DELETE per chunk. A chunk of one answered 404 is done (it is gone). Other failed chunks are
 * settled by ONE re-list: a 404 (the endpoint deletes all or nothing, and one uuid was gone) has the
 * uuids still present sent again; an ambiguous failure counts what is gone as deleted.
 * Returns how many deletes never started (interrupted).
 */
async function deleteInBatches(
  api: ExecuteApi,
  deletes: readonly DeleteChange[],
  options: { deleteChunkSize?: number; concurrency: number; stopping: () => boolean; record: (result: OperationResult) => void },
): Promise<number> {
  const { record, stopping } = options;
  const chunkSize = options.deleteChunkSize ?? EXECUTE_DEFAULTS.deleteChunkSize;
  const done = (change: DeleteChange, verified?: boolean) =>
    record({ operation: 'delete', name: change.name, uuidBefore: change.uuid, uuidAfter: null, result: 'succeeded', ...(verified ? { verified: true } : {}) });
  const fail = (change: DeleteChange, error: string) => record({ operation: 'delete', name: change.name, uuidBefore: change.uuid, uuidAfter: null, result: 'failed', error });
  let notStarted = 0;
  const failedChunks: Array<{ changes: DeleteChange[]; error: unknown }> = [];
  await mapWithConcurrency(chunk(deletes, chunkSize), options.concurrency, async (changes) => {
    if (stopping()) return void (notStarted += changes.length);
    try {
      await api.deleteExceptions(changes.map((change) => change.uuid));
      for (const change of changes) done(change);
    } catch (error) {
      if (statusOf(error) === 404 && changes.length === 1) done(changes[0], true);
      else failedChunks.push({ changes, error });
    }
  });
  if (failedChunks.length === 0) return notStarted;

  const needsLook = ({ error }: { error: unknown }) => statusOf(error) === 404 || mayHaveHappened(error);
  let remaining: Set<string> | undefined;
  let lookupError: unknown;
  if (failedChunks.some(needsLook)) {
    try {
      // A listing that moved proves nothing gone: the uuid may have slid past the pages read.
      const listing = await listRemoteExceptions(api);
      if (listing.consistent) remaining = new Set(listing.items.map((item) => item.uuid));
      else lookupError = new Error(`the exceptions list changed while it was read (${listing.problem})`);
    } catch (error) {
      lookupError = error;
    }
  }
  const resend: DeleteChange[] = [];
  for (const failedChunk of failedChunks) {
    const { changes, error } = failedChunk;
    for (const change of changes) {
      if (remaining && needsLook(failedChunk) && !remaining.has(change.uuid)) done(change, true);
      else if (remaining && statusOf(error) === 404) resend.push(change);
      else {
        const why = remaining ? '; checked: it still exists' : lookupError ? `; could not check (${messageOf(lookupError)})` : '';
        fail(change, `${messageOf(error)}${why}`);
      }
    }
  }
  // The uuids a 404 batch held back are still there: send them again, once.
  for (const changes of chunk(resend, chunkSize)) {
    if (stopping()) {
      for (const change of changes) fail(change, 'not sent again: the run was interrupted; run apply again');
      continue;
    }
    try {
      await api.deleteExceptions(changes.map((change) => change.uuid));
      for (const change of changes) done(change, true);
    } catch (error) {
      for (const change of changes) fail(change, `${messageOf(error)} (sent again after a re-list)`);
    }
  }
  return notStarted;
}
