// `cvex apply [PATH...]` plans then applies (confirmation on a TTY unless --auto-approve);
// `cvex apply --plan FILE` applies a saved, reviewed plan only when planning again gives exactly it.
import * as path from 'node:path';
import type { CloudViewClient } from '../api/client';
import { type CommandSpec, parseCommandLine } from '../command-line/define';
import { type CliIo, UsageError, useColor } from '../command-line/io';
import { createStatusLine } from '../command-line/status-line';
import { CREDENTIALS_EPILOG } from '../command-line/target';
import { checkRepository, resolveSigner } from '../command-line/owner';
import { auditActor, checkAuditLogWritable, createAuditLog, type AuditLog } from '../reconcile/audit';
import { executePlan, type MarkerStamp, type OperationResult } from '../reconcile/execute';
import { evaluateSafety, originOf } from '../reconcile/plan';
import { compareSavedPlan, DIFFERENCES_LISTED } from '../reconcile/plan-compare';
import { loadPlanFile } from '../reconcile/plan-file';
import { runTagStage } from '../reconcile/tag-stage';
import type { Plan } from '../reconcile/types';
import { renderTextPlan, terminalSafe } from '../render/plan-text';
import { blockedMessage, formatFinding, PLAN_FLAGS, resolveContext, runPlan, type PlanRun, type ReconcileContext } from './plan';

export const applyDefinition = {
  name: 'apply',
  usage: ['apply [PATH...] [options]', 'apply --plan FILE [options]'],
  description: `Makes the CloudView account match the manifests: creates, then replaces (delete + create: there is
no update API), then deletes in batches. Exceptions the repository does not own are never touched.`,
  positionals: true,
  flags: {
    plan: {
      type: 'string',
      value: 'FILE',
      description: 'apply a saved, reviewed plan (cvex plan --out): planned again with its scope and refused unless every change matches',
    },
    'auto-approve': { type: 'boolean', description: 'do not ask for confirmation (required without a terminal)' },
    force: { type: 'boolean', description: 'allow more deletes than --max-deletes / --max-delete-percent' },
    'audit-log': { type: 'string', value: 'FILE', description: 'append one JSON Lines record per operation (config auditLog)' },
    ...PLAN_FLAGS,
  },
  epilog: `Exit codes: 0 done, 1 any failure (with a report), 2 usage error.
${CREDENTIALS_EPILOG}`,
} as const satisfies CommandSpec;

const SYMBOL: Record<OperationResult['operation'], string> = { create: '+', replace: '-+', delete: '-' };
const VERB: Record<OperationResult['operation'], string> = { create: 'created', replace: 'replaced', delete: 'deleted' };

/** Names, uuids and error messages come from the remote too: one line, no terminal control characters. */
function oneLine(text: string): string {
  return terminalSafe(text.replace(/\r\n?|\n/g, ' '));
}

function progressLine(result: OperationResult, done: number, total: number): string {
  const counter = `[${String(done).padStart(String(total).length)}/${total}]`;
  if (result.result === 'failed') return `${counter} ! ${result.operation} ${oneLine(result.name)} failed: ${oneLine(result.error ?? 'unknown error')}`;
  const uuids = result.operation === 'replace' ? `${result.uuidBefore} → ${result.uuidAfter}` : (result.uuidAfter ?? result.uuidBefore);
  return `${counter} ${SYMBOL[result.operation]} ${VERB[result.operation]} ${oneLine(result.name)} (${oneLine(String(uuids))})${result.verified ? ' (checked after an ambiguous failure)' : ''}`;
}

/**
 * A saved plan is evidence of a review, not a source of specs: the plan is made again with the
 * file's scope, from the manifests and a fresh listing, and must match the file change by change
 * (plan-compare.ts). The fresh plan is what runs. Undefined (after saying why) when it does not match.
 */
async function planFromSavedFile(file: string, context: ReconcileContext, io: CliIo): Promise<{ run?: PlanRun; plan?: Plan }> {
  const saved = await loadPlanFile(path.resolve(io.cwd, file), file);
  const target = originOf(context.target.client.baseUrl);
  if (saved.target.apiUrl !== target) {
    io.stderr.write(`cvex apply: ${file} was planned against ${saved.target.apiUrl}, not ${target}; refusing.\n`);
    return {};
  }
  if (saved.scope.kind === 'changed-since') {
    io.stderr.write(`cvex apply: ${file} is a --changed-since plan: it is advisory (the guards need the full plan) and cannot be applied. Run \`cvex apply\` or apply a full plan.\n`);
    return {};
  }
  // The same drift sample (the day's slice) as the file read, so its sampled replaces are found again.
  const run = await runPlan(saved.scope.kind === 'paths' ? saved.scope.paths : [], { ...context, sampleDetails: saved.remote.sampled ?? 0 }, io);
  if (!run.plan) return { run };
  const moved = run.plan.warnings.find((warning) => warning.code === 'listing.inconsistent');
  if (moved) {
    io.stderr.write(`cvex apply: ${oneLine(moved.message)}; so ${file} cannot be proven current. Run \`cvex plan\` again when the account is quiet.\n`);
    return { run };
  }
  const differences = compareSavedPlan(saved, run.plan);
  if (differences.length > 0) {
    const listed = differences.slice(0, DIFFERENCES_LISTED).map((difference) => `  - ${oneLine(difference)}\n`).join('');
    const more = differences.length > DIFFERENCES_LISTED ? `  … and ${differences.length - DIFFERENCES_LISTED} more\n` : '';
    io.stderr.write(
      `cvex apply: ${file} is stale or was edited: it does not match the plan the manifests and the account give now (planned ${saved.createdAt}):\n${listed}${more}Nothing was changed. Run \`cvex plan\` again and review it.\n`,
    );
    return { run };
  }
  return { run, plan: run.plan };
}

/** Deletes, and take-overs (they lift the other owner's exemption the same way). */
function countRemovals(plan: Pick<Plan, 'changes'>): number {
  return plan.changes.filter((change) => change.action === 'delete' || (change.action === 'replace' && change.takeOver)).length;
}

export async function applyCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandLine(applyDefinition, argv);
  if (values.plan !== undefined && positionals.length > 0) throw new UsageError('--plan applies a saved plan: pass no manifest paths with it');
  const context = await resolveContext(values, io, { command: 'apply' });
  // Who signs, and where: settled before anything is read, so a wrong setup sends nothing.
  const identity = { config: context.config, baseUrl: context.target.client.baseUrl, env: io.env, cwd: io.cwd, command: 'apply' };
  await checkRepository(identity);
  const { signer, note } = resolveSigner(context.ownership, io.env);
  if (note) io.stderr.write(`cvex apply: warning: ${note}\n`);

  const saved = typeof values.plan === 'string' ? await planFromSavedFile(values.plan, context, io) : undefined;
  const run = saved ? saved.run : await runPlan(positionals, context, io);
  if (!run) return 1;
  const client = run.client;
  for (const finding of run.findings) io.stderr.write(`${formatFinding(finding)}\n`);
  const plan = saved ? saved.plan : run.plan;
  if (!plan) {
    await client.close();
    if (!run.plan) io.stderr.write(blockedMessage('apply', run.blockedBy));
    return 1;
  }

  try {
    return await applyPlan(plan, { ...context, commit: plan.commit }, client, io, {
      stamp: { owner: context.ownership.owner, ...(signer ? { signer } : {}) },
      savedPlan: values.plan !== undefined,
      autoApprove: values['auto-approve'] === true,
      force: values.force === true,
      auditLog: typeof values['audit-log'] === 'string' ? values['audit-log'] : context.auditLog,
    });
  } finally {
    await client.close();
  }
}

interface ApplyFlags {
  stamp: MarkerStamp;
  savedPlan: boolean;
  autoApprove: boolean;
  force: boolean;
  auditLog?: string;
}

async function applyPlan(plan: Plan, context: ReconcileContext, client: CloudViewClient, io: CliIo, flags: ApplyFlags): Promise<number> {
  io.stdout.write(renderTextPlan(plan, { color: useColor(io.stdout, io.env) }));
  if (plan.conflicts.length > 0) {
    io.stderr.write('cvex apply: refusing: the plan has conflicts (see above); nothing was changed.\n');
    return 1;
  }
  // Interrupted while planning: nothing was sent, and nothing will be.
  if (io.signal?.aborted) return 1;
  const tagRules = plan.tags.map(({ cloudType, regex, tagNames }) => ({ cloudType, regex, tagNames }));
  if (plan.changes.length === 0 && tagRules.length === 0) return 0;

  // Thresholds as this run sets them (a saved plan may have been made with other limits).
  const safety = evaluateSafety(plan.safety.managed, countRemovals(plan), context);
  if (safety.blocked && !flags.force) {
    const rule = safety.exceedsMaxDeletes ? `--max-deletes ${safety.maxDeletes}` : `${safety.maxDeletePercent}% of ${safety.managed} managed exceptions`;
    io.stderr.write(`cvex apply: refusing to delete ${safety.deletes} exceptions (more than ${rule}); review the plan and pass --force if this is intended.\n`);
    return 1;
  }
  // No marker vouches for an adopted exception: another repository may claim the same name.
  const adopted = plan.changes.filter((change) => change.action === 'delete' && change.ownership === 'adopted');
  if (adopted.length > 0 && !flags.force) {
    const names = adopted.slice(0, 5).map((change) => JSON.stringify(oneLine(change.name))).join(', ');
    io.stderr.write(
      `cvex apply: refusing to delete ${adopted.length} exceptions adopted by name (${names}${adopted.length > 5 ? ', …' : ''}): no marker says they are this repository's, and another repository may claim them too; pass --force if this is intended.\n`,
    );
    return 1;
  }

  const auditFile = flags.auditLog ? path.resolve(io.cwd, flags.auditLog) : undefined;
  if (auditFile) {
    try {
      await checkAuditLogWritable(auditFile);
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      io.stderr.write(`cvex apply: cannot write the audit log ${flags.auditLog} (${reason}); nothing was changed.\n`);
      return 1;
    }
  }

  // A saved plan was reviewed when it was made (as with terraform apply PLANFILE): no question.
  if (!flags.savedPlan && !flags.autoApprove && plan.changes.length > 0) {
    if (!io.prompt) {
      io.stderr.write('cvex apply: no terminal to confirm on: pass --auto-approve (in CI, after reviewing `cvex plan`), or apply a saved plan with --plan FILE.\n');
      return 1;
    }
    const answer = await io.prompt(`Apply ${plan.changes.length} changes to ${plan.target.apiUrl}? Only 'yes' is accepted: `);
    if (answer.trim() !== 'yes') {
      io.stderr.write('Apply cancelled; nothing was changed.\n');
      return 1;
    }
  }

  const audit: AuditLog | undefined = auditFile ? createAuditLog(auditFile) : undefined;
  const actor = auditActor(io.env);
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
    stamp: flags.stamp,
    concurrency: context.target.client.concurrency,
    interrupted: io.interrupted,
    onResult: (result) => {
      done += 1;
      if (result.result === 'failed') failedSoFar += 1;
      status.print(progressLine(result, done, total));
      status.update(`${done}/${total} changes (${Math.floor((done * 100) / total)}%)${failedSoFar > 0 ? `, ${failedSoFar} failed` : ''}…`);
      audit?.write({ ...result, time: new Date().toISOString(), commit: context.commit, actor });
    },
  });
  status.done();

  let tagFailures = 0;
  const tagsSkipped = tagRules.length > 0 && (report.notStarted > 0 || stopRequested);
  if (tagRules.length > 0 && !tagsSkipped) {
    for (const result of await runTagStage(client, tagRules)) {
      if (!result.ok) tagFailures += 1;
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
  await audit?.flush();

  const failed = report.failed + tagFailures;
  const interrupted =
    report.notStarted > 0 || stopRequested
      ? `, ${report.notStarted} not started (interrupted${tagsSkipped ? '; tag stage skipped' : ''})`
      : '';
  io.stdout.write(`\nApply ${failed === 0 && !interrupted ? 'complete' : interrupted ? 'interrupted' : 'finished with failures'}: ${report.succeeded} succeeded, ${failed} failed${interrupted}.\n`);
  if (failed > 0 || interrupted) {
    for (const result of report.results.filter((item) => item.result === 'failed')) io.stderr.write(`  failed: ${result.operation} ${oneLine(result.name)}: ${oneLine(result.error ?? 'unknown error')}\n`);
    io.stderr.write('Run `cvex apply` again: it converges (nothing created twice, nothing lost).\n');
    return 1;
  }
  return 0;
}
