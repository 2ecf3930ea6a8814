// "Today" for the commands that work from the manifests alone (expiring, renew, renewals): the
// subscription's zone (--timezone, else the config's, else UTC) and its date there (--now for
// reminders and tests).
import type { CvexConfig } from '../config';
import { isCalendarDate, isValidTimeZone, localDateOf } from '../model/dates';
import type { LocalDate } from '../model/exception';
import { UsageError } from './io';

/** The flags resolveToday reads. Commands that take the target flags have --timezone already: `now` alone. */
export const TODAY_FLAGS = {
  timezone: { type: 'string', value: 'ZONE', description: "the subscription's IANA time zone, which decides what today is (default: config timezone, else UTC)" },
  now: { type: 'string', value: 'YYYY-MM-DD', description: 'today, for reminders, rehearsals and tests (default: today in the time zone)' },
} as const;

export function resolveToday(values: { now?: string; timezone?: string }, config: Pick<CvexConfig, 'timezone'>, clock: () => Date = () => new Date()): { timeZone: string; today: LocalDate } {
  if (values.now !== undefined && !isCalendarDate(values.now)) throw new UsageError(`--now must be a date YYYY-MM-DD, not '${values.now}'`);
  if (values.timezone !== undefined && !isValidTimeZone(values.timezone)) throw new UsageError(`unknown time zone '${values.timezone}'`);
  const timeZone = values.timezone ?? config.timezone ?? 'UTC';
  return { timeZone, today: values.now ?? localDateOf(clock(), timeZone) };
}
