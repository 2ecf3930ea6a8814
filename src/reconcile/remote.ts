// The plan's I/O: one paged listing of the remote exceptions, the repository's history only for
// unsigned markers that need it (history.ts), then a detail GET only for the few the list cannot
// settle (see selectDetailsNeeded) and the drift sample. Everything else is pure (plan.ts).
import type { CloudViewApi, ListingReport, RemoteException, RemoteExceptionDetail } from '../api/types';
import type { ApplyTagsRule, ManifestException } from '../model/exception';
import { API_CONCURRENCY, mapWithConcurrency } from './concurrency';
import { readHistoryEvidence, type HistoryOptions } from './history';
import { buildOwnershipIndex, desiredFingerprints, historyQueries, type OwnershipIndex } from './ownership-index';
import { buildPlan, ownershipSettingsOf, sampleCandidates, selectDetailsNeeded, type PlanOptions } from './plan';
import { selectDetailSample } from './sample';
import { previewTagStage } from './tag-stage';
import type { Plan } from './types';

/** The remote exceptions as one listing read them, and whether the list held still meanwhile. */
export interface RemoteListing {
  items: RemoteException[];
  /**
   * False when the list moved while it was read, and again when read once more: items may be missing
   * (one that slid onto a page already read) or stale. Never plan a delete from such a listing.
   */
  consistent: boolean;
  /** Listings made: 1, or 2 when the first moved. */
  reads: number;
  /** Uuids seen in one read but not the other (only when not consistent). */
  uncertain: string[];
  /** What moved, for a warning (only when not consistent). */
  problem?: string;
}

async function readListing(api: Pick<CloudViewApi, 'listExceptions'>): Promise<{ items: RemoteException[]; report?: ListingReport }> {
  let report: ListingReport | undefined;
  const byUuid = new Map<string, RemoteException>();
  // The client de-duplicates already; a plain CloudViewApi may not.
  for await (const item of api.listExceptions({ onListing: (done) => (report = done) })) if (!byUuid.has(item.uuid)) byUuid.set(item.uuid, item);
  return { items: [...byUuid.values()], report };
}

function describeMove(report: ListingReport): string {
  const totals = report.firstTotal !== report.lastTotal ? `the server's count went from ${report.firstTotal} to ${report.lastTotal}` : `the server counts ${report.lastTotal ?? 'an unknown number'}`;
  return `${totals} while ${report.items} distinct exceptions were read${report.duplicates > 0 ? ` (${report.duplicates} served twice)` : ''}`;
}

/**
 * Every remote exception: ceil(N / pageSize) list requests. A list that moved while it was paged
 * (an exception made or deleted meanwhile) is read once more; if it moved again, the listing says so
 * and holds every exception either read saw.
 */
export async function listRemoteExceptions(api: Pick<CloudViewApi, 'listExceptions'>): Promise<RemoteListing> {
  const first = await readListing(api);
  if (!first.report || first.report.consistent) return { items: first.items, consistent: true, reads: 1, uncertain: [] };
  const second = await readListing(api);
  if (!second.report || second.report.consistent) return { items: second.items, consistent: true, reads: 2, uncertain: [] };
  const byUuid = new Map(first.items.map((item) => [item.uuid, item]));
  const inFirst = new Set(byUuid.keys());
  const inSecond = new Set(second.items.map((item) => item.uuid));
  for (const item of second.items) byUuid.set(item.uuid, item);
  const uncertain = [...byUuid.keys()].filter((uuid) => !inFirst.has(uuid) || !inSecond.has(uuid));
  return { items: [...byUuid.values()], consistent: false, reads: 2, uncertain, problem: describeMove(second.report) };
}

export async function fetchDetails(
  api: Pick<CloudViewApi, 'getException'>,
  uuids: readonly string[],
  concurrency = API_CONCURRENCY,
): Promise<Map<string, RemoteExceptionDetail>> {
  const details = await mapWithConcurrency(uuids, concurrency, (uuid) => api.getException(uuid));
  return new Map(details.map((detail, index) => [uuids[index], detail]));
}

export interface PlanRunInput {
  exceptions: readonly ManifestException[];
  applyTags?: readonly ApplyTagsRule[];
}

/** Who owns each remote exception; reads the repository's history only for markers that need it. */
export async function classifyRemote(
  remote: readonly RemoteException[],
  desired: readonly ManifestException[],
  options: Pick<PlanOptions, 'manage' | 'ownership'> & { history?: HistoryOptions },
): Promise<OwnershipIndex> {
  const settings = ownershipSettingsOf(options);
  const fingerprints = desiredFingerprints(desired);
  const queries = options.history ? historyQueries(remote, desired, settings, fingerprints) : [];
  const history = options.history && queries.length > 0 ? await readHistoryEvidence(queries, options.history) : undefined;
  return buildOwnershipIndex({ remote, desired, settings, history, fingerprints });
}

export type RemotePlanOptions = PlanOptions & { concurrency?: number; history?: HistoryOptions };

/** List, classify, fetch the needed details and the drift sample, preview the tag stage, build the plan. */
export async function planAgainstRemote(api: CloudViewApi, input: PlanRunInput, options: RemotePlanOptions): Promise<Plan> {
  const listing = await listRemoteExceptions(api);
  const remote = listing.items;
  const ownership = await classifyRemote(remote, input.exceptions, options);
  const needed = selectDetailsNeeded(input.exceptions, remote, ownership);
  const sample = selectDetailSample(sampleCandidates(input.exceptions, remote, ownership, needed), options.sampleDetails ?? 0, options.now);
  const details = await fetchDetails(api, [...needed, ...sample], options.concurrency);
  const tagStage = input.applyTags && input.applyTags.length > 0 ? await previewTagStage(api, input.applyTags) : { previews: [], warnings: [] };
  return buildPlan(
    { desired: input.exceptions, remote, details, ownership, sampled: new Set(sample), tags: tagStage.previews, tagWarnings: tagStage.warnings, listing },
    options,
  );
}
