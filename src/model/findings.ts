// Expected problems are data, not exceptions: every step returns findings and the CLI renders them.

export type Severity = 'error' | 'warning';

export interface Finding {
  severity: Severity;
  /** Stable machine code, e.g. `schema.required`, `date.calendar`, `name.duplicate`. Tests assert on it. */
  rule: string;
  message: string;
  file: string;
  /** 1-based; 0 when the finding is about a whole file that has no position (unreadable, too large). */
  line: number;
  column: number;
  /** Dotted field path inside the file, e.g. `exceptions.3.endDate`; '' for the whole file. */
  path: string;
}

export function hasErrors(findings: readonly Finding[]): boolean {
  return findings.some((f) => f.severity === 'error');
}
