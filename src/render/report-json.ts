// The coverage report as JSON: the CoverageReport object itself (schemas/report.schema.json).
import type { CoverageReport } from '../inventory/report-model';

export function renderJsonReport(report: CoverageReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
