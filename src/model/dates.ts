// Date maths for the subscription's time zone. CloudView stamps an exception's startDate as the
// local midnight and its endDate as local 23:59:59, both printed in UTC with a `+0000` offset
// (../shared/cloudview-api.md, "Dates and the subscription's time zone").
import type { LocalDate } from './exception';

const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;

/** True for a real calendar date in `YYYY-MM-DD` form (`2026-02-30` is false). */
export function isCalendarDate(value: string): boolean {
  const match = DATE_PATTERN.exec(value);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

export function isValidTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function partsFormatter(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

function wallClockAt(instantMs: number, timeZone: string): WallClock {
  const parts: Record<string, number> = {};
  for (const part of partsFormatter(timeZone).formatToParts(new Date(instantMs))) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  return { year: parts.year, month: parts.month, day: parts.day, hour: parts.hour, minute: parts.minute, second: parts.second };
}

/** Offset of `timeZone` from UTC at an instant, in ms (UTC+05:30 → 19,800,000). */
function offsetAt(instantMs: number, timeZone: string): number {
  const wall = wallClockAt(instantMs, timeZone);
  const asUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);
  return asUtc - (instantMs - (instantMs % 1000 + 1000) % 1000);
}

/** The UTC instant at which the given wall-clock time happens in `timeZone`. */
function instantOfWallClock(date: LocalDate, hour: number, minute: number, second: number, timeZone: string): Date {
  const match = DATE_PATTERN.exec(date);
  if (!match) throw new RangeError(`not a YYYY-MM-DD date: ${date}`);
  const naive = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]), hour, minute, second);
  // Two passes settle the offset on both sides of a daylight-saving change.
  let guess = naive - offsetAt(naive, timeZone);
  guess = naive - offsetAt(guess, timeZone);
  return new Date(guess);
}

/** Local midnight that starts `date` in `timeZone`, as a UTC instant. */
export function startOfLocalDay(date: LocalDate, timeZone: string): Date {
  return instantOfWallClock(date, 0, 0, 0, timeZone);
}

/** Local 23:59:59 of `date` in `timeZone`, as a UTC instant. */
export function endOfLocalDay(date: LocalDate, timeZone: string): Date {
  return instantOfWallClock(date, 23, 59, 59, timeZone);
}

/** The calendar date an instant falls on in `timeZone`. */
export function localDateOf(instant: Date, timeZone: string): LocalDate {
  const wall = wallClockAt(instant.getTime(), timeZone);
  return `${String(wall.year).padStart(4, '0')}-${String(wall.month).padStart(2, '0')}-${String(wall.day).padStart(2, '0')}`;
}

/** Qualys's timestamp form: `2023-05-09T18:30:00+0000`. */
export function formatQualysTimestamp(instant: Date): string {
  return `${instant.toISOString().slice(0, 19)}+0000`;
}

/** Reads `2023-05-09T18:30:00+0000`, `...+00:00`, `...Z` or `...+0530`; throws on anything else. */
export function parseQualysTimestamp(value: string): Date {
  const normalised = value.replace(/([+-]\d{2})(\d{2})$/, '$1:$2');
  const instant = new Date(normalised);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(value) || Number.isNaN(instant.getTime())) {
    throw new RangeError(`not a timestamp: ${JSON.stringify(value)}`);
  }
  return instant;
}

/** Whole days from `from` to `to` (calendar dates; negative when `to` is earlier). */
export function daysBetween(from: LocalDate, to: LocalDate): number {
  const ms = Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`);
  return Math.round(ms / 86_400_000);
}
