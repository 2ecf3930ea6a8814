// The coverage report for spreadsheets: RFC 4180 (CRLF rows, fields with `"`, `,`, CR or LF quoted,
// quotes doubled). Cells that a spreadsheet would run as a formula (= + - @ tab CR first) get a
// leading apostrophe: an exception name is user text and must not become `=HYPERLINK(...)`.
import type { CoverageReport, CoverageRow } from '../inventory/report-model';

const CSV_COLUMNS: ReadonlyArray<[string, (row: CoverageRow) => string | number | boolean | null]> = [
  ['name', (row) => row.name],
  ['uuid', (row) => row.uuid],
  ['cloudType', (row) => row.cloudType],
  ['scope', (row) => row.scope],
  ['state', (row) => row.state],
  ['startDate', (row) => row.startDate],
  ['endDate', (row) => row.endDate],
  ['daysToExpiry', (row) => row.daysToExpiry],
  ['accounts', (row) => row.accounts],
  ['controls', (row) => row.controls],
  ['passWithException', (row) => row.passWithException],
  ['failing', (row) => row.failing],
  ['passing', (row) => row.passing],
  ['missing', (row) => row.missing],
  ['approximate', (row) => row.approximate],
  ['stale', (row) => row.stale],
  ['staleReason', (row) => row.staleReason],
  ['overBroad', (row) => row.overBroad],
  ['overBroadReasons', (row) => row.overBroadReasons.join('; ')],
  ['targetsFrom', (row) => row.targetsFrom],
  ['file', (row) => row.file],
  ['line', (row) => row.line],
];

export function csvField(value: string | number | boolean | null): string {
  if (value === null) return '';
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function renderCsvReport(report: CoverageReport): string {
  const lines = [CSV_COLUMNS.map(([name]) => name).join(',')];
  for (const row of report.exceptions) lines.push(CSV_COLUMNS.map(([, get]) => csvField(get(row))).join(','));
  return `${lines.join('\r\n')}\r\n`;
}
