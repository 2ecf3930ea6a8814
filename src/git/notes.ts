// cvex's records in git notes: one notes ref, `refs/notes/cvex`, whose note on a commit is JSON
// Lines (one apply per line). Notes add no commit to any branch; they travel with
// `git push origin refs/notes/cvex` and `git fetch origin refs/notes/cvex`.
import { execGit, GitCommandError } from './exec-git';
import { commitIdentityEnv } from './identity';

export const CVEX_NOTES_REF = 'refs/notes/cvex';

/** Annotated commit → note blob, for every note of `ref` (empty when the ref does not exist). */
export async function listNotes(cwd: string, ref = CVEX_NOTES_REF): Promise<Map<string, string>> {
  let output: string;
  try {
    output = (await execGit(['notes', `--ref=${ref}`, 'list'], { cwd })).toString('utf8');
  } catch (error) {
    // No such ref yet: no notes.
    if (error instanceof GitCommandError) return new Map();
    throw error;
  }
  const notes = new Map<string, string>();
  for (const line of output.split('\n')) {
    const [blob, commit] = line.trim().split(/\s+/);
    if (blob && commit) notes.set(commit, blob);
  }
  return notes;
}

/**
 * Adds lines to the note on `commit`, after what it already holds. (`git notes append` puts a blank
 * line between paragraphs, and its --no-separator needs git 2.42: read, then rewrite.)
 */
export async function appendNoteLines(cwd: string, commit: string, lines: readonly string[], ref = CVEX_NOTES_REF): Promise<void> {
  let existing = '';
  try {
    existing = (await execGit(['notes', `--ref=${ref}`, 'show', commit], { cwd })).toString('utf8');
  } catch (error) {
    if (!(error instanceof GitCommandError)) throw error;
  }
  const text = `${existing}${existing === '' || existing.endsWith('\n') ? '' : '\n'}${lines.map((line) => `${line}\n`).join('')}`;
  await execGit(['notes', `--ref=${ref}`, 'add', '--force', '--file=-', commit], { cwd, input: text, env: await commitIdentityEnv(cwd) });
}
