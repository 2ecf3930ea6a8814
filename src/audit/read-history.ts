// `cvex log`'s reading of the repository, in a fixed number of git processes whatever the length
// of the history: rev-parse, (fetch of the notes), one `notes list` per notes ref, ONE `git log`
// over the manifest paths, and ONE `git cat-file --batch` for every manifest version and note.
import * as path from 'node:path';
import { minimatch } from 'minimatch';
import { readHistory, type HistoryCommit } from '../git/history-log';
import { CVEX_NOTES_REF, listNotes } from '../git/notes';
import { CVEX_REMOTE_NOTES_REF, fetchRemoteNotes } from '../git/notes-sync';
import { readGitObjects } from '../git/read-objects';
import { readRepositoryInfo } from '../git/repository-info';
import { MAX_MANIFEST_BYTES } from '../manifest';
import { parseApplyRecords, type ApplyRecord } from './apply-record';
import { collectManifestChanges, type ManifestChangeEvent, type UnreadableManifest } from './manifest-changes';
import { attributePullRequests } from './pull-requests';

export interface ReadAuditOptions {
  cwd: string;
  /** The manifest globs of the config (relative to cwd). */
  manifestGlobs: readonly string[];
  /** Fetch the remote's notes first (into a ref of their own, never over local ones). */
  fetchFrom?: string;
  /** Extra environment for the fetch (credentials). */
  fetchEnv?: NodeJS.ProcessEnv;
}

export interface AuditHistory {
  head: string;
  commitCount: number;
  changes: ManifestChangeEvent[];
  applyRecords: ApplyRecord[];
  unreadable: UnreadableManifest[];
  /** What this reading cannot see, in words for the auditor. */
  limitations: string[];
  notes: { refs: string[]; fetched: 'fetched' | 'remote-has-none' | 'failed' | 'not-tried' };
  shallow: boolean;
}

export class NotARepositoryError extends Error {
  override name = 'NotARepositoryError';
}

/** The folder part of a glob before its first wildcard: what `git log -- PATH` can be limited to. */
export function staticBase(glob: string): string {
  const segments = glob.split('/');
  const first = segments.findIndex((segment) => /[*?[\]{}()!]/.test(segment));
  return (first < 0 ? segments.slice(0, -1) : segments.slice(0, first)).join('/') || '.';
}

export async function readAuditHistory(options: ReadAuditOptions): Promise<AuditHistory> {
  const repository = await readRepositoryInfo(options.cwd);
  if (!repository) throw new NotARepositoryError('not a git repository: the history is what `cvex log` reads');
  if (!repository.head) throw new NotARepositoryError('the repository has no commits yet');
  const limitations: string[] = [];

  let fetched: AuditHistory['notes']['fetched'] = 'not-tried';
  if (options.fetchFrom !== undefined) {
    const outcome = await fetchRemoteNotes(options.cwd, options.fetchFrom, options.fetchEnv);
    fetched = outcome.fetched ? 'fetched' : outcome.reason === 'no-notes' ? 'remote-has-none' : 'failed';
    if (!outcome.fetched && outcome.reason === 'unreachable') limitations.push(`could not fetch ${CVEX_NOTES_REF} (${outcome.message}): only the apply records already in this clone are shown`);
  }

  const prefix = path.relative(repository.topLevel, options.cwd).split(path.sep).join('/');
  const globs = options.manifestGlobs.map((glob) => glob.replace(/^\.\//, ''));
  const isManifest = (fromTop: string): boolean => {
    const relative = prefix === '' ? fromTop : fromTop.startsWith(`${prefix}/`) ? fromTop.slice(prefix.length + 1) : undefined;
    return relative !== undefined && globs.some((glob) => minimatch(relative, glob, { dot: false }));
  };

  const noteBlobs = new Map<string, string[]>();
  const refs = [CVEX_NOTES_REF, CVEX_REMOTE_NOTES_REF];
  for (const ref of refs) {
    for (const [commit, blob] of await listNotes(options.cwd, ref)) noteBlobs.set(blob, [...(noteBlobs.get(blob) ?? []), commit]);
  }
  const commits: HistoryCommit[] = await readHistory(options.cwd, [...new Set(globs.map(staticBase))], repository.head);
  const manifestBlobs = commits.flatMap((commit) => commit.files.filter((file) => isManifest(file.path)).flatMap((file) => [file.oldBlob, file.newBlob, ...(file.parentBlobs ?? [])])).filter((blob): blob is string => blob !== null);
  const objects = await readGitObjects(options.cwd, [...manifestBlobs, ...noteBlobs.keys()]);

  const blobs = new Map<string, string>();
  for (const blob of manifestBlobs) {
    const object = objects.get(blob);
    if (object && object.content.length <= MAX_MANIFEST_BYTES) blobs.set(blob, object.content.toString('utf8'));
  }
  // The same apply can be in both refs (fetched, and merged locally): once.
  const seenLines = new Set<string>();
  const applyRecords: ApplyRecord[] = [];
  for (const blob of noteBlobs.keys()) {
    for (const line of objects.get(blob)?.content.toString('utf8').split('\n') ?? []) {
      if (seenLines.has(line)) continue;
      seenLines.add(line);
      applyRecords.push(...parseApplyRecords(line));
    }
  }

  const { events, unreadable } = collectManifestChanges({ commits, blobs, isManifest, pullRequests: attributePullRequests(commits, repository.head) });
  if (repository.shallow) {
    const oldest = commits.reduce<string | undefined>((min, commit) => (min === undefined || commit.committerDate < min ? commit.committerDate : min), undefined);
    limitations.push(`shallow clone: history before ${oldest?.slice(0, 10) ?? 'the checkout'} is not here, so earlier changes are missing (\`git fetch --unshallow\` reads it all)`);
  }
  if (applyRecords.length === 0) {
    limitations.push(`no apply records in this clone (${CVEX_NOTES_REF} is empty${fetched === 'not-tried' ? ' and was not fetched' : ''}): when each change took effect in Qualys is not shown`);
  }
  if (unreadable.length > 0) limitations.push(`${unreadable.length} manifest version(s) could not be read (invalid YAML at that commit): changes through them may be shown as added or removed`);
  return { head: repository.head, commitCount: commits.length, changes: events, applyRecords, unreadable, limitations, notes: { refs, fetched }, shallow: repository.shallow };
}
