// The old values a plan shows for a change made in the repository, without a detail request: the
// marker names the commit that created the exception, and the manifest at that commit holds the spec
// it was created from, trusted when it hashes back to the marker's fingerprint (history.ts reads it).
// A detail is read only where nothing vouches for the remote: an edit in the Qualys UI, an adopted
// exception the import record no longer vouches for, the drift sample. Pure.
import type { RemoteException } from '../api/types';
import type { ExceptionResource, ExceptionSpec, ManifestException } from '../model/exception';
import { wasEditedOutOfBand } from './compare';
import { normaliseSpec } from './fingerprint';
import { readMarker } from './marker';
import type { HistoryLookup } from './history';
import { historyKey, type OwnershipIndex } from './ownership-index';
import type { FieldDiff } from './types';

/**
 * Markers (our owner's, or the old form) of declared exceptions whose fingerprint is not the
 * manifest's and that nobody edited in the UI: the history at the marker's commit gives their old
 * spec. Read from the markers alone, so one history reading serves verification and old values.
 * The file that declares the name now is read first.
 */
export function oldValueLookups(
  desired: readonly ManifestException[],
  remote: readonly RemoteException[],
  owner: string,
  fingerprints: ReadonlyMap<string, string>,
): HistoryLookup[] {
  const wantedByName = new Map(desired.map((wanted) => [wanted.spec.name, wanted]));
  const lookups: HistoryLookup[] = [];
  for (const item of remote) {
    const wanted = wantedByName.get(item.name);
    if (!wanted || wasEditedOutOfBand(item)) continue;
    const { marker } = readMarker(item.explanation);
    if (!marker || (marker.version === 2 && marker.owner !== owner)) continue;
    if (marker.commit === 'local' || marker.fingerprint === fingerprints.get(item.name)) continue;
    lookups.push({ name: item.name, fingerprint: marker.fingerprint, commit: marker.commit, file: wanted.location.file });
  }
  return lookups;
}

/** Name → the old spec the history gave, for the exceptions the plan may change (owned or legacy). */
export function oldSpecsByName(lookups: readonly HistoryLookup[], specs: ReadonlyMap<string, ExceptionSpec>, remote: readonly RemoteException[], ownership: OwnershipIndex): Map<string, ExceptionSpec> {
  const remoteByName = new Map(remote.map((item) => [item.name, item]));
  const byName = new Map<string, ExceptionSpec>();
  for (const lookup of lookups) {
    const spec = specs.get(historyKey(lookup.name, lookup.fingerprint, lookup.commit));
    const item = remoteByName.get(lookup.name);
    const kind = item ? ownership.of(item).kind : undefined;
    if (spec && (kind === 'owned' || kind === 'legacy')) byName.set(lookup.name, spec);
  }
  return byName;
}

function resourceText(resource: ExceptionResource): string {
  return resource.region ? `${resource.accountId}/${resource.resourceId} (${resource.region})` : `${resource.accountId}/${resource.resourceId}`;
}

/**
 * The fields the list endpoint does not carry, old spec against new, in their canonical form (the
 * fingerprint's): cloud, controls, targets with their regions, tags, isAllConnector, policy and
 * procedure. The listed fields (explanation, reason, scope, dates) come from the list item itself.
 */
export function compareHiddenFields(before: ExceptionSpec, after: ExceptionSpec): FieldDiff[] {
  const old = normaliseSpec(before);
  const wanted = normaliseSpec(after);
  const diffs: FieldDiff[] = [];
  const push = (field: string, from: unknown, to: unknown) => {
    if (JSON.stringify(from) !== JSON.stringify(to)) diffs.push({ field, before: from, after: to });
  };
  push('cloudType', old.cloudType, wanted.cloudType);
  push('controlIds', old.controlIds, wanted.controlIds);
  push('resources', (old.resources ?? []).map(resourceText), (wanted.resources ?? []).map(resourceText));
  push('accountIds', old.accountIds ?? [], wanted.accountIds ?? []);
  push('resourceTagNames', old.resourceTagNames ?? [], wanted.resourceTagNames ?? []);
  push('connectorTagNames', old.connectorTagNames ?? [], wanted.connectorTagNames ?? []);
  if (old.exceptionScope === 'QUALYSTAG' || wanted.exceptionScope === 'QUALYSTAG') push('isAllConnector', old.isAllConnector, wanted.isAllConnector);
  push('informationSecurityPolicy', old.informationSecurityPolicy, wanted.informationSecurityPolicy);
  push('informationSecurityProcedure', old.informationSecurityProcedure, wanted.informationSecurityProcedure);
  return diffs;
}
