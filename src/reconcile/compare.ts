// Semantic comparison of what the repository wants with what CloudView holds. The list item
// carries name, description, reason, scope and dates; the detail adds cloud type, controls and
// targets. Dates are instants on the wire and calendar days in the repository: compare them as
// days in the subscription's time zone.
import type { RemoteException, RemoteExceptionDetail } from '../api/types';
import type { ExceptionResource, ExceptionSpec } from '../model/exception';
import { localDateOf, parseQualysTimestamp } from '../model/dates';
import { normaliseText } from './fingerprint';
import { readMarker } from './ownership';
import type { FieldDiff } from './types';
import { intendedDay } from './zone-check';

/** The calendar day of a wire instant in `timeZone`; the raw text when it is not a timestamp. */
export function remoteLocalDate(instant: string, timeZone: string): string {
  try {
    return localDateOf(parseQualysTimestamp(instant), timeZone);
  } catch {
    return instant;
  }
}

function pushIfDifferent(diffs: FieldDiff[], field: string, before: unknown, after: unknown): void {
  // Equal text (the usual case: every list field of every exception) needs no serialising.
  if (before === after && typeof before !== 'object') return;
  if (JSON.stringify(before) !== JSON.stringify(after)) diffs.push({ field, before, after });
}

/** Fields the list endpoint carries, compared from the list item alone (no extra request). */
export function compareListFields(desired: ExceptionSpec, remote: RemoteException, timeZone: string): FieldDiff[] {
  const diffs: FieldDiff[] = [];
  pushIfDifferent(diffs, 'name', remote.name, desired.name);
  pushIfDifferent(diffs, 'explanation', normaliseText(readMarker(remote.explanation).explanation), normaliseText(desired.explanation));
  pushIfDifferent(diffs, 'exceptionReason', remote.exceptionReason, desired.exceptionReason);
  pushIfDifferent(diffs, 'exceptionScope', String(remote.exceptionScope).toUpperCase(), desired.exceptionScope);
  // The day each stamp means (src/reconcile/zone-check.ts): a stamp from an earlier zone, or one a
  // server resolved differently around a daylight-saving change, is not a date change.
  pushIfDifferent(diffs, 'startDate', intendedDay(remote.startsAt, 'start', timeZone), desired.startDate);
  pushIfDifferent(diffs, 'endDate', intendedDay(remote.endsAt, 'end', timeZone), desired.endDate);
  return diffs;
}

function sortedSet(values: readonly string[] | undefined): string[] {
  return [...new Set((values ?? []).map((value) => value.trim()))].sort();
}

/** The detail carries no region, so resources are compared by account and resource id. */
function resourceKeys(resources: readonly ExceptionResource[] | undefined): string[] {
  return sortedSet((resources ?? []).map((resource) => `${resource.accountId.trim()}/${resource.resourceId.trim()}`));
}

function optionalText(value: unknown): string {
  return typeof value === 'string' ? value.trim() : '';
}

/**
 * Every field a detail response can show. Fields the detail does not carry in this client
 * (isAllConnector, policy, procedure) are compared only when present on the detail object.
 */
export function compareDetailFields(desired: ExceptionSpec, detail: RemoteExceptionDetail, timeZone: string): FieldDiff[] {
  const diffs = compareListFields(desired, detail, timeZone);
  // A detail that names no cloud: the manifest of the same name says which it is.
  if (detail.cloudType !== undefined) pushIfDifferent(diffs, 'cloudType', String(detail.cloudType).toUpperCase(), desired.cloudType);
  pushIfDifferent(
    diffs,
    'controlIds',
    [...new Set((detail.controlIds ?? []).map(Number))].sort((a, b) => a - b),
    [...new Set(desired.controlIds.map(Number))].sort((a, b) => a - b),
  );
  pushIfDifferent(diffs, 'resources', resourceKeys(detail.resources), resourceKeys(desired.resources));
  pushIfDifferent(diffs, 'accountIds', sortedSet(detail.accountIds), sortedSet(desired.accountIds));
  pushIfDifferent(diffs, 'resourceTagNames', sortedSet(detail.resourceTagNames), sortedSet(desired.resourceTagNames));
  pushIfDifferent(diffs, 'connectorTagNames', sortedSet(detail.connectorTagNames), sortedSet(desired.connectorTagNames));
  const extra = detail as unknown as Record<string, unknown>;
  if (extra.isAllConnector !== undefined && desired.exceptionScope === 'QUALYSTAG') {
    pushIfDifferent(diffs, 'isAllConnector', String(extra.isAllConnector).toLowerCase() === 'true', desired.isAllConnector === true);
  }
  for (const field of ['informationSecurityPolicy', 'informationSecurityProcedure'] as const) {
    if (extra[field] !== undefined) pushIfDifferent(diffs, field, optionalText(extra[field]), optionalText(desired[field]));
  }
  return diffs;
}

/**
 * True when the exception was edited in place (in the Qualys UI: same uuid) after it was created.
 * CloudView stamps `updatedOn` equal to `createdOn` (to the second, as it reports them) when it
 * creates an exception, and moves `updatedOn` on every edit. So any difference counts, with no
 * tolerance: a window of slack would hide an edit made within it (hidden fields included). Both are
 * compared as instants, exactly as the API reports them; text that is not a timestamp is compared as text.
 */
export function wasEditedOutOfBand(remote: Pick<RemoteException, 'createdOn' | 'updatedOn'>): boolean {
  if (!remote.updatedOn || !remote.createdOn) return false;
  // The same text is the same instant (the client writes both in one form).
  if (remote.updatedOn === remote.createdOn) return false;
  try {
    return parseQualysTimestamp(remote.updatedOn).getTime() !== parseQualysTimestamp(remote.createdOn).getTime();
  } catch {
    return remote.updatedOn !== remote.createdOn;
  }
}
