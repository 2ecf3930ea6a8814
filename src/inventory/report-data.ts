// Reads what `cvex report` needs, in as few requests as the API allows, then hands it to the pure model.
//
// Request count for T remote exceptions (N of them managed) over K accounts, page size P = 100:
//     ceil(T / P)           one paged exceptions listing (the list carries state, dates and the marker)
//   + D                     details, only for live managed exceptions whose targets the repository
//                           cannot vouch for (not in the repo, marker fingerprint differs from the
//                           manifest, or edited in the UI since created). D = 0 after a clean apply.
//   + Cq                    one connectors listing per cloud with a QUALYSTAG exception that reaches
//                           connectors by tag or isAllConnector (0 otherwise)
//   + K                     one unfiltered control summary per account reached (cache.ts)
//   + min(regex, per-control) resource results for RESOURCE exceptions, per cloud (cost.ts)
// For a clean plan of N RESOURCE exceptions over K accounts: ceil(T/P) + K + min(...) — it grows with
// N only through paging (N/100), never as one request (summary or detail) per exception.
import type { CloudViewApi, RemoteException, RemoteExceptionDetail } from '../api/types';
import type { CloudType, ManifestException } from '../model/exception';
import { fingerprintSpec } from '../reconcile/fingerprint';
import { buildOwnershipIndex, DEFAULT_OWNERSHIP, type Ownership, type OwnershipSettings } from '../reconcile/ownership-index';
import { wasEditedOutOfBand } from '../reconcile/compare';
import { InventoryCache, type ResourceQuery } from './cache';
import { type CoverageReport, type ExceptionTargets, type ReportSubject, accountsToRead, buildCoverageReport, isLive } from './report-model';

export interface GatherReportOptions {
  /** The repository's manifests (already validated); [] reads every target from the API. */
  manifests: readonly ManifestException[];
  /** Config `manage` name globs that also claim exceptions. */
  manage: readonly string[];
  /** Owner and marker keys (default: owner `local`, no keys). */
  ownership?: Omit<OwnershipSettings, 'manage'>;
  timeZone: string;
  now: Date;
  overBroadThreshold: number;
  cache?: InventoryCache;
  /** Called as each phase starts; the command draws a progress line from it on a TTY. */
  onProgress?: (phase: string) => void;
}

function targetsOfManifest(manifest: ManifestException): ExceptionTargets {
  const { spec } = manifest;
  return {
    cloudType: spec.cloudType,
    exceptionScope: spec.exceptionScope,
    controlIds: [...spec.controlIds],
    resources: [...(spec.resources ?? [])],
    accountIds: [...(spec.accountIds ?? [])],
    resourceTagNames: [...(spec.resourceTagNames ?? [])],
    isAllConnector: spec.isAllConnector === true,
    connectorTagNames: [...(spec.connectorTagNames ?? [])],
  };
}

/** Undefined when the detail names no cloud and no `cloudType` (the manifest's of that name) is given. */
export function targetsOfDetail(detail: RemoteExceptionDetail, cloudType = detail.cloudType): ExceptionTargets | undefined {
  if (cloudType === undefined) return undefined;
  const raw = (detail as unknown as Record<string, unknown>).isAllConnector;
  // The detail does not always say; a QUALYSTAG exception with neither accounts nor connector tags
  // can only be valid with isAllConnector (the create API requires one of the three).
  const isAllConnector =
    raw === undefined || raw === null ? detail.accountIds.length === 0 && detail.connectorTagNames.length === 0 : String(raw).toLowerCase() === 'true';
  return {
    cloudType,
    exceptionScope: detail.exceptionScope,
    controlIds: [...detail.controlIds],
    resources: [...detail.resources],
    accountIds: [...detail.accountIds],
    resourceTagNames: [...detail.resourceTagNames],
    isAllConnector: detail.exceptionScope.toUpperCase() === 'QUALYSTAG' && isAllConnector,
    connectorTagNames: [...detail.connectorTagNames],
  };
}

/**
 * The repository's manifest may stand in for the detail only when the marker proves the remote was
 * created from exactly this spec and nobody edited it in the UI since (an in-place edit can change
 * controls without touching the marker).
 */
export function manifestVouchesFor(manifest: ManifestException | undefined, remote: RemoteException, ownership: Ownership): manifest is ManifestException {
  if (!manifest || (ownership.kind !== 'owned' && ownership.kind !== 'legacy')) return false;
  const marker = ownership.marker;
  return marker !== undefined && marker.fingerprint === fingerprintSpec(manifest.spec) && !wasEditedOutOfBand(remote);
}

export async function gatherCoverageReport(api: CloudViewApi, options: GatherReportOptions): Promise<CoverageReport> {
  const cache = options.cache ?? new InventoryCache();
  const progress = options.onProgress ?? (() => undefined);

  progress('listing exceptions');
  const listed: RemoteException[] = [];
  for await (const remote of api.listExceptions({ pageSize: 100 })) listed.push(remote);
  const ownership = buildOwnershipIndex({
    remote: listed,
    desired: options.manifests,
    settings: { ...DEFAULT_OWNERSHIP, ...options.ownership, manage: options.manage },
  });

  const manifestByName = new Map(options.manifests.map((manifest) => [manifest.spec.name, manifest]));
  const subjects: ReportSubject[] = [];
  const detailsNeeded: ReportSubject[] = [];
  for (const remote of listed) {
    const owned = ownership.of(remote);
    // The report only reads: an exception with our owner whose marker cannot be verified here (no
    // keys, no history) is still reported, with its targets read from the API, never vouched for.
    if (!owned.managed && owned.kind !== 'unverified') continue;
    const manifest = manifestByName.get(remote.name);
    const subject: ReportSubject = { remote, targetsFrom: 'none', source: manifest?.location };
    if (manifestVouchesFor(manifest, remote, owned)) {
      subject.targets = targetsOfManifest(manifest);
      subject.targetsFrom = 'repo';
    } else if (isLive(remote.state)) {
      // Expired ones exempt nothing: their targets are not worth a request.
      detailsNeeded.push(subject);
    }
    subjects.push(subject);
  }
  if (detailsNeeded.length > 0) {
    progress(`reading ${detailsNeeded.length} exception detail${detailsNeeded.length === 1 ? '' : 's'}`);
    await Promise.all(
      detailsNeeded.map(async (subject) => {
        const detail = await api.getException(subject.remote.uuid);
        // A detail that names no cloud takes the manifest's of the same name; without one its targets stay unknown.
        subject.targets = targetsOfDetail(detail, detail.cloudType ?? manifestByName.get(subject.remote.name)?.spec.cloudType);
        if (subject.targets) subject.targetsFrom = 'detail';
      }),
    );
  }

  const tagClouds = new Set<CloudType>();
  for (const subject of subjects) {
    const targets = subject.targets;
    if (targets && isLive(subject.remote.state) && targets.exceptionScope.toUpperCase() === 'QUALYSTAG' && (targets.isAllConnector || targets.connectorTagNames.length > 0)) {
      tagClouds.add(targets.cloudType);
    }
  }
  if (tagClouds.size > 0) {
    progress('listing connectors');
    await Promise.all([...tagClouds].map((cloud) => cache.connectors(api, cloud)));
  }

  const accounts = accountsToRead(subjects, cache);
  const accountCount = [...accounts.values()].reduce((sum, set) => sum + set.size, 0);
  progress(`reading control summaries of ${accountCount} account${accountCount === 1 ? '' : 's'}`);
  await Promise.all(
    [...accounts].flatMap(([cloud, ids]) => [...ids].sort().map((accountId) => cache.summaries(api, cloud, accountId))),
  );

  const queries = new Map<CloudType, ResourceQuery[]>();
  for (const subject of subjects) {
    const targets = subject.targets;
    if (!targets || !isLive(subject.remote.state) || targets.exceptionScope.toUpperCase() !== 'RESOURCE') continue;
    const list = queries.get(targets.cloudType) ?? [];
    for (const resource of targets.resources) list.push({ accountId: resource.accountId, resourceId: resource.resourceId, controlIds: targets.controlIds });
    queries.set(targets.cloudType, list);
  }
  if (queries.size > 0) {
    progress('reading resource results');
    await Promise.all([...queries].map(([cloud, list]) => cache.loadResults(api, cloud, list)));
  }

  return buildCoverageReport(subjects, cache, { now: options.now, timeZone: options.timeZone, overBroadThreshold: options.overBroadThreshold });
}
