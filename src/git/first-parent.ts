// Walking back along the first-parent line (the history of main as it was merged).
import { execGit, GitCommandError } from './exec-git';

/** The line is long in old repositories; beyond this, an apply record says its range start is unknown. */
const MAX_WALK = 100_000;

/** The nearest strict first-parent ancestor of `commit` that is in `marked`, or null. One git process. */
export async function nearestMarkedAncestor(cwd: string, commit: string, marked: ReadonlySet<string>): Promise<string | null> {
  if (marked.size === 0) return null;
  let output: string;
  try {
    output = (await execGit(['rev-list', '--first-parent', `--max-count=${MAX_WALK}`, `${commit}^`], { cwd })).toString('utf8');
  } catch (error) {
    // A root commit has no parent; a shallow boundary ends the walk.
    if (error instanceof GitCommandError) return null;
    throw error;
  }
  for (const sha of output.split('\n')) if (marked.has(sha)) return sha;
  return null;
}

/** Whether `commit` names a commit in this repository. */
export async function commitExists(cwd: string, commit: string): Promise<boolean> {
  try {
    await execGit(['cat-file', '-e', `${commit}^{commit}`], { cwd });
    return true;
  } catch (error) {
    if (error instanceof GitCommandError) return false;
    throw error;
  }
}
