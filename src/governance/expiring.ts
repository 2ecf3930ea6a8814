// Which manifest exceptions end soon, or have already ended but are still in the repository.
// Pure: the date of "today" in the subscription's time zone is passed in.
import type { CloudType, ExceptionReason, ExceptionScope, LocalDate, ManifestException } from '../model/exception';
import { daysBetween } from '../model/dates';

export interface ExpiringException {
  name: string;
  /** `expired`: endDate is before today (CloudView keeps an exception until the end of its endDate). */
  status: 'expired' | 'expiring';
  endDate: LocalDate;
  /** endDate - today in days: 0 ends today, negative already ended. */
  daysLeft: number;
  cloudType: CloudType;
  exceptionScope: ExceptionScope;
  exceptionReason: ExceptionReason;
  owner?: string;
  ticket?: string;
  metadata: Record<string, string>;
  file: string;
  line: number;
}

export interface ExpiringReport {
  version: 1;
  /** Today, in `timeZone`. */
  today: LocalDate;
  timeZone: string;
  withinDays: number;
  /** Last day of the window: today + withinDays. */
  windowEnd: LocalDate;
  expiredCount: number;
  expiringCount: number;
  /** Sorted by endDate, then name. */
  exceptions: ExpiringException[];
}

export interface ExpiringOptions {
  today: LocalDate;
  timeZone: string;
  withinDays: number;
}

export function findExpiring(exceptions: readonly ManifestException[], options: ExpiringOptions): ExpiringReport {
  const selected: ExpiringException[] = [];
  for (const { spec, metadata, location } of exceptions) {
    const daysLeft = daysBetween(options.today, spec.endDate);
    if (Number.isNaN(daysLeft) || daysLeft > options.withinDays) continue;
    selected.push({
      name: spec.name,
      status: daysLeft < 0 ? 'expired' : 'expiring',
      endDate: spec.endDate,
      daysLeft,
      cloudType: spec.cloudType,
      exceptionScope: spec.exceptionScope,
      exceptionReason: spec.exceptionReason,
      ...(metadata.owner !== undefined && { owner: metadata.owner }),
      ...(metadata.ticket !== undefined && { ticket: metadata.ticket }),
      metadata,
      file: location.file,
      line: location.line,
    });
  }
  selected.sort((a, b) => a.endDate.localeCompare(b.endDate) || a.name.localeCompare(b.name));
  return {
    version: 1,
    today: options.today,
    timeZone: options.timeZone,
    withinDays: options.withinDays,
    windowEnd: addDays(options.today, options.withinDays),
    expiredCount: selected.filter((e) => e.status === 'expired').length,
    expiringCount: selected.filter((e) => e.status === 'expiring').length,
    exceptions: selected,
  };
}

/** `14d`, `2w`, `30d` → days; undefined for anything else. */
export function parseWithin(value: string): number | undefined {
  const match = /^(\d{1,4})([dw])$/.exec(value.trim());
  if (!match) return undefined;
  return Number(match[1]) * (match[2] === 'w' ? 7 : 1);
}

function addDays(date: LocalDate, days: number): LocalDate {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}
