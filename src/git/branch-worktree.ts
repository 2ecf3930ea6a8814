// A branch prepared beside the checkout, in a worktree of its own: the checkout (and its working
// tree) is never switched or touched, whatever happens to the branch.
import { execGit, execGitText, GitCommandError } from './exec-git';

/** `git worktree add -B branch dir base`: the branch restarts from base. */
export async function addBranchWorktree(cwd: string, dir: string, branch: string, base: string): Promise<void> {
  await execGit(['worktree', 'add', '--quiet', '--force', '-B', branch, dir, base], { cwd });
}

export async function removeWorktree(cwd: string, dir: string): Promise<void> {
  await execGit(['worktree', 'remove', '--force', dir], { cwd });
}

/** Commits every change in the worktree; false when there was nothing to commit. */
export async function commitEverything(dir: string, message: string, env: NodeJS.ProcessEnv): Promise<boolean> {
  await execGit(['add', '--all'], { cwd: dir });
  try {
    await execGit(['diff', '--cached', '--quiet'], { cwd: dir });
    return false;
  } catch (error) {
    if (!(error instanceof GitCommandError) || error.exitCode !== 1) throw error;
  }
  await execGit(['commit', '--quiet', '--no-verify', '--file=-'], { cwd: dir, input: message, env });
  return true;
}

/** The remote's branches under `prefix` (e.g. `cvex/`), fetched into refs/remotes/<remote>/. */
export async function fetchBranches(cwd: string, remote: string, prefix: string, env: NodeJS.ProcessEnv): Promise<void> {
  await execGit(['fetch', '--quiet', '--no-tags', '--prune', remote, `+refs/heads/${prefix}*:refs/remotes/${remote}/${prefix}*`], { cwd, env });
}

/** The tree and first parent of a revision, or undefined when it does not exist. */
export async function treeAndParent(cwd: string, revision: string): Promise<{ tree: string; parent: string | null } | undefined> {
  try {
    const [tree, parent] = (await execGitText(['rev-parse', `${revision}^{tree}`, `${revision}^1`], { cwd })).split('\n');
    return { tree, parent: parent || null };
  } catch (error) {
    if (error instanceof GitCommandError) return undefined;
    throw error;
  }
}

/** Author emails of the commits in `range` (e.g. `main..origin/cvex/renew/x`). */
export async function authorEmails(cwd: string, range: string): Promise<string[]> {
  const text = await execGitText(['log', '--format=%ae', range], { cwd });
  return text === '' ? [] : [...new Set(text.split('\n'))];
}

/** Who git would record as the author, with `env`: `Name <email>` split. */
export async function authorIdentity(cwd: string, env: NodeJS.ProcessEnv): Promise<{ name: string; email: string }> {
  const ident = await execGitText(['var', 'GIT_AUTHOR_IDENT'], { cwd, env });
  const match = /^(.*) <([^>]*)>/.exec(ident);
  return { name: match?.[1] ?? '', email: match?.[2] ?? '' };
}

export async function pushHead(dir: string, remote: string, branch: string, env: NodeJS.ProcessEnv): Promise<void> {
  await execGit(['push', '--quiet', '--force', '--no-verify', remote, `HEAD:refs/heads/${branch}`], { cwd: dir, env });
}

export async function deleteRemoteBranch(cwd: string, remote: string, branch: string, env: NodeJS.ProcessEnv): Promise<void> {
  await execGit(['push', '--quiet', '--no-verify', remote, `:refs/heads/${branch}`], { cwd, env });
}
