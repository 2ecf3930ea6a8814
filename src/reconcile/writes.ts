// The single writes apply is made of, and how each failure is settled: a create that may have
// happened is looked up by name (names are unique; settle.ts, in batches), a delete by uuid.
// Never resent blindly.
import type { CloudViewApi, RemoteExceptionDetail } from '../api/types';
import type { ExceptionSpec } from '../model/exception';
import { fingerprintSpec } from './fingerprint';
import { addMarker, LOCAL_OWNER, stampMarker } from './marker';
import type { MarkerSigner } from './marker-keys';
import type { RateLimitState } from './rate-reserve';

/** Who stamps the markers of what apply creates: the repository's owner, and its signing key when it has markerKeys. */
export interface MarkerStamp {
  owner: string;
  signer?: MarkerSigner;
}

/** The client's extra look-ups (src/api/client.ts); plain CloudViewApi implementations fall back to a detail GET. */
export type ExecuteApi = CloudViewApi & {
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

/**
 * How a create ended. `absent`: it certainly did not happen (refused before any work, or looked up
 * and not there): safe to send again. `unsettled`: it may have happened and looking failed: look
 * again before sending. `taken`: another exception holds the name. `refused`: resending cannot help.
 */
export type CreateOutcome =
  | { kind: 'created'; uuid: string; verified?: boolean }
  | { kind: 'absent' | 'unsettled' | 'taken' | 'refused'; error: string; retryAfterMs?: number };

/** One create sent: done, certainly not done, or `ambiguous` (it may have happened: settle.ts looks before anything is sent again). */
export type SendOutcome = CreateOutcome | { kind: 'ambiguous'; error: string };

export async function sendCreate(api: ExecuteApi, spec: ExceptionSpec, commit: string, stamp: MarkerStamp): Promise<SendOutcome> {
  try {
    const created = await api.createException(createBodyOf(spec, commit, stamp));
    return { kind: 'created', uuid: created.uuid };
  } catch (error) {
    if (mayHaveHappened(error)) return { kind: 'ambiguous', error: messageOf(error) };
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

