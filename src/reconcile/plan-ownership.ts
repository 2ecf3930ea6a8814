// What the plan says about remote exceptions it does not change: the conflict a declared name
// meets, and the listings by kind (unmanaged, foreign by owner, unverified, legacy). Pure.
import type { RemoteException } from '../api/types';
import type { SourceLocation } from '../model/exception';
import type { Ownership, OwnershipIndex } from './ownership-index';
import type { ForeignOwner, PlanConflict, UnmanagedException, UnverifiedException } from './types';

/** Names listed per foreign owner; the count is always complete. */
export const FOREIGN_NAMES_LISTED = 50;

export function conflictFor(name: string, remote: RemoteException, owned: Ownership, source: SourceLocation, owner: string): PlanConflict {
  const base = { name, uuid: remote.uuid, source };
  if (owned.kind === 'foreign') {
    return {
      ...base,
      owner: owned.owner,
      message: `${name} exists in CloudView (${remote.uuid}) and belongs to owner '${owned.owner}' (its cvex marker says so); cvex never changes another owner's exceptions: rename the manifest exception, or take it over with \`cvex import --take-over ${owned.owner}\` after agreeing with its owner`,
    };
  }
  if (owned.kind === 'unverified') {
    return {
      ...base,
      owner,
      message: `${name} exists in CloudView (${remote.uuid}) with this repository's owner '${owner}' in its marker, but the marker does not verify (${owned.reason}): it may have been made or copied in the Qualys UI, so cvex will not change or trust it; check it in the UI, then delete it there or take it over with \`cvex import --take-over ${owner}\``,
    };
  }
  if (owned.kind === 'legacy') {
    // Only reached when the legacy marker is neither declared nor exactly named: not possible for a declared name.
    return { ...base, message: `${name} exists in CloudView (${remote.uuid}) with an old cvex marker this repository does not declare` };
  }
  return {
    ...base,
    message: `${name} already exists in CloudView (${remote.uuid}) and is not managed by cvex; run \`cvex import\` to adopt it (or claim it with a \`manage:\` glob in cvex.config.yaml), or rename the manifest exception`,
  };
}

function byName<T extends { name: string }>(a: T, b: T): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

export interface OwnershipListings {
  unmanaged: UnmanagedException[];
  foreign: ForeignOwner[];
  unverified: UnverifiedException[];
  legacy: UnmanagedException[];
}

export function ownershipListings(remote: readonly RemoteException[], ownership: OwnershipIndex): OwnershipListings {
  const unmanaged: UnmanagedException[] = [];
  const unverified: UnverifiedException[] = [];
  const legacy: UnmanagedException[] = [];
  const foreignNames = new Map<string, string[]>();
  for (const item of remote) {
    const owned = ownership.of(item);
    const declared = ownership.isDeclared(item.name);
    const listed = { uuid: item.uuid, name: item.name, state: item.state };
    if (owned.kind === 'unmanaged') unmanaged.push(listed);
    else if (owned.kind === 'foreign' && owned.owner !== undefined) {
      const names = foreignNames.get(owned.owner);
      if (names) names.push(item.name);
      else foreignNames.set(owned.owner, [item.name]);
    }
    else if (owned.kind === 'unverified' && !declared) unverified.push({ ...listed, reason: owned.reason ?? 'it does not verify' });
    else if (owned.kind === 'legacy' && !declared) legacy.push(listed);
  }
  const foreign = [...foreignNames]
    .map(([owner, names]) => ({ owner, count: names.length, names: names.sort().slice(0, FOREIGN_NAMES_LISTED) }))
    .sort((a, b) => (a.owner < b.owner ? -1 : a.owner > b.owner ? 1 : 0));
  return { unmanaged: unmanaged.sort(byName), foreign, unverified: unverified.sort(byName), legacy: legacy.sort(byName) };
}
