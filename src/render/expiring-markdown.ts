// `cvex expiring --format markdown`: a table for an issue, a comment or a job summary.
// Everything that comes from a manifest is escaped: a manifest must not inject markup, links,
// HTML or @mentions into a page that notifies people.
import type { ExpiringReport } from '../governance/expiring';
import { renderEndingChart } from './ending-chart';
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

/**
 * Inline user text, safe in a table cell: no line breaks, HTML, markdown syntax, pipes or mentions.
 * `@` gets a zero-width space after it (as an entity) so GitHub does not notify anyone; `#123` the
 * same so it does not link an issue; `://` too so a bare URL is not linked.
 */
export function escapeMarkdown(text: string): string {
  return (
    text
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u001f\u007f]+/g, ' ')
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      // `$` too: GitHub renders $...$ as LaTeX math (sizes, colours: markup by another name).
      .replace(/[\\`*_{}[\]()!|~$]/g, '\\$&')
      .replace(/([@#])/g, '$1&#8203;')
      // Bare URLs would be autolinked; break the scheme, and `www.` which GitHub links without one.
      .replace(/:\/\//g, ':&#8203;//')
      .replace(/(www)\./gi, '$1&#8203;.')
  );
}
