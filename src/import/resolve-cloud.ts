// `GET exceptions/{uuid}` may name no cloud (no `provider`, at the top or in `exceptionSummary`). The
// cloud then comes from the repository's manifest of the same name, else from one listing filtered by
// `exception.provider:<CLOUD>` per cloud. Never a default: a cloud no source tells stays undefined, and
// the caller says so.
import { ApiError } from '../api/errors';
import type { CloudViewApi, RemoteExceptionDetail } from '../api/types';
import { CLOUD_TYPES, type CloudType } from '../model/exception';

export interface CloudResolution {
  /** The details, those whose cloud was found now carrying it. */
  details: RemoteExceptionDetail[];
  /** Provider-filtered listings read (0 when the manifests told every cloud). */
  listings: number;
}

export async function resolveDetailClouds(
  api: Pick<CloudViewApi, 'listExceptions'>,
  details: readonly RemoteExceptionDetail[],
  cloudByName: ReadonlyMap<string, CloudType>,
): Promise<CloudResolution> {
  const resolved = details.map((detail) => {
    const cloudType = detail.cloudType ?? cloudByName.get(detail.name);
    return cloudType === undefined ? detail : { ...detail, cloudType };
  });
  const unknown = new Set(resolved.filter((detail) => detail.cloudType === undefined).map((detail) => detail.uuid));
  if (unknown.size === 0) return { details: resolved, listings: 0 };

  // Every cloud is read, not just until each uuid is found: a server that ignores the filter would put
  // every exception in the first cloud read; one found under two clouds stays unknown instead.
  const cloudsOf = new Map<string, CloudType[]>();
  let listings = 0;
  for (const cloud of CLOUD_TYPES) {
    listings += 1;
    try {
      for await (const item of api.listExceptions({ filter: `exception.provider:${cloud}` })) {
        if (unknown.has(item.uuid)) cloudsOf.set(item.uuid, [...(cloudsOf.get(item.uuid) ?? []), cloud]);
      }
    } catch (error) {
      // A server that does not know the token tells nothing about this cloud.
      if (error instanceof ApiError && error.status === 400) continue;
      throw error;
    }
  }
  return {
    details: resolved.map((detail) => {
      const clouds = cloudsOf.get(detail.uuid);
      return detail.cloudType === undefined && clouds?.length === 1 ? { ...detail, cloudType: clouds[0] } : detail;
    }),
    listings,
  };
}
