// The plan's I/O: one paged listing of the remote exceptions, then a detail GET only for the
// few the list cannot settle (see selectDetailsNeeded). Everything else is pure (plan.ts).
import type { CloudViewApi, RemoteException, RemoteExceptionDetail } from '../api/types';
import type { ApplyTagsRule, ManifestException } from '../model/exception';
import { API_CONCURRENCY, mapWithConcurrency } from './concurrency';
import { buildPlan, selectDetailsNeeded, type PlanOptions } from './plan';
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

/** List, fetch the needed details, preview the tag stage, build the plan. */
export async function planAgainstRemote(api: CloudViewApi, input: PlanRunInput, options: PlanOptions & { concurrency?: number }): Promise<Plan> {
  const remote = await listRemoteExceptions(api);
  const details = await fetchDetails(api, selectDetailsNeeded(input.exceptions, remote, options.manage), options.concurrency);
  const tagStage = input.applyTags && input.applyTags.length > 0 ? await previewTagStage(api, input.applyTags) : { previews: [], warnings: [] };
  return buildPlan({ desired: input.exceptions, remote, details, tags: tagStage.previews, tagWarnings: tagStage.warnings }, options);
}
