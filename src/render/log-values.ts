// How `cvex log` writes a field's value and an event's one-line summary, shared by its renderers.
import type { FieldChange } from '../audit/apply-record';
import type { PullRequestRef } from '../audit/pull-requests';
import type { CurrentState, TimelineEvent } from '../audit/timeline';

export function formatValue(value: unknown, max = 200): string {
  if (value === null || value === undefined) return '(none)';
  let text: string;
  if (Array.isArray(value)) text = `[${value.map((item) => (typeof item === 'string' ? item : JSON.stringify(item))).join(', ')}]`;
  else text = JSON.stringify(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** `endDate: "2026-12-31" → "2027-03-31"`; an added field shows its value only. */
export function formatField(change: FieldChange): string {
  if (change.before === null) return `${change.field}: ${formatValue(change.after)}`;
  return `${change.field}: ${formatValue(change.before)} → ${formatValue(change.after)}`;
}

/** `2026-07-01 09:30` (UTC). */
export function formatTime(iso: string): string {
  const time = Date.parse(iso);
  return Number.isNaN(time) ? iso : new Date(time).toISOString().slice(0, 16).replace('T', ' ');
}

export function describePullRequest(pullRequest: PullRequestRef | undefined): string {
  if (!pullRequest) return '';
  const merged = pullRequest.via === 'trailer' ? 'named in a trailer' : `${pullRequest.via === 'merge' ? 'merged' : 'squash-merged'}${pullRequest.mergedAt ? ` ${formatTime(pullRequest.mergedAt)}` : ''}${pullRequest.mergedBy ? ` by ${pullRequest.mergedBy}` : ''}`;
  return `PR #${pullRequest.number} (${merged})`;
}

const ACTION_WORDS = { added: 'added', changed: 'changed', removed: 'removed', moved: 'moved' } as const;

export function describeEvent(event: TimelineEvent): string {
  if (event.kind === 'change') return `${ACTION_WORDS[event.action]} in ${event.commit.slice(0, 12)} by ${event.author.name}`;
  const uuids = event.action === 'create' ? `→ ${event.uuidAfter ?? '(none)'}` : event.action === 'delete' ? `${event.uuidBefore ?? '?'} →` : `${event.uuidBefore ?? '?'} → ${event.uuidAfter ?? '(none)'}`;
  return `applied ${event.action} by ${event.actor ?? 'unknown'}: ${uuids}, ${event.result}`;
}

export function describeNow(now: CurrentState): string {
  const where = now.uuid ? `${now.state ?? '?'} ${now.uuid}, updatedOn ${now.updatedOn ?? '?'}` : 'not in Qualys';
  return `${where}; ${now.drift}${now.detail ? ` (${now.detail})` : ''}`;
}
