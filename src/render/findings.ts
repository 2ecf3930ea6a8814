// Findings as text, JSON (schemas/validate-result.schema.json) or GitHub workflow commands. Pure.
import type { Finding } from '../model/findings';
import { jsonSafe, terminalSafe, terminalSafeLines } from './escape';

export interface FindingsSummary {
  files: number;
  exceptions: number;
}

export interface TextOptions {
  /** ANSI colours for the severity word. */
  color?: boolean;
}

const RED = '\u001b[31m';
const YELLOW = '\u001b[33m';
const RESET = '\u001b[0m';

/** `file:line:column: error: message [field.path]`, one per line, then a one-line summary. */
export function renderFindingsText(findings: readonly Finding[], summary: FindingsSummary, options: TextOptions = {}): string {
  const lines = findings.map((finding) => {
    // File names and messages carry repository text (names, values): one line each, nothing hidden.
    const file = terminalSafe(finding.file);
    const where = finding.line > 0 ? `${file}:${finding.line}:${finding.column}` : file;
    const severity = options.color ? `${finding.severity === 'error' ? RED : YELLOW}${finding.severity}${RESET}` : finding.severity;
    const path = finding.path ? ` [${finding.path}]` : '';
    return `${where}: ${severity}: ${terminalSafe(finding.message)}${path}\n`;
  });
  return `${lines.join('')}${summaryLine(findings, summary)}\n`;
}

/** `2 errors, 1 warning in 3 files (12 exceptions)`. */
export function summaryLine(findings: readonly Finding[], summary: FindingsSummary): string {
  const errors = findings.filter((finding) => finding.severity === 'error').length;
  const warnings = findings.length - errors;
  return `${plural(errors, 'error')}, ${plural(warnings, 'warning')} in ${plural(summary.files, 'file')} (${plural(summary.exceptions, 'exception')})`;
}

export interface JsonFinding {
  file: string;
  line: number;
  column: number;
  path: string;
  message: string;
  rule: string;
}

export interface ValidateJsonResult {
  valid: boolean;
  files: number;
  exceptions: number;
  errors: JsonFinding[];
  warnings: JsonFinding[];
}

export function toValidateJson(findings: readonly Finding[], summary: FindingsSummary): ValidateJsonResult {
  const pick = ({ file, line, column, path, message, rule }: Finding): JsonFinding => ({ file, line, column, path, message, rule });
  const errors = findings.filter((finding) => finding.severity === 'error').map(pick);
  const warnings = findings.filter((finding) => finding.severity === 'warning').map(pick);
  return { valid: errors.length === 0, files: summary.files, exceptions: summary.exceptions, errors, warnings };
}

export function renderFindingsJson(findings: readonly Finding[], summary: FindingsSummary): string {
  return `${jsonSafe(JSON.stringify(toValidateJson(findings, summary), null, 2))}\n`;
}

/**
 * `::error file=…,line=…,col=…,title=rule::message`, so findings show inline on a pull request.
 * Escaping follows @actions/core: data escapes `%`, CR, LF; properties also `:` and `,`.
 */
export function renderFindingsGithub(findings: readonly Finding[], summary: FindingsSummary): string {
  const lines = findings.map((finding) => {
    // The real path, so GitHub attaches the annotation to the file in the diff.
    const properties = [`file=${escapeProperty(finding.file)}`];
    if (finding.line > 0) properties.push(`line=${finding.line}`, `col=${finding.column}`);
    properties.push(`title=${escapeProperty(finding.rule)}`);
    const path = finding.path ? ` [${finding.path}]` : '';
    return `::${finding.severity} ${properties.join(',')}::${escapeData(terminalSafeLines(`${finding.message}${path}`))}\n`;
  });
  return `${lines.join('')}${summaryLine(findings, summary)}\n`;
}

export function escapeData(value: string): string {
  return value.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

export function escapeProperty(value: string): string {
  return escapeData(value).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
