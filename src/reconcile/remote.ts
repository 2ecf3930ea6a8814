// The plan's I/O: one paged listing of the remote exceptions, the repository's history only for
// unsigned markers that need it (history.ts), then a detail GET only for the few the list cannot
// settle (see selectDetailsNeeded) and the drift sample. Everything else is pure (plan.ts).
import type { CloudViewApi, RemoteException, RemoteExceptionDetail } from '../api/types';
import type { ApplyTagsRule, ManifestException } from '../model/exception';
import { API_CONCURRENCY, mapWithConcurrency } from './concurrency';
import { readHistoryEvidence, type HistoryOptions } from './history';
import { buildOwnershipIndex, desiredFingerprints, historyQueries, type OwnershipIndex } from './ownership-index';
import { buildPlan, ownershipSettingsOf, sampleCandidates, selectDetailsNeeded, type PlanOptions } from './plan';
import { selectDetailSample } from './sample';
import { previewTagStage } from './tag-stage';
import type { Plan } from './types';

/** Every remote exception: ceil(N / pageSize) list requests, nothing else. */
export async function listRemoteExceptions(api: Pick<CloudViewApi, 'listExceptions'>): Promise<RemoteException[]> {
  const remote: RemoteException[] = [];
  for await (const item of api.listExceptions()) remote.push(item);
  return remote;
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
  const remote = await listRemoteExceptions(api);
  const ownership = await classifyRemote(remote, input.exceptions, options);
  const needed = selectDetailsNeeded(input.exceptions, remote, ownership);
  const sample = selectDetailSample(sampleCandidates(input.exceptions, remote, ownership, needed), options.sampleDetails ?? 0, options.now);
  const details = await fetchDetails(api, [...needed, ...sample], options.concurrency);
  const tagStage = input.applyTags && input.applyTags.length > 0 ? await previewTagStage(api, input.applyTags) : { previews: [], warnings: [] };
  return buildPlan(
    { desired: input.exceptions, remote, details, ownership, sampled: new Set(sample), tags: tagStage.previews, tagWarnings: tagStage.warnings },
    options,
  );
}
