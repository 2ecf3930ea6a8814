// `cvex expiring --format markdown`: a table for an issue, a comment or a job summary.
// Everything that comes from a manifest is escaped: a manifest must not inject markup, links,
// HTML or @mentions into a page that notifies people.
import type { ExpiringReport } from '../governance/expiring';
import { renderEndingChart } from './ending-chart';
import { escapeMarkdown } from './escape';
import { describeDaysLeft } from './expiring-text';
import { plural } from './plural';

/** Hidden marker so a workflow can find and update the comment or issue it posted before. */
export const EXPIRING_MARKER = '<!-- cvex-expiring -->';

export function renderExpiringMarkdown(report: ExpiringReport): string {
  const lines = [EXPIRING_MARKER, `### Exceptions ending within ${plural(report.withinDays, 'day')}`, ''];
  if (report.exceptions.length === 0) {
    lines.push(`No exception ends by ${report.windowEnd} (today is ${report.today}, ${escapeMarkdown(report.timeZone)}).`, '');
    return lines.join('\n');
  }
  lines.push(
    `As of ${report.today} (${escapeMarkdown(report.timeZone)}): **${report.expiredCount}** expired and still in the repository, ` +
      `**${report.expiringCount}** ending by ${report.windowEnd}.`,
    '',
    '| status | exception | ends | owner | ticket | reason | file |',
    '|---|---|---|---|---|---|---|',
  );
  for (const exception of report.exceptions) {
    const status = exception.status === 'expired' ? `🔴 expired, ${describeDaysLeft(exception)}` : `🟡 ${describeDaysLeft(exception)}`;
    lines.push(
      `| ${[
        status,
        escapeMarkdown(exception.name),
        exception.endDate,
        escapeMarkdown(exception.owner ?? ''),
        escapeMarkdown(exception.ticket ?? ''),
        escapeMarkdown(exception.exceptionReason),
        escapeMarkdown(`${exception.file}:${exception.line}`),
      ].join(' | ')} |`,
    );
  }
  lines.push('', ...renderEndingChart(report.exceptions.map((exception) => ({ endDate: exception.endDate, group: exception.owner })), { title: 'Exceptions ending per month by owner', fallbackGroup: 'no owner' }));
  lines.push('Renew an exception by moving its `endDate` in a pull request (`cvex renew NAME --by 90d`), or remove it from the repository.', '');
  return lines.join('\n');
}
