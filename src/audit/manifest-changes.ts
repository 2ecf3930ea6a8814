// Per commit and per exception, what a change to the manifests did: added, changed (fields old →
// new, defaults merged), removed, or moved to another file. Pure: the commits and the text of the
// blobs they name in, change events out. Each blob is parsed once, whatever the number of commits.
import type { FileChange, HistoryCommit } from '../git/history-log';
import { readWrittenExceptions, type WrittenException } from '../manifest/read-exceptions';
import type { ExceptionSpec } from '../model/exception';
import { fingerprintSpec, stableStringify } from '../reconcile/fingerprint';
import type { FieldChange } from './apply-record';
import type { PullRequestRef } from './pull-requests';

export interface ManifestChangeEvent {
  kind: 'change';
  name: string;
  action: 'added' | 'changed' | 'removed' | 'moved';
  commit: string;
  subject: string;
  author: { name: string; email: string };
  /** When the change was written (author date). */
  date: string;
  /** When it reached the main line: the merge or squash commit's date, else the commit's own. */
  effectiveAt: string;
  pullRequest?: PullRequestRef;
  /** From trailers (Approved-by, Reviewed-by), and from GitHub with `--github`. */
  approvers: string[];
  file: string;
  previousFile?: string;
  fields: FieldChange[];
  fingerprintBefore: string | null;
  fingerprintAfter: string | null;
}

export interface UnreadableManifest {
  commit: string;
  file: string;
  reason: string;
}

export interface ManifestChangesInput {
  commits: readonly HistoryCommit[];
  /** Blob id → text; a blob missing here (too big, not fetched) is reported unreadable. */
  blobs: ReadonlyMap<string, string>;
  isManifest(path: string): boolean;
  pullRequests: ReadonlyMap<string, PullRequestRef>;
}

const APPROVER_TRAILERS = new Set(['approved-by', 'reviewed-by', 'acked-by']);

type Located = { file: string; exception: WrittenException };

function fingerprintOf(fields: Record<string, unknown>): string | null {
  try {
    return fingerprintSpec(fields as unknown as ExceptionSpec);
  } catch {
    // An old version missing a required field: it had no fingerprint.
    return null;
  }
}

export function diffFields(before: WrittenException | undefined, after: WrittenException | undefined): FieldChange[] {
  const changes: FieldChange[] = [];
  const compare = (field: string, old: unknown, now: unknown) => {
    if (stableStringify(old ?? null) !== stableStringify(now ?? null)) changes.push({ field, before: old ?? null, after: now ?? null });
  };
  const fieldNames = new Set([...Object.keys(before?.fields ?? {}), ...Object.keys(after?.fields ?? {})]);
  for (const field of fieldNames) compare(field, before?.fields[field], after?.fields[field]);
  const metadataKeys = new Set([...Object.keys(before?.metadata ?? {}), ...Object.keys(after?.metadata ?? {})]);
  for (const key of [...metadataKeys].sort()) compare(`metadata.${key}`, before?.metadata[key], after?.metadata[key]);
  return changes;
}

export function collectManifestChanges(input: ManifestChangesInput): { events: ManifestChangeEvent[]; unreadable: UnreadableManifest[] } {
  const parsed = new Map<string, ReturnType<typeof readWrittenExceptions>>();
  const unreadable: UnreadableManifest[] = [];
  const events: ManifestChangeEvent[] = [];

  const side = (commit: HistoryCommit, files: readonly FileChange[], which: 'oldBlob' | 'newBlob'): Map<string, Located> => {
    const byName = new Map<string, Located>();
    for (const change of files) {
      const blob = change[which];
      if (blob === null) continue;
      const text = input.blobs.get(blob);
      if (text === undefined) {
        unreadable.push({ commit: commit.sha, file: change.path, reason: 'blob not readable (too large, or missing from a shallow clone)' });
        continue;
      }
      let result = parsed.get(blob);
      if (!result) {
        result = readWrittenExceptions(text, change.path);
        parsed.set(blob, result);
      }
      if (!result.ok) {
        unreadable.push({ commit: commit.sha, file: change.path, reason: result.reason });
        continue;
      }
      for (const exception of result.exceptions) if (!byName.has(exception.name)) byName.set(exception.name, { file: change.path, exception });
    }
    return byName;
  };

  const same = (old: Located | undefined, now: Located | undefined): boolean =>
    old === undefined || now === undefined ? old === now : old.file === now.file && diffFields(old.exception, now.exception).length === 0;

  for (const commit of [...input.commits].reverse()) {
    const files = commit.files.filter((change) => input.isManifest(change.path));
    if (files.length === 0) continue;
    const before = side(commit, files, 'oldBlob');
    const after = side(commit, files, 'newBlob');
    // A merge made a change of its own only where the exception differs from it in every parent (a
    // conflict resolved by hand, an edit slipped into the merge); the rest came from a parent.
    const inEveryParent =
      commit.parents.length > 1
        ? commit.parents.slice(1).map((_, index) => side(commit, files.map((change) => ({ ...change, oldBlob: change.parentBlobs?.[index + 1] ?? null })), 'oldBlob'))
        : [];
    const pullRequest = input.pullRequests.get(commit.sha);
    const approvers = [
      ...new Set(commit.trailers.filter((trailer) => APPROVER_TRAILERS.has(trailer.key.toLowerCase())).map((trailer) => trailer.value.replace(/\s*<[^>]*>\s*$/, ''))),
    ];
    for (const name of [...new Set([...before.keys(), ...after.keys()])].sort()) {
      const old = before.get(name);
      const now = after.get(name);
      if (inEveryParent.some((parent) => same(parent.get(name), now))) continue;
      const fields = diffFields(old?.exception, now?.exception);
      let action: ManifestChangeEvent['action'];
      if (!old) action = 'added';
      else if (!now) action = 'removed';
      else if (fields.length > 0) action = 'changed';
      else if (old.file !== now.file) action = 'moved';
      else continue;
      events.push({
        kind: 'change',
        name,
        action,
        commit: commit.sha,
        subject: commit.subject,
        author: { name: commit.authorName, email: commit.authorEmail },
        date: commit.authorDate,
        effectiveAt: pullRequest?.mergedAt ?? commit.committerDate,
        ...(pullRequest ? { pullRequest } : {}),
        approvers,
        file: (now ?? old)!.file,
        ...(action === 'moved' ? { previousFile: old!.file } : {}),
        fields: action === 'removed' ? [] : fields,
        fingerprintBefore: old ? fingerprintOf(old.exception.fields) : null,
        fingerprintAfter: now ? fingerprintOf(now.exception.fields) : null,
      });
    }
  }
  return { events, unreadable };
}
