// The coverage report for a terminal: a summary line, then one aligned row per managed exception.
import type { CoverageReport, CoverageRow } from '../inventory/report-model';
import { terminalSafe } from './escape';

export function describeFlags(row: CoverageRow): string {
  const flags: string[] = [];
  if (row.stale) flags.push(`STALE (${row.staleReason})`);
  if (row.overBroad) flags.push(`OVER-BROAD (${row.overBroadReasons.join(', ')})`);
  return flags.join(' ');
}

export function describeExpiry(row: CoverageRow): string {
  if (row.daysToExpiry === null) return row.endDate;
  if (row.daysToExpiry < 0) return `${row.endDate} (${-row.daysToExpiry}d ago)`;
  return `${row.endDate} (${row.daysToExpiry}d)`;
}

export function describeExempted(row: CoverageRow): string {
  return `${row.approximate ? '≤' : ''}${row.passWithException}`;
}

export function summaryLine(report: CoverageReport): string {
  const { summary } = report;
  return (
    `${summary.managed} managed exception${summary.managed === 1 ? '' : 's'}: ${summary.active} active, ${summary.inactive} inactive, ` +
    `${summary.expired} expired${summary.otherState > 0 ? `, ${summary.otherState} other` : ''}; ` +
    `${summary.passWithException} evaluation${summary.passWithException === 1 ? '' : 's'} exempted; ` +
    `${summary.stale} stale, ${summary.overBroad} over-broad`
  );
}

export function renderTextReport(report: CoverageReport, options: { color?: boolean } = {}): string {
  const paint = (code: string, text: string) => (options.color ? `\u001b[${code}m${text}\u001b[0m` : text);
  const header = ['EXCEPTION', 'CLOUD/SCOPE', 'STATE', 'ENDS', 'ACCOUNTS', 'EXEMPTED', 'FLAGS'];
  const rows = report.exceptions.map((row) => [
    terminalSafe(row.name),
    `${row.cloudType ?? '?'}/${row.scope}`,
    row.state,
    describeExpiry(row),
    row.accounts === null ? '-' : String(row.accounts),
    describeExempted(row),
    describeFlags(row),
  ]);
  const widths = header.map((title, index) => Math.max(title.length, ...rows.map((cells) => cells[index].length)));
  const format = (cells: string[]) => cells.map((cell, index) => (index === cells.length - 1 ? cell : cell.padEnd(widths[index]))).join('  ').trimEnd();
  const lines = [`Coverage report (${report.timeZone}, over-broad above ${report.overBroadThreshold}): ${summaryLine(report)}`, ''];
  if (rows.length === 0) {
    lines.push('No managed exceptions in this subscription.');
  } else {
    lines.push(format(header));
    report.exceptions.forEach((row, index) => {
      const line = format(rows[index]);
      lines.push(row.stale || row.overBroad ? paint('33', line) : line);
    });
    if (report.exceptions.some((row) => row.approximate)) {
      lines.push('', '≤ QUALYSTAG counts are upper bounds: tag membership is not readable from the API.');
    }
  }
  return `${lines.join('\n')}\n`;
}
