// `cvex log --format csv`: one row per event (and one per exception's state now), for a
// spreadsheet an auditor filters. Same quoting as the report's CSV (formula-safe).
import type { LogReport } from '../audit/log-report';
import type { ExceptionTimeline, TimelineEvent } from '../audit/timeline';
import { formatField } from './log-values';
import { csvField } from './report-csv';

type Cell = string | number | boolean | null;

const COLUMNS = [
  'name', 'event', 'time', 'action', 'commit', 'author', 'pullRequest', 'mergedAt', 'mergedBy', 'approvers',
  'fields', 'actor', 'uuidBefore', 'uuidAfter', 'fingerprintBefore', 'fingerprintAfter', 'result', 'state', 'updatedOn', 'drift', 'file',
] as const;

function eventRow(timeline: ExceptionTimeline, event: TimelineEvent): Record<(typeof COLUMNS)[number], Cell> {
  const change = event.kind === 'change' ? event : undefined;
  const apply = event.kind === 'apply' ? event : undefined;
  return {
    name: timeline.name,
    event: event.kind,
    time: change ? change.effectiveAt : apply!.time,
    action: event.action,
    commit: event.commit,
    author: change ? `${change.author.name} <${change.author.email}>` : null,
    pullRequest: change?.pullRequest?.number ?? null,
    mergedAt: change?.pullRequest?.mergedAt ?? null,
    mergedBy: change?.pullRequest?.mergedBy ?? null,
    approvers: change ? change.approvers.join('; ') : null,
    fields: event.fields.map(formatField).join('; '),
    actor: apply ? apply.actor : null,
    uuidBefore: apply ? apply.uuidBefore : null,
    uuidAfter: apply ? apply.uuidAfter : null,
    fingerprintBefore: event.fingerprintBefore,
    fingerprintAfter: event.fingerprintAfter,
    result: apply ? apply.result : null,
    state: null,
    updatedOn: null,
    drift: null,
    file: change ? change.file : (timeline.file ?? null),
  };
}

export function renderLogCsv(report: LogReport): string {
  const rows: string[] = [COLUMNS.join(',')];
  for (const timeline of report.exceptions) {
    for (const event of timeline.events) {
      const row = eventRow(timeline, event);
      rows.push(COLUMNS.map((column) => csvField(row[column])).join(','));
    }
    if (timeline.now) {
      const now: Partial<Record<(typeof COLUMNS)[number], Cell>> = {
        name: timeline.name,
        event: 'now',
        time: report.generatedAt,
        uuidAfter: timeline.now.uuid,
        state: timeline.now.state,
        updatedOn: timeline.now.updatedOn,
        drift: timeline.now.drift,
        file: timeline.file ?? null,
      };
      rows.push(COLUMNS.map((column) => csvField(now[column] ?? null)).join(','));
    }
  }
  return `${rows.join('\r\n')}\r\n`;
}
