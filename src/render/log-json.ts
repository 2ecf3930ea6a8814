// `cvex log --format json`: the LogReport as is (docs/audit.md).
import type { LogReport } from '../audit/log-report';

export function renderLogJson(report: LogReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
