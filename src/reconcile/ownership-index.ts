// Who owns each remote exception, decided once per plan (pure). Kinds:
//   owned      our owner's v2 marker, verified          compared, replaced, deleted when absent
//   adopted    no marker, claimed by a `manage:` entry  compared, replaced; deleting it needs --force
//   legacy     the old marker (no owner)                managed only when the manifests or an exact
//                                                       `manage:` name declare it; never deleted for being absent
//   foreign    another owner's v2 marker                never changed, whatever glob matches
//   unverified our owner's v2 marker that does not verify  never changed, never "unchanged"
//   unmanaged  no marker, not claimed                   made in the UI; never changed
// Verification of our owner's marker: with `markerKeys`, only a valid signature by a listed key;
// without keys, the marker's fingerprint equals the manifest's of that name, or the repository's
// history holds that name with that fingerprint at the marker's commit (history.ts reads it).
import type { RemoteException } from '../api/types';
import type { ManifestException } from '../model/exception';
import { fingerprintSpec } from './fingerprint';
import { compileManageNames, type ManageNames } from './manage-names';
import { LOCAL_OWNER, markerMessage, readMarker, type Marker, type OwnerMarker } from './marker';
import { verifyMarkerSignature, type MarkerPublicKey } from './marker-keys';

export type OwnershipKind = 'owned' | 'adopted' | 'legacy' | 'foreign' | 'unverified' | 'unmanaged';

export interface OwnershipSettings {
  /** This repository's `owner:` (LOCAL_OWNER against loopback without one). */
  owner: string;
  /** Config `manage:` entries (exact names and globs). */
  manage: readonly string[];
  /** Config `markerKeys`, parsed. Empty: verification by fingerprint and history. */
  markerKeys: readonly MarkerPublicKey[];
  /** Config `takeOverFrom`: owners whose exceptions this repository re-stamps by replace. */
  takeOverFrom: readonly string[];
}

export const DEFAULT_OWNERSHIP: OwnershipSettings = { owner: LOCAL_OWNER, manage: [], markerKeys: [], takeOverFrom: [] };

export interface Ownership {
  kind: OwnershipKind;
  marker?: Marker;
  /** The marker's owner (v2 markers). */
  owner?: string;
  /** unverified: why the marker does not verify. */
  reason?: string;
  /** foreign or unverified, and `takeOverFrom` lists the marker's owner: a declared one is re-stamped by replace. */
  takeOver?: boolean;
  /** The plan may compare and replace it, and delete it when absent (legacy: never for being absent). */
  managed: boolean;
}

/** What the repository's history says about markers (history.ts). */
export interface HistoryEvidence {
  /** historyKey() of every marker whose name and fingerprint a manifest at its commit declares. */
  held: ReadonlySet<string>;
  /** Why a marker's commit could not be read, by historyKey(); absent when it was read. */
  unreadable: ReadonlyMap<string, string>;
}

export function historyKey(name: string, fingerprint: string, commit: string): string {
  return `${commit}\u0000${name}\u0000${fingerprint}`;
}

export interface HistoryQuery {
  name: string;
  fingerprint: string;
  commit: string;
}

export interface OwnershipIndex {
  readonly settings: OwnershipSettings;
  readonly manageNames: ManageNames;
  of(remote: Pick<RemoteException, 'uuid' | 'name' | 'explanation'>): Ownership;
  /** fingerprintSpec of the manifest exception of that name, computed once. */
  desiredFingerprint(name: string): string | undefined;
  isDeclared(name: string): boolean;
  /** owned + adopted + managed legacy: what the removal thresholds are a share of. */
  readonly managedCount: number;
}

export interface OwnershipInput {
  remote: readonly RemoteException[];
  desired: readonly Pick<ManifestException, 'spec'>[];
  settings: OwnershipSettings;
  history?: HistoryEvidence;
  /** desiredFingerprints(desired), when the caller computed it already. */
  fingerprints?: ReadonlyMap<string, string>;
  /** compileManageNames(settings.manage), when the caller compiled it already. */
  manageNames?: ManageNames;
}

/** Name → fingerprintSpec of every manifest exception: computed once per plan. */
export function desiredFingerprints(desired: OwnershipInput['desired']): Map<string, string> {
  return new Map(desired.map((exception) => [exception.spec.name, fingerprintSpec(exception.spec)]));
}

/** Our owner's markers that only the history can verify (no keys, fingerprint not the manifest's). */
export function historyQueries(
  remote: readonly RemoteException[],
  desired: OwnershipInput['desired'],
  settings: OwnershipSettings,
  fingerprints: ReadonlyMap<string, string> = desiredFingerprints(desired),
): HistoryQuery[] {
  if (settings.markerKeys.length > 0) return [];
  const queries: HistoryQuery[] = [];
  for (const item of remote) {
    const { marker } = readMarker(item.explanation);
    if (marker?.version !== 2 || marker.owner !== settings.owner || marker.commit === 'local') continue;
    if (fingerprints.get(item.name) === marker.fingerprint) continue;
    queries.push({ name: item.name, fingerprint: marker.fingerprint, commit: marker.commit });
  }
  return queries;
}

export function buildOwnershipIndex(input: OwnershipInput): OwnershipIndex {
  const { settings } = input;
  const manageNames = input.manageNames ?? compileManageNames(settings.manage);
  const fingerprints = input.fingerprints ?? desiredFingerprints(input.desired);
  const keys = new Map(settings.markerKeys.map((key) => [key.id, key]));
  const takeOverFrom = new Set(settings.takeOverFrom);

  const verifyOurs = (name: string, marker: OwnerMarker): string | undefined => {
    if (keys.size > 0) {
      if (!marker.signature) return 'it is not signed, and this repository signs its markers (markerKeys)';
      if (!keys.has(marker.signature.keyId)) return `it is signed with key ${marker.signature.keyId}, which markerKeys does not list`;
      const message = markerMessage(marker.owner, name, marker.fingerprint, marker.commit);
      return verifyMarkerSignature(message, marker.signature, keys) ? undefined : 'its signature does not verify';
    }
    if (fingerprints.get(name) === marker.fingerprint) return undefined;
    // The owner `local` without keys is the simulator's toy setup (a real platform refuses it):
    // there is no other repository to protect, so its markers are taken as they read.
    if (settings.owner === LOCAL_OWNER) return undefined;
    if (marker.commit === 'local') return 'it was made from a checkout without a commit (local), so nothing can vouch for it';
    const key = historyKey(name, marker.fingerprint, marker.commit);
    if (input.history?.held.has(key)) return undefined;
    const unreadable = input.history ? input.history.unreadable.get(key) : 'the repository history was not read';
    return unreadable ?? `no manifest at commit ${marker.commit} declares ${JSON.stringify(name)} with fingerprint ${marker.fingerprint}`;
  };

  const classify = (remote: Pick<RemoteException, 'name' | 'explanation'>): Ownership => {
    const { marker } = readMarker(remote.explanation);
    const declared = fingerprints.has(remote.name);
    if (!marker) {
      return manageNames.claims(remote.name) ? { kind: 'adopted', managed: true } : { kind: 'unmanaged', managed: false };
    }
    if (marker.version === 1) return { kind: 'legacy', marker, managed: declared || manageNames.isExact(remote.name) };
    if (marker.owner !== settings.owner) {
      return { kind: 'foreign', marker, owner: marker.owner, managed: false, ...(takeOverFrom.has(marker.owner) ? { takeOver: true } : {}) };
    }
    const reason = verifyOurs(remote.name, marker);
    if (reason === undefined) return { kind: 'owned', marker, owner: marker.owner, managed: true };
    return { kind: 'unverified', marker, owner: marker.owner, reason, managed: false, ...(takeOverFrom.has(marker.owner) ? { takeOver: true } : {}) };
  };

  const byUuid = new Map<string, Ownership>();
  let managedCount = 0;
  for (const remote of input.remote) {
    const ownership = classify(remote);
    byUuid.set(remote.uuid, ownership);
    if (ownership.managed) managedCount += 1;
  }
  return {
    settings,
    manageNames,
    // An exception outside the listing (a saved plan's) is classified on the spot, by the same rules.
    of: (remote) => byUuid.get(remote.uuid) ?? classify(remote),
    desiredFingerprint: (name) => fingerprints.get(name),
    isDeclared: (name) => fingerprints.has(name),
    managedCount,
  };
}
