// Reading exceptions by name: one request each, the `exception.name` filter and the first page of
// its answer only, an exact match among what comes back. The filter's exact semantics are not
// documented (a prefix? a name holding ` and ` split in two?), so a miss proves nothing: the callers
// treat it as "not seen" (settle.ts re-lists, a changed-since plan shows a create that apply settles).
import { ApiError } from '../api/errors';
import type { CloudViewApi, RemoteException } from '../api/types';
import { API_CONCURRENCY, mapWithConcurrency } from './concurrency';

export interface NameLookup {
  /** The exception of exactly that name, when the first page of the filtered list holds it. */
  found?: RemoteException;
  /** The filter could not be used (a quote or backslash in the name, or the server refused it): nothing was learned. */
  unfiltered?: true;
}

/** A value the filter syntax can carry inside double quotes. */
export function filterableName(name: string): boolean {
  return name !== '' && !/["\\\r\n]/.test(name);
}

export async function lookUpByName(api: Pick<CloudViewApi, 'listExceptions'>, name: string): Promise<NameLookup> {
  if (!filterableName(name)) return { unfiltered: true };
  try {
    for await (const item of api.listExceptions({ filter: `exception.name:"${name}"`, firstPageOnly: true })) {
      if (item.name === name) return { found: item };
    }
    return {};
  } catch (error) {
    // A server whose query parser rejects the quoted value: the caller falls back to a listing.
    if (error instanceof ApiError && error.status === 400) return { unfiltered: true };
    throw error;
  }
}

/** Each name looked up once (at most one request each), `concurrency` at a time. */
export async function lookUpNames(api: Pick<CloudViewApi, 'listExceptions'>, names: readonly string[], concurrency = API_CONCURRENCY): Promise<Map<string, NameLookup>> {
  const unique = [...new Set(names)];
  const answers = await mapWithConcurrency(unique, concurrency, (name) => lookUpByName(api, name));
  return new Map(unique.map((name, index) => [name, answers[index]]));
}
