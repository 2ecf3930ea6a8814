// The whole history of some paths in ONE git process: every commit reachable from a revision (with
// its real parents: --full-history --sparse keeps the merges that a path filter would simplify
// away), and for each commit the blobs of the matching files before and after it. A merge lists
// only the files its result makes differ from every parent (`--cc`, git's dense combined diff): a
// conflict resolved by hand, or an edit slipped into the merge, with each parent's blob.
// `cvex log` then reads all those blobs in one `git cat-file --batch`.
import { execGit } from './exec-git';

export interface FileChange {
  path: string;
  /** Blob before the commit (a merge: in its first parent); null when the file was added. */
  oldBlob: string | null;
  /** Blob after the commit; null when the file was deleted. */
  newBlob: string | null;
  /** A merge's file: its blob in each parent, in parent order (null where a parent lacks it). */
  parentBlobs?: Array<string | null>;
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
  /** Files under the pathspecs this commit changed (merges: those whose result differs from every parent). */
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
    ['-c', 'core.quotePath=false', 'log', `--format=${FORMAT}`, '--raw', '--cc', '--no-abbrev', '--no-renames', '-z', '--full-history', '--sparse', revision, '--', ...pathspecs],
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
    const tokens = record.slice(headerEnd + 2).split('\0');
    const files: FileChange[] = [];
    // Each raw line is followed by its path; a merge's output starts after an empty token.
    for (let index = 0; index + 1 < tokens.length; index += 1) {
      const change = readRawLine(tokens[index].replace(/^\n/, ''), tokens[index + 1]);
      if (!change) continue;
      files.push(change);
      index += 1;
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

const blobOf = (oid: string): string | null => (NULL_OID.test(oid) ? null : oid);

/**
 * One `--raw` line: `:mode mode old new S` for a commit, `::mode mode mode p1 p2 new SS` (one colon
 * per parent) for a merge.
 */
function readRawLine(line: string, path: string): FileChange | undefined {
  const single = /^:\d+ \d+ ([0-9a-f]+) ([0-9a-f]+) [A-Z]/.exec(line);
  if (single) return { path, oldBlob: blobOf(single[1]), newBlob: blobOf(single[2]) };
  const combined = /^(::+)([0-9 a-fA-Z]+)$/.exec(line);
  if (!combined) return undefined;
  const parents = combined[1].length;
  const fields = combined[2].trim().split(' ');
  const oids = fields.slice(parents + 1, 2 * parents + 2);
  if (oids.length !== parents + 1 || !oids.every((oid) => /^[0-9a-f]{40,64}$/.test(oid))) return undefined;
  const parentBlobs = oids.slice(0, parents).map(blobOf);
  return { path, oldBlob: parentBlobs[0], newBlob: blobOf(oids[parents]), parentBlobs };
}

function parseTrailers(text: string): Array<{ key: string; value: string }> {
  const trailers: Array<{ key: string; value: string }> = [];
  for (const line of text.split('\n')) {
    const match = /^([A-Za-z0-9][A-Za-z0-9-]*)\s*:\s*(.*)$/.exec(line.trim());
    if (match) trailers.push({ key: match[1], value: match[2].trim() });
  }
  return trailers;
}
