// Applies a plan through a CloudViewApi. Order keeps exemptions in force as long as possible:
// creates, then replaces, then deletes (batched). A failure on one exception never stops the
// others. A create or delete that failed ambiguously (reset, timeout, 5xx after sending) is
// settled by looking — by name for a create (names are unique), by uuid or a re-list for a
// delete — and never resent blindly: re-running apply converges instead.
import type { CloudViewApi, RemoteException, RemoteExceptionDetail } from '../api/types';
import type { ExceptionSpec } from '../model/exception';
import { API_CONCURRENCY, chunk, mapWithConcurrency } from './concurrency';
import { fingerprintSpec } from './fingerprint';
import { addMarker, LOCAL_OWNER, readMarker, stampMarker } from './marker';
import type { MarkerSigner } from './marker-keys';
import { listRemoteExceptions } from './remote';
import type { Plan, PlanChange } from './types';

/** The client's extra look-ups (src/api/client.ts); plain CloudViewApi implementations fall back to listing. */
export type ExecuteApi = CloudViewApi & {
  findExceptionByName?(name: string): Promise<RemoteException | undefined>;
  findExceptionByUuid?(uuid: string): Promise<RemoteExceptionDetail | undefined>;
};

export interface OperationResult {
  operation: 'create' | 'delete' | 'replace';
  name: string;
  uuidBefore: string | null;
  uuidAfter: string | null;
  result: 'succeeded' | 'failed';
  /** The call failed ambiguously and looking showed it had happened. */
  verified?: boolean;
  error?: string;
}

export interface ApplyReport {
  results: OperationResult[];
  succeeded: number;
  failed: number;
  /** Changes never started because the run was interrupted (Ctrl-C). */
  notStarted: number;
}

export const EXECUTE_DEFAULTS = {
  concurrency: API_CONCURRENCY,
  /** uuids per DELETE call; the endpoint takes a list (its maximum is unknown, 100 is conservative). */
  deleteChunkSize: 100,
} satisfies Record<string, number>;

/** Who stamps the markers of what apply creates: the repository's owner, and its signing key when it has markerKeys. */
export interface MarkerStamp {
  owner: string;
  signer?: MarkerSigner;
}

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
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** False only for failures where the server certainly did nothing (validation, auth, rate limit). */
function mayHaveHappened(error: unknown): boolean {
  const apiError = error as { name?: string; status?: number; errorCode?: string; mayHaveHappened?: boolean };
  if (apiError?.mayHaveHappened === true) return true;
  if (apiError?.errorCode === 'DUPLICATE_NAME') return true;
  if (apiError?.name === 'AuthError' || apiError?.name === 'RateLimitError') return false;
  if (typeof apiError?.status === 'number' && apiError.status >= 400 && apiError.status < 500) return false;
  return true;
}

async function findByName(api: ExecuteApi, name: string): Promise<RemoteException | undefined> {
  if (api.findExceptionByName) return api.findExceptionByName(name);
  for await (const item of api.listExceptions({ filter: /["\\]/.test(name) ? undefined : `exception.name:"${name}"` })) {
    if (item.name === name) return item;
  }
  return undefined;
}

async function existsByUuid(api: ExecuteApi, uuid: string): Promise<boolean> {
  if (api.findExceptionByUuid) return (await api.findExceptionByUuid(uuid)) !== undefined;
  try {
    await api.getException(uuid);
    return true;
  } catch (error) {
    if ((error as { status?: number }).status === 404) return false;
    throw error;
  }
}

/** The create body: the spec with the ownership marker (v2: owner, and a signature with a key) appended to the explanation. */
export function createBodyOf(spec: ExceptionSpec, commit: string, stamp: MarkerStamp = { owner: LOCAL_OWNER }): ExceptionSpec {
  const signer = stamp.signer;
  const marker = stampMarker(spec.name, fingerprintSpec(spec), { owner: stamp.owner, commit, ...(signer ? { sign: (message: string) => signer.sign(message) } : {}) });
  return { ...spec, explanation: addMarker(spec.explanation, marker) };
}

/** After an ambiguous create: the exception found by name is the one this run made (our owner, this spec). */
function isOurCreate(found: RemoteException, spec: ExceptionSpec, stamp: MarkerStamp): boolean {
  const { marker } = readMarker(found.explanation);
  return marker?.version === 2 && marker.owner === stamp.owner && marker.fingerprint === fingerprintSpec(spec);
}

type Outcome = { ok: true; uuid: string; verified?: boolean } | { ok: false; error: string };

async function createOne(api: ExecuteApi, spec: ExceptionSpec, commit: string, stamp: MarkerStamp): Promise<Outcome> {
  try {
    const created = await api.createException(createBodyOf(spec, commit, stamp));
    return { ok: true, uuid: created.uuid };
  } catch (error) {
    if (!mayHaveHappened(error)) return { ok: false, error: messageOf(error) };
    let found: RemoteException | undefined;
    try {
      found = await findByName(api, spec.name);
    } catch (lookupError) {
      return { ok: false, error: `${messageOf(error)}; could not check whether it was created (${messageOf(lookupError)}): re-run apply` };
    }
    if (found && isOurCreate(found, spec, stamp)) return { ok: true, uuid: found.uuid, verified: true };
    if (found) return { ok: false, error: `${messageOf(error)}; an exception named ${JSON.stringify(spec.name)} exists (${found.uuid}) but is not the one this plan creates` };
    return { ok: false, error: `${messageOf(error)}; checked: it was not created, re-run apply` };
  }
}

async function deleteOne(api: ExecuteApi, uuid: string): Promise<Outcome> {
  try {
    await api.deleteExceptions([uuid]);
    return { ok: true, uuid };
  } catch (error) {
    if (!mayHaveHappened(error)) return { ok: false, error: messageOf(error) };
    try {
      if (!(await existsByUuid(api, uuid))) return { ok: true, uuid, verified: true };
      return { ok: false, error: `${messageOf(error)}; checked: it still exists` };
    } catch (lookupError) {
      return { ok: false, error: `${messageOf(error)}; could not check whether it was deleted (${messageOf(lookupError)})` };
    }
  }
}

export async function executePlan(api: ExecuteApi, plan: Pick<Plan, 'changes' | 'commit'>, options: ExecuteOptions): Promise<ApplyReport> {
  const concurrency = options.concurrency ?? EXECUTE_DEFAULTS.concurrency;
  const chunkSize = options.deleteChunkSize ?? EXECUTE_DEFAULTS.deleteChunkSize;
  const commit = options.commit;
  const stamp = options.stamp ?? { owner: LOCAL_OWNER };
  const results: OperationResult[] = [];
  const record = (result: OperationResult) => {
    results.push(result);
    options.onResult?.(result);
  };
  let stopping = false;
  void options.interrupted?.then(() => {
    stopping = true;
  });
  let notStarted = 0;
  const ofAction = <A extends PlanChange['action']>(action: A) => plan.changes.filter((change): change is Extract<PlanChange, { action: A }> => change.action === action);

  await mapWithConcurrency(ofAction('create'), concurrency, async (change) => {
    if (stopping) return void (notStarted += 1);
    const outcome = await createOne(api, change.spec, commit, stamp);
    record(
      outcome.ok
        ? { operation: 'create', name: change.name, uuidBefore: null, uuidAfter: outcome.uuid, result: 'succeeded', ...(outcome.verified ? { verified: true } : {}) }
        : { operation: 'create', name: change.name, uuidBefore: null, uuidAfter: null, result: 'failed', error: outcome.error },
    );
  });

  // No update endpoint, and names are unique: the new exception cannot be created while the old
  // one holds the name. So a replace is delete-old then create-new, per exception. The tradeoff:
  // for the moment between the two calls the resources are not exempt, and if the create fails
  // the exception stays missing until apply runs again (it then plans a plain create; nothing in
  // the repository is lost). Creating under a temporary name first would need a rename, which the
  // API does not have either.
  await mapWithConcurrency(ofAction('replace'), concurrency, async (change) => {
    if (stopping) return void (notStarted += 1);
    const base = { operation: 'replace' as const, name: change.name, uuidBefore: change.uuid };
    const deleted = await deleteOne(api, change.uuid);
    if (!deleted.ok) {
      record({ ...base, uuidAfter: null, result: 'failed', error: `delete of the old exception failed, it is unchanged: ${deleted.error}` });
      return;
    }
    const created = await createOne(api, change.spec, commit, stamp);
    record(
      created.ok
        ? { ...base, uuidAfter: created.uuid, result: 'succeeded', ...(deleted.verified || created.verified ? { verified: true } : {}) }
        : { ...base, uuidAfter: null, result: 'failed', error: `old exception deleted, new one not created (re-run apply to create it): ${created.error}` },
    );
  });

  const deletes = ofAction('delete');
  const failedChunks: Array<{ changes: typeof deletes; error: unknown }> = [];
  await mapWithConcurrency(chunk(deletes, chunkSize), concurrency, async (changes) => {
    if (stopping) return void (notStarted += changes.length);
    try {
      await api.deleteExceptions(changes.map((change) => change.uuid));
      for (const change of changes) record({ operation: 'delete', name: change.name, uuidBefore: change.uuid, uuidAfter: null, result: 'succeeded' });
    } catch (error) {
      failedChunks.push({ changes, error });
    }
  });
  if (failedChunks.length > 0) {
    // One re-list settles every failed chunk: ceil(N / pageSize) requests instead of one per uuid.
    let remaining: Set<string> | undefined;
    let lookupError: unknown;
    if (failedChunks.some(({ error }) => mayHaveHappened(error))) {
      try {
        // A listing that moved proves nothing gone: the uuid may have slid past the pages read.
        const listing = await listRemoteExceptions(api);
        if (listing.consistent) remaining = new Set(listing.items.map((item) => item.uuid));
        else lookupError = new Error(`the exceptions list changed while it was read (${listing.problem})`);
      } catch (error) {
        lookupError = error;
      }
    }
    for (const { changes, error } of failedChunks) {
      for (const change of changes) {
        const base = { operation: 'delete' as const, name: change.name, uuidBefore: change.uuid, uuidAfter: null };
        if (remaining && mayHaveHappened(error) && !remaining.has(change.uuid)) record({ ...base, result: 'succeeded', verified: true });
        else {
          const why = remaining ? '; checked: it still exists' : lookupError ? `; could not check (${messageOf(lookupError)})` : '';
          record({ ...base, result: 'failed', error: `${messageOf(error)}${why}` });
        }
      }
    }
  }

  const failed = results.filter((result) => result.result === 'failed').length;
  return { results, succeeded: results.length - failed, failed, notStarted };
}
