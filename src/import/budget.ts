// What an import costs, and in how many runs a request budget spreads it. The list carries no cloud,
// controls or targets, so each exception costs one detail request; every run lists the account
// again (ceil(N / pageSize) requests) to see what earlier runs recorded in the files they wrote.
// A run that cannot read one detail after its listing makes no progress: that budget is refused.
// Pure.
import { plural } from '../render/plural';

export interface ImportCost {
  /** Requests one listing of the account costs. */
  listPages: number;
  /** Exceptions left to read, one detail request each. */
  toRead: number;
  /** --max-requests, when given. */
  maxRequests?: number;
}

export interface ImportEstimate {
  /** Details this run reads (all of them without a budget). */
  thisRun: number;
  /** Runs the whole import takes, this one included. */
  runs: number;
  /** Requests of every run together: a listing per run and a detail per exception. */
  total: number;
}

/** The smallest --max-requests that lets a run progress: its listing and one detail. */
export function minimumBudget(listPages: number): number {
  return listPages + 1;
}

export function estimateImport(cost: ImportCost): ImportEstimate {
  if (cost.maxRequests === undefined || cost.toRead === 0) return { thisRun: cost.toRead, runs: 1, total: cost.listPages + cost.toRead };
  const perRun = Math.max(1, cost.maxRequests - cost.listPages);
  const runs = Math.max(1, Math.ceil(cost.toRead / perRun));
  return { thisRun: Math.min(cost.toRead, perRun), runs, total: runs * cost.listPages + cost.toRead };
}

/** Requests left for the whole import once `read` more details were read in this run. */
export function requestsLeft(cost: ImportCost, read: number): number {
  const left = Math.max(0, cost.toRead - read);
  if (left === 0) return 0;
  return estimateImport({ ...cost, toRead: left }).total;
}

/** The line a run starts with: what it reads and what the whole import costs. */
export function describeImportCost(cost: ImportCost): string {
  const estimate = estimateImport(cost);
  const reads = `${plural(cost.toRead, 'exception')} to read, one detail request each, after ${plural(cost.listPages, 'list request')}`;
  if (cost.maxRequests === undefined || estimate.runs === 1) return `${reads}: ${plural(estimate.total, 'request')} in all`;
  return `${reads} per run: at --max-requests ${cost.maxRequests}, this run reads ${estimate.thisRun}; ${estimate.runs} runs and about ${plural(estimate.total, 'request')} in all`;
}
