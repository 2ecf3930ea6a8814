// The state in Qualys now of the exceptions `cvex log` shows, from ONE listing (no detail
// request): uuid, state, updatedOn, and whether it matches the repository. The list carries no
// controls or targets; the marker's fingerprint vouches for them, as in a plan.
import type { RemoteException } from '../api/types';
import type { ManifestException } from '../model/exception';
import { compareListFields, wasEditedOutOfBand } from '../reconcile/compare';
import type { OwnershipIndex } from '../reconcile/ownership-index';
import type { CurrentState } from './timeline';

export interface CurrentStateInput {
  remote: readonly RemoteException[];
  /** The manifests now (HEAD's working tree). */
  desired: readonly ManifestException[];
  /** Whose each remote exception is (src/reconcile/ownership-index.ts), as the plan decides it. */
  ownership: OwnershipIndex;
  timeZone: string;
}

export function currentStates(input: CurrentStateInput): Map<string, CurrentState> {
  const states = new Map<string, CurrentState>();
  const remoteByName = new Map(input.remote.map((item) => [item.name, item]));
  for (const wanted of input.desired) {
    const remote = remoteByName.get(wanted.spec.name);
    if (!remote) {
      states.set(wanted.spec.name, { uuid: null, state: null, updatedOn: null, drift: 'missing', detail: 'not in Qualys: not applied yet, or deleted there' });
      continue;
    }
    const base = { uuid: remote.uuid, state: remote.state, updatedOn: remote.updatedOn || null };
    const owned = input.ownership.of(remote);
    if (!owned.managed) {
      const whose = owned.kind === 'foreign' ? `another repository's (owner ${owned.owner})` : owned.kind === 'unverified' ? 'carries a marker that does not verify' : 'an exception cvex does not manage';
      states.set(wanted.spec.name, { ...base, drift: 'unmanaged', detail: `the name is taken by ${whose}` });
      continue;
    }
    const marker = owned.kind === 'owned' || owned.kind === 'legacy' ? owned.marker : undefined;
    const listed = compareListFields(wanted.spec, remote, input.timeZone).map((diff) => diff.field);
    if (marker && wasEditedOutOfBand(remote)) {
      states.set(wanted.spec.name, { ...base, drift: 'edited-in-qualys', detail: `updatedOn moved after it was created${listed.length > 0 ? `; differs in ${listed.join(', ')}` : ''}` });
    } else if ((marker && marker.fingerprint !== input.ownership.desiredFingerprint(wanted.spec.name)) || listed.length > 0) {
      states.set(wanted.spec.name, { ...base, drift: 'differs', detail: listed.length > 0 ? `differs in ${listed.join(', ')}` : 'the repository changed since it was applied' });
    } else {
      states.set(wanted.spec.name, { ...base, drift: 'in-sync' });
    }
  }
  const desiredNames = new Set(input.desired.map((exception) => exception.spec.name));
  for (const remote of input.remote) {
    if (desiredNames.has(remote.name)) continue;
    const managed = input.ownership.of(remote).managed;
    states.set(remote.name, {
      uuid: remote.uuid,
      state: remote.state,
      updatedOn: remote.updatedOn || null,
      drift: managed ? 'not-in-repository' : 'unmanaged',
      ...(managed ? { detail: 'removed from the repository; the next apply deletes it' } : {}),
    });
  }
  return states;
}
