// The single writes apply is made of, and how each failure is settled: a create that may have
// happened is looked up by name (names are unique), a delete by uuid. Never resent blindly.
import type { CloudViewApi, RemoteException, RemoteExceptionDetail } from '../api/types';
import type { ExceptionSpec } from '../model/exception';
import { fingerprintSpec } from './fingerprint';
import { addMarker, LOCAL_OWNER, readMarker, stampMarker } from './marker';
import type { MarkerSigner } from './marker-keys';
import type { RateLimitState } from './rate-reserve';

/** Who stamps the markers of what apply creates: the repository's owner, and its signing key when it has markerKeys. */
export interface MarkerStamp {
  owner: string;
  signer?: MarkerSigner;
}

/** The client's extra look-ups (src/api/client.ts); plain CloudViewApi implementations fall back to listing. */
export type ExecuteApi = CloudViewApi & {
  findExceptionByName?(name: string): Promise<RemoteException | undefined>;
  findExceptionByUuid?(uuid: string): Promise<RemoteExceptionDetail | undefined>;
  /** What the last answer said of the rate limit (replaces keep a reserve of calls). */
  rateLimitState?(): RateLimitState | undefined;
};

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function statusOf(error: unknown): number | undefined {
  const status = (error as { status?: unknown })?.status;
  return typeof status === 'number' ? status : undefined;
}

/** False only for failures where the server certainly did nothing (validation, auth, rate limit). */
export function mayHaveHappened(error: unknown): boolean {
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
    if (statusOf(error) === 404) return false;
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

/**
 * How a create ended. `absent`: it certainly did not happen (refused before any work, or looked up
 * and not there): safe to send again. `unsettled`: it may have happened and looking failed: look
 * again before sending. `taken`: another exception holds the name. `refused`: resending cannot help.
 */
export type CreateOutcome =
  | { kind: 'created'; uuid: string; verified?: boolean }
  | { kind: 'absent' | 'unsettled' | 'taken' | 'refused'; error: string; retryAfterMs?: number };

/** Looks for the exception this spec creates: ours (our fingerprint), another one, or none. */
export async function settleCreate(api: ExecuteApi, spec: ExceptionSpec, stamp: MarkerStamp, why: string): Promise<CreateOutcome> {
  let found: RemoteException | undefined;
  try {
    found = await findByName(api, spec.name);
  } catch (lookupError) {
    return { kind: 'unsettled', error: `${why}; could not check whether it was created (${messageOf(lookupError)})` };
  }
  if (found && isOurCreate(found, spec, stamp)) return { kind: 'created', uuid: found.uuid, verified: true };
  if (found) return { kind: 'taken', error: `${why}; an exception named ${JSON.stringify(spec.name)} exists (${found.uuid}) but is not the one this plan creates` };
  return { kind: 'absent', error: `${why}; checked: it was not created` };
}

export async function createOne(api: ExecuteApi, spec: ExceptionSpec, commit: string, stamp: MarkerStamp): Promise<CreateOutcome> {
  try {
    const created = await api.createException(createBodyOf(spec, commit, stamp));
    return { kind: 'created', uuid: created.uuid };
  } catch (error) {
    if (mayHaveHappened(error)) return settleCreate(api, spec, stamp, messageOf(error));
    const retryable = (error as { name?: string }).name === 'RateLimitError' || (error as { kind?: string }).kind === 'refused';
    return { kind: retryable ? 'absent' : 'refused', error: messageOf(error), retryAfterMs: (error as { retryAfterMs?: number }).retryAfterMs };
  }
}

type DeleteOutcome = { ok: true; uuid: string; verified?: boolean } | { ok: false; error: string };

/** One uuid. A 404 means it is gone already (deleted in the UI, or by a concurrent run): done. */
export async function deleteOne(api: ExecuteApi, uuid: string): Promise<DeleteOutcome> {
  try {
    await api.deleteExceptions([uuid]);
    return { ok: true, uuid };
  } catch (error) {
    if (statusOf(error) === 404) return { ok: true, uuid, verified: true };
    if (!mayHaveHappened(error)) return { ok: false, error: messageOf(error) };
    try {
      if (!(await existsByUuid(api, uuid))) return { ok: true, uuid, verified: true };
      return { ok: false, error: `${messageOf(error)}; checked: it still exists` };
    } catch (lookupError) {
      return { ok: false, error: `${messageOf(error)}; could not check whether it was deleted (${messageOf(lookupError)})` };
    }
  }
}

