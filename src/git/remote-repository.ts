// Which GitHub repository a checkout is a clone of (`org/name`), from the URL of its `origin`.
import { GitError, runGit } from './run-git';

/**
 * `org/name` of a remote URL: https://host/org/name(.git), ssh://git@host/org/name.git,
 * git@host:org/name.git. Undefined for anything else (a local path, a URL with more segments).
 */
export function repositoryOfUrl(url: string): string | undefined {
  const trimmed = url.trim();
  const scp = /^[\w.-]+@[\w.-]+:([^/]+\/[^/]+?)(?:\.git)?\/?$/.exec(trimmed);
  if (scp) return clean(scp[1]);
  try {
    const parsed = new URL(trimmed);
    if (!['https:', 'http:', 'ssh:', 'git:'].includes(parsed.protocol)) return undefined;
    const parts = parsed.pathname.replace(/^\/+|\/+$/g, '').replace(/\.git$/, '').split('/');
    return parts.length === 2 ? clean(parts.join('/')) : undefined;
  } catch {
    return undefined;
  }
}

function clean(repository: string): string | undefined {
  return /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(repository) ? repository : undefined;
}

/** `org/name` of the `origin` remote of the repository at cwd, or undefined (no git, no origin, not a hosted URL). */
export async function remoteRepository(cwd: string): Promise<string | undefined> {
  try {
    return repositoryOfUrl(String(await runGit(cwd, ['remote', 'get-url', 'origin'])));
  } catch (error) {
    if (error instanceof GitError) return undefined;
    throw error;
  }
}
