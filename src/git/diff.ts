// What changed since a base: the merge base of a ref (a pull request's base branch) and HEAD, and
// the files that differ between that commit and the working tree (untracked files included).
import { GitError, runGit } from './run-git';

/** A ref as users and workflows pass it (`origin/main`, `main`, a commit): never an option, never a path. */
const REF_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._/@^~{}-]*$/;

export function isRefName(ref: string): boolean {
  return REF_PATTERN.test(ref) && !ref.includes('..');
}

/** The full sha of `git merge-base REF HEAD`, or undefined (unknown ref, no common history, no repository). */
export async function mergeBase(cwd: string, ref: string): Promise<string | undefined> {
  if (!isRefName(ref)) return undefined;
  try {
    const sha = String(await runGit(cwd, ['merge-base', `${ref}^{commit}`, 'HEAD'])).trim();
    return /^[0-9a-f]{40,64}$/.test(sha) ? sha : undefined;
  } catch (error) {
    if (error instanceof GitError) return undefined;
    throw error;
  }
}

/**
 * Paths (relative to cwd, `/`-separated) that differ between `base` and the working tree, below cwd:
 * added, changed, removed and renamed (both sides), and untracked files not ignored.
 */
export async function changedFiles(cwd: string, base: string): Promise<string[]> {
  if (!/^[0-9a-f]{4,64}$/i.test(base)) throw new GitError(`not a commit: ${JSON.stringify(base)}`);
  const tracked = String(await runGit(cwd, ['diff', '--name-only', '--no-renames', '--relative', '-z', base, '--']));
  const untracked = String(await runGit(cwd, ['ls-files', '--others', '--exclude-standard', '-z', '--']));
  const files = new Set([...tracked.split('\0'), ...untracked.split('\0')].filter((file) => file !== ''));
  return [...files].sort();
}
