// Moving the notes ref between repositories. The remote's notes are fetched into a ref of their
// own (never over local notes a local apply wrote), merged line by line (`cat_sort_uniq`: JSON Lines
// from both sides, duplicates once), and pushed without force: a push that lost a race fetches,
// merges and tries again.
import { execGit, GitCommandError } from './exec-git';
import { commitIdentityEnv } from './identity';
import { CVEX_NOTES_REF } from './notes';
import { displayRemote } from './remote-auth';

/** Where the remote's notes land locally: read beside the local ref, merged into it on push. */
export const CVEX_REMOTE_NOTES_REF = 'refs/notes/cvex-remote';

const PUSH_ATTEMPTS = 3;

export type FetchOutcome = { fetched: true } | { fetched: false; reason: 'no-notes' | 'unreachable'; message: string };

/** Fetches the remote's notes ref into CVEX_REMOTE_NOTES_REF. `env` carries credentials (remote-auth.ts). */
export async function fetchRemoteNotes(cwd: string, remote: string, env: NodeJS.ProcessEnv = {}): Promise<FetchOutcome> {
  try {
    await execGit(['fetch', '--quiet', '--no-tags', '--no-write-fetch-head', remote, `+${CVEX_NOTES_REF}:${CVEX_REMOTE_NOTES_REF}`], { cwd, env });
    return { fetched: true };
  } catch (error) {
    if (!(error instanceof GitCommandError)) throw error;
    if (/couldn't find remote ref/i.test(error.stderr)) return { fetched: false, reason: 'no-notes', message: `${displayRemote(remote)} has no ${CVEX_NOTES_REF} yet` };
    return { fetched: false, reason: 'unreachable', message: displayRemote(error.message) };
  }
}

async function refExists(cwd: string, ref: string): Promise<boolean> {
  try {
    await execGit(['rev-parse', '--verify', '--quiet', ref], { cwd });
    return true;
  } catch (error) {
    if (error instanceof GitCommandError) return false;
    throw error;
  }
}

/** Local notes := local ∪ fetched remote notes. */
async function mergeRemoteNotes(cwd: string): Promise<void> {
  if (!(await refExists(cwd, CVEX_REMOTE_NOTES_REF))) return;
  if (!(await refExists(cwd, CVEX_NOTES_REF))) {
    await execGit(['update-ref', CVEX_NOTES_REF, CVEX_REMOTE_NOTES_REF], { cwd });
    return;
  }
  await execGit(['notes', `--ref=${CVEX_NOTES_REF}`, 'merge', '--quiet', '--strategy=cat_sort_uniq', CVEX_REMOTE_NOTES_REF], { cwd, env: await commitIdentityEnv(cwd) });
}

/** Fetches the remote's notes and merges them into the local ones (`cvex notes fetch`). */
export async function pullNotes(cwd: string, remote: string, env: NodeJS.ProcessEnv = {}): Promise<FetchOutcome> {
  const outcome = await fetchRemoteNotes(cwd, remote, env);
  if (outcome.fetched) await mergeRemoteNotes(cwd);
  return outcome;
}

export type PushOutcome = { pushed: true; attempts: number } | { pushed: false; reason: 'no-local-notes' };

/** Merges in the remote's notes, then pushes; retried when another push got there first. */
export async function pushNotes(cwd: string, remote: string, env: NodeJS.ProcessEnv = {}): Promise<PushOutcome> {
  for (let attempt = 1; ; attempt += 1) {
    const fetched = await pullNotes(cwd, remote, env);
    if (!fetched.fetched && fetched.reason === 'unreachable') throw new GitCommandError('fetch', null, fetched.message);
    if (!(await refExists(cwd, CVEX_NOTES_REF))) return { pushed: false, reason: 'no-local-notes' };
    try {
      await execGit(['push', '--quiet', '--no-verify', remote, `${CVEX_NOTES_REF}:${CVEX_NOTES_REF}`], { cwd, env });
      return { pushed: true, attempts: attempt };
    } catch (error) {
      const rejected = error instanceof GitCommandError && /\[rejected\]|non-fast-forward|fetch first|stale info/i.test(error.stderr);
      if (!rejected || attempt >= PUSH_ATTEMPTS) throw error;
    }
  }
}
