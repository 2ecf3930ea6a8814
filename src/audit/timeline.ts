// Per exception, its timeline: manifest changes from the history, applies from the git notes, and
// optionally its state in Qualys now. Pure: events in, the `cvex log` report out.
import { minimatch } from 'minimatch';
import type { ApplyRecord, ApplyRecordChange } from './apply-record';
import type { ManifestChangeEvent } from './manifest-changes';

export interface ApplyEvent extends Omit<ApplyRecordChange, 'name'> {
  kind: 'apply';
  name: string;
  time: string;
  actor: string | null;
  /** The commit applied, and the range it brought into effect. */
  commit: string;
  range: ApplyRecord['range'];
  target: string;
  lifted: ApplyRecord['lifted'];
}

export type TimelineEvent = ManifestChangeEvent | ApplyEvent;

export type Drift = 'in-sync' | 'differs' | 'edited-in-qualys' | 'missing' | 'not-in-repository' | 'unmanaged';

export interface CurrentState {
  uuid: string | null;
  state: string | null;
  updatedOn: string | null;
  drift: Drift;
  /** A few words on the drift, e.g. the fields that differ. */
  detail?: string;
}

export interface ExceptionTimeline {
  name: string;
  /** Where the repository declares it now; undefined once removed. */
  file?: string;
  line?: number;
  events: TimelineEvent[];
  now?: CurrentState;
}

export interface LogFilters {
  /** Exact names or globs; empty means every exception the history mentions. */
  names: string[];
  /** Inclusive bounds, ISO 8601 instants. */
  since?: string;
  until?: string;
}

export function applyEventsOf(records: readonly ApplyRecord[]): ApplyEvent[] {
  const events: ApplyEvent[] = [];
  for (const record of records) {
    for (const change of record.changes) {
      events.push({ ...change, kind: 'apply', time: record.time, actor: record.actor, commit: record.commit, range: record.range, target: record.target, lifted: record.lifted });
    }
  }
  return events;
}

export function eventTime(event: TimelineEvent): string {
  return event.kind === 'apply' ? event.time : event.effectiveAt;
}

function instant(text: string): number {
  return Date.parse(text);
}

export interface TimelineInput {
  changes: readonly ManifestChangeEvent[];
  applies: readonly ApplyEvent[];
  /** name → where the repository declares it now. */
  current: ReadonlyMap<string, { file: string; line: number }>;
  /** name → its state in Qualys now, when a target was given. */
  now?: ReadonlyMap<string, CurrentState>;
  filters: LogFilters;
}

export function buildTimelines(input: TimelineInput): ExceptionTimeline[] {
  const wanted = (name: string) =>
    input.filters.names.length === 0 || input.filters.names.some((pattern) => pattern === name || minimatch(name, pattern, { nocomment: true, nonegate: true }));
  const since = input.filters.since === undefined ? -Infinity : instant(input.filters.since);
  const until = input.filters.until === undefined ? Infinity : instant(input.filters.until);
  const byName = new Map<string, ExceptionTimeline>();
  const timelineOf = (name: string): ExceptionTimeline => {
    let timeline = byName.get(name);
    if (!timeline) {
      const place = input.current.get(name);
      timeline = { name, ...(place ? { file: place.file, line: place.line } : {}), events: [] };
      byName.set(name, timeline);
    }
    return timeline;
  };
  for (const event of [...input.changes, ...input.applies]) {
    if (!wanted(event.name)) continue;
    const time = instant(eventTime(event));
    const timeline = timelineOf(event.name);
    if (time >= since && time <= until) timeline.events.push(event);
  }
  for (const name of input.current.keys()) if (wanted(name)) timelineOf(name);
  for (const [name, state] of input.now ?? []) {
    if (wanted(name) && (byName.has(name) || state.drift !== 'unmanaged')) timelineOf(name).now = state;
  }
  for (const timeline of byName.values()) {
    // Stable: a change and the apply of it at the same second keep history order (changes first).
    timeline.events.sort((a, b) => instant(eventTime(a)) - instant(eventTime(b)) || (a.kind === b.kind ? 0 : a.kind === 'change' ? -1 : 1));
  }
  // "What was granted or extended in Q3" is the exceptions with events in Q3, not every one.
  const windowed = input.filters.since !== undefined || input.filters.until !== undefined;
  return [...byName.values()]
    .filter((timeline) => !windowed || input.filters.names.length > 0 || timeline.events.length > 0)
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
