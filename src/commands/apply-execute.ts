// The part of `cvex apply` that changes CloudView: the changes (execute.ts), then the tag stage, each
// outcome printed, audited and summed up. Everything before it (plan, guards, checks) sent no write.
import type { CloudViewClient } from '../api/client';
import type { CliIo } from '../command-line/io';
import { createStatusLine } from '../command-line/status-line';
import { liftedGuardsOf, recordApplyInGit } from '../audit/record-apply';
import type { ApplyOutcome } from '../reconcile/apply-report';
import { auditActor, type AuditLog } from '../reconcile/audit';
import { executePlan, type ApplyReport, type MarkerStamp } from '../reconcile/execute';
import { runTagStage, type TagRunResult } from '../reconcile/tag-stage';
import type { Plan, PlanSafety } from '../reconcile/types';
import { describeLift } from './apply-lift';
import { oneLine, progressLine, reportAuditGap, reportMissing } from './apply-output';
import type { ReconcileContext } from './plan';

/** How one apply ended, for the exit code and the --report file. */
export interface ApplyRun {
  code: number;
  outcome: ApplyOutcome;
  refusal?: string;
  /** The failure that ended the run. */
  error?: string;
  plan?: Plan;
  safety?: PlanSafety;
  execution?: ApplyReport;
  tags?: TagRunResult[];
}

export interface RunOptions {
  /** Opened, and proven with its first record, before anything was sent. */
  audit?: AuditLog;
  /** The audit log's name as the user gave it, for messages. */
  auditLogName?: string;
  safety: PlanSafety;
  /** Clock ms by which a replace's create retries end. */
  deadlineMs?: number;
  /** The owner (and signing key) the markers of created exceptions carry. */
  stamp: MarkerStamp;
}

export async function runChanges(plan: Plan, context: ReconcileContext, client: CloudViewClient, io: CliIo, options: RunOptions): Promise<ApplyRun> {
  const { audit, safety } = options;
  const tagRules = plan.tags.map(({ cloudType, regex, tagNames }) => ({ cloudType, regex, tagNames }));
  const actor = auditActor(io.env);
  if (safety.lifted) {
    audit?.write({ time: new Date().toISOString(), operation: 'liftGuards', name: describeLift(safety.lifted), uuidBefore: null, uuidAfter: null, result: 'succeeded', commit: context.commit, actor, lifted: safety.lifted });
  }
  let done = 0;
  let failedSoFar = 0;
  const total = plan.changes.length;
  // Ctrl-C also stops the tag stage, even when every exception change had already started.
  let stopRequested = false;
  void io.interrupted?.then(() => {
    stopRequested = true;
  });
  const status = createStatusLine(io, 'cvex apply');
  if (total > 0) status.update(`0/${total} changes…`);
  const report = await executePlan(client, plan, {
    commit: context.commit,
    stamp: options.stamp,
    concurrency: context.target.client.concurrency,
    interrupted: io.interrupted,
    signal: io.signal,
    replaceReserve: context.replaceReserve,
    deadlineMs: options.deadlineMs,
    onResult: (result) => {
      done += 1;
      if (result.result !== 'succeeded') failedSoFar += 1;
      status.print(progressLine(result, done, total));
      status.update(`${done}/${total} changes (${Math.floor((done * 100) / total)}%)${failedSoFar > 0 ? `, ${failedSoFar} not done` : ''}…`);
      audit?.write({ ...result, time: new Date().toISOString(), commit: context.commit, actor });
    },
  });
  status.done();
  stopRequested ||= io.signal?.aborted === true;

  const tags: TagRunResult[] = [];
  const tagsSkipped = tagRules.length > 0 && (report.notStarted > 0 || stopRequested);
  if (tagRules.length > 0 && !tagsSkipped) {
    for (const result of await runTagStage(client, tagRules)) {
      tags.push(result);
      io.stdout.write(`${result.ok ? 'tagged' : '! applyTags failed'} ${result.cloudType} /${oneLine(result.regex)}/ → ${oneLine(result.tagNames.join(', '))}: ${oneLine(result.message)}\n`);
      audit?.write({
        time: new Date().toISOString(),
        operation: 'applyTags',
        name: `${result.cloudType} /${result.regex}/`,
        uuidBefore: null,
        uuidAfter: null,
        result: result.ok ? 'succeeded' : 'failed',
        ...(result.ok ? {} : { error: result.message }),
        commit: context.commit,
        actor,
      });
    }
  }
  const auditGap = await audit?.close();

  const failed = report.failed + tags.filter((result) => !result.ok).length;
  const interrupted = report.notStarted > 0 || stopRequested;
  const notes = [
    ...(report.skipped > 0 ? [`${report.skipped} skipped (rate-limit reserve; the old exceptions are in place)`] : []),
    ...(interrupted ? [`${report.notStarted} not started (interrupted${tagsSkipped ? '; tag stage skipped' : ''})`] : []),
  ];
  const state = failed === 0 && report.skipped === 0 && !interrupted ? 'complete' : interrupted ? 'interrupted' : 'finished with failures';
  io.stdout.write(`\nApply ${state}: ${report.succeeded} succeeded, ${failed} failed${notes.map((note) => `, ${note}`).join('')}.\n`);
  reportMissing(report, io);
  // The changes were made but some records were not written: said after the summary, exit 1.
  if (auditGap) reportAuditGap(auditGap, options.auditLogName ?? '', io);
  // The record in git notes (docs/audit.md): after the changes, whatever their outcome.
  const recorded = await recordApplyInGit(io, {
    plan,
    results: report.results,
    tagResults: tags.map((tag) => ({ cloudType: tag.cloudType, regex: tag.regex, tagNames: tag.tagNames, result: tag.ok ? 'succeeded' : 'failed', message: tag.message })),
    actor,
    commit: context.commit,
    lifted: liftedGuardsOf(safety),
    interrupted,
  });
  if (recorded.ok) io.stdout.write(`${recorded.message}\n`);
  else io.stderr.write(`cvex apply: ${recorded.message}\n`);
  const outcome: ApplyOutcome = interrupted ? 'interrupted' : state === 'complete' ? 'applied' : 'failed';
  const result: ApplyRun = { code: state === 'complete' && !auditGap && recorded.ok ? 0 : 1, outcome, plan, safety, execution: report, tags };
  if (state !== 'complete') {
    for (const item of report.results.filter((entry) => entry.result !== 'succeeded' && !entry.missing)) {
      io.stderr.write(`  ${item.result}: ${item.operation} ${oneLine(item.name)}: ${oneLine(item.error ?? 'unknown error')}\n`);
    }
    io.stderr.write('Run `cvex apply` again: it converges (nothing created twice, nothing lost).\n');
  }
  return result;
}
