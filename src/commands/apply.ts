// `cvex apply [PATH...]` plans then applies (confirmation on a TTY unless --auto-approve);
// `cvex apply --plan FILE` applies a saved, reviewed plan only when planning again gives exactly it.
import { writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { CloudViewClient } from '../api/client';
import { type CommandSpec, parseCommandLine } from '../command-line/define';
import { type CliIo, closeOnInterrupt, Interrupted, UsageError, useColor } from '../command-line/io';
import { checkRepository, resolveSigner } from '../command-line/owner';
import { CREDENTIALS_EPILOG, parseDuration } from '../command-line/target';
import { FileReadError } from '../files/read-bounded';
import type { Finding } from '../model/findings';
import { buildApplyReport, writeApplyReport } from '../reconcile/apply-report';
import { auditActor, openAuditLog, type AuditLog } from '../reconcile/audit';
import type { MarkerStamp } from '../reconcile/execute';
import { originOf } from '../reconcile/plan';
import { compareSavedPlan, DIFFERENCES_LISTED } from '../reconcile/plan-compare';
import { loadPlanFile } from '../reconcile/plan-file';
import { preflightReplaces } from '../reconcile/preflight';
import { evaluateSafety, liftHint, trippedGuards } from '../reconcile/safety';
import type { Plan, PlanSafety } from '../reconcile/types';
import { terminalSafe } from '../render/escape';
import { renderTextPlan } from '../render/plan-text';
import { type ApplyRun, runChanges } from './apply-execute';
import { describeLift, parseAllowRemovals, resolveOverride } from './apply-lift';
import { blockedMessage, formatFinding, PLAN_FLAGS, resolveContext, runPlan, type PlanRun, type ReconcileContext } from './plan';

export const applyDefinition = {
  name: 'apply',
  usage: ['apply [PATH...] [options]', 'apply --plan FILE [options]'],
  description: `Makes the CloudView account match the manifests: creates, then replaces (-/+: delete, then create,
back to back: there is no update API), then deletes in batches. Exceptions the repository does not
own are never touched. PATH narrows the apply to the exceptions those files declare (no deletes).`,
  positionals: true,
  flags: {
    plan: {
      type: 'string',
      value: 'FILE',
      description: 'apply a saved, reviewed plan (cvex plan --out): planned again with its scope and refused unless every change matches',
    },
    'auto-approve': { type: 'boolean', description: 'do not ask for confirmation (required without a terminal)' },
    force: { type: 'boolean', description: 'lift every removal guard, deleting every managed exception included (never in a workflow)' },
    'allow-removals': {
      type: 'string',
      value: 'N',
      description: 'a reviewed allowance: lift the removal guards when this apply removes at most N (an approved manual run)',
    },
    commits: {
      type: 'string',
      value: 'RANGE',
      description: 'the applied commit range (BEFORE..AFTER): a `Cvex-Allow-Removals: N` trailer in it is a reviewed allowance',
    },
    report: { type: 'string', value: 'FILE', description: 'write the outcome as JSON (schemas/apply-report.schema.json), whatever it is' },
    'time-limit': {
      type: 'string',
      value: 'DURATION',
      description: "the job's time limit (e.g. 55m): a replace's failed create is retried with backoff until shortly before it (default 10m)",
    },
    'audit-log': { type: 'string', value: 'FILE', description: 'append one JSON Lines record per operation (config auditLog)' },
    ...PLAN_FLAGS,
  },
  epilog: `Removal guards: a removal is a delete of an exception not yet expired, or a replace. More than
--max-deletes, more than --max-delete-percent of the managed exceptions (once more than one), any
exception adopted by name only, or every managed exception: apply refuses. A reviewed trailer
\`Cvex-Allow-Removals: N\` in --commits, or --allow-removals N, lifts all but the last; --force lifts all.
Signals: the first SIGINT / SIGTERM starts nothing new; a replace whose delete went through still
gets its create (tried once more if it fails), and the report names every exemption left missing.
A second signal exits at once.
In a git repository the apply's record is appended to the git note on the applied commit
(refs/notes/cvex; \`cvex notes push\` shares it); CVEX_GIT_RECORD=off skips it (rehearsals).
Exit codes: 0 done, 1 any failure, refusal or skipped change (with a report), 2 usage error,
130 / 143 stopped by SIGINT / SIGTERM.
${CREDENTIALS_EPILOG}`,
} as const satisfies CommandSpec;

/** Names, uuids and error messages come from the remote too: one line, no terminal control characters. */
function oneLine(text: string): string {
  return terminalSafe(text.replace(/\r\n?|\n/g, ' '));
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

function refused(refusal: string, plan?: Plan, safety?: PlanSafety): ApplyRun {
  return { code: 1, outcome: 'refused', refusal, plan, safety };
}

export async function applyCommand(argv: string[], io: CliIo): Promise<number> {
  const startedAt = new Date();
  const { values, positionals } = parseCommandLine(applyDefinition, argv);
  if (values.plan !== undefined && positionals.length > 0) throw new UsageError('--plan applies a saved plan: pass no manifest paths with it');
  parseAllowRemovals(values['allow-removals']);
  const timeLimit = values['time-limit'] === undefined ? undefined : parseDuration(values['time-limit']);
  if (values['time-limit'] !== undefined && timeLimit === undefined) throw new UsageError(`--time-limit: expected a duration such as 55m or 3600s, got '${values['time-limit']}'`);
  const context = await resolveContext(values, io, { command: 'apply' });
  // Who signs, and where: settled before anything is read, so a wrong setup sends nothing.
  await checkRepository({ config: context.config, baseUrl: context.target.client.baseUrl, env: io.env, cwd: io.cwd, command: 'apply' });
  const { signer, note } = resolveSigner(context.ownership, io.env);
  if (note) io.stderr.write(`cvex apply: warning: ${note}\n`);
  const reportFile = typeof values.report === 'string' ? path.resolve(io.cwd, values.report) : undefined;
  if (reportFile) {
    // Proved writable before anything is sent, like the audit log.
    await writeFile(reportFile, '', { flag: 'a' }).catch((error: NodeJS.ErrnoException) => {
      throw new UsageError(`--report: cannot write ${values.report} (${error.code ?? error.message}); nothing was sent`);
    });
  }
  const flags: ApplyFlags = {
    stamp: { owner: context.ownership.owner, ...(signer ? { signer } : {}) },
    savedPlan: values.plan !== undefined,
    autoApprove: values['auto-approve'] === true,
    force: values.force === true,
    allowRemovals: values['allow-removals'],
    commits: values.commits,
    auditLog: typeof values['audit-log'] === 'string' ? values['audit-log'] : context.auditLog,
    // The last tenth of the job's time is kept for reporting: retries end before it.
    deadlineMs: timeLimit === undefined ? undefined : startedAt.getTime() + Math.floor(timeLimit * 0.9),
  };
  let run: ApplyRun;
  try {
    run = await planThenApply(values.plan, positionals, context, io, flags);
  } catch (error) {
    // A failure that ends the run (network, credentials, a wrong time zone) is an outcome too.
    if (reportFile) await writeReport(reportFile, { code: 1, outcome: 'failed', error: error instanceof Error ? error.message : String(error) });
    throw error;
  }
  if (reportFile) await writeReport(reportFile, run);
  return run.code;

  function writeReport(file: string, ended: ApplyRun): Promise<void> {
    const reason: unknown = io.signal?.aborted ? io.signal.reason : undefined;
    return writeApplyReport(
      file,
      buildApplyReport({
        startedAt,
        finishedAt: new Date(),
        outcome: reason instanceof Interrupted ? 'interrupted' : ended.outcome,
        refusal: ended.refusal,
        error: ended.error,
        commit: context.commit,
        commits: values.commits,
        actor: auditActor(io.env),
        plan: ended.plan,
        safety: ended.safety,
        execution: ended.execution,
        tags: ended.tags,
        interrupted: reason instanceof Interrupted ? reason.signal : undefined,
      }),
    );
  }
}

async function planThenApply(savedPlan: string | undefined, positionals: string[], context: ReconcileContext, io: CliIo, flags: ApplyFlags): Promise<ApplyRun> {
  const saved = savedPlan !== undefined ? await planFromSavedFile(savedPlan, context, io) : undefined;
  const run = saved ? saved.run : await runPlan(positionals, context, io);
  if (!run) return refused(`the saved plan ${savedPlan} was refused`);
  const client = run.client;
  for (const finding of run.findings) io.stderr.write(`${formatFinding(finding)}\n`);
  const plan = saved ? saved.plan : run.plan;
  if (!plan) {
    await client.close();
    if (!run.plan) {
      io.stderr.write(blockedMessage('apply', run.blockedBy));
      return refused(run.blockedBy === 'inventory' ? 'the manifests do not match the inventory (--strict)' : 'the manifests are invalid');
    }
    return refused(`the saved plan ${savedPlan} does not match the plan made now`);
  }

  try {
    return await applyPlan(plan, { ...context, commit: plan.commit }, client, io, flags, run);
  } finally {
    await client.close();
  }
}

interface ApplyFlags {
  stamp: MarkerStamp;
  savedPlan: boolean;
  autoApprove: boolean;
  force: boolean;
  allowRemovals?: string;
  commits?: string;
  auditLog?: string;
  deadlineMs?: number;
}

async function applyPlan(plan: Plan, context: ReconcileContext, client: CloudViewClient, io: CliIo, flags: ApplyFlags, run?: PlanRun): Promise<ApplyRun> {
  io.stdout.write(renderTextPlan(plan, { color: useColor(io.stdout, io.env) }));
  if (plan.conflicts.length > 0) {
    io.stderr.write('cvex apply: refusing: the plan has conflicts (see above); nothing was changed.\n');
    return refused('the plan has conflicts', plan);
  }
  // Interrupted while planning: nothing was sent, and nothing will be.
  if (io.signal?.aborted) return { code: 1, outcome: 'interrupted', plan };
  const tagRules = plan.tags.map(({ cloudType, regex, tagNames }) => ({ cloudType, regex, tagNames }));
  if (plan.changes.length === 0 && tagRules.length === 0) return { code: 0, outcome: 'no-changes', plan, safety: plan.safety };

  // Thresholds as this run sets them (a saved plan may have been made with other limits).
  let safety = evaluateSafety(plan.safety.managed, plan.changes, context);
  if (safety.blocked) safety = evaluateSafety(plan.safety.managed, plan.changes, context, await resolveOverride(flags, io));
  if (safety.blocked) {
    io.stderr.write(`cvex apply: refusing: ${trippedGuards(safety).join('; ')}. To go ahead, ${liftHint(safety)}. Nothing was changed.\n`);
    return refused(`removal guards: ${trippedGuards(safety).join('; ')}`, plan, safety);
  }
  if (safety.lifted) io.stdout.write(`Removal guards (${trippedGuards(safety).join('; ')}) ${describeLift(safety.lifted)}.\n`);

  // A replace deletes first: its new spec must be creatable before anything is sent.
  const manifests = run?.validation ? new Map(run.validation.manifests.exceptions.map((exception) => [exception.spec.name, exception])) : undefined;
  // These checks only read: an interrupt ends them at once.
  const stopClosing = closeOnInterrupt(io, client);
  let unsafe: Finding[];
  try {
    unsafe = await preflightReplaces(plan.changes, client, { governance: context.config.governance, cache: run?.inventory, manifests });
  } finally {
    stopClosing();
  }
  if (unsafe.length > 0) {
    for (const finding of unsafe) io.stderr.write(`${formatFinding(finding)}\n`);
    io.stderr.write(`cvex apply: refusing: a replace would delete an exception it cannot re-create (see above); nothing was changed.\n`);
    return refused('a replace would delete an exception it cannot re-create', plan, safety);
  }

  let audit: AuditLog | undefined;
  if (flags.auditLog) {
    try {
      audit = await openAuditLog(path.resolve(io.cwd, flags.auditLog));
    } catch (error) {
      io.stderr.write(`cvex apply: cannot write the audit log ${flags.auditLog} (${describeWriteError(error)}); nothing was changed.\n`);
      return refused('the audit log cannot be written', plan, safety);
    }
  }

  // A saved plan was reviewed when it was made (as with terraform apply PLANFILE): no question.
  if (!flags.savedPlan && !flags.autoApprove && plan.changes.length > 0) {
    if (!io.prompt) {
      await audit?.close();
      io.stderr.write('cvex apply: no terminal to confirm on: pass --auto-approve (in CI, after reviewing `cvex plan`), or apply a saved plan with --plan FILE.\n');
      return refused('no terminal to confirm on', plan, safety);
    }
    const answer = await io.prompt(`Apply ${plan.changes.length} changes to ${plan.target.apiUrl}? Only 'yes' is accepted: `);
    if (answer.trim() !== 'yes') {
      await audit?.close();
      io.stderr.write('Apply cancelled; nothing was changed.\n');
      return refused('the confirmation was declined', plan, safety);
    }
  }
  // Interrupted during the checks or the question: still nothing sent.
  if (io.signal?.aborted) {
    await audit?.close();
    return { code: 1, outcome: 'interrupted', plan, safety };
  }

  // A real record, written before the first change: a log that cannot take one stops the run here.
  if (audit) {
    try {
      await audit.start({ time: new Date().toISOString(), commit: context.commit, actor: auditActor(io.env), target: plan.target.apiUrl, changes: plan.changes.length });
    } catch (error) {
      await audit.close();
      io.stderr.write(`cvex apply: cannot write the audit log ${flags.auditLog} (${describeWriteError(error)}); nothing was changed.\n`);
      return refused('the audit log cannot be written', plan, safety);
    }
  }
  return runChanges(plan, context, client, io, { audit, auditLogName: flags.auditLog, safety, deadlineMs: flags.deadlineMs, stamp: flags.stamp });
}

function describeWriteError(error: unknown): string {
  return error instanceof FileReadError ? error.message : ((error as NodeJS.ErrnoException).code ?? (error as Error).message);
}
