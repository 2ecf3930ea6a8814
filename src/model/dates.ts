// Date maths for the subscription's time zone. CloudView stamps an exception's startDate as the
// local midnight and its endDate as local 23:59:59, both printed in UTC with a `+0000` offset: the
// release notes' detail sample shows 2023-05-09T18:30:00+0000 to 2023-05-21T18:29:59+0000 for
// 2023-05-10 to 2023-05-21 in a UTC+05:30 subscription.
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
  if (timeZone === 'UTC') return true;
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
  if (timeZone === 'UTC') {
    // The default zone, without Intl: building a formatter costs ~20 ms of a command's start-up.
    const date = new Date(instantMs);
    return { year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate(), hour: date.getUTCHours(), minute: date.getUTCMinutes(), second: date.getUTCSeconds() };
  }
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

const DAY_MS = 86_400_000;

/**
 * The UTC instant at which the given wall-clock time happens in `timeZone`, as Java's
 * `LocalDateTime.atZone` resolves it (the server is Java): in an overlap (clocks turned back) the
 * earlier instant; in a gap (clocks turned forward, e.g. America/Santiago skips 00:00-01:00) the
 * time moves forward by the gap's length, so a day whose midnight is skipped starts at 01:00.
 */
function instantOfWallClock(date: LocalDate, hour: number, minute: number, second: number, timeZone: string): Date {
  const match = DATE_PATTERN.exec(date);
  if (!match) throw new RangeError(`not a YYYY-MM-DD date: ${date}`);
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const naive = Date.UTC(year, month - 1, day, hour, minute, second);
  // Offsets change at most once around a given wall time: the ones a day before and after bound it.
  const offsetBefore = offsetAt(naive - DAY_MS, timeZone);
  const offsetAfter = offsetAt(naive + DAY_MS, timeZone);
  const isWanted = (instant: number) => {
    const wall = wallClockAt(instant, timeZone);
    return wall.year === year && wall.month === month && wall.day === day && wall.hour === hour && wall.minute === minute && wall.second === second;
  };
  for (const candidate of [naive - Math.max(offsetBefore, offsetAfter), naive - Math.min(offsetBefore, offsetAfter)]) {
    if (isWanted(candidate)) return new Date(candidate);
  }
  return new Date(naive - offsetBefore);
}

/**
 * Every instant a server could mean by this wall-clock time: as Java resolves it, and read with the
 * offset in force a day before or a day after (they differ only around a daylight-saving change,
 * where a server that resolves a gap or an overlap otherwise picks one of those). Usually one.
 */
export function wallClockReadings(date: LocalDate, hour: number, minute: number, second: number, timeZone: string): number[] {
  const resolved = instantOfWallClock(date, hour, minute, second, timeZone).getTime();
  const match = DATE_PATTERN.exec(date);
  if (!match) return [resolved];
  const naive = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]), hour, minute, second);
  return [...new Set([resolved, naive - offsetAt(naive - DAY_MS, timeZone), naive - offsetAt(naive + DAY_MS, timeZone)])];
}

/** The first instant of `date` in `timeZone` (local midnight, or the end of a gap that skips it). */
export function startOfLocalDay(date: LocalDate, timeZone: string): Date {
  return instantOfWallClock(date, 0, 0, 0, timeZone);
}

/**
 * The last second of `date` in `timeZone`: local 23:59:59, computed as one second before the next
 * day starts so that it stays on `date` even where a daylight-saving gap swallows 23:59:59
 * (America/Nuuk skips 23:00-24:00 on the last Saturday of March).
 */
export function endOfLocalDay(date: LocalDate, timeZone: string): Date {
  const next = new Date(Date.parse(`${date}T00:00:00Z`) + DAY_MS).toISOString().slice(0, 10);
  return new Date(startOfLocalDay(next, timeZone).getTime() - 1000);
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

/** The UTC forms the API and the client's own normalisation write: read without the Date parser (a plan reads ~6 per exception). */
const UTC_TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{3}))?(?:Z|\+0000|\+00:00)$/;

/** Reads `2023-05-09T18:30:00+0000`, `...+00:00`, `...Z` or `...+0530`; throws on anything else. */
export function parseQualysTimestamp(value: string): Date {
  const utc = UTC_TIMESTAMP.exec(value);
  if (utc) {
    const [year, month, day, hour, minute, second] = [1, 2, 3, 4, 5, 6].map((index) => Number(utc[index]));
    const instant = new Date(Date.UTC(year, month - 1, day, hour, minute, second, utc[7] === undefined ? 0 : Number(utc[7])));
    // A real calendar day and clock time; anything else is read the slow way, as Date reads it.
    if (year >= 100 && instant.getUTCDate() === day && instant.getUTCMonth() === month - 1 && hour < 24 && minute < 60 && second < 60) return instant;
  }
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
