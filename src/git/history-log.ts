// The whole history of some paths in ONE git process: every commit reachable from a revision (with
// its real parents: --full-history --sparse keeps the merges that a path filter would simplify
// away), and for each non-merge commit the blobs of the matching files before and after it.
// `cvex log` then reads all those blobs in one `git cat-file --batch`.
import { execGit } from './exec-git';

export interface FileChange {
  path: string;
  /** Blob before the commit; null when the file was added. */
  oldBlob: string | null;
  /** Blob after the commit; null when the file was deleted. */
  newBlob: string | null;
}

export interface HistoryCommit {
  sha: string;
  parents: string[];
  authorName: string;
  authorEmail: string;
  authorDate: string;
  committerName: string;
  committerEmail: string;
  committerDate: string;
  subject: string;
  /** `Key: value` trailers of the message, unfolded, keys as written. */
  trailers: Array<{ key: string; value: string }>;
  /** Files under the pathspecs this commit changed (merges: none; their changes are their parents'). */
  files: FileChange[];
}

const RECORD = '\x1e';
const FIELD = '\x1f';
const FORMAT = `${RECORD}%H${FIELD}%P${FIELD}%an${FIELD}%ae${FIELD}%aI${FIELD}%cn${FIELD}%ce${FIELD}%cI${FIELD}%s${FIELD}%(trailers:only,unfold)${FIELD}`;
const NULL_OID = /^0+$/;

/**
 * Commits reachable from `revision` (default HEAD), newest first, with the files under `pathspecs`
 * (git pathspecs, e.g. `:(glob)policies/**`) each changed.
 */
export async function readHistory(cwd: string, pathspecs: readonly string[], revision = 'HEAD'): Promise<HistoryCommit[]> {
  const output = await execGit(
    ['-c', 'core.quotePath=false', 'log', `--format=${FORMAT}`, '--raw', '--no-abbrev', '--no-renames', '-z', '--full-history', '--sparse', revision, '--', ...pathspecs],
    { cwd },
  );
  return parseHistory(output.toString('utf8'));
}

/** Parses what readHistory's `git log` prints. */
export function parseHistory(text: string): HistoryCommit[] {
  const commits: HistoryCommit[] = [];
  for (const record of text.split(RECORD)) {
    if (record === '') continue;
    const headerEnd = record.indexOf(`${FIELD}\0`);
    if (headerEnd < 0) continue;
    const [sha, parents, authorName, authorEmail, authorDate, committerName, committerEmail, committerDate, subject, trailers] = record.slice(0, headerEnd).split(FIELD);
    const tokens = record.slice(headerEnd + 2).replace(/^\n/, '').split('\0');
    const files: FileChange[] = [];
    for (let index = 0; index + 1 < tokens.length; index += 2) {
      const meta = /^:\d+ \d+ ([0-9a-f]+) ([0-9a-f]+) [A-Z]/.exec(tokens[index].replace(/^\n/, ''));
      if (!meta) continue;
      files.push({ path: tokens[index + 1], oldBlob: NULL_OID.test(meta[1]) ? null : meta[1], newBlob: NULL_OID.test(meta[2]) ? null : meta[2] });
    }
    commits.push({
      sha,
      parents: parents ? parents.split(' ') : [],
      authorName,
      authorEmail,
      authorDate,
      committerName,
      committerEmail,
      committerDate,
      subject,
      trailers: parseTrailers(trailers ?? ''),
      files,
    });
  }
  return commits;
}

function parseTrailers(text: string): Array<{ key: string; value: string }> {
  const trailers: Array<{ key: string; value: string }> = [];
  for (const line of text.split('\n')) {
    const match = /^([A-Za-z0-9][A-Za-z0-9-]*)\s*:\s*(.*)$/.exec(line.trim());
    if (match) trailers.push({ key: match[1], value: match[2].trim() });
  }
  return trailers;
}
