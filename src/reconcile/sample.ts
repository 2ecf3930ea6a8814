// Drift sampling: a marker vouches for the fields the list does not show, and a verbatim copy of a
// valid marker onto a UI-made exception of the same name still verifies. So a run may read the
// details of a small, rotating slice of the managed exceptions and report any whose fields differ.
// Stateless: the slice is the N smallest sha256(uuid + UTC date), so it changes every day and,
// over days, reaches every exception. Exceptions not created by the account that created most of
// ours (a person in the UI, not the apply job) come first.
import { createHash } from 'node:crypto';
import type { RemoteException } from '../api/types';

export function sampleRank(uuid: string, day: string): string {
  return createHash('sha256').update(`${uuid}\n${day}`).digest('hex');
}

function mostCommon(values: readonly (string | undefined)[]): string | undefined {
  const counts = new Map<string, number>();
  let best: string | undefined;
  for (const value of values) {
    if (value === undefined || value === '') continue;
    const count = (counts.get(value) ?? 0) + 1;
    counts.set(value, count);
    if (best === undefined || count > (counts.get(best) ?? 0)) best = value;
  }
  return best;
}

/** The uuids to read: at most `size` of `candidates`, chosen by the day (`now` as a UTC date). */
export function selectDetailSample(candidates: readonly Pick<RemoteException, 'uuid' | 'createdBy'>[], size: number, now: Date): string[] {
  if (size <= 0 || candidates.length === 0) return [];
  const day = now.toISOString().slice(0, 10);
  const usualCreator = mostCommon(candidates.map((item) => item.createdBy));
  return candidates
    .map((item) => ({ uuid: item.uuid, unusual: item.createdBy !== undefined && usualCreator !== undefined && item.createdBy !== usualCreator, rank: sampleRank(item.uuid, day) }))
    .sort((a, b) => Number(b.unusual) - Number(a.unusual) || (a.rank < b.rank ? -1 : a.rank > b.rank ? 1 : 0))
    .slice(0, size)
    .map((item) => item.uuid);
}
