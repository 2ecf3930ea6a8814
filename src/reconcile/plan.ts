// Builds the plan from data: the desired exceptions, the remote list and the few details that
// were needed. No I/O here; src/reconcile/remote.ts does the fetching.
import { createHash } from 'node:crypto';
import type { RemoteException, RemoteExceptionDetail } from '../api/types';
import type { ManifestException } from '../model/exception';
import { localDateOf } from '../model/dates';
import { compareDetailFields, compareListFields, wasEditedOutOfBand } from './compare';
import { fingerprintSpec } from './fingerprint';
import { isManaged, readMarker } from './ownership';
import type { FieldDiff, Plan, PlanChange, PlanConflict, PlanSafety, PlanWarning, TagPreview, UnmanagedException } from './types';

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
}

export const SAFETY_DEFAULTS = {
  maxDeletes: 10,
  maxDeletePercent: 25,
  /** Below this many managed exceptions a single delete would already be a big percentage. */
  percentAppliesFrom: 10,
} satisfies Record<string, number>;

/**
 * The remote exceptions whose detail the plan needs (one GET each). Everything else is decided
 * from the list item: the marker's fingerprint vouches for the fields the list does not carry.
 * - no marker (claimed by a glob only): nothing vouches for controls and targets;
 * - marker fingerprint differs from the repository's: show the real field diffs;
 * - updatedOn moved past createdOn: edited in the UI, show what changed.
 */
export function selectDetailsNeeded(desired: readonly ManifestException[], remote: readonly RemoteException[], manage: readonly string[]): string[] {
  const desiredByName = new Map(desired.map((exception) => [exception.spec.name, exception]));
  const uuids: string[] = [];
  for (const item of remote) {
    const wanted = desiredByName.get(item.name);
    if (!wanted || !isManaged(item, manage)) continue;
    const { marker } = readMarker(item.explanation);
    if (!marker) {
      if (!importVouches(wanted, item)) uuids.push(item.uuid);
    } else if (marker.fingerprint !== fingerprintSpec(wanted.spec) || wasEditedOutOfBand(item)) uuids.push(item.uuid);
  }
  return uuids;
}

/**
 * An adopted exception (no marker) written by `cvex import` needs no detail while neither side
 * moved since: the same uuid and updatedOn remotely (a UI edit moves updatedOn), and the manifest
 * spec still hashing to what the import wrote (an edit in the repository changes the hash).
 */
export function importVouches(wanted: Pick<ManifestException, 'spec' | 'metadata'>, remote: Pick<RemoteException, 'uuid' | 'updatedOn'>): boolean {
  const metadata = wanted.metadata ?? {};
  return (
    metadata.importedUuid === remote.uuid &&
    typeof metadata.importedUpdatedOn === 'string' &&
    remote.updatedOn !== '' &&
    metadata.importedUpdatedOn === remote.updatedOn &&
    metadata.importedFingerprint === fingerprintSpec(wanted.spec)
  );
}

/** Hash of the managed exceptions' identity and last change: moves when anything we own moved. */
export function fingerprintRemote(remote: readonly RemoteException[], manage: readonly string[]): { fingerprint: string; managed: number } {
  const lines = remote
    .filter((item) => isManaged(item, manage))
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
  /** Details fetched for the uuids selectDetailsNeeded returned. */
  details: ReadonlyMap<string, RemoteExceptionDetail>;
  tags?: readonly TagPreview[];
  tagWarnings?: readonly PlanWarning[];
  /** How the remote listing went (remote.ts); absent: a consistent one. */
  listing?: { consistent: boolean; uncertain?: readonly string[]; problem?: string };
}

export function buildPlan(input: PlanInput, options: PlanOptions): Plan {
  const { timeZone, manage } = options;
  const remoteByName = new Map(input.remote.map((item) => [item.name, item]));
  const desiredNames = new Set(input.desired.map((exception) => exception.spec.name));
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
    if (!isManaged(remote, manage)) {
      conflicts.push({
        name: spec.name,
        uuid: remote.uuid,
        source: location,
        message: `${spec.name} already exists in CloudView (${remote.uuid}) and is not managed by cvex; run \`cvex import\` to adopt it (or claim it with a \`manage:\` glob in cvex.config.yaml), or rename the manifest exception`,
      });
      continue;
    }
    const { marker } = readMarker(remote.explanation);
    const detail = input.details.get(remote.uuid);
    const diffs: FieldDiff[] = detail ? compareDetailFields(spec, detail, timeZone) : compareListFields(spec, remote, timeZone);
    const desiredFingerprint = fingerprintSpec(spec);
    const fingerprintMoved = marker !== undefined && marker.fingerprint !== desiredFingerprint;
    if (fingerprintMoved && diffs.length === 0) {
      // A field the API does not show back (region, policy, procedure, isAllConnector) changed.
      diffs.push({ field: 'fingerprint', before: marker.fingerprint, after: desiredFingerprint });
    }
    // The remote moved while the repository did not: updatedOn says so, or the marker still vouches
    // for exactly this spec yet the fields differ (an edit within the updatedOn tolerance).
    const editedOutOfBand = marker !== undefined && (wasEditedOutOfBand(remote) || (!fingerprintMoved && diffs.length > 0));
    if (editedOutOfBand || diffs.length > 0) {
      replaces.push({
        action: 'replace',
        name: spec.name,
        uuid: remote.uuid,
        spec,
        source: location,
        remote,
        cause: editedOutOfBand ? 'edited-out-of-band' : 'changed-in-repo',
        diffs,
      });
    } else {
      unchanged += 1;
    }
  }

  const unmanaged: UnmanagedException[] = [];
  for (const remote of input.remote) {
    if (desiredNames.has(remote.name)) continue;
    if (isManaged(remote, manage)) deletes.push({ action: 'delete', name: remote.name, uuid: remote.uuid, remote });
    else unmanaged.push({ uuid: remote.uuid, name: remote.name, state: remote.state });
  }
  for (const remote of input.remote) {
    if (desiredNames.has(remote.name) && !isManaged(remote, manage)) unmanaged.push({ uuid: remote.uuid, name: remote.name, state: remote.state });
  }

  const remoteState = fingerprintRemote(input.remote, manage);
  let managedForGuards = remoteState.managed;
  if (listingMoved) {
    // A partial listing never plans a delete; the guards count only what both reads saw.
    const uncertain = new Set(input.listing?.uncertain ?? []);
    managedForGuards -= input.remote.filter((item) => uncertain.has(item.uuid) && isManaged(item, manage)).length;
    warnings.push({
      code: 'listing.inconsistent',
      message: `the exceptions list changed while it was read, twice (${input.listing?.problem ?? 'its count moved'}): ${deletes.length} delete${deletes.length === 1 ? '' : 's'} withheld, ${creates.length} create${creates.length === 1 ? '' : 's'} unconfirmed (the name may exist already); plan again when the account is quiet`,
    });
    deletes.length = 0;
  }
  const safety = evaluateSafety(managedForGuards, deletes.length, options);
  if (safety.blocked) {
    warnings.push({
      code: 'safety.threshold',
      message: `${deletes.length} deletes exceed the limit (${safety.exceedsMaxDeletes ? `max ${safety.maxDeletes}` : `more than ${safety.maxDeletePercent}% of ${safety.managed} managed`}); apply refuses without --force`,
    });
  }
  warnings.push(...(input.tagWarnings ?? []));

  const changes = [...creates.sort(byName), ...replaces.sort(byName), ...deletes.sort(byName)];
  return {
    version: PLAN_VERSION,
    createdAt: options.now.toISOString(),
    target: { apiUrl: originOf(options.apiUrl), timeZone },
    commit: options.commit,
    manage: [...manage],
    changes,
    summary: { create: creates.length, delete: deletes.length, replace: replaces.length, unchanged },
    unmanaged: unmanaged.sort(byName),
    conflicts: conflicts.sort(byName),
    warnings,
    safety,
    tags: [...(input.tags ?? [])],
    remote: { fingerprint: remoteState.fingerprint, managed: remoteState.managed, total: input.remote.length },
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
