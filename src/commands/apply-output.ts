// What `cvex apply` prints as it goes and at the end: one line per change, and the exemptions a
// replace left missing, loudly. Remote text is made one safe line first.
import type { CliIo } from '../command-line/io';
import type { AuditGap } from '../reconcile/audit';
import type { ApplyReport, OperationResult } from '../reconcile/execute';
import { jsonSafe, terminalSafe } from '../render/escape';
import { REPLACE_SYMBOL } from '../render/plan-text';

const SYMBOL: Record<OperationResult['operation'], string> = { create: '+', replace: REPLACE_SYMBOL, delete: '-' };
const VERB: Record<OperationResult['operation'], string> = { create: 'created', replace: 'replaced', delete: 'deleted' };

/** Names, uuids and error messages come from the remote too: one line, no terminal control characters. */
export function oneLine(text: string): string {
  return terminalSafe(text.replace(/\r\n?|\n/g, ' '));
}

export function progressLine(result: OperationResult, done: number, total: number): string {
  const counter = `[${String(done).padStart(String(total).length)}/${total}]`;
  if (result.result === 'skipped') return `${counter} ~ ${result.operation} ${oneLine(result.name)} skipped: ${oneLine(result.error ?? '')}`;
  if (result.result === 'failed') return `${counter} ! ${result.operation} ${oneLine(result.name)} failed: ${oneLine(result.error ?? 'unknown error')}`;
  const uuids = result.operation === 'replace' ? `${result.uuidBefore} → ${result.uuidAfter}` : (result.uuidAfter ?? result.uuidBefore);
  const gap = result.gapMs !== undefined ? `, not exempt for ${result.gapMs} ms` : '';
  return `${counter} ${SYMBOL[result.operation]} ${VERB[result.operation]} ${oneLine(result.name)} (${oneLine(String(uuids))}${gap})${result.verified ? ' (checked after an ambiguous failure)' : ''}`;
}

/** Exemptions taken away and not put back: said loudly, each by name, on stderr. */
export function reportMissing(report: ApplyReport, io: CliIo): void {
  if (report.missing.length === 0) return;
  const count = report.missing.length;
  io.stderr.write(
    `\n!! ${count} ${count === 1 ? 'EXEMPTION IS' : 'EXEMPTIONS ARE'} MISSING: the old exception was deleted and the new one could not be created.\n` +
      `!! Their resources are NOT exempt until \`cvex apply\` runs again (it creates them):\n`,
  );
  for (const item of report.missing) io.stderr.write(`!!   ${oneLine(item.name)} (was ${oneLine(item.uuidBefore)}): ${oneLine(item.error)}\n`);
}

/** The changes were made but their records were not written: print them, so none is lost. */
export function reportAuditGap(gap: AuditGap, file: string, io: CliIo): void {
  io.stderr.write(
    `cvex apply: the audit log ${file} stopped taking records (${gap.error}); ${gap.missing.length} ${gap.missing.length === 1 ? 'record is' : 'records are'} missing from it: ` +
      `${gap.missing.map((record) => `${record.operation} ${oneLine(record.name)} (${record.result})`).join(', ')}. The missing records, as JSON Lines:\n`,
  );
  for (const record of gap.missing) io.stderr.write(`${jsonSafe(JSON.stringify(record))}\n`);
}
