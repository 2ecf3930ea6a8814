// Reads CloudView's date stamps against the subscription's time zone, and notices when the zone
// cvex was given is not the one that stamped them. Pure.
//
// CloudView stamps startDate as local midnight and endDate as local 23:59:59 of the subscription's
// zone. Read in the wrong zone, every date is a day off: each apply would re-create every exception
// (new uuids, exemptions lifted) and the next plan would want to do it again. So:
// - when none of the managed exceptions' stamps fit the zone, or one other zone fits them all, or a
//   misfit was stamped after one that fits, the zone is wrong: stop and say which zones would fit;
// - when some fit and older ones do not, the subscription's zone changed once: the older ones are
//   re-created (replace, cause `zone-mismatch`) so their dates hold in the current zone.
// Where daylight saving skips or repeats midnight, a stamp under the offset just before or after the
// change counts too, whichever way the server resolves it, so those days converge.
import type { RemoteException } from '../api/types';
import type { LocalDate } from '../model/exception';
import { endOfLocalDay, isValidTimeZone, localDateOf, parseQualysTimestamp, startOfLocalDay, wallClockReadings } from '../model/dates';

/** The zone is wrong: planning in it would re-create exceptions for nothing. */
export class TimeZoneError extends Error {
  override name = 'TimeZoneError';
}

type Stamped = Pick<RemoteException, 'uuid' | 'name' | 'startsAt' | 'endsAt' | 'createdOn' | 'updatedOn'>;

const DAY_MS = 86_400_000;

function shiftDay(date: LocalDate, days: number): LocalDate {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

// Time-zone maths is Intl-heavy and plans read thousands of stamps sharing a few dates.
const readings = new Map<string, ReadonlySet<number>>();
function readingsOf(date: LocalDate, edge: 'start' | 'end', zone: string): ReadonlySet<number> {
  const key = `${zone}|${edge}|${date}`;
  let found = readings.get(key);
  if (!found) {
    const exact = edge === 'start' ? startOfLocalDay(date, zone) : endOfLocalDay(date, zone);
    found = new Set([exact.getTime(), ...(edge === 'start' ? wallClockReadings(date, 0, 0, 0, zone) : wallClockReadings(date, 23, 59, 59, zone))]);
    if (readings.size > 20_000) readings.clear();
    readings.set(key, found);
  }
  return found;
}

function instantOf(stamp: string | Date): number | undefined {
  if (stamp instanceof Date) return stamp.getTime();
  try {
    return parseQualysTimestamp(stamp).getTime();
  } catch {
    return undefined;
  }
}

// The zone check and the comparison both read every managed stamp; accounts share a few dates.
const days = new Map<string, LocalDate | null>();

/** The day a stamp stands for in `zone` (start: its local midnight; end: its 23:59:59), or undefined. */
export function stampDayIn(stamp: string | Date, edge: 'start' | 'end', zone: string): LocalDate | undefined {
  const key = `${zone}|${edge}|${stamp instanceof Date ? stamp.toISOString() : stamp}`;
  const known = days.get(key);
  if (known !== undefined) return known ?? undefined;
  const instant = instantOf(stamp);
  if (instant === undefined) return undefined;
  let found: LocalDate | null = null;
  const day = localDateOf(new Date(instant), zone);
  for (const candidate of [day, shiftDay(day, 1), shiftDay(day, -1)]) {
    if (readingsOf(candidate, edge, zone).has(instant)) {
      found = candidate;
      break;
    }
  }
  if (days.size > 50_000) days.clear();
  days.set(key, found);
  return found ?? undefined;
}

/** Minutes east of UTC of the zone in which this start stamp is local midnight; undefined when it is none. */
export function midnightOffsetMinutes(stamp: string | Date, edge: 'start' | 'end' = 'start'): number | undefined {
  const instant = instantOf(stamp);
  if (instant === undefined) return undefined;
  const midnight = edge === 'start' ? instant : instant + 1000;
  const minutes = (((midnight % DAY_MS) + DAY_MS) % DAY_MS) / 60_000;
  // Zone offsets are whole quarter hours.
  if (!Number.isInteger(minutes) || minutes % 15 !== 0) return undefined;
  const east = (1440 - minutes) % 1440;
  return east > 14 * 60 ? east - 1440 : east;
}

/**
 * The calendar day a stamp means: read in `zone` when it fits, else in the zone that stamped it
 * (the offset at which it is local midnight), so a stamp from an earlier zone reads as intended.
 */
export function intendedDay(stamp: string, edge: 'start' | 'end', zone: string): string {
  const inZone = stampDayIn(stamp, edge, zone);
  if (inZone) return inZone;
  const instant = instantOf(stamp);
  if (instant === undefined) return stamp;
  const offset = midnightOffsetMinutes(stamp, edge);
  if (offset === undefined) return localDateOf(new Date(instant), zone);
  const midnight = edge === 'start' ? instant : instant + 1000;
  const day = new Date(midnight + offset * 60_000).toISOString().slice(0, 10);
  return edge === 'start' ? day : shiftDay(day, -1);
}

export function stampsFit(remote: Pick<RemoteException, 'startsAt' | 'endsAt'>, zone: string): boolean {
  return stampDayIn(remote.startsAt, 'start', zone) !== undefined && stampDayIn(remote.endsAt, 'end', zone) !== undefined;
}

export interface ZoneCheck {
  zone: string;
  /** Exceptions whose stamps were read. */
  checked: number;
  /** Stamped in another zone. */
  misfits: Stamped[];
  /** Why the zone itself is wrong, or undefined when the misfits (if any) come from an earlier zone. */
  wrongZone?: 'none-fit' | 'other-zone-fits-all' | 'misfit-stamped-later';
  /** Zones in which every sampled stamp fits (when the zone is wrong). */
  candidates: string[];
}

const SAMPLE = 24;

function stampedAt(item: Stamped): number {
  return Math.max(instantOf(item.createdOn) ?? 0, instantOf(item.updatedOn) ?? 0);
}

/** Checks every managed exception's stamps against `zone`. */
export function checkZoneStamps(items: readonly Stamped[], zone: string): ZoneCheck {
  const misfits: Stamped[] = [];
  const fits: Stamped[] = [];
  let checked = 0;
  for (const item of items) {
    if (stampsFit(item, zone)) fits.push(item);
    // Only a stamp that is local midnight somewhere tells of a zone; others prove nothing either way.
    else if (midnightOffsetMinutes(item.startsAt, 'start') !== undefined && midnightOffsetMinutes(item.endsAt, 'end') !== undefined) misfits.push(item);
    else continue;
    checked += 1;
  }
  const result: ZoneCheck = { zone, checked, misfits, candidates: [] };
  if (misfits.length === 0) return result;

  const sample = [...misfits.slice(0, SAMPLE), ...fits.slice(0, SAMPLE)];
  result.candidates = candidateZones(sample, zone);
  if (fits.length === 0) result.wrongZone = 'none-fit';
  else if (result.candidates.length > 0) result.wrongZone = 'other-zone-fits-all';
  // The server stamps in its current zone: a misfit stamped after one that fits is not from an earlier zone.
  else if (Math.max(...misfits.map(stampedAt)) > Math.max(...fits.map(stampedAt))) result.wrongZone = 'misfit-stamped-later';
  if (result.wrongZone === 'misfit-stamped-later' || result.wrongZone === 'none-fit') {
    if (result.candidates.length === 0) result.candidates = candidateZones(misfits.slice(0, SAMPLE), zone);
  }
  return result;
}

// Zones renamed in IANA whose old name this runtime's list still gives: show the name people know.
const CURRENT_NAMES: Record<string, string> = {
  'Asia/Calcutta': 'Asia/Kolkata',
  'Asia/Katmandu': 'Asia/Kathmandu',
  'Asia/Saigon': 'Asia/Ho_Chi_Minh',
  'Asia/Rangoon': 'Asia/Yangon',
  'Europe/Kiev': 'Europe/Kyiv',
  'America/Godthab': 'America/Nuuk',
  'Atlantic/Faeroe': 'Atlantic/Faroe',
};

function allZones(): string[] {
  const listed = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
  const zones = ['UTC', ...listed.map((name) => (CURRENT_NAMES[name] && isValidTimeZone(CURRENT_NAMES[name]) ? CURRENT_NAMES[name] : name))];
  return [...new Set(zones)];
}

/** Zones other than `except` in which every item's stamps fit. */
export function candidateZones(items: readonly Stamped[], except: string): string[] {
  if (items.length === 0) return [];
  const [first, ...rest] = items;
  return allZones().filter((zone) => zone !== except && stampsFit(first, zone) && rest.every((item) => stampsFit(item, zone)));
}

function formatOffset(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+';
  const absolute = Math.abs(minutes);
  return `UTC${sign}${String(Math.floor(absolute / 60)).padStart(2, '0')}:${String(absolute % 60).padStart(2, '0')}`;
}

/** The offsets at which the misfits' start stamps are local midnight, e.g. `UTC+05:30`. */
export function offsetsSeen(misfits: readonly Stamped[]): string[] {
  const offsets = new Set<string>();
  for (const item of misfits.slice(0, 200)) {
    const minutes = midnightOffsetMinutes(item.startsAt);
    if (minutes === undefined) continue;
    // East of +12:00 the same instant is also midnight 24 hours west (Kiritimati and Honolulu).
    offsets.add(minutes > 12 * 60 ? `${formatOffset(minutes)} (or ${formatOffset(minutes - 1440)})` : formatOffset(minutes));
  }
  return [...offsets].sort();
}

export interface ZoneMessageContext {
  /** How the zone was chosen, for the message: `--timezone`, config `timezone`, or the default. */
  source: 'flag' | 'config' | 'default';
  /** What to suggest besides the config line (plan/apply: --timezone-changed after a real change). */
  command: 'plan' | 'apply' | 'import';
}

const MAX_CANDIDATES = 6;

/** The error text: what was seen, which zones fit, and the exact config line to set. */
export function describeWrongZone(check: ZoneCheck, context: ZoneMessageContext): string {
  const { zone, misfits } = check;
  const from = { flag: `--timezone ${zone}`, config: `timezone: ${zone} in cvex.config.yaml`, default: `${zone}, the default (no timezone in cvex.config.yaml)` }[context.source];
  const example = misfits[0];
  const offsets = offsetsSeen(misfits);
  const kind = context.command === 'import' ? 'remote' : 'managed';
  const what =
    check.wrongZone === 'none-fit'
      ? `none of the ${check.checked} ${kind} exceptions' dates fit the time zone ${from}`
      : `the dates of ${misfits.length} of the ${check.checked} ${kind} exceptions do not fit the time zone ${from}${check.wrongZone === 'misfit-stamped-later' ? ', and some were stamped after those that fit' : ''}`;
  const lines = [
    `${what}: CloudView stamped their start at local midnight for ${offsets.length > 0 ? offsets.join(', ') : 'no whole-hour offset'}` +
      (example ? ` (${JSON.stringify(example.name)} starts ${example.startsAt}).` : '.'),
  ];
  const shown = check.candidates.slice(0, MAX_CANDIDATES);
  if (shown.length > 0) {
    const more = check.candidates.length > shown.length ? ` and ${check.candidates.length - shown.length} more` : '';
    lines.push(`Zones these dates fit: ${shown.join(', ')}${more}. Set the subscription's time zone (Qualys Administration module) in cvex.config.yaml:`);
    lines.push(`  timezone: ${shown[0]}`);
  } else {
    lines.push(`Set the subscription's time zone (Qualys Administration module) in cvex.config.yaml, e.g.:`);
    lines.push('  timezone: Asia/Kolkata');
  }
  lines.push(
    context.command === 'import'
      ? `or pass --timezone. cvex import does not guess: in the wrong zone every date it writes would be a day off.`
      : `or pass --timezone. In the wrong zone every date reads a day off and each apply would re-create the exceptions.` +
          ` If the subscription's zone really changed since they were made, pass --timezone-changed to re-create them in ${zone} (counted against the removal guards).`,
  );
  return lines.join('\n');
}
