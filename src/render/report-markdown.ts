// The coverage report as Markdown, e.g. the body of a scheduled issue. User text (names, file paths)
// goes through escapeMarkdown: a manifest must not inject markup, links or @mentions.
import type { CoverageReport } from '../inventory/report-model';
import { renderEndingChart } from './ending-chart';
import { escapeMarkdown, markdownCode } from './escape';
import { describeExempted, describeExpiry, summaryLine } from './report-text';

const MAX_ROWS = 500;

export interface MarkdownReportOptions {
  /** metadata.owner of each exception the repository declares: the chart's groups. */
  ownerOf?: (name: string) => string | undefined;
}

export function renderMarkdownReport(report: CoverageReport, options: MarkdownReportOptions = {}): string {
  const lines = [`### cvex report: ${escapeMarkdown(summaryLine(report))}`, ''];
  lines.push(`Time zone ${markdownCode(report.timeZone)} · over-broad above ${report.overBroadThreshold} evaluations or more than one account`, '');
  if (report.exceptions.length === 0) {
    lines.push('No managed exceptions in this subscription.');
    return `${lines.join('\n')}\n`;
  }
  lines.push('| Exception | Scope | State | Ends | Accounts | Exempted | Stale | Over-broad | Source |', '|---|---|---|---|---:|---:|---|---|---|');
  for (const row of report.exceptions.slice(0, MAX_ROWS)) {
    lines.push(
      `| ${[
        escapeMarkdown(row.name),
        escapeMarkdown(`${row.cloudType ?? '?'} ${row.scope}`),
        escapeMarkdown(row.state),
        escapeMarkdown(describeExpiry(row)),
        row.accounts === null ? '' : String(row.accounts),
        escapeMarkdown(describeExempted(row)),
        row.stale ? `**stale** (${escapeMarkdown(row.staleReason ?? '')})` : '',
        row.overBroad ? `**over-broad** (${escapeMarkdown(row.overBroadReasons.join(', '))})` : '',
        row.file === null ? '' : escapeMarkdown(`${row.file}:${row.line}`),
      ].join(' | ')} |`,
    );
  }
  if (report.exceptions.length > MAX_ROWS) lines.push('', `… and ${report.exceptions.length - MAX_ROWS} more (use \`--format csv\` for all).`);
  if (report.exceptions.some((row) => row.approximate)) {
    lines.push('', '≤ QUALYSTAG counts are upper bounds: tag membership is not readable from the API.');
  }
  const ending = report.exceptions.filter((row) => row.daysToExpiry !== null && row.daysToExpiry >= 0);
  const chart = renderEndingChart(ending.map((row) => ({ endDate: row.endDate, group: options.ownerOf?.(row.name) ?? (row.file === null ? 'not in the repository' : undefined) })), { title: 'Exceptions ending per month by owner', fallbackGroup: 'no owner' });
  if (chart.length > 0) lines.push('', ...chart.slice(0, -1));
  return `${lines.join('\n')}\n`;
}
