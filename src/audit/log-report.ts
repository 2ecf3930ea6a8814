// `cvex log --format json`: the shape every renderer reads (docs/audit.md describes it).
import type { ExceptionTimeline, LogFilters } from './timeline';

export const LOG_REPORT_VERSION = 1;

export interface LogReport {
  version: typeof LOG_REPORT_VERSION;
  generatedAt: string;
  /** The commit the history was read from. */
  head: string;
  filters: LogFilters;
  sources: {
    /** Commits read (one `git log`). */
    commits: number;
    /** Apply records found in the notes. */
    applyRecords: number;
    notes: { refs: string[]; fetched: 'fetched' | 'remote-has-none' | 'failed' | 'not-tried' };
    shallow: boolean;
    /** Origin of the Qualys target whose state `now` shows, when one was given. */
    target?: string;
    /** `--github`: approvers read through the GitHub API (requests sent), or why not. */
    github?: { requests: number } | { skipped: string };
  };
  /** What this log cannot see (a shallow clone, no notes, unreadable versions). */
  limitations: string[];
  exceptions: ExceptionTimeline[];
}
