// Whether a folder is in a git repository, where its top is, and whether its history is complete.
import { execGit, GitCommandError } from './exec-git';

export interface RepositoryInfo {
  /** Absolute path of the working tree's top folder. */
  topLevel: string;
  /** A shallow clone (CI checkouts usually are): history before its boundary is not there. */
  shallow: boolean;
  /** Full hash of HEAD; undefined in a repository without commits. */
  head?: string;
}

/** undefined outside a git repository, or when git is not installed. One git process. */
export async function readRepositoryInfo(cwd: string): Promise<RepositoryInfo | undefined> {
  let lines: string[];
  try {
    // HEAD last: in a repository without commits rev-parse prints the rest, then fails on it.
    lines = (await execGit(['rev-parse', '--show-toplevel', '--is-shallow-repository', '--verify', '-q', 'HEAD'], { cwd })).toString('utf8').split('\n');
  } catch (error) {
    if (!(error instanceof GitCommandError)) throw error;
    return await readWithoutHead(cwd);
  }
  return { topLevel: lines[0], shallow: lines[1] === 'true', ...(isObjectId(lines[2]) ? { head: lines[2] } : {}) };
}

async function readWithoutHead(cwd: string): Promise<RepositoryInfo | undefined> {
  try {
    const [topLevel, shallow] = (await execGit(['rev-parse', '--show-toplevel', '--is-shallow-repository'], { cwd })).toString('utf8').split('\n');
    return { topLevel, shallow: shallow === 'true' };
  } catch (error) {
    if (error instanceof GitCommandError) return undefined;
    throw error;
  }
}

export function isObjectId(text: string | undefined): text is string {
  return text !== undefined && /^[0-9a-f]{40}([0-9a-f]{24})?$/.test(text);
}
