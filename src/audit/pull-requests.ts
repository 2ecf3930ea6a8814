// Which pull request brought each commit into the main line, read from the history alone:
// - a merge commit on the first-parent line whose subject is GitHub's "Merge pull request #N ..."
//   brings in every commit of its second parent's side that no earlier merge brought;
// - a commit on the line whose subject ends with "(#N)" is a squash (or rebase) merge of #N;
// - otherwise a trailer (`Pull-Request: #N`, `PR: #N`, `Reviewed-on: .../pull/N`) names it.
// Pure: commits in (newest first, with parents), attributions out. O(commits).
import type { HistoryCommit } from '../git/history-log';

export interface PullRequestRef {
  number: number;
  via: 'merge' | 'squash' | 'trailer';
  /** The commit on the main line that took the change in (the merge or squash commit). */
  mainlineCommit?: string;
  /** When it took effect on the main line (that commit's committer date). */
  mergedAt?: string;
  /** Who merged: the author of GitHub's merge commit. */
  mergedBy?: string;
}

const MERGE_SUBJECT = /^Merge pull request #(\d+)\b/;
const SQUASH_SUBJECT = /\(#(\d+)\)\s*$/;
const TRAILER_KEYS = new Set(['pull-request', 'pr', 'reviewed-on', 'pull-request-url']);

function fromTrailers(commit: HistoryCommit): number | undefined {
  for (const { key, value } of commit.trailers) {
    if (!TRAILER_KEYS.has(key.toLowerCase())) continue;
    const match = /(?:^#|\/pulls?\/)(\d+)\b/.exec(value) ?? /^(\d+)$/.exec(value);
    if (match) return Number(match[1]);
  }
  return undefined;
}

/** The first-parent line from `head`, as a set of commits. */
export function mainLine(commits: readonly HistoryCommit[], head: string): Set<string> {
  const bySha = new Map(commits.map((commit) => [commit.sha, commit]));
  const line = new Set<string>();
  for (let sha: string | undefined = head; sha !== undefined && bySha.has(sha) && !line.has(sha); sha = bySha.get(sha)!.parents[0]) line.add(sha);
  return line;
}

export function attributePullRequests(commits: readonly HistoryCommit[], head: string): Map<string, PullRequestRef> {
  const bySha = new Map(commits.map((commit) => [commit.sha, commit]));
  const line = mainLine(commits, head);
  const attributed = new Map<string, PullRequestRef>();
  // Oldest merge first: a commit merged twice (main merged into a branch, the branch merged back)
  // belongs to the first merge that brought it in.
  const lineOldestFirst = [...line].reverse();
  for (const sha of lineOldestFirst) {
    const commit = bySha.get(sha)!;
    const merged = MERGE_SUBJECT.exec(commit.subject);
    if (merged && commit.parents.length > 1) {
      const ref: PullRequestRef = { number: Number(merged[1]), via: 'merge', mainlineCommit: sha, mergedAt: commit.committerDate, mergedBy: commit.authorName };
      const stack = commit.parents.slice(1);
      while (stack.length > 0) {
        const next = stack.pop()!;
        if (line.has(next) || attributed.has(next) || !bySha.has(next)) continue;
        attributed.set(next, ref);
        stack.push(...bySha.get(next)!.parents);
      }
      continue;
    }
    const squashed = SQUASH_SUBJECT.exec(commit.subject);
    if (squashed) attributed.set(sha, { number: Number(squashed[1]), via: 'squash', mainlineCommit: sha, mergedAt: commit.committerDate });
  }
  for (const commit of commits) {
    if (attributed.has(commit.sha)) continue;
    const number = fromTrailers(commit);
    if (number !== undefined) attributed.set(commit.sha, { number, via: 'trailer', ...(line.has(commit.sha) ? { mainlineCommit: commit.sha, mergedAt: commit.committerDate } : {}) });
  }
  return attributed;
}
