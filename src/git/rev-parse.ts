// Commit names from git: the commit a marker names, and HEAD.
import { GitError, runGit } from './run-git';

/** Hex abbreviations and HEAD only: nothing that git could read as an option or a path. */
const REVISION = /^(?:[0-9a-f]{4,64}|HEAD)$/i;

/** The full sha of the commit `revision` names, or undefined when it is unknown here (or cwd is not a repository). */
export async function revParse(cwd: string, revision: string): Promise<string | undefined> {
  if (!REVISION.test(revision)) return undefined;
  try {
    const sha = String(await runGit(cwd, ['rev-parse', '--verify', '--quiet', `${revision}^{commit}`])).trim();
    return /^[0-9a-f]{40,64}$/.test(sha) ? sha : undefined;
  } catch (error) {
    if (error instanceof GitError) return undefined;
    throw error;
  }
}
