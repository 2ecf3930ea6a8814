// Repositories that share one Qualys subscription share its hourly request budget: their scheduled
// jobs should not all start at the same minute. The minute is derived from the owner slug, so it is
// stable for a repository and different between most repositories.
import { createHash } from 'node:crypto';

/** A minute of the hour, 0-59, from sha256(owner). */
export function scheduleMinute(owner: string): number {
  return createHash('sha256').update(owner, 'utf8').digest().readUInt32BE(0) % 60;
}

/** The daily drift run: the derived minute of 05:00 UTC, before a working day in most time zones. */
export function driftCron(owner: string): string {
  return `${scheduleMinute(owner)} 5 * * *`;
}

/** The renewal pull requests on weekdays: the derived minute of 06:00 UTC, after the drift run. */
export function renewalsCron(owner: string): string {
  return `${scheduleMinute(owner)} 6 * * 1-5`;
}
