// Builds the plan from data: the desired exceptions, the remote list and the few details that
// were needed. No I/O here; src/reconcile/remote.ts does the fetching.
import { createHash } from 'node:crypto';
import type { RemoteException, RemoteExceptionDetail } from '../api/types';
import type { ManifestException } from '../model/exception';
import { localDateOf } from '../model/dates';
import { compareDetailFields, compareListFields, wasEditedOutOfBand } from './compare';
import { fingerprintSpec } from './fingerprint';
import { isManaged, readMarker } from './ownership';
import { evaluateSafety, safetyWarning } from './safety';
import { FULL_SCOPE, mayDelete } from './scope';
import type { FieldDiff, Plan, PlanChange, PlanConflict, PlanScope, PlanWarning, TagPreview, UnmanagedException } from './types';
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
  /** What the plan covers (default full): a narrowed plan deletes nothing outside it. */
  scope?: PlanScope;
  /** The subscription's zone really changed: re-create what carries the old zone's stamps instead of stopping. */
  timeZoneChanged?: boolean;
  /** Where the time zone came from and which command asks, for the wrong-zone message. */
  zoneContext?: ZoneMessageContext;
}

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
}

export function buildPlan(input: PlanInput, options: PlanOptions): Plan {
  const { timeZone, manage } = options;
  const scope = options.scope ?? FULL_SCOPE;
  // Wrong zone: every date would read a day off and every apply re-create everything. Stop instead.
  const zoneCheck = checkZoneStamps(input.remote.filter((item) => isManaged(item, manage)), timeZone);
  if (zoneCheck.wrongZone && !options.timeZoneChanged) {
    throw new TimeZoneError(describeWrongZone(zoneCheck, options.zoneContext ?? { source: 'default', command: 'plan' }));
  }
  const stampedElsewhere = new Set(zoneCheck.misfits.map((item) => item.uuid));
  const remoteByName = new Map(input.remote.map((item) => [item.name, item]));
  const desiredNames = new Set(input.desired.map((exception) => exception.spec.name));
  const creates: PlanChange[] = [];
  const replaces: PlanChange[] = [];
  const deletes: PlanChange[] = [];
  const conflicts: PlanConflict[] = [];
  const warnings: PlanWarning[] = [];
  let unchanged = 0;
  const today = localDateOf(options.now, timeZone);

  for (const wanted of input.desired) {
    const { spec, location } = wanted;
    if (spec.endDate < today) {
      warnings.push({ code: 'exception.expired', name: spec.name, message: `${spec.name} ended on ${spec.endDate}: it no longer exempts anything; remove it from the repository` });
    }
    const remote = remoteByName.get(spec.name);
    if (!remote) {
      creates.push({ action: 'create', name: spec.name, spec, source: location });
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
    // Stamped in an earlier zone of the subscription: its dates read as meant (compare.ts), and it is
    // re-created so they hold in the current zone. A zone change is not a UI edit.
    const zoneMismatch = stampedElsewhere.has(remote.uuid);
    const changed = diffs.length > 0;
    if (zoneMismatch) diffs.push({ field: 'timeZone', before: offsetsSeen([remote])[0] ?? 'another time zone', after: timeZone });
    if (editedOutOfBand || changed || zoneMismatch) {
      replaces.push({
        action: 'replace',
        name: spec.name,
        uuid: remote.uuid,
        spec,
        source: location,
        remote,
        cause: editedOutOfBand ? 'edited-out-of-band' : changed ? 'changed-in-repo' : 'zone-mismatch',
        diffs,
      });
    } else {
      unchanged += 1;
    }
  }

  const unmanaged: UnmanagedException[] = [];
  for (const remote of input.remote) {
    if (desiredNames.has(remote.name)) continue;
    if (isManaged(remote, manage)) {
      if (mayDelete(scope, remote.name)) deletes.push({ action: 'delete', name: remote.name, uuid: remote.uuid, remote });
    } else unmanaged.push({ uuid: remote.uuid, name: remote.name, state: remote.state });
  }
  for (const remote of input.remote) {
    if (desiredNames.has(remote.name) && !isManaged(remote, manage)) unmanaged.push({ uuid: remote.uuid, name: remote.name, state: remote.state });
  }

  const rezoned = replaces.filter((change) => change.action === 'replace' && stampedElsewhere.has(change.uuid)).length;
  if (rezoned > 0) {
    warnings.push({
      code: 'timezone.earlier-zone',
      message: `${rezoned} managed ${rezoned === 1 ? 'exception carries dates' : 'exceptions carry dates'} stamped in an earlier time zone of the subscription (local midnight at ${offsetsSeen(zoneCheck.misfits).join(', ')}, not in ${timeZone}): re-created so the dates hold in ${timeZone}; each counts as a removal`,
    });
  }

  const remoteState = fingerprintRemote(input.remote, manage);
  const changes = [...creates.sort(byName), ...replaces.sort(byName), ...deletes.sort(byName)];
  const safety = evaluateSafety(remoteState.managed, changes, options);
  const tripped = safetyWarning(safety);
  if (tripped) warnings.push(tripped);
  warnings.push(...(input.tagWarnings ?? []));

  return {
    version: PLAN_VERSION,
    createdAt: options.now.toISOString(),
    target: { apiUrl: originOf(options.apiUrl), timeZone },
    commit: options.commit,
    manage: [...manage],
    scope,
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
