// The plan's I/O: one paged listing of the remote exceptions (or, for a changed-since plan, one
// filtered read per changed name), the repository's history only for markers that need it (unsigned
// markers to verify, old values of changes made in the repository: history.ts), then a detail GET
// only for the few nothing else vouches for (see selectDetailsNeeded) and the drift sample.
// Everything else is pure (plan.ts).
import type { CloudViewApi, ListingReport, PageInfo, RemoteException, RemoteExceptionDetail } from '../api/types';
import type { ApplyTagsRule, ExceptionSpec, ManifestException } from '../model/exception';
import { plural } from '../render/plural';
import { lookUpNames } from './by-name';
import { API_CONCURRENCY, mapWithConcurrency } from './concurrency';
import { readHistory, type HistoryLookup, type HistoryOptions } from './history';
import { oldSpecsByName, oldValueLookups } from './old-values';
import { buildOwnershipIndex, desiredFingerprints, historyKey, historyQueries, type OwnershipIndex } from './ownership-index';
import type { BaseException } from './changed-since';
import { wasEditedOutOfBand } from './compare';
import { fingerprintSpec } from './fingerprint';
import { readMarker } from './marker';
import { buildPlan, importVouches, ownershipSettingsOf, sampleCandidates, selectDetailsNeeded, type PlanOptions } from './plan';
import { compileManageNames, type ManageNames } from './manage-names';
import { changeProspector } from './prospect';
import { selectDetailSample } from './sample';
import { FULL_SCOPE, inScope } from './scope';
import { previewTagStage } from './tag-stage';
import type { Plan, PlanWarning } from './types';

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

/** What a caller may watch of a listing as it runs. */
export interface ListingHooks {
  /** Each distinct item, as its page arrives. */
  onItem?: (item: RemoteException) => void;
  /** Each page, as it arrives (an import checks its request budget against the first). */
  onPage?: (info: PageInfo) => void;
}

async function readListing(api: Pick<CloudViewApi, 'listExceptions'>, hooks: ListingHooks): Promise<{ items: RemoteException[]; report?: ListingReport }> {
  let report: ListingReport | undefined;
  const byUuid = new Map<string, RemoteException>();
  const { onItem, onPage } = hooks;
  // The client de-duplicates already; a plain CloudViewApi may not.
  for await (const item of api.listExceptions({ onListing: (done) => (report = done), ...(onPage ? { onPage } : {}) })) {
    if (byUuid.has(item.uuid)) continue;
    byUuid.set(item.uuid, item);
    onItem?.(item);
  }
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
export async function listRemoteExceptions(api: Pick<CloudViewApi, 'listExceptions'>, hooks: ListingHooks = {}): Promise<RemoteListing> {
  const first = await readListing(api, hooks);
  if (!first.report || first.report.consistent) return { items: first.items, consistent: true, reads: 1, uncertain: [] };
  const second = await readListing(api, hooks);
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

/** Ownership of every remote exception, and the old specs the history gives for changes made in the repository. */
export interface Classification {
  ownership: OwnershipIndex;
  /** By name: the spec the marker vouches for, read at its commit (old-values.ts). */
  oldSpecs: Map<string, ExceptionSpec>;
}

/**
 * Who owns each remote exception, and (with `oldValues`) the old specs of changes made in the
 * repository: one reading of the history serves both (markers of our owner that only the history can
 * verify, and markers whose fingerprint is not the manifest's).
 */
export async function classifyWithHistory(
  remote: readonly RemoteException[],
  desired: readonly ManifestException[],
  options: Pick<PlanOptions, 'manage' | 'ownership'> & {
    history?: HistoryOptions;
    oldValues?: boolean;
    fingerprints?: ReadonlyMap<string, string>;
    /** Names whose old spec is known already (a changed-since plan's base): not looked up. */
    known?: ReadonlySet<string>;
    manageNames?: ManageNames;
  },
): Promise<Classification> {
  const settings = ownershipSettingsOf(options);
  const fingerprints = options.fingerprints ?? desiredFingerprints(desired);
  const verify = options.history ? historyQueries(remote, desired, settings, fingerprints) : [];
  const lookups = options.history && options.oldValues ? oldValueLookups(desired, remote, settings.owner, fingerprints).filter((lookup) => !options.known?.has(lookup.name)) : [];
  const queries = mergeLookups(verify, lookups);
  const history = options.history && queries.length > 0 ? await readHistory(queries, options.history) : undefined;
  const ownership = buildOwnershipIndex({ remote, desired, settings, history, fingerprints, manageNames: options.manageNames });
  return { ownership, oldSpecs: history ? oldSpecsByName(lookups, history.specs, remote, ownership) : new Map() };
}

/** One query per marker, with the file hint of the old-value look-up when there is one. */
function mergeLookups(verify: readonly HistoryLookup[], lookups: readonly HistoryLookup[]): HistoryLookup[] {
  const byKey = new Map<string, HistoryLookup>();
  for (const query of [...lookups, ...verify]) {
    const key = historyKey(query.name, query.fingerprint, query.commit);
    if (!byKey.has(key)) byKey.set(key, query);
  }
  return [...byKey.values()];
}

/** Who owns each remote exception; reads the repository's history only for markers that need it. */
export async function classifyRemote(
  remote: readonly RemoteException[],
  desired: readonly ManifestException[],
  options: Pick<PlanOptions, 'manage' | 'ownership'> & { history?: HistoryOptions },
): Promise<OwnershipIndex> {
  return (await classifyWithHistory(remote, desired, options)).ownership;
}

export type RemotePlanOptions = PlanOptions & {
  concurrency?: number;
  history?: HistoryOptions;
  /**
   * Called with the desired spec of each exception the plan will probably create or replace, as soon
   * as that shows (replaces while the listing runs, creates when it ends): the inventory check of
   * what the plan changes starts beside the listing. Never called for an unchanged exception.
   */
  onLikelyChange?: (spec: ExceptionSpec) => void;
  /** A changed-since plan's exceptions as they were at its base: old values without the history's marker commits, and the import's record. */
  baseExceptions?: ReadonlyMap<string, BaseException>;
};

/**
 * List (or, for a changed-since scope, read by name), classify, read the needed details, the old
 * values and the drift sample, preview the tag stage (beside the listing), build the plan.
 */
export async function planAgainstRemote(api: CloudViewApi, input: PlanRunInput, options: RemotePlanOptions): Promise<Plan> {
  // The tag preview needs nothing from the listing: it runs beside it.
  const tagStage = input.applyTags && input.applyTags.length > 0 ? previewTagStage(api, input.applyTags) : Promise.resolve({ previews: [], warnings: [] });
  tagStage.catch(() => undefined);
  const fingerprints = desiredFingerprints(input.exceptions);
  const scope = options.scope ?? FULL_SCOPE;
  // Compiled once: the change prospects and the ownership index ask it about the same names.
  const manageNames = compileManageNames(options.manage);
  const prospect = options.onLikelyChange ? changeProspector(input.exceptions, fingerprints, ownershipSettingsOf(options), options.timeZone, manageNames) : undefined;
  const likely = new Set<string>();
  const onItem = prospect
    ? (item: RemoteException) => {
        const spec = prospect(item);
        if (spec && !likely.has(spec.name)) {
          likely.add(spec.name);
          options.onLikelyChange?.(spec);
        }
      }
    : undefined;
  const read = scope.kind === 'changed-since' ? await readChangedNames(api, scope.names, options.concurrency, onItem) : { ...(await listRemoteExceptions(api, { onItem })), unfiltered: [] };
  const remote = read.items;
  if (options.onLikelyChange) {
    const present = new Set(remote.map((item) => item.name));
    const planned = inScope(scope);
    for (const wanted of input.exceptions) if (planned(wanted.spec.name) && !present.has(wanted.spec.name)) options.onLikelyChange(wanted.spec);
  }
  const fromBase = oldSpecsFromBase(remote, options.baseExceptions, ownershipSettingsOf(options).owner);
  const classified = await classifyWithHistory(remote, input.exceptions, { ...options, oldValues: true, fingerprints, known: new Set(fromBase.keys()), manageNames });
  const { ownership } = classified;
  const oldSpecs = new Map(classified.oldSpecs);
  for (const [name, { spec, item }] of fromBase) {
    const { kind } = ownership.of(item);
    if (kind === 'owned' || kind === 'legacy' || kind === 'adopted') oldSpecs.set(name, spec);
  }
  const inPlan = input.exceptions.filter((wanted) => inScope(scope)(wanted.spec.name));
  // An adopted exception whose base the import's record vouches for needs no detail: it is the base's spec.
  const vouchedByBase = new Set([...fromBase.values()].map((entry) => entry.item.uuid));
  const needed = selectDetailsNeeded(inPlan, remote, ownership).filter((uuid) => !vouchedByBase.has(uuid));
  const sample = selectDetailSample(sampleCandidates(inPlan, remote, ownership, needed), options.sampleDetails ?? 0, options.now);
  const details = await fetchDetails(api, [...needed, ...sample], options.concurrency);
  const { previews, warnings } = await tagStage;
  const plan = buildPlan(
    { desired: input.exceptions, remote, details, oldSpecs, ownership, sampled: new Set(sample), tags: previews, tagWarnings: warnings, listing: read },
    options,
  );
  if (read.unfiltered.length > 0) plan.warnings.push(unfilteredWarning(read.unfiltered));
  return plan;
}

/**
 * The old specs a changed-since plan's base gives, by name: with a marker, when the base's spec
 * hashes to the marker's fingerprint; without one, when the import's record at the base still
 * vouches for the remote (same uuid and updatedOn, the base's spec hashing to what it wrote).
 */
function oldSpecsFromBase(remote: readonly RemoteException[], base: ReadonlyMap<string, BaseException> | undefined, owner: string): Map<string, { spec: ExceptionSpec; item: RemoteException }> {
  const found = new Map<string, { spec: ExceptionSpec; item: RemoteException }>();
  if (!base || base.size === 0) return found;
  for (const item of remote) {
    const entry = base.get(item.name);
    if (!entry || wasEditedOutOfBand(item)) continue;
    let fingerprint: string;
    try {
      fingerprint = fingerprintSpec(entry.spec);
    } catch {
      continue;
    }
    const { marker } = readMarker(item.explanation);
    const vouched = marker
      ? (marker.version === 1 || marker.owner === owner) && marker.fingerprint === fingerprint
      : importVouches({ spec: entry.spec, metadata: entry.metadata as Record<string, string> }, item, fingerprint);
    if (vouched) found.set(item.name, { spec: entry.spec, item });
  }
  return found;
}

/** A changed-since scope's exceptions, read by name: at most one request per name. */
async function readChangedNames(
  api: Pick<CloudViewApi, 'listExceptions'>,
  names: readonly string[],
  concurrency: number | undefined,
  onItem: ((item: RemoteException) => void) | undefined,
): Promise<{ items: RemoteException[]; consistent: true; unfiltered: string[] }> {
  const lookups = await lookUpNames(api, names, concurrency);
  const items: RemoteException[] = [];
  const unfiltered: string[] = [];
  for (const [name, lookup] of lookups) {
    if (lookup.found) {
      items.push(lookup.found);
      onItem?.(lookup.found);
    } else if (lookup.unfiltered) unfiltered.push(name);
  }
  return { items, consistent: true, unfiltered };
}

function unfilteredWarning(names: readonly string[]): PlanWarning {
  const shown = names.slice(0, 5).map((name) => JSON.stringify(name)).join(', ');
  return {
    code: 'scope.unfiltered',
    message: `${plural(names.length, 'name')} could not be looked up by the exception.name filter (${shown}${names.length > 5 ? ', …' : ''}): shown as creates; the full plan and apply see them as they are`,
  };
}
