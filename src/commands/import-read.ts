// `cvex import`'s reads of exception details, within a request budget (--max-requests) and a time
// budget (--time-limit): they stop cleanly where the budget ends, and what was read is written (the
// files are the record; the next run lists them as declared and continues after them). Progress
// with an estimate of the requests left: a status line on a terminal (stderr), plain lines on
// stdout in CI logs (at every tenth of a run of some size).
import type { CloudViewClient } from '../api/client';
import type { RemoteException, RemoteExceptionDetail } from '../api/types';
import { requestsLeft, type ImportCost } from '../import/budget';
import { CLOUD_TYPES } from '../model/exception';
import type { CliIo } from '../command-line/io';
import { createStatusLine } from '../command-line/status-line';

export interface DetailBudget {
  /** Requests the whole run may send (--max-requests); undefined: no limit. */
  maxRequests?: number;
  /** Clock ms after which no new read starts (--time-limit). */
  deadlineMs?: number;
  /** Requests one listing costs: reserved per cloud when a detail names no cloud (resolve-cloud.ts lists by provider). */
  listPages: number;
  concurrency: number;
  now?: () => number;
}

export interface DetailReading {
  /** In the order of `wanted`, for those read. */
  details: RemoteExceptionDetail[];
  /** Wanted exceptions not read: the budget ended first. */
  left: number;
  stoppedBy?: 'requests' | 'time';
}

/** Plain progress lines in a log: at every tenth of a run that reads at least LOG_FROM details. */
const LOG_STEPS = 10;
const LOG_FROM = 50;

export async function readDetailsWithinBudget(client: CloudViewClient, wanted: readonly RemoteException[], budget: DetailBudget, cost: ImportCost, io: CliIo): Promise<DetailReading> {
  const now = budget.now ?? Date.now;
  const read: Array<RemoteExceptionDetail | undefined> = new Array(wanted.length);
  const status = createStatusLine(io, 'cvex import');
  const plainLog = io.stderr.isTTY !== true && thisRunOf(wanted.length, budget, client) >= LOG_FROM;
  const thisRun = thisRunOf(wanted.length, budget, client);
  let next = 0;
  let started = 0;
  let done = 0;
  let nextLogAt = 1;
  let stoppedBy: DetailReading['stoppedBy'];
  // A detail that names no cloud costs a provider-filtered listing per cloud at the end: keep room for them.
  let reserve = 0;
  const countBefore = client.requestCount();

  const report = () => {
    const left = requestsLeft(cost, done);
    const text = `read ${done} of ${thisRun} details this run (${wanted.length - done} left to read); about ${left} requests left in all`;
    status.update(text);
    if (plainLog && thisRun > 0 && done * LOG_STEPS >= nextLogAt * thisRun) {
      nextLogAt = Math.floor((done * LOG_STEPS) / thisRun) + 1;
      io.stdout.write(`${text}\n`);
    }
  };
  const mayStart = (): boolean => {
    if (budget.deadlineMs !== undefined && now() >= budget.deadlineMs) {
      stoppedBy = 'time';
      return false;
    }
    // Requests sent, or about to be for the reads under way (a read counts once it is sent).
    const committed = Math.max(client.requestCount(), countBefore + started);
    if (budget.maxRequests !== undefined && committed + 1 + reserve > budget.maxRequests) {
      stoppedBy = 'requests';
      return false;
    }
    return true;
  };
  const worker = async (): Promise<void> => {
    while (next < wanted.length && stoppedBy === undefined && mayStart()) {
      const index = next;
      next += 1;
      started += 1;
      const detail = await client.getException(wanted[index].uuid);
      if (detail.cloudType === undefined) reserve = CLOUD_TYPES.length * budget.listPages;
      read[index] = detail;
      done += 1;
      report();
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, Math.min(budget.concurrency, wanted.length)) }, worker));
  } finally {
    status.done();
  }
  const details = read.filter((detail): detail is RemoteExceptionDetail => detail !== undefined);
  return { details, left: wanted.length - details.length, ...(details.length < wanted.length ? { stoppedBy } : {}) };
}

/** Details this run can read: all it wants, or what the request budget leaves after the listing. */
function thisRunOf(wanted: number, budget: DetailBudget, client: CloudViewClient): number {
  return Math.min(wanted, budget.maxRequests === undefined ? wanted : Math.max(0, budget.maxRequests - client.requestCount()));
}
