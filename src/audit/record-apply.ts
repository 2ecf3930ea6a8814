// The end of `cvex apply`: its record, written into git notes on the applied commit (refs/notes/cvex,
// docs/audit.md). Locally the note stays local (`cvex notes push` shares it); the apply workflow
// pushes it. Outside a repository nothing is recorded in git, and apply says so.
import type { CliIo } from '../command-line/io';
import { TARGET_ENV } from '../command-line/target';
import { commitExists, nearestMarkedAncestor } from '../git/first-parent';
import { appendNoteLines, CVEX_NOTES_REF, listNotes } from '../git/notes';
import { readRepositoryInfo } from '../git/repository-info';
import { hasTrackedChanges } from '../git/worktree-status';
import { buildApplyRecord, serialiseApplyRecord, type ApplyRecordInput } from './apply-record';

export type RecordApplyInput = Omit<ApplyRecordInput, 'rangeFrom' | 'worktree' | 'time'> & { time?: Date };

/** What happened to the record: the line to print, and whether a record that should exist is missing. */
export interface RecordOutcome {
  message: string;
  /** False when the repository is there but the note could not be written. */
  ok: boolean;
}

/** Guards lifted by a reviewed signal, as the plan's safety reports them (when it does). */
export function liftedGuardsOf(safety: unknown): Array<Record<string, unknown>> {
  const lifted = (safety as { lifted?: unknown } | undefined)?.lifted;
  if (Array.isArray(lifted)) return lifted.filter((item): item is Record<string, unknown> => typeof item === 'object' && item !== null);
  if (typeof lifted === 'object' && lifted !== null) return [lifted as Record<string, unknown>];
  return [];
}

/** `CVEX_GIT_RECORD=off`: rehearsals against the simulator leave no record in the repository. */
export const GIT_RECORD_ENV = 'CVEX_GIT_RECORD';

export async function recordApplyInGit(io: CliIo, input: RecordApplyInput): Promise<RecordOutcome> {
  if (io.env[GIT_RECORD_ENV]?.trim().toLowerCase() === 'off') return { ok: true, message: `${GIT_RECORD_ENV}=off: nothing recorded in git.` };
  const repository = await readRepositoryInfo(io.cwd);
  if (!repository) return { ok: true, message: 'Not a git repository: nothing recorded in git (only the audit log, when one is set).' };
  if (!/^[0-9a-f]{40,64}$/.test(input.commit) || !(await commitExists(io.cwd, input.commit))) {
    return { ok: true, message: `The applied commit ${input.commit === 'local' ? '(none: no commit yet)' : input.commit.slice(0, 12)} is not in this repository: nothing recorded in git.` };
  }
  try {
    const annotated = new Set((await listNotes(io.cwd)).keys());
    const rangeFrom = await nearestMarkedAncestor(io.cwd, input.commit, annotated);
    const worktree = repository.head !== input.commit ? 'unknown' : (await hasTrackedChanges(io.cwd)) ? 'modified' : 'clean';
    const record = buildApplyRecord({ ...input, time: input.time ?? new Date(), rangeFrom, worktree });
    await appendNoteLines(io.cwd, input.commit, [serialiseApplyRecord(record, [io.env[TARGET_ENV.password]])]);
    return {
      ok: true,
      message: `Recorded in git: a note on ${input.commit.slice(0, 12)} in ${CVEX_NOTES_REF} (not pushed: \`cvex notes push\` shares it${rangeFrom === null && repository.shallow ? '; shallow clone: the applied range has no start' : ''}).`,
    };
  } catch (error) {
    return { ok: false, message: `the changes above were made, but their record could not be written to git notes: ${(error as Error).message}` };
  }
}
