// The coverage report as JSON: the CoverageReport object itself (schemas/report.schema.json).
import type { CoverageReport } from '../inventory/report-model';
import { jsonSafe } from './escape';

export function renderJsonReport(report: CoverageReport): string {
  return `${jsonSafe(JSON.stringify(report, null, 2))}\n`;
}
