// `cvex plan [PATH...]`: validate the manifests, read the remote, show what apply would change.
// Also the shared edge of `cvex apply`: flags, config, target, commit and the planning run.
import * as path from 'node:path';
import { createCloudViewClient, type CloudViewClient } from '../api/client';
import { type CommandSpec, type FlagSpecs, parseChoice, parseCommandLine } from '../command-line/define';
import { type CliIo, closeOnInterrupt, UsageError, useColor } from '../command-line/io';
import { resolveConfiguredTarget } from '../command-line/context';
import { resolveOwnership } from '../command-line/owner';
import { CREDENTIALS_EPILOG, TARGET_FLAGS, type ResolvedTarget } from '../command-line/target';
import { configuredManifests, DEFAULT_CONFIG_FILE, type CvexConfig } from '../config';
import { withGovernance } from '../governance';
import { InventoryCache } from '../inventory';
import { ChangeInventoryCheck } from '../inventory/change-check';
import { loadAndValidate, type ValidationResult } from '../manifest';
import type { ExceptionSpec } from '../model/exception';
import { type Finding, hasErrors } from '../model/findings';
import { isRefName, revParse } from '../git';
import { changedSince, type BaseException } from '../reconcile/changed-since';
import { markerFitOptions, withMarkerFit } from '../reconcile/marker-fit';
import type { OwnershipSettings } from '../reconcile/ownership-index';
import type { PlanOptions } from '../reconcile/plan';
import { savePlanFile } from '../reconcile/plan-file';
import { REPLACE_RESERVE_DEFAULT } from '../reconcile/rate-reserve';
import { planAgainstRemote } from '../reconcile/remote';
import { SAFETY_DEFAULTS } from '../reconcile/safety';
import { FULL_SCOPE, scopeOfPaths } from '../reconcile/scope';
import type { Plan, PlanScope } from '../reconcile/types';
import { renderJsonPlan } from '../render/plan-json';
import { renderMarkdownPlan } from '../render/plan-markdown';
import { terminalSafe } from '../render/escape';
import { renderTextPlan } from '../render/plan-text';
import { COMMENT_FLAGS, commentOptions } from './plan-comment';

/** The flags plan and apply share: what to read, and the removal thresholds. */
export const PLAN_FLAGS = {
  config: { type: 'string', value: 'FILE', description: 'cvex.config.yaml to read (default ./cvex.config.yaml when present)' },
  strict: { type: 'boolean', description: 'inventory findings (unknown account, control or resource, connector in ERROR) are errors' },
  'skip-inventory': { type: 'boolean', description: "do not check the manifests against the account's connectors, controls and resources" },
  'max-deletes': {
    type: 'string',
    value: 'N',
    description: `removals (deletes of exceptions not yet expired, and replaces) allowed without a lift (default ${SAFETY_DEFAULTS.maxDeletes}, config maxDeletes)`,
  },
  'max-delete-percent': {
    type: 'string',
    value: 'P',
    description: `share of the managed exceptions that more than one removal may reach (default ${SAFETY_DEFAULTS.maxDeletePercent}, config maxDeletePercent)`,
  },
  'timezone-changed': {
    type: 'boolean',
    description: "the subscription's time zone changed: re-create exceptions stamped in the earlier zone instead of stopping (counted as removals)",
  },
  'sample-details': {
    type: 'string',
    value: 'N',
    description: 'also read the details of N managed exceptions (a slice that rotates daily) and put back any whose fields differ (default 0; the drift job uses 20)',
  },
  ...TARGET_FLAGS,
} as const satisfies FlagSpecs;

export const planDefinition = {
  name: 'plan',
  usage: ['plan [PATH...] [options]'],
  description: `Validates the manifests (default: config \`manifests\` or policies/**/*.yaml), reads the remote
exceptions and shows what \`cvex apply\` would change. Nothing is sent when a manifest is invalid.`,
  positionals: true,
  flags: {
    format: { type: 'string', value: 'text|json|markdown', description: 'output (json: schemas/plan.schema.json; markdown: a pull-request comment)' },
    out: { type: 'string', value: 'FILE', description: 'also save the plan JSON, for `cvex apply --plan FILE`' },
    'changed-since': {
      type: 'string',
      value: 'REF',
      description: "plan only the exceptions the diff from REF's merge base adds, changes or removes (a pull request's base branch); advisory: the guards are checked at apply",
    },
    'detailed-exitcode': { type: 'boolean', description: 'exit 0 with no changes, 2 with changes, 1 on any error' },
    ...PLAN_FLAGS,
    ...COMMENT_FLAGS,
  },
  epilog: `PATH narrows the plan to the exceptions those files declare: nothing outside them is planned,
nothing is deleted, and the output says the plan is narrowed. Without PATH the plan is full.
--changed-since REF (e.g. origin/main in a pull request) reads only the exceptions the diff from
the merge base of REF and HEAD adds, changes or removes, one request each, by name: "these N
changes, plus whatever the full plan finds". A change to the config or to a defaults: block plans
in full. The drift job and apply always plan in full.
A replace is shown as -/+: there is no update API, so the exemption is lifted between the delete
and the create, and the uuid changes.
Exit codes: 0 planned (with --detailed-exitcode: no changes), 2 changes (with --detailed-exitcode),
1 any error (usage with --detailed-exitcode, credentials, network, conflicts, a wrong time zone),
2 usage error (without --detailed-exitcode), 130 / 143 stopped by SIGINT / SIGTERM.
${CREDENTIALS_EPILOG}`,
} as const satisfies CommandSpec;

export type PlanFormat = 'text' | 'json' | 'markdown';

type Values = Record<string, string | boolean | undefined>;

function parseCount(values: Values, flag: string, fallback: number): number {
  const text = values[flag];
  if (text === undefined) return fallback;
  if (typeof text !== 'string' || !/^\d+(\.\d+)?$/.test(text.trim())) throw new UsageError(`--${flag}: expected a non-negative number, got '${String(text)}'`);
  return Number(text);
}

export interface ReconcileContext {
  config: CvexConfig;
  target: ResolvedTarget;
  /** Owner, manage names, marker keys and take-overs (src/command-line/owner.ts). */
  ownership: OwnershipSettings;
  timeZone: string;
  commit: string;
  manage: string[];
  maxDeletes: number;
  maxDeletePercent: number;
  auditLog?: string;
  /** Calls a replace keeps in reserve in the rate-limit window (config replaceReserve). */
  replaceReserve: number;
  /** --timezone-changed: re-create what the earlier zone stamped instead of stopping. */
  timeZoneChanged: boolean;
  /** Where the time zone came from, for the wrong-zone message. */
  timeZoneSource: 'flag' | 'config' | 'default';
  /** --strict: inventory findings are errors, and nothing is planned while there are any. */
  strict: boolean;
  /** --skip-inventory: no inventory reads at all. */
  skipInventory: boolean;
  /** --sample-details (plan only): managed exceptions whose detail is read for drift. */
  sampleDetails: number;
}

/** Config, then target: flags beat the environment, which beats the config file. */
export async function resolveContext(values: Values, io: CliIo, options: { configMayBeMissing?: boolean; command?: string; owner?: string } = {}): Promise<ReconcileContext> {
  const { config, target } = await resolveConfiguredTarget(values, io, options);
  const ownership = await resolveOwnership({
    config: options.owner !== undefined ? { ...config, owner: options.owner } : config,
    baseUrl: target.client.baseUrl,
    env: io.env,
    cwd: io.cwd,
    command: options.command ?? 'plan',
  });
  return {
    config,
    target,
    ownership,
    timeZone: target.timeZone,
    commit: await resolveCommit(io),
    manage: config.manage ?? [],
    maxDeletes: parseCount(values, 'max-deletes', config.maxDeletes ?? SAFETY_DEFAULTS.maxDeletes),
    maxDeletePercent: parseCount(values, 'max-delete-percent', config.maxDeletePercent ?? SAFETY_DEFAULTS.maxDeletePercent),
    auditLog: config.auditLog,
    replaceReserve: config.replaceReserve ?? REPLACE_RESERVE_DEFAULT,
    timeZoneChanged: values['timezone-changed'] === true,
    timeZoneSource: values.timezone !== undefined ? 'flag' : config.timezone !== undefined ? 'config' : 'default',
    strict: values.strict === true,
    skipInventory: values['skip-inventory'] === true,
    sampleDetails: parseWholeNumber(values, 'sample-details', 0),
  };
}

function parseWholeNumber(values: Values, flag: string, fallback: number): number {
  const text = values[flag];
  if (text === undefined) return fallback;
  if (typeof text !== 'string' || !/^\d{1,6}$/.test(text.trim())) throw new UsageError(`--${flag}: expected a whole number, got '${String(text)}'`);
  return Number(text);
}

/** GITHUB_SHA in CI, else `git rev-parse HEAD` in the working directory, else 'local'. */
export async function resolveCommit(io: CliIo): Promise<string> {
  const fromEnv = io.env.GITHUB_SHA?.trim();
  if (fromEnv && /^[0-9a-f]{7,64}$/i.test(fromEnv)) return fromEnv.toLowerCase();
  return (await revParse(io.cwd, 'HEAD')) ?? 'local';
}

export function formatFinding(finding: Finding): string {
  const where = finding.line > 0 ? `${finding.file}:${finding.line}:${finding.column}` : finding.file;
  return terminalSafe(`${where}: ${finding.severity} ${finding.rule}: ${finding.message}`);
}

export interface PlanRun {
  plan?: Plan;
  /** Why there is no plan: invalid manifests (nothing was sent) or strict inventory errors in what it changes (only reads were sent). */
  blockedBy?: 'manifests' | 'inventory';
  /** Set when the manifests are invalid: nothing was sent. */
  findings: Finding[];
  client: CloudViewClient;
  /** What the plan read of the inventory: apply's replace checks reuse it. */
  inventory?: InventoryCache;
  /** The validated manifests, for apply's replace checks. */
  validation?: ValidationResult;
}

/** Validates the manifests, then (only if valid) plans against the remote. The caller closes the client. */
export async function runPlan(paths: string[], context: ReconcileContext, io: CliIo, options: { client?: CloudViewClient; changedSince?: string } = {}): Promise<PlanRun> {
  const manifestPaths = paths.length > 0 ? paths : configuredManifests(context.config);
  // Governance rules (config `governance`) and the marker's room in the explanation block like schema errors.
  const validation = withMarkerFit(
    withGovernance(await loadAndValidate(manifestPaths, { cwd: io.cwd, timeZone: context.timeZone }), context.config.governance, context.config),
    markerFitOptions({ ...context.config, owner: context.ownership.owner }),
  );
  const client = options.client ?? createCloudViewClient(context.target.client);
  if (hasErrors(validation.findings)) return { findings: validation.findings, client, blockedBy: 'manifests' };
  // Planning only reads: an interrupt ends it at once. What runs after the plan decides for itself.
  const stopClosing = closeOnInterrupt(io, client);
  try {
    if (options.changedSince === undefined) return await planWith(validation, client, context, { scope: scopeOfPaths(paths), cwd: io.cwd });
    const changed = await changedSince({
      cwd: io.cwd,
      ref: options.changedSince,
      exceptions: validation.manifests.exceptions,
      files: validation.manifests.files,
      defaultsByFile: validation.manifests.defaultsByFile,
      manifestGlobs: context.config.manifests,
      configFile: context.config.file ?? DEFAULT_CONFIG_FILE,
    });
    if (changed.kind === 'narrowed') return await planWith(validation, client, context, { scope: changed.scope, cwd: io.cwd, base: changed.base });
    const run = await planWith(validation, client, context, { scope: FULL_SCOPE, cwd: io.cwd });
    run.plan?.warnings.unshift({ code: 'scope.full', message: `planned in full, not only what changed since ${options.changedSince}: ${changed.reason}` });
    return run;
  } finally {
    stopClosing();
  }
}

async function planWith(
  validation: ValidationResult,
  client: CloudViewClient,
  context: ReconcileContext,
  run: { scope: PlanScope; cwd: string; base?: ReadonlyMap<string, BaseException> },
): Promise<PlanRun> {
  // The manifests against the account's real inventory (docs/inventory.md), for what the plan
  // changes only: its reads start beside the listing as changes show, and never one per exception.
  const inventory = new InventoryCache();
  const changes = context.skipInventory ? undefined : new ChangeInventoryCheck(client, inventory);
  const options: PlanOptions = {
    timeZone: context.timeZone,
    manage: context.manage,
    now: new Date(),
    commit: context.commit,
    apiUrl: client.baseUrl,
    maxDeletes: context.maxDeletes,
    maxDeletePercent: context.maxDeletePercent,
    ownership: context.ownership,
    scope: run.scope,
    sampleDetails: context.sampleDetails,
    timeZoneChanged: context.timeZoneChanged,
    zoneContext: { source: context.timeZoneSource, command: 'plan' },
  };
  const plan = await planAgainstRemote(
    client,
    { exceptions: validation.manifests.exceptions, applyTags: validation.manifests.applyTags },
    {
      ...options,
      concurrency: context.target.client.concurrency,
      history: { cwd: run.cwd, manifestGlobs: context.config.manifests },
      ...(changes ? { onLikelyChange: (spec: ExceptionSpec) => changes.prefetch(spec) } : {}),
      ...(run.base ? { baseExceptions: run.base } : {}),
    },
  );
  const changed = new Set(plan.changes.filter((change) => change.action !== 'delete').map((change) => change.name));
  const inventoryFindings = changes ? await changes.check(validation.manifests.exceptions.filter((exception) => changed.has(exception.spec.name)), context.strict) : [];
  if (hasErrors(inventoryFindings)) return { findings: [...validation.findings, ...inventoryFindings], client, blockedBy: 'inventory', inventory };
  // Inventory warnings live in the plan (not on stderr), so the pull-request comment shows them.
  for (const finding of inventoryFindings) plan.warnings.push({ code: finding.rule, message: formatFinding(finding) });
  return { plan, findings: validation.findings, client, inventory, validation };
}

export function blockedMessage(command: string, blockedBy: PlanRun['blockedBy']): string {
  return blockedBy === 'inventory'
    ? `cvex ${command}: the manifests do not match the account's inventory (--strict); nothing was changed in CloudView.\n`
    : `cvex ${command}: the manifests are invalid; nothing was sent to CloudView.\n`;
}

export function renderPlan(plan: Plan, format: PlanFormat, io: CliIo): string {
  if (format === 'json') return renderJsonPlan(plan);
  if (format === 'markdown') return renderMarkdownPlan(plan);
  return renderTextPlan(plan, { color: useColor(io.stdout, io.env) });
}

const PLAN_FORMATS = ['text', 'json', 'markdown'] as const;

export function parseFormat(value: string | boolean | undefined): PlanFormat {
  return parseChoice(value, PLAN_FORMATS, 'format');
}

export async function planCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandLine(planDefinition, argv);
  const format = parseFormat(values.format);
  const changedSinceRef = values['changed-since'];
  if (changedSinceRef !== undefined && positionals.length > 0) throw new UsageError('--changed-since narrows the plan to what a diff changed: pass no manifest paths with it');
  if (changedSinceRef !== undefined && !isRefName(changedSinceRef)) throw new UsageError(`--changed-since: not a git ref: '${changedSinceRef}' (e.g. origin/main)`);
  const context = await resolveContext(values, io, { command: 'plan' });
  const run = await runPlan(positionals, context, io, { changedSince: changedSinceRef });
  try {
    for (const finding of run.findings) io.stderr.write(`${formatFinding(finding)}\n`);
    if (!run.plan) {
      io.stderr.write(blockedMessage('plan', run.blockedBy));
      return 1;
    }
    const plan = run.plan;
    if (typeof values.out === 'string') await savePlanFile(path.resolve(io.cwd, values.out), plan);
    io.stdout.write(format === 'markdown' ? renderMarkdownPlan(plan, await commentOptions(values, run.findings, io.cwd)) : renderPlan(plan, format, io));
    if (plan.conflicts.length > 0) return 1;
    if (values['detailed-exitcode']) return plan.changes.length > 0 ? 2 : 0;
    return 0;
  } finally {
    await run.client.close();
  }
}
