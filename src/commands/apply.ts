// `cvex apply [PATH...]` plans then applies (confirmation on a TTY unless --auto-approve);
// `cvex apply --plan FILE` applies exactly a saved, reviewed plan and refuses a stale one.
import * as path from 'node:path';
import { createCloudViewClient, type CloudViewClient } from '../api/client';
import { type CommandSpec, parseCommandLine } from '../command-line/define';
import { type CliIo, UsageError, useColor } from '../command-line/io';
import { createStatusLine } from '../command-line/status-line';
import { CREDENTIALS_EPILOG } from '../command-line/target';
import { liftedGuardsOf, recordApplyInGit } from '../audit/record-apply';
import type { TagStageRecord } from '../audit/apply-record';
import { auditActor, checkAuditLogWritable, createAuditLog, type AuditLog } from '../reconcile/audit';
import { executePlan, type OperationResult } from '../reconcile/execute';
import { evaluateSafety, fingerprintRemote, originOf, SAFETY_DEFAULTS } from '../reconcile/plan';
import { isManaged } from '../reconcile/ownership';
import { loadPlanFile } from '../reconcile/plan-file';
import { listRemoteExceptions } from '../reconcile/remote';
import { runTagStage } from '../reconcile/tag-stage';
import type { Plan } from '../reconcile/types';
import { renderTextPlan, terminalSafe } from '../render/plan-text';
import { blockedMessage, formatFinding, PLAN_FLAGS, resolveContext, runPlan, type ReconcileContext } from './plan';

export const applyDefinition = {
  name: 'apply',
  usage: ['apply [PATH...] [options]', 'apply --plan FILE [options]'],
  description: `Makes the CloudView account match the manifests: creates, then replaces (delete + create: there is
no update API), then deletes in batches. Exceptions the repository does not own are never touched.`,
  positionals: true,
  flags: {
    plan: { type: 'string', value: 'FILE', description: 'apply exactly this saved plan (cvex plan --out); refused if the remote moved since' },
    'auto-approve': { type: 'boolean', description: 'do not ask for confirmation (required without a terminal)' },
    force: { type: 'boolean', description: 'allow more deletes than --max-deletes / --max-delete-percent' },
    'audit-log': { type: 'string', value: 'FILE', description: 'append one JSON Lines record per operation (config auditLog)' },
    ...PLAN_FLAGS,
  },
  epilog: `Exit codes: 0 done, 1 any failure (with a report), 2 usage error.
In a git repository the apply's record is appended to the git note on the applied commit
(refs/notes/cvex; \`cvex notes push\` shares it); CVEX_GIT_RECORD=off skips it (rehearsals).
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

async function loadSavedPlan(file: string, context: ReconcileContext, client: CloudViewClient, io: CliIo): Promise<Plan | undefined> {
  const plan = await loadPlanFile(path.resolve(io.cwd, file), file);
  const target = originOf(client.baseUrl);
  if (plan.target.apiUrl !== target) {
    io.stderr.write(`cvex apply: ${file} was planned against ${plan.target.apiUrl}, not ${target}; refusing.\n`);
    return undefined;
  }
  // One listing (ceil(N / pageSize) requests) proves the managed exceptions did not move.
  const remote = await listRemoteExceptions(client);
  const remoteState = fingerprintRemote(remote, plan.manage);
  if (remoteState.fingerprint !== plan.remote.fingerprint) {
    io.stderr.write(`cvex apply: ${file} is stale: the managed exceptions in CloudView changed since it was planned (${plan.createdAt}). Run \`cvex plan\` again.\n`);
    return undefined;
  }
  // A name the plan creates, taken since (in the UI, or by another run): the plan no longer holds.
  const remoteNames = new Set(remote.map((item) => item.name));
  const taken = plan.changes.filter((change) => change.action === 'create' && remoteNames.has(change.name)).map((change) => JSON.stringify(change.name));
  if (taken.length > 0) {
    io.stderr.write(`cvex apply: ${file} is stale: ${taken.slice(0, 5).join(', ')}${taken.length > 5 ? ` and ${taken.length - 5} more` : ''} already exist in CloudView, made since it was planned (${plan.createdAt}). Run \`cvex plan\` again.\n`);
    return undefined;
  }
  // A plan file is data anyone with the artifact can edit: it may only delete or replace what this
  // repository manages (a marker, or a manage glob of both the plan and the config in use).
  const remoteByUuid = new Map(remote.map((item) => [item.uuid, item]));
  for (const change of plan.changes) {
    if (change.action === 'create') continue;
    const item = remoteByUuid.get(change.uuid);
    if (!item || item.name !== change.name || !isManaged(item, plan.manage) || !isManaged(item, context.manage)) {
      io.stderr.write(
        `cvex apply: ${file} would ${change.action} ${JSON.stringify(change.name)} (${JSON.stringify(change.uuid)}), which is not an exception this repository manages; refusing (was the plan file edited?). Nothing was changed.\n`,
      );
      return undefined;
    }
  }
  // Thresholds from what the account and the plan really hold, never from the file's own counts.
  return { ...plan, safety: evaluateSafety(remoteState.managed, countDeletes(plan), plan.safety) };
}

function countDeletes(plan: Pick<Plan, 'changes'>): number {
  return plan.changes.filter((change) => change.action === 'delete').length;
}

export async function applyCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandLine(applyDefinition, argv);
  if (values.plan !== undefined && positionals.length > 0) throw new UsageError('--plan applies a saved plan: pass no manifest paths with it');
  const context = await resolveContext(values, io);
  let client: CloudViewClient;
  let plan: Plan | undefined;
  if (typeof values.plan === 'string') {
    client = createCloudViewClient(context.target.client);
    try {
      plan = await loadSavedPlan(values.plan, context, client, io);
    } catch (error) {
      await client.close();
      throw error;
    }
    if (!plan) {
      await client.close();
      return 1;
    }
  } else {
    const run = await runPlan(positionals, context, io);
    client = run.client;
    for (const finding of run.findings) io.stderr.write(`${formatFinding(finding)}\n`);
    if (!run.plan) {
      await client.close();
      io.stderr.write(blockedMessage('apply', run.blockedBy));
      return 1;
    }
    plan = run.plan;
  }

  try {
    return await applyPlan(plan, { ...context, commit: plan.commit }, client, io, {
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
  const safety = evaluateSafety(plan.safety.managed, countDeletes(plan), context);
  if (safety.blocked && !flags.force) {
    const rule = safety.exceedsMaxDeletes ? `--max-deletes ${safety.maxDeletes}` : `${safety.maxDeletePercent}% of ${safety.managed} managed exceptions`;
    io.stderr.write(`cvex apply: refusing to delete ${safety.deletes} exceptions (more than ${rule}); review the plan and pass --force if this is intended.\n`);
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
  const tagRecords: TagStageRecord[] = [];
  const tagsSkipped = tagRules.length > 0 && (report.notStarted > 0 || stopRequested);
  if (tagRules.length > 0 && !tagsSkipped) {
    for (const result of await runTagStage(client, tagRules)) {
      if (!result.ok) tagFailures += 1;
      tagRecords.push({ cloudType: result.cloudType, regex: result.regex, tagNames: result.tagNames, result: result.ok ? 'succeeded' : 'failed', message: result.message });
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
  // The record in git notes (docs/audit.md): after the changes, whatever their outcome.
  const recorded = await recordApplyInGit(io, {
    plan,
    results: report.results,
    tagResults: tagRecords,
    actor,
    commit: context.commit,
    lifted: liftedGuardsOf(plan.safety),
    interrupted: interrupted !== '',
  });
  if (recorded.ok) io.stdout.write(`${recorded.message}\n`);
  else io.stderr.write(`cvex apply: ${recorded.message}\n`);
  if (failed > 0 || interrupted) {
    for (const result of report.results.filter((item) => item.result === 'failed')) io.stderr.write(`  failed: ${result.operation} ${oneLine(result.name)}: ${oneLine(result.error ?? 'unknown error')}\n`);
    io.stderr.write('Run `cvex apply` again: it converges (nothing created twice, nothing lost).\n');
    return 1;
  }
  return recorded.ok ? 0 : 1;
}
