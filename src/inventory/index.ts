// Inventory: plan-time checks against the account's real connectors, controls and resources, and the
// coverage report of managed exceptions. Request costs are documented in check.ts and report-data.ts.
export { InventoryCache, createInventoryCache, type InventorySnapshot, type ResourceQuery, type ResourceSourceDecision } from './cache';
export { INVENTORY_RULES, checkInventory, type InventoryCheckOptions } from './check';
export { estimateResourceCost, evaluationsPerResource } from './cost';
export { alternationRegexes, escapeJavaRegex } from './regex';
export {
  DEFAULT_OVER_BROAD_THRESHOLD,
  REPORT_VERSION,
  buildCoverageReport,
  type CoverageReport,
  type CoverageRow,
  type CoverageSummary,
  type ExceptionTargets,
  type ReportSubject,
} from './report-model';
export { gatherCoverageReport, type GatherReportOptions } from './report-data';
