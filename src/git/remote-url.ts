// The URL of a remote (for the GitHub repository name when GITHUB_REPOSITORY is not set).
import { execGitText, GitCommandError } from './exec-git';

export async function readRemoteUrl(cwd: string, remote = 'origin'): Promise<string | undefined> {
  try {
    return (await execGitText(['remote', 'get-url', remote], { cwd })) || undefined;
  } catch (error) {
    if (error instanceof GitCommandError) return undefined;
    throw error;
  }
}
