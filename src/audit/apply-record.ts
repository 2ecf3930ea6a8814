// The record of one apply, as stored in git notes (refs/notes/cvex, one JSON line per apply on the
// applied commit). Pure: the plan, the results and the circumstances in, the record out. It holds
// names, uuids, fingerprints and field values from the manifests; never credentials (the serialiser
// also blanks any secret it is given, in case an API message echoed one).
import { SPEC_FIELDS } from '../model/exception';
import type { OperationResult } from '../reconcile/execute';
import { fingerprintSpec } from '../reconcile/fingerprint';
import { readMarker } from '../reconcile/ownership';
import type { Plan, PlanChange, ReplaceCause } from '../reconcile/types';

export const APPLY_RECORD_KIND = 'cvex-apply';
export const APPLY_RECORD_VERSION = 1;

export interface FieldChange {
  field: string;
  before: unknown;
  after: unknown;
}

/** `skipped`: held back by the rate-limit reserve, the old exception still in place. */
export type ChangeResult = 'succeeded' | 'failed' | 'skipped' | 'not-started';

export interface ApplyRecordChange {
  action: PlanChange['action'];
  name: string;
  uuidBefore: string | null;
  uuidAfter: string | null;
  /** The remote's marker fingerprint (null without a marker: adopted, or nothing before). */
  fingerprintBefore: string | null;
  /** The repository spec's fingerprint (null for a delete). */
  fingerprintAfter: string | null;
  /** Why a replace happened. */
  cause?: ReplaceCause;
  /** old → new: every field of a create, the differing fields of a replace, none for a delete. */
  fields: FieldChange[];
  result: ChangeResult;
  /** The call failed ambiguously and looking showed it had happened. */
  verified?: true;
  error?: string;
}

export interface TagStageRecord {
  cloudType: string;
  regex: string;
  tagNames: string[];
  result: 'succeeded' | 'failed';
  message?: string;
}

export interface ApplyRecord {
  version: typeof APPLY_RECORD_VERSION;
  kind: typeof APPLY_RECORD_KIND;
  /** When the apply finished, ISO 8601. */
  time: string;
  /** GITHUB_ACTOR in a workflow, else the local user; null when unknown. */
  actor: string | null;
  /** The commit applied (full hash). */
  commit: string;
  /**
   * Commits this apply brought into effect: `from` (exclusive) is the previous applied commit on
   * the first-parent line, null when none was found (the first apply, or a shallow clone).
   */
  range: { from: string | null; to: string };
  /** Origin of the CloudView target (no path, no user). */
  target: string;
  /** Whether the tracked files matched the commit: a local apply of uncommitted edits says `modified`. */
  worktree: 'clean' | 'modified' | 'unknown';
  outcome: 'succeeded' | 'failed' | 'interrupted';
  summary: { succeeded: number; failed: number; notStarted: number };
  /** Guards a reviewed signal lifted for this apply (a commit trailer, an approved input), as the plan reported them. */
  lifted: Array<Record<string, unknown>>;
  changes: ApplyRecordChange[];
  tags: TagStageRecord[];
}

export interface ApplyRecordInput {
  plan: Pick<Plan, 'changes' | 'target'>;
  results: readonly OperationResult[];
  tagResults?: readonly TagStageRecord[];
  time: Date;
  actor: string | null;
  commit: string;
  rangeFrom: string | null;
  worktree: ApplyRecord['worktree'];
  lifted?: ReadonlyArray<Record<string, unknown>>;
  interrupted: boolean;
}

function fieldsOf(change: PlanChange): FieldChange[] {
  if (change.action === 'delete') return [];
  if (change.action === 'replace') return change.diffs.map(({ field, before, after }) => ({ field, before, after }));
  const spec = change.spec as unknown as Record<string, unknown>;
  return SPEC_FIELDS.filter((field) => spec[field] !== undefined).map((field) => ({ field, before: null, after: spec[field] }));
}

export function buildApplyRecord(input: ApplyRecordInput): ApplyRecord {
  const resultByChange = new Map(input.results.map((result) => [`${result.operation}\u0000${result.name}`, result]));
  const changes = input.plan.changes.map((change): ApplyRecordChange => {
    const result = resultByChange.get(`${change.action}\u0000${change.name}`);
    const before = change.action === 'create' ? undefined : change;
    return {
      action: change.action,
      name: change.name,
      uuidBefore: result?.uuidBefore ?? before?.uuid ?? null,
      uuidAfter: result?.uuidAfter ?? null,
      fingerprintBefore: before ? (readMarker(before.remote.explanation).marker?.fingerprint ?? null) : null,
      fingerprintAfter: change.action === 'delete' ? null : fingerprintSpec(change.spec),
      ...(change.action === 'replace' ? { cause: change.cause } : {}),
      fields: fieldsOf(change),
      result: result?.result ?? 'not-started',
      ...(result?.verified ? { verified: true as const } : {}),
      ...(result?.error !== undefined ? { error: result.error } : {}),
    };
  });
  const tags = [...(input.tagResults ?? [])];
  const failed = changes.filter((change) => change.result === 'failed').length + tags.filter((tag) => tag.result === 'failed').length;
  const notStarted = changes.filter((change) => change.result === 'not-started').length;
  const succeeded = changes.filter((change) => change.result === 'succeeded').length;
  return {
    version: APPLY_RECORD_VERSION,
    kind: APPLY_RECORD_KIND,
    time: input.time.toISOString(),
    actor: input.actor,
    commit: input.commit,
    range: { from: input.rangeFrom, to: input.commit },
    target: input.plan.target.apiUrl,
    worktree: input.worktree,
    outcome: input.interrupted || notStarted > 0 ? 'interrupted' : failed > 0 ? 'failed' : 'succeeded',
    summary: { succeeded, failed, notStarted },
    lifted: [...(input.lifted ?? [])],
    changes,
    tags,
  };
}

const REDACTED = '[redacted]';

/** One JSON line; any of `secrets` (4+ characters) that slipped into a message is blanked. */
export function serialiseApplyRecord(record: ApplyRecord, secrets: readonly (string | undefined)[] = []): string {
  let line = JSON.stringify(record);
  for (const secret of secrets) {
    if (secret === undefined || secret.length < 4) continue;
    for (const form of new Set([secret, JSON.stringify(secret).slice(1, -1)])) line = line.split(form).join(REDACTED);
  }
  return line;
}

/** The apply records in a note's text (other lines, and lines of other kinds, are skipped). */
export function parseApplyRecords(noteText: string): ApplyRecord[] {
  const records: ApplyRecord[] = [];
  for (const line of noteText.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const value = JSON.parse(line) as Partial<ApplyRecord>;
      if (value.kind === APPLY_RECORD_KIND && typeof value.commit === 'string' && Array.isArray(value.changes)) records.push(value as ApplyRecord);
    } catch {
      // A line someone edited by hand: not a record.
    }
  }
  return records;
}
