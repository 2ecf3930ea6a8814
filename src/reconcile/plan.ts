// Builds the plan from data: the desired exceptions, the remote list, who owns each remote
// exception (ownership-index.ts, computed once) and the few details that were needed. No I/O here;
// src/reconcile/remote.ts does the fetching.
import { createHash } from 'node:crypto';
import type { RemoteException, RemoteExceptionDetail } from '../api/types';
import type { ManifestException } from '../model/exception';
import { localDateOf } from '../model/dates';
import { compareDetailFields, compareListFields, wasEditedOutOfBand } from './compare';
import { fingerprintSpec } from './fingerprint';
import { buildOwnershipIndex, DEFAULT_OWNERSHIP, type OwnershipIndex, type OwnershipSettings } from './ownership-index';
import { conflictFor, ownershipListings } from './plan-ownership';
import { plural } from '../render/plural';
import type { FieldDiff, Plan, PlanChange, PlanConflict, PlanSafety, PlanScope, PlanWarning, TagPreview } from './types';

export const PLAN_VERSION = 1;

export interface PlanOptions {
  timeZone: string;
  /** Config name globs that claim remote exceptions (minimatch). */
  manage: readonly string[];
  now: Date;
  /** Full commit or 'local'. */
  commit: string;
  /** Origin of the target; credentials never reach the plan. */
  apiUrl: string;
  maxDeletes: number;
  maxDeletePercent: number;
  /** Owner, marker keys and take-overs; default: owner `local`, no keys, and `manage` above. */
  ownership?: Omit<OwnershipSettings, 'manage'>;
  /** Default full. */
  scope?: PlanScope;
  /** Details of managed exceptions to read for drift (`--sample-details`); default 0. */
  sampleDetails?: number;
}

export function ownershipSettingsOf(options: Pick<PlanOptions, 'manage' | 'ownership'>): OwnershipSettings {
  return { ...DEFAULT_OWNERSHIP, ...options.ownership, manage: options.manage };
}

export const SAFETY_DEFAULTS = {
  maxDeletes: 10,
  maxDeletePercent: 25,
  /** Below this many managed exceptions a single delete would already be a big percentage. */
  percentAppliesFrom: 10,
} satisfies Record<string, number>;

/**
 * The remote exceptions whose detail the plan needs (one GET each). Everything else is decided
 * from the list item: a verified marker's fingerprint vouches for the fields the list does not carry.
 * - no marker (adopted, or taken over): nothing vouches for controls and targets, unless the import did;
 * - marker fingerprint differs from the repository's: show the real field diffs;
 * - updatedOn moved past createdOn: edited in the UI, show what changed.
 * Foreign, unverified and unmanaged exceptions are never compared: no detail.
 */
export function selectDetailsNeeded(desired: readonly ManifestException[], remote: readonly RemoteException[], ownership: OwnershipIndex): string[] {
  const remoteByName = new Map(remote.map((item) => [item.name, item]));
  const uuids: string[] = [];
  for (const wanted of desired) {
    const item = remoteByName.get(wanted.spec.name);
    if (!item) continue;
    const owned = ownership.of(item);
    if (!owned.managed && !owned.takeOver) continue;
    const marker = owned.kind === 'owned' || owned.kind === 'legacy' ? owned.marker : undefined;
    if (!marker) {
      if (!importVouches(wanted, item, ownership.desiredFingerprint(wanted.spec.name))) uuids.push(item.uuid);
    } else if (marker.fingerprint !== ownership.desiredFingerprint(wanted.spec.name) || wasEditedOutOfBand(item)) uuids.push(item.uuid);
  }
  return uuids;
}

/** Managed exceptions the plan would judge from the list alone: what drift sampling picks from. */
export function sampleCandidates(desired: readonly ManifestException[], remote: readonly RemoteException[], ownership: OwnershipIndex, needed: readonly string[]): RemoteException[] {
  const skip = new Set(needed);
  const declared = new Set(desired.map((exception) => exception.spec.name));
  return remote.filter((item) => declared.has(item.name) && !skip.has(item.uuid) && ownership.of(item).managed);
}

/**
 * An adopted exception (no marker) written by `cvex import` needs no detail while neither side
 * moved since: the same uuid and updatedOn remotely (a UI edit moves updatedOn), and the manifest
 * spec still hashing to what the import wrote (an edit in the repository changes the hash).
 */
export function importVouches(wanted: Pick<ManifestException, 'spec' | 'metadata'>, remote: Pick<RemoteException, 'uuid' | 'updatedOn'>, fingerprint = fingerprintSpec(wanted.spec)): boolean {
  const metadata = wanted.metadata ?? {};
  return (
    metadata.importedUuid === remote.uuid &&
    typeof metadata.importedUpdatedOn === 'string' &&
    remote.updatedOn !== '' &&
    metadata.importedUpdatedOn === remote.updatedOn &&
    metadata.importedFingerprint === fingerprint
  );
}

/** Hash of the managed exceptions' identity and last change: moves when anything we own moved. */
export function fingerprintRemote(remote: readonly RemoteException[], ownership: OwnershipIndex): { fingerprint: string; managed: number } {
  const lines = remote
    .filter((item) => ownership.of(item).managed)
    .map((item) => `${item.uuid} ${item.updatedOn}`)
    .sort();
  return { fingerprint: createHash('sha256').update(lines.join('\n')).digest('hex'), managed: lines.length };
}

export function evaluateSafety(managed: number, deletes: number, limits: { maxDeletes: number; maxDeletePercent: number }): PlanSafety {
  const exceedsMaxDeletes = deletes > limits.maxDeletes;
  const exceedsPercent = managed >= SAFETY_DEFAULTS.percentAppliesFrom && (deletes * 100) / managed > limits.maxDeletePercent;
  return {
    managed,
    deletes,
    maxDeletes: limits.maxDeletes,
    maxDeletePercent: limits.maxDeletePercent,
    percentAppliesFrom: SAFETY_DEFAULTS.percentAppliesFrom,
    exceedsMaxDeletes,
    exceedsPercent,
    blocked: exceedsMaxDeletes || exceedsPercent,
  };
}

function byName<T extends { name: string }>(a: T, b: T): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

export interface PlanInput {
  desired: readonly ManifestException[];
  remote: readonly RemoteException[];
  /** Details fetched for the uuids selectDetailsNeeded returned, and for the drift sample. */
  details: ReadonlyMap<string, RemoteExceptionDetail>;
  /** Who owns each remote exception; built here (without history) when not given. */
  ownership?: OwnershipIndex;
  /** uuids whose detail was read only as a drift sample. */
  sampled?: ReadonlySet<string>;
  tags?: readonly TagPreview[];
  tagWarnings?: readonly PlanWarning[];
  /** How the remote listing went (remote.ts); absent: a consistent one. */
  listing?: { consistent: boolean; uncertain?: readonly string[]; problem?: string };
}

export function buildPlan(input: PlanInput, options: PlanOptions): Plan {
  const { timeZone, manage } = options;
  const ownership = input.ownership ?? buildOwnershipIndex({ remote: input.remote, desired: input.desired, settings: ownershipSettingsOf(options) });
  const remoteByName = new Map(input.remote.map((item) => [item.name, item]));
  const creates: PlanChange[] = [];
  const replaces: PlanChange[] = [];
  const deletes: PlanChange[] = [];
  const conflicts: PlanConflict[] = [];
  const warnings: PlanWarning[] = [];
  let unchanged = 0;
  const today = localDateOf(options.now, timeZone);
  const listingMoved = input.listing !== undefined && !input.listing.consistent;

  for (const wanted of input.desired) {
    const { spec, location } = wanted;
    if (spec.endDate < today) {
      warnings.push({ code: 'exception.expired', name: spec.name, message: `${spec.name} ended on ${spec.endDate}: it no longer exempts anything; remove it from the repository` });
    }
    const remote = remoteByName.get(spec.name);
    if (!remote) {
      // From a listing that moved, "absent" is not proven: the exception may have slid past the pages read.
      creates.push({ action: 'create', name: spec.name, spec, source: location, ...(listingMoved ? { unconfirmed: true as const } : {}) });
      continue;
    }
    const owned = ownership.of(remote);
    if (!owned.managed && !owned.takeOver) {
      conflicts.push(conflictFor(spec.name, remote, owned, location, ownership.settings.owner));
      continue;
    }
    const marker = owned.kind === 'owned' || owned.kind === 'legacy' ? owned.marker : undefined;
    const detail = input.details.get(remote.uuid);
    const diffs: FieldDiff[] = detail ? compareDetailFields(spec, detail, timeZone) : compareListFields(spec, remote, timeZone);
    const desiredFingerprint = ownership.desiredFingerprint(spec.name) ?? '';
    const fingerprintMoved = marker !== undefined && marker.fingerprint !== desiredFingerprint;
    if (fingerprintMoved && diffs.length === 0) {
      // A field the API does not show back (region, policy, procedure, isAllConnector) changed.
      diffs.push({ field: 'fingerprint', before: marker.fingerprint, after: desiredFingerprint });
    }
    const sampled = input.sampled?.has(remote.uuid) === true && diffs.length > 0;
    // The remote moved while the repository did not: updatedOn says so, or something vouches for
    // exactly this spec (the marker, or the import's record) yet the fields differ.
    const vouched = marker !== undefined ? !fingerprintMoved : sampled;
    const editedOutOfBand = (marker !== undefined && wasEditedOutOfBand(remote)) || (vouched && diffs.length > 0);
    const takeOver = owned.takeOver && owned.owner !== undefined ? { from: owned.owner } : undefined;
    if (editedOutOfBand || diffs.length > 0 || takeOver) {
      replaces.push({
        action: 'replace',
        name: spec.name,
        uuid: remote.uuid,
        spec,
        source: location,
        remote,
        cause: editedOutOfBand ? 'edited-out-of-band' : 'changed-in-repo',
        diffs,
        ownership: owned.kind as Exclude<typeof owned.kind, 'unmanaged'>,
        ...(takeOver ? { takeOver } : {}),
        ...(sampled ? { sampled: true } : {}),
      });
    } else {
      unchanged += 1;
    }
  }

  for (const remote of input.remote) {
    if (ownership.isDeclared(remote.name)) continue;
    const owned = ownership.of(remote);
    // Legacy markers are never deleted for being absent: another repository may still declare them.
    if (owned.kind === 'owned' || owned.kind === 'adopted') deletes.push({ action: 'delete', name: remote.name, uuid: remote.uuid, remote, ownership: owned.kind });
  }
  const listings = ownershipListings(input.remote, ownership);

  const remoteState = fingerprintRemote(input.remote, ownership);
  let managedForGuards = remoteState.managed;
  if (listingMoved) {
    // A partial listing never plans a delete; the guards count only what both reads saw.
    const uncertain = new Set(input.listing?.uncertain ?? []);
    managedForGuards -= input.remote.filter((item) => uncertain.has(item.uuid) && ownership.of(item).managed).length;
    warnings.push({
      code: 'listing.inconsistent',
      message: `the exceptions list changed while it was read, twice (${input.listing?.problem ?? 'its count moved'}): ${plural(deletes.length, 'delete')} withheld, ${plural(creates.length, 'create')} unconfirmed (the name may exist already); plan again when the account is quiet`,
    });
    deletes.length = 0;
  }
  const takeOvers = replaces.filter((change) => change.action === 'replace' && change.takeOver).length;
  // A take-over lifts the other owner's exemption like a delete: the thresholds count it.
  const safety = evaluateSafety(managedForGuards, deletes.length + takeOvers, options);
  if (safety.blocked) {
    warnings.push({
      code: 'safety.threshold',
      message: `${deletes.length + takeOvers} removals exceed the limit (${safety.exceedsMaxDeletes ? `max ${safety.maxDeletes}` : `more than ${safety.maxDeletePercent}% of ${safety.managed} managed`}); apply refuses without --force`,
    });
  }
  const adoptedDeletes = deletes.filter((change) => change.action === 'delete' && change.ownership === 'adopted').length;
  if (adoptedDeletes > 0) {
    warnings.push({
      code: 'ownership.adopted-delete',
      message: `${adoptedDeletes} of the deletes ${adoptedDeletes === 1 ? 'is an exception' : 'are exceptions'} adopted by name (no marker): another repository may claim ${adoptedDeletes === 1 ? 'it' : 'them'} too; apply refuses without --force`,
    });
  }
  warnings.push(...(input.tagWarnings ?? []));

  const changes = [...creates.sort(byName), ...replaces.sort(byName), ...deletes.sort(byName)];
  return {
    version: PLAN_VERSION,
    createdAt: options.now.toISOString(),
    target: { apiUrl: originOf(options.apiUrl), timeZone },
    commit: options.commit,
    owner: ownership.settings.owner,
    scope: options.scope ?? { kind: 'full' },
    manage: [...manage],
    changes,
    summary: { create: creates.length, delete: deletes.length, replace: replaces.length, unchanged },
    unmanaged: listings.unmanaged,
    foreign: listings.foreign,
    unverified: listings.unverified,
    legacy: listings.legacy,
    conflicts: conflicts.sort(byName),
    warnings,
    safety,
    tags: [...(input.tags ?? [])],
    remote: {
      fingerprint: remoteState.fingerprint,
      managed: remoteState.managed,
      total: input.remote.length,
      ...(input.sampled && input.sampled.size > 0 ? { sampled: input.sampled.size } : {}),
    },
  };
}

/** Scheme, host and port only: a URL with `user:password@` or a path never reaches a plan file. */
export function originOf(apiUrl: string): string {
  try {
    return new URL(apiUrl).origin;
  } catch {
    return 'invalid-url';
  }
}

export function hasChanges(plan: Pick<Plan, 'changes'>): boolean {
  return plan.changes.length > 0;
}
