// Who git records as the author of a notes commit or a renewal commit. A CI runner has no
// user.name / user.email, and git refuses to commit without them: fall back to cvex's own name,
// never overriding an identity the user (or the workflow) configured.
import { execGit, GitCommandError } from './exec-git';

export const FALLBACK_IDENTITY = { name: 'cvex', email: 'cvex@users.noreply.github.com' } as const;

export function identityEnv(identity: { name: string; email: string }): NodeJS.ProcessEnv {
  return {
    GIT_AUTHOR_NAME: identity.name,
    GIT_AUTHOR_EMAIL: identity.email,
    GIT_COMMITTER_NAME: identity.name,
    GIT_COMMITTER_EMAIL: identity.email,
  };
}

/** {} when git already knows who commits; else the fallback identity as environment variables. */
export async function commitIdentityEnv(cwd: string): Promise<NodeJS.ProcessEnv> {
  try {
    await execGit(['var', 'GIT_COMMITTER_IDENT'], { cwd });
    await execGit(['var', 'GIT_AUTHOR_IDENT'], { cwd });
    return {};
  } catch (error) {
    if (!(error instanceof GitCommandError)) throw error;
    return identityEnv(FALLBACK_IDENTITY);
  }
}
