// The dates of a renewal, under the organisation's rules. Pure.
// - the new endDate is --until, or the current endDate plus --by;
// - it must be later than the current endDate and not in the past;
// - with governance.maxDurationDays for the exception's reason: when startDate → new endDate is
//   over the limit, startDate moves to today (the subscription's day); when today → new endDate is
//   still over it, the renewal is refused (it could not pass `cvex validate`).
import type { GovernanceRules } from '../config';
import type { ExceptionSpec, LocalDate } from '../model/exception';
import { daysBetween, isCalendarDate } from '../model/dates';

export type RenewalLength = { until: LocalDate } | { byDays: number };

export type RenewalDates =
  | { ok: true; endDate: LocalDate; previousEndDate: LocalDate; startDate?: LocalDate; previousStartDate: LocalDate; maxDurationDays?: number }
  | { ok: false; reason: string };

export function addDays(date: LocalDate, days: number): LocalDate {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

export function planRenewalDates(
  spec: Pick<ExceptionSpec, 'name' | 'startDate' | 'endDate' | 'exceptionReason'>,
  length: RenewalLength,
  today: LocalDate,
  governance: GovernanceRules | undefined,
): RenewalDates {
  const endDate = 'until' in length ? length.until : addDays(spec.endDate, length.byDays);
  if (!isCalendarDate(endDate)) return { ok: false, reason: `${spec.name}: '${endDate}' is not a calendar date` };
  if (endDate <= spec.endDate) return { ok: false, reason: `${spec.name}: the new endDate ${endDate} is not after the current one (${spec.endDate}); renew only extends` };
  if (endDate < today) return { ok: false, reason: `${spec.name}: the new endDate ${endDate} is already past (today is ${today})` };
  const maxDurationDays = governance?.maxDurationDays?.[spec.exceptionReason];
  const base = { ok: true as const, endDate, previousEndDate: spec.endDate, previousStartDate: spec.startDate };
  if (maxDurationDays === undefined || daysBetween(spec.startDate, endDate) <= maxDurationDays) return { ...base, ...(maxDurationDays !== undefined ? { maxDurationDays } : {}) };
  const fromToday = daysBetween(today, endDate);
  if (fromToday > maxDurationDays) {
    return {
      ok: false,
      reason: `${spec.name}: ${endDate} is ${fromToday} days from today (${today}); '${spec.exceptionReason}' exceptions may last at most ${maxDurationDays} days (governance.maxDurationDays): renew until ${addDays(today, maxDurationDays)} at the latest`,
    };
  }
  return { ...base, startDate: today, maxDurationDays };
}
