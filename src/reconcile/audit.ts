// The audit trail of apply: one JSON Lines record per operation, appended to a file the user
// chooses (`--audit-log`, config `auditLog`). Never holds credentials: names, uuids, results only.
import type { FileHandle } from 'node:fs/promises';
import { openForAppend } from '../files/read-bounded';
import type { OperationResult } from './execute';
import type { SafetyLift } from './types';

/**
 * An operation's result (execute.ts), stamped with when, by whom and from which commit. A removal
 * guard lifted by review (or --force) is a record of its own (`liftGuards`, with `lifted`).
 */
export interface AuditRecord extends Omit<OperationResult, 'operation'> {
  time: string;
  operation: OperationResult['operation'] | 'applyTags' | 'liftGuards';
  commit: string;
  actor: string | null;
  lifted?: SafetyLift;
}

/** The first record of a run, written (and waited for) before the first change. */
export interface AuditStartRecord {
  time: string;
  operation: 'applyStarted';
  commit: string;
  actor: string | null;
  /** The origin the run changes. */
  target: string;
  /** Exception changes the run is about to make. */
  changes: number;
}

/** Records that could not be written, and why: the caller reports them after the summary. */
export interface AuditGap {
  error: string;
  missing: AuditRecord[];
}

export interface AuditLog {
  /**
   * Writes the `applyStarted` record and waits until it is written: proof that the log takes a real
   * record (an empty append to /proc/version succeeds, a real one fails) before anything changes.
   * Rejects when it cannot be written; close() is still the caller's to call.
   */
  start(record: Omit<AuditStartRecord, 'operation'>): Promise<void>;
  /** Appends in order; writes are chained so records never interleave. */
  write(record: AuditRecord): void;
  /** Waits for every record, closes the file; the records that could not be written, if any. */
  close(): Promise<AuditGap | undefined>;
}

/**
 * Opens (creating if needed) the audit log for appending. Refused (FileReadError) unless it is a
 * regular file: a FIFO would block apply, a device would swallow the records.
 */
export async function openAuditLog(file: string): Promise<AuditLog> {
  const handle: FileHandle = await openForAppend(file);
  let chain: Promise<void> = Promise.resolve();
  let failure: unknown;
  const missing: AuditRecord[] = [];
  const append = (record: AuditRecord | AuditStartRecord): Promise<void> => handle.appendFile(`${JSON.stringify(record)}\n`, 'utf8');
  return {
    async start(record) {
      await append({ operation: 'applyStarted', ...record });
    },
    write(record) {
      chain = chain.then(async () => {
        // After a failure nothing more is tried: a half-written line would only grow.
        if (failure !== undefined) {
          missing.push(record);
          return;
        }
        try {
          await append(record);
        } catch (error) {
          failure = error;
          missing.push(record);
        }
      });
    },
    async close() {
      await chain;
      await handle.close().catch(() => undefined);
      if (failure === undefined) return undefined;
      return { error: (failure as NodeJS.ErrnoException).code ?? (failure as Error).message, missing };
    },
  };
}

export function auditActor(env: NodeJS.ProcessEnv): string | null {
  return env.GITHUB_ACTOR || env.USER || env.USERNAME || null;
}
