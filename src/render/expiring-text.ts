// `cvex expiring` for a terminal: one line per exception, soonest first.
import type { ExpiringException, ExpiringReport } from '../governance/expiring';
import { terminalSafe } from './escape';
import { plural } from './plural';

export interface TextOptions {
  color: boolean;
}

export function renderExpiringText(report: ExpiringReport, options: TextOptions): string {
  const paint = (code: number, text: string) => (options.color ? `\u001b[${code}m${text}\u001b[0m` : text);
  const heading = `Exceptions ending by ${report.windowEnd} (within ${plural(report.withinDays, 'day')} of ${report.today}, ${terminalSafe(report.timeZone)})`;
  if (report.exceptions.length === 0) return `${heading}: none.\n`;

  // Names, owners, tickets and paths are repository text: shown, never obeyed by the terminal.
  const rows = report.exceptions.map((exception) => ({
    status: exception.status === 'expired' ? 'EXPIRED' : 'expiring',
    when: `${exception.endDate} (${describeDaysLeft(exception)})`,
    exception: {
      ...exception,
      name: terminalSafe(exception.name),
      file: terminalSafe(exception.file),
      owner: exception.owner === undefined ? undefined : terminalSafe(exception.owner),
      ticket: exception.ticket === undefined ? undefined : terminalSafe(exception.ticket),
    },
  }));
  const statusWidth = Math.max(...rows.map((row) => row.status.length));
  const whenWidth = Math.max(...rows.map((row) => row.when.length));
  const nameWidth = Math.max(...rows.map((row) => row.exception.name.length));
  const lines = rows.map(({ status, when, exception }) => {
    const colored = paint(exception.status === 'expired' ? 31 : 33, status.padEnd(statusWidth));
    const who = [exception.owner && `owner: ${exception.owner}`, exception.ticket && `ticket: ${exception.ticket}`].filter(Boolean).join('  ');
    return `  ${colored}  ${when.padEnd(whenWidth)}  ${exception.name.padEnd(nameWidth)}  ${who ? `${who}  ` : ''}${exception.file}:${exception.line}`.trimEnd();
  });
  return [`${heading}:`, ...lines, summaryLine(report), ''].join('\n');
}

export function describeDaysLeft(exception: Pick<ExpiringException, 'daysLeft'>): string {
  if (exception.daysLeft === 0) return 'ends today';
  if (exception.daysLeft === 1) return 'ends tomorrow';
  if (exception.daysLeft > 0) return `in ${exception.daysLeft} days`;
  return `ended ${plural(-exception.daysLeft, 'day')} ago`;
}

export function summaryLine(report: ExpiringReport): string {
  return `${plural(report.exceptions.length, 'exception')}: ${report.expiredCount} expired and still in the repository, ${report.expiringCount} ending within ${plural(report.withinDays, 'day')}.`;
}

