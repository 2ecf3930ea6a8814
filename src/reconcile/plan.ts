// Builds the plan from data: the desired exceptions, the remote list, who owns each remote
// exception (ownership-index.ts, computed once) and the few details that were needed. No I/O here;
// src/reconcile/remote.ts does the fetching.
import { createHash } from 'node:crypto';
import type { RemoteException, RemoteExceptionDetail } from '../api/types';
import type { ExceptionSpec, ManifestException } from '../model/exception';
import { localDateOf } from '../model/dates';
import { compareDetailFields, compareListFields, wasEditedOutOfBand } from './compare';
import { fingerprintSpec } from './fingerprint';
import { compareHiddenFields } from './old-values';
import { buildOwnershipIndex, DEFAULT_OWNERSHIP, type OwnershipIndex, type OwnershipSettings } from './ownership-index';
import { conflictFor, ownershipListings } from './plan-ownership';
import { plural } from '../render/plural';
import { evaluateSafety, safetyWarning } from './safety';
import { FULL_SCOPE, inScope, mayDelete } from './scope';
import type { FieldDiff, Plan, PlanChange, PlanConflict, PlanScope, PlanWarning, TagPreview } from './types';
import { checkZoneStamps, describeWrongZone, offsetsSeen, TimeZoneError, type ZoneMessageContext } from './zone-check';

export { evaluateSafety, SAFETY_DEFAULTS } from './safety';

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
  /** What the plan covers (default full): a narrowed plan deletes nothing outside it. */
  scope?: PlanScope;
  /** Details of managed exceptions to read for drift (`--sample-details`); default 0. */
  sampleDetails?: number;
  /** The subscription's zone really changed: re-create what carries the old zone's stamps instead of stopping. */
  timeZoneChanged?: boolean;
  /** Where the time zone came from and which command asks, for the wrong-zone message. */
  zoneContext?: ZoneMessageContext;
}

export function ownershipSettingsOf(options: Pick<PlanOptions, 'manage' | 'ownership'>): OwnershipSettings {
  return { ...DEFAULT_OWNERSHIP, ...options.ownership, manage: options.manage };
}

/**
 * The remote exceptions whose detail the plan needs (one GET each). Everything else is decided
 * from the list item: a verified marker's fingerprint vouches for the fields the list does not carry.
 * - no marker (adopted, or taken over): nothing vouches for controls and targets, unless the import did;
 * - updatedOn moved past createdOn: edited in the UI, show what changed.
 * A marker whose fingerprint differs from the repository's is a change made in the repository: the
 * decision needs no detail, and its old values come from the history (old-values.ts).
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
    } else if (wasEditedOutOfBand(item)) uuids.push(item.uuid);
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

function byName<T extends { name: string }>(a: T, b: T): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

export interface PlanInput {
  desired: readonly ManifestException[];
  remote: readonly RemoteException[];
  /** Details fetched for the uuids selectDetailsNeeded returned, and for the drift sample. */
  details: ReadonlyMap<string, RemoteExceptionDetail>;
  /** By name: the spec a changed exception's marker vouches for, from the history (old-values.ts). */
  oldSpecs?: ReadonlyMap<string, ExceptionSpec>;
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
  const scope = options.scope ?? FULL_SCOPE;
  // Wrong zone: every date would read a day off and every apply re-create everything. Stop instead.
  const zoneCheck = checkZoneStamps(input.remote.filter((item) => ownership.of(item).managed), timeZone);
  if (zoneCheck.wrongZone && !options.timeZoneChanged) {
    throw new TimeZoneError(describeWrongZone(zoneCheck, options.zoneContext ?? { source: 'default', command: 'plan' }));
  }
  const stampedElsewhere = new Set(zoneCheck.misfits.map((item) => item.uuid));
  const remoteByName = new Map(input.remote.map((item) => [item.name, item]));
  const creates: PlanChange[] = [];
  const replaces: PlanChange[] = [];
  const deletes: PlanChange[] = [];
  const conflicts: PlanConflict[] = [];
  const warnings: PlanWarning[] = [];
  let unchanged = 0;
  const today = localDateOf(options.now, timeZone);
  const listingMoved = input.listing !== undefined && !input.listing.consistent;
  const planned = inScope(scope);

  for (const wanted of input.desired) {
    const { spec, location } = wanted;
    if (!planned(spec.name)) continue;
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
    const desiredFingerprint = ownership.desiredFingerprint(spec.name) ?? '';
    const fingerprintMoved = marker !== undefined && marker.fingerprint !== desiredFingerprint;
    // The spec the remote was created from, when something vouches for it (old-values.ts): with a
    // marker, only needed when its fingerprint moved; without one, the import's record vouches.
    const oldSpec = !detail && (fingerprintMoved || marker === undefined) ? input.oldSpecs?.get(spec.name) : undefined;
    const oldValuesFrom = detail ? 'detail' : oldSpec ? 'history' : 'list';
    const diffs: FieldDiff[] = detail ? compareDetailFields(spec, detail, timeZone) : compareListFields(spec, remote, timeZone);
    if (oldSpec) diffs.push(...compareHiddenFields(oldSpec, spec));
    if (fingerprintMoved && oldValuesFrom === 'list') {
      // Neither a detail nor the history shows the fields the list does not carry.
      diffs.push({ field: 'fingerprint', before: marker.fingerprint, after: desiredFingerprint, oldValuesUnknown: true });
    } else if (fingerprintMoved && diffs.length === 0) {
      // A field the API does not show back (region, policy, procedure, isAllConnector) changed.
      diffs.push({ field: 'fingerprint', before: marker.fingerprint, after: desiredFingerprint });
    }
    const sampled = input.sampled?.has(remote.uuid) === true && diffs.length > 0;
    // The remote moved while the repository did not: updatedOn says so, or something vouches for
    // exactly this spec (the marker, or the import's record) yet the fields differ.
    const vouched = marker !== undefined ? !fingerprintMoved : sampled;
    const editedOutOfBand = (marker !== undefined && wasEditedOutOfBand(remote)) || (vouched && diffs.length > 0);
    const takeOver = owned.takeOver && owned.owner !== undefined ? { from: owned.owner } : undefined;
    // Stamped in an earlier zone of the subscription: its dates read as meant (compare.ts), and it is
    // re-created so they hold in the current zone. A zone change is not a UI edit.
    const zoneMismatch = stampedElsewhere.has(remote.uuid);
    const changed = diffs.length > 0;
    if (zoneMismatch) diffs.push({ field: 'timeZone', before: offsetsSeen([remote])[0] ?? 'another time zone', after: timeZone });
    if (editedOutOfBand || changed || zoneMismatch || takeOver) {
      replaces.push({
        action: 'replace',
        name: spec.name,
        uuid: remote.uuid,
        spec,
        source: location,
        remote,
        cause: editedOutOfBand ? 'edited-out-of-band' : changed ? 'changed-in-repo' : 'zone-mismatch',
        diffs,
        ownership: owned.kind as Exclude<typeof owned.kind, 'unmanaged'>,
        oldValuesFrom,
        ...(takeOver ? { takeOver } : {}),
        ...(sampled ? { sampled: true } : {}),
      });
    } else {
      unchanged += 1;
    }
  }

  const deletable = mayDelete(scope);
  for (const remote of input.remote) {
    if (ownership.isDeclared(remote.name)) continue;
    const owned = ownership.of(remote);
    // Legacy markers are never deleted for being absent: another repository may still declare them.
    if ((owned.kind === 'owned' || owned.kind === 'adopted') && deletable(remote.name)) {
      deletes.push({ action: 'delete', name: remote.name, uuid: remote.uuid, remote, ownership: owned.kind });
    }
  }
  const listings = ownershipListings(input.remote, ownership);

  const rezoned = replaces.filter((change) => change.action === 'replace' && stampedElsewhere.has(change.uuid)).length;
  if (rezoned > 0) {
    warnings.push({
      code: 'timezone.earlier-zone',
      message: `${rezoned} managed ${rezoned === 1 ? 'exception carries dates' : 'exceptions carry dates'} stamped in an earlier time zone of the subscription (local midnight at ${offsetsSeen(zoneCheck.misfits).join(', ')}, not in ${timeZone}): re-created so the dates hold in ${timeZone}; each counts as a removal`,
    });
  }

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
  const changes = [...creates.sort(byName), ...replaces.sort(byName), ...deletes.sort(byName)];
  // Every removal counts: deletes still in force, replaces, take-overs (safety.ts).
  // A changed-since plan reads only what the pull request changes, so it counts against what the
  // base branch declares (declared now, less what it adds, plus what it removes): a preview of the
  // guards the apply checks again against the account.
  const declaredAtBase = input.desired.length - creates.length + deletes.length;
  const safety = evaluateSafety(scope.kind === 'changed-since' ? declaredAtBase : managedForGuards, changes, options);
  const tripped = safetyWarning(safety);
  if (tripped && scope.kind === 'changed-since') {
    warnings.push({ ...tripped, message: `${tripped.message} (Counted against the ${declaredAtBase} exceptions the base branch declares; the apply counts again against the account.)` });
  } else if (tripped) warnings.push(tripped);
  warnings.push(...(input.tagWarnings ?? []));

  return {
    version: PLAN_VERSION,
    createdAt: options.now.toISOString(),
    target: { apiUrl: originOf(options.apiUrl), timeZone },
    commit: options.commit,
    owner: ownership.settings.owner,
    scope,
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
