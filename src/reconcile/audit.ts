// The audit trail of apply: one JSON Lines record per operation, appended to a file the user
// chooses (`--audit-log`, config `auditLog`). Never holds credentials: names, uuids, results only.
import { appendFile } from 'node:fs/promises';
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

export interface AuditLog {
  write(record: AuditRecord): void;
  /** Resolves once every record is on disk; rejects with the first write error. */
  flush(): Promise<void>;
}

/**
 * Creates the file if needed and proves it can be appended to, before apply changes anything:
 * an audit trail that fails after the changes were made would lose their record.
 */
export async function checkAuditLogWritable(file: string): Promise<void> {
  await appendFile(file, '', 'utf8');
}

/** Appends in order; writes are chained so records never interleave. */
export function createAuditLog(file: string): AuditLog {
  let chain: Promise<void> = Promise.resolve();
  let failure: unknown;
  return {
    write(record) {
      chain = chain.then(() => appendFile(file, `${JSON.stringify(record)}\n`, 'utf8')).catch((error) => {
        failure ??= error;
      });
    },
    async flush() {
      await chain;
      if (failure !== undefined) throw failure;
    },
  };
}

export function auditActor(env: NodeJS.ProcessEnv): string | null {
  return env.GITHUB_ACTOR || env.USER || env.USERNAME || null;
}
