// Runs a caller workflow of .github/workflows locally, the way the Actions runner would, for what
// matters here: jobs in `needs` order with their `if:`, reusable workflows (`uses:` of a cvex
// reusable workflow, local or at a version) with inputs, secrets, outputs and the secrets of a job's
// `environment:`, `run:` scripts in bash with the step's env (`${{ }}` expressions substituted),
// `working-directory`, GITHUB_OUTPUT / GITHUB_ENV / GITHUB_STEP_SUMMARY files, step outcomes.
// `actions/checkout` writes the files of the requested commit into its `path`, or clones a git
// origin (`RunContext.origin`) as deep as its `fetch-depth`; `npm ci` installs this package (the
// built one: `npm run build` first) as node_modules/@cloudview-exceptions/cvex with its bin;
// `npx --no-install [--prefix DIR] cvex` runs that installed bin and nothing else. Other `uses:`
// steps are recorded, not run (their outputs can be given: `RunContext.usesOutputs`). The commands
// come from the YAML itself, so the tests follow the files.
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse } from 'yaml';

export const REPO_ROOT = path.resolve(__dirname, '../..');
const WORKFLOWS = path.join(REPO_ROOT, '.github/workflows');
const PACKAGE_NAME = '@cloudview-exceptions/cvex';

export type Outcome = 'success' | 'failure' | 'skipped';

export interface StepRun {
  name: string;
  id?: string;
  outcome: Outcome;
  /** `uses:` steps: recorded, not run (checkout and npm ci are emulated, and recorded too). */
  recordedOnly?: boolean;
  uses?: string;
  with?: Record<string, unknown>;
  stdout: string;
  stderr: string;
  exitCode?: number;
  /** The script as run, after `${{ }}` substitution. */
  script?: string;
  env: Record<string, string>;
  /** The folder it ran in. */
  cwd?: string;
}

export interface JobRun {
  /** skipped: its `if:` was false or a needed job did not succeed. */
  status: 'success' | 'failure' | 'skipped';
  steps: StepRun[];
  /** The whole GITHUB_STEP_SUMMARY of the job. */
  summary: string;
  /** The job's own workspace (every job gets a fresh one, as on GitHub). */
  workspace: string;
  outputs: Record<string, string>;
  /** The `environment:` it ran in, if any. */
  environment?: string;
  /** The secrets the job could read (names only). */
  secretNames: string[];
  step(nameOrId: string): StepRun;
}

export interface WorkflowRun {
  status: 'success' | 'failure';
  /** By caller job id; a reusable workflow with several jobs: `caller/inner`. */
  jobs: Record<string, JobRun>;
  job(name: string): JobRun;
}

export interface RunContext {
  event: Record<string, unknown>;
  eventName: string;
  /** `github.ref`, e.g. refs/heads/main. */
  ref: string;
  /** Repository secrets. */
  secrets: Record<string, string>;
  /** Secrets of each GitHub environment, by environment name. */
  environments?: Record<string, Record<string, string>>;
  /** Repository configuration variables (`vars`). */
  vars?: Record<string, string>;
  /**
   * The repository's files at each commit; `actions/checkout` without `ref:` takes GITHUB_SHA's. With
   * `fetch-depth: 0` in a pull request whose base commit is listed here, it makes a git repository:
   * the base's files as `origin/<base ref>`, the checked-out commit's on top.
   */
  commits?: Record<string, Record<string, string>>;
  /**
   * Instead of `commits`: a git repository (bare, as GitHub holds it) that `actions/checkout` clones
   * as `origin`, with the whole history only when the step asks for `fetch-depth: 0` (else one
   * commit, shallow, as the action does by default). Notes and branches can be pushed back to it.
   */
  origin?: string;
  /** Variables the runner sets (GITHUB_API_URL, GITHUB_SHA, ...). */
  runnerEnv: Record<string, string>;
  token: string;
  /** Outputs of `uses:` steps (recorded, not run), by step id: e.g. the token an action would mint. */
  usesOutputs?: Record<string, Record<string, string>>;
}

interface WorkflowStep {
  name?: string;
  id?: string;
  if?: string | boolean;
  uses?: string;
  run?: string;
  shell?: string;
  env?: Record<string, string>;
  with?: Record<string, unknown>;
  'working-directory'?: string;
}

interface WorkflowJob {
  if?: string | boolean;
  needs?: string | string[];
  uses?: string;
  with?: Record<string, unknown>;
  secrets?: Record<string, string> | 'inherit';
  environment?: string | { name: string };
  env?: Record<string, string>;
  outputs?: Record<string, string>;
  steps?: WorkflowStep[];
  permissions?: Record<string, string>;
  concurrency?: { group: string; 'cancel-in-progress'?: boolean | string };
}

export interface Workflow {
  name: string;
  on: Record<string, any>;
  permissions?: Record<string, string>;
  concurrency?: { group: string; 'cancel-in-progress'?: boolean };
  env?: Record<string, string>;
  jobs: Record<string, WorkflowJob>;
}

export async function loadWorkflow(file: string): Promise<Workflow> {
  return parse(await readFile(path.join(WORKFLOWS, file), 'utf8')) as Workflow;
}

export function parseWorkflow(text: string): Workflow {
  return parse(text) as Workflow;
}

export function assertBuilt(): void {
  if (!existsSync(path.join(REPO_ROOT, 'dist/cli/main.js'))) {
    throw new Error('dist/ is missing: run `npm run build` first (npm test does)');
  }
}

/** The reusable workflow file a `uses:` names: `./.github/workflows/F` or `org/repo/.github/workflows/F@ref` of cvex. */
export function reusableFile(uses: string): string {
  const match = /^(?:\.\/|cloudview-exceptions\/cloudview-exceptions\/)\.github\/workflows\/([\w.-]+\.ya?ml)(?:@[\w.-]+)?$/.exec(uses);
  if (!match) throw new Error(`run-workflow: not a cvex reusable workflow: ${uses}`);
  return match[1];
}

function needsOf(job: WorkflowJob): string[] {
  return job.needs === undefined ? [] : Array.isArray(job.needs) ? job.needs : [job.needs];
}

/** Runs every job of a caller workflow, in `needs` order. */
export async function runWorkflow(workflow: Workflow, context: RunContext, options: { reusable?: Record<string, Workflow> } = {}): Promise<WorkflowRun> {
  const jobs: Record<string, JobRun> = {};
  const needsContext: Record<string, { result: string; outputs: Record<string, string> }> = {};
  const pending = new Map(Object.entries(workflow.jobs));
  while (pending.size > 0) {
    const ready = [...pending.entries()].find(([, job]) => needsOf(job).every((name) => name in needsContext));
    if (!ready) throw new Error(`run-workflow: jobs wait on each other: ${[...pending.keys()].join(', ')}`);
    const [id, job] = ready;
    pending.delete(id);
    const needed = needsOf(job);
    const base = expressionBase(context, { needs: needsContext, inputs: {}, secrets: context.secrets });
    const upstreamOk = needed.every((name) => needsContext[name].result === 'success');
    const condition = job.if === undefined ? 'success()' : String(job.if);
    const runs = upstreamOk || /\b(always|failure)\s*\(/.test(condition) ? isTruthy(evaluateCondition(condition, base, { failed: !upstreamOk })) : false;
    if (!runs) {
      jobs[id] = skippedJob();
      needsContext[id] = { result: 'skipped', outputs: {} };
      continue;
    }
    if (job.uses !== undefined) {
      const file = reusableFile(job.uses);
      const called = options.reusable?.[file] ?? (await loadWorkflow(file));
      const declared = (called.on.workflow_call ?? {}) as { inputs?: Record<string, { default?: unknown }>; secrets?: Record<string, unknown>; outputs?: Record<string, { value: string }> };
      const inputs: Record<string, unknown> = {};
      for (const [name, spec] of Object.entries(declared.inputs ?? {})) inputs[name] = spec.default ?? '';
      for (const [name, value] of Object.entries(job.with ?? {})) {
        if (!(name in (declared.inputs ?? {}))) throw new Error(`run-workflow: ${job.uses} has no input '${name}'`);
        inputs[name] = typeof value === 'string' ? substitute(value, base) : value;
      }
      const secrets: Record<string, string> = {};
      if (job.secrets === 'inherit') Object.assign(secrets, context.secrets);
      else {
        for (const [name, value] of Object.entries(job.secrets ?? {})) {
          if (!(name in (declared.secrets ?? {}))) throw new Error(`run-workflow: ${job.uses} declares no secret '${name}'`);
          secrets[name] = substitute(value, base);
        }
      }
      const innerNeeds: typeof needsContext = {};
      const innerIds = Object.keys(called.jobs);
      let result: 'success' | 'failure' | 'skipped' = 'skipped';
      for (const [innerId, inner] of Object.entries(called.jobs)) {
        const innerBase = expressionBase(context, { needs: innerNeeds, inputs, secrets });
        const innerCondition = inner.if === undefined ? 'success()' : String(inner.if);
        const innerUpstreamOk = needsOf(inner).every((name) => innerNeeds[name]?.result === 'success');
        const run = innerUpstreamOk && isTruthy(evaluateCondition(innerCondition, innerBase, { failed: false }))
          ? await runSteps(called, inner, context, { inputs, secrets, needs: innerNeeds })
          : skippedJob();
        jobs[innerIds.length === 1 ? id : `${id}/${innerId}`] = run;
        innerNeeds[innerId] = { result: run.status, outputs: run.outputs };
        if (run.status === 'failure') result = 'failure';
        else if (run.status === 'success' && result !== 'failure') result = 'success';
      }
      const outputs: Record<string, string> = {};
      const jobsContext = Object.fromEntries(Object.entries(innerNeeds).map(([name, value]) => [name, { result: value.result, outputs: value.outputs }]));
      for (const [name, spec] of Object.entries(declared.outputs ?? {})) {
        outputs[name] = substitute(spec.value, { ...expressionBase(context, { needs: innerNeeds, inputs, secrets }), jobs: jobsContext });
      }
      needsContext[id] = { result, outputs };
      continue;
    }
    const run = await runSteps(workflow, job, context, { inputs: {}, secrets: context.secrets, needs: needsContext });
    jobs[id] = run;
    needsContext[id] = { result: run.status, outputs: run.outputs };
  }
  const failed = Object.values(jobs).some((job) => job.status === 'failure');
  return {
    status: failed ? 'failure' : 'success',
    jobs,
    job(name) {
      const found = jobs[name];
      if (!found) throw new Error(`no job '${name}'; jobs: ${Object.keys(jobs).join(', ')}`);
      return found;
    },
  };
}

function skippedJob(): JobRun {
  return { status: 'skipped', steps: [], summary: '', workspace: '', outputs: {}, secretNames: [], step: (name) => { throw new Error(`job skipped, no step '${name}'`); } };
}

function expressionBase(context: RunContext, extra: { needs: Record<string, unknown>; inputs: Record<string, unknown>; secrets: Record<string, string> }): Record<string, unknown> {
  return {
    github: {
      event: context.event,
      event_name: context.eventName,
      ref: context.ref,
      token: context.token,
      repository: context.runnerEnv.GITHUB_REPOSITORY,
      server_url: context.runnerEnv.GITHUB_SERVER_URL ?? 'https://github.com',
      sha: context.runnerEnv.GITHUB_SHA,
      run_id: context.runnerEnv.GITHUB_RUN_ID,
      run_attempt: context.runnerEnv.GITHUB_RUN_ATTEMPT ?? '1',
      actor: context.runnerEnv.GITHUB_ACTOR,
    },
    vars: context.vars ?? {},
    env: {},
    ...extra,
  };
}

async function emulateNpmCi(dir: string): Promise<void> {
  const scope = path.join(dir, 'node_modules', ...PACKAGE_NAME.split('/').slice(0, -1));
  await mkdir(scope, { recursive: true });
  await symlink(REPO_ROOT, path.join(dir, 'node_modules', ...PACKAGE_NAME.split('/')));
  await mkdir(path.join(dir, 'node_modules', '.bin'), { recursive: true });
  await symlink(path.join(REPO_ROOT, 'bin', 'cvex.js'), path.join(dir, 'node_modules', '.bin', 'cvex'));
}

function runGit(args: string[], cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('git', args, { cwd, env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1' } }, (error, stdout, stderr) => {
      if (error) reject(new Error(`run-workflow: git ${args.join(' ')}: ${stderr || error.message}`));
      else resolve(stdout.trim());
    });
  });
}

/**
 * actions/checkout of a git origin: fetches the commit (all history and branches only with
 * `fetch-depth: 0`), checks out the branch of `github.ref` at it when the commit is that branch's
 * (a push), else the commit detached (a pull request, an explicit `ref:`).
 */
async function cloneCheckout(origin: string, target: string, sha: string, withValues: Record<string, unknown>, context: RunContext): Promise<void> {
  await mkdir(target, { recursive: true });
  await runGit(['init', '--quiet', '--initial-branch=checkout'], target);
  await runGit(['remote', 'add', 'origin', pathToFileURL(origin).href], target);
  const full = String(withValues['fetch-depth'] ?? '1') === '0';
  if (full) await runGit(['fetch', '--quiet', '--no-tags', 'origin', '+refs/heads/*:refs/remotes/origin/*'], target);
  else await runGit(['fetch', '--quiet', '--no-tags', '--depth=1', 'origin', sha], target);
  const branch = !withValues.ref && context.ref.startsWith('refs/heads/') ? context.ref.slice('refs/heads/'.length) : undefined;
  if (branch) await runGit(['checkout', '--quiet', '-B', branch, sha], target);
  else await runGit(['checkout', '--quiet', '--detach', sha], target);
}

async function emulateCheckout(workspace: string, withValues: Record<string, unknown>, context: RunContext): Promise<string> {
  const sha = String(withValues.ref || context.runnerEnv.GITHUB_SHA);
  const target = path.join(workspace, String(withValues.path ?? '.'));
  if (context.origin) {
    await cloneCheckout(context.origin, target, sha, withValues, context);
    return sha;
  }
  const files = context.commits?.[sha];
  if (!files) throw new Error(`run-workflow: checkout of unknown commit ${sha}`);
  const full = String(withValues['fetch-depth'] ?? '1') === '0';
  const base = baseOfPullRequest(context);
  if (full && base && base.sha !== sha && context.commits?.[base.sha]) {
    // As a full clone of a pull request's merge ref: the base branch as origin/<base>, then the
    // pull request's files committed on top of it.
    await mkdir(target, { recursive: true });
    await runGit(['init', '--quiet', '--initial-branch=checkout'], target);
    await writeFiles(target, context.commits[base.sha]);
    await commitAll(target, `base ${base.sha}`);
    await runGit(['update-ref', `refs/remotes/origin/${base.ref}`, 'HEAD'], target);
    await runGit(['rm', '-r', '--quiet', '.'], target);
    await writeFiles(target, files);
    await commitAll(target, `pull request ${sha}`);
    return sha;
  }
  await writeFiles(target, files);
  return sha;
}

function baseOfPullRequest(context: RunContext): { sha: string; ref: string } | undefined {
  const pullRequest = context.event.pull_request as { base?: { sha?: string; ref?: string } } | undefined;
  if (!pullRequest?.base?.sha) return undefined;
  return { sha: pullRequest.base.sha, ref: pullRequest.base.ref ?? 'main' };
}

async function writeFiles(target: string, files: Record<string, string>): Promise<void> {
  for (const [name, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(target, name)), { recursive: true });
    await writeFile(path.join(target, name), text);
  }
}

async function commitAll(cwd: string, message: string): Promise<void> {
  await runGit(['add', '-A'], cwd);
  await runGit(['-c', 'user.name=runner', '-c', 'user.email=runner@example.invalid', 'commit', '--quiet', '--allow-empty', '-m', message], cwd);
}

async function runSteps(
  workflow: Workflow,
  job: WorkflowJob,
  context: RunContext,
  scope: { inputs: Record<string, unknown>; secrets: Record<string, string>; needs: Record<string, unknown> },
): Promise<JobRun> {
  const workspace = await mkdtemp(path.join(tmpdir(), 'cvex-workspace-'));
  const scratch = await mkdtemp(path.join(tmpdir(), 'cvex-runner-'));
  const summaryFile = path.join(scratch, 'summary.md');
  const envFile = path.join(scratch, 'env');
  await writeFile(summaryFile, '');
  await writeFile(envFile, '');
  const base0 = expressionBase(context, { ...scope });
  const environment = job.environment === undefined ? undefined : substitute(typeof job.environment === 'string' ? job.environment : job.environment.name, base0);
  const secrets = { ...scope.secrets, ...(environment ? (context.environments?.[environment] ?? {}) : {}) };
  // `npx --no-install [--prefix DIR] cvex ...`: the cvex installed in DIR (default: here), or nothing.
  const bashEnv = path.join(scratch, 'bash-env.sh');
  await writeFile(
    bashEnv,
    [
      'npx() {',
      '  local prefix="$PWD" install=yes',
      '  while [ $# -gt 0 ]; do',
      '    case "$1" in',
      '      --no-install) install=no; shift ;;',
      '      --prefix) prefix="$2"; shift 2 ;;',
      '      *) break ;;',
      '    esac',
      '  done',
      '  if [ "$install" = yes ]; then echo "run-workflow: npx without --no-install would fall through to the registry" >&2; return 127; fi',
      '  if [ "$1" != cvex ] || [ ! -e "$prefix/node_modules/.bin/cvex" ]; then echo "npx: $1 is not installed in $prefix" >&2; return 127; fi',
      '  shift; node "$prefix/node_modules/.bin/cvex" "$@"',
      '}',
      '',
    ].join('\n'),
  );

  const steps: StepRun[] = [];
  const stepsContext: Record<string, { outcome: Outcome; conclusion: Outcome; outputs: Record<string, string> }> = {};
  let failed = false;
  const jobEnv: Record<string, string> = {};

  for (const [index, step] of (job.steps ?? []).entries()) {
    const name = step.name ?? step.run?.split('\n')[0] ?? step.uses ?? `step ${index}`;
    const expressionContext = { ...expressionBase(context, { ...scope, secrets }), steps: stepsContext, env: jobEnv };
    const condition = step.if === undefined ? 'success()' : String(step.if);
    const record = (outcome: Outcome, extra: Partial<StepRun> = {}) => {
      const result: StepRun = { name, id: step.id, outcome, stdout: '', stderr: '', env: {}, ...extra };
      steps.push(result);
      if (step.id) stepsContext[step.id] = { outcome, conclusion: outcome, outputs: {} };
      return result;
    };
    if (!isTruthy(evaluateCondition(condition, expressionContext, { failed }))) {
      record('skipped');
      continue;
    }
    const cwd = path.join(workspace, step['working-directory'] ? substitute(step['working-directory'], expressionContext) : '.');
    if (step.uses !== undefined) {
      const withValues = substituteAll(step.with ?? {}, expressionContext);
      if (step.uses.startsWith('actions/checkout@')) await emulateCheckout(workspace, withValues, context);
      record('success', { recordedOnly: true, uses: step.uses, with: withValues });
      if (step.id && context.usesOutputs?.[step.id]) stepsContext[step.id].outputs = { ...context.usesOutputs[step.id] };
      continue;
    }
    if (step.run === undefined) throw new Error(`step '${name}' has neither run nor uses`);
    if (/^npm ci\b/.test(step.run.trim())) {
      if (!existsSync(path.join(cwd, 'package.json'))) {
        record('failure', { recordedOnly: true, stderr: `npm ci: no package.json in ${cwd}`, script: step.run.trim() });
        failed = true;
        continue;
      }
      await emulateNpmCi(cwd);
      record('success', { recordedOnly: true, script: step.run.trim(), cwd });
      continue;
    }

    const env: Record<string, string> = {};
    for (const source of [workflow.env, job.env, step.env]) {
      for (const [key, value] of Object.entries(source ?? {})) env[key] = substitute(String(value), expressionContext);
    }
    const outputFile = path.join(scratch, `output-${index}`);
    await writeFile(outputFile, '');
    const script = substitute(step.run, expressionContext);
    const scriptFile = path.join(scratch, `step-${index}.sh`);
    await writeFile(scriptFile, script);
    // The runner's defaults on Linux: `bash -e {0}` when no shell is given,
    // `bash --noprofile --norc -eo pipefail {0}` for `shell: bash`.
    const args = step.shell === 'bash' ? ['--noprofile', '--norc', '-eo', 'pipefail', scriptFile] : ['-e', scriptFile];
    if (step.shell !== undefined && step.shell !== 'bash') throw new Error(`step '${name}': shell ${step.shell} is not emulated`);
    const processEnv = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? scratch,
      CI: 'true',
      GITHUB_ACTIONS: 'true',
      GITHUB_EVENT_NAME: context.eventName,
      GITHUB_REF: context.ref,
      GITHUB_WORKSPACE: workspace,
      GITHUB_OUTPUT: outputFile,
      GITHUB_ENV: envFile,
      GITHUB_STEP_SUMMARY: summaryFile,
      BASH_ENV: bashEnv,
      ...context.runnerEnv,
      ...jobEnv,
      ...env,
    };
    const result = await spawnBash(args, cwd, processEnv);
    const outcome: Outcome = result.code === 0 ? 'success' : 'failure';
    record(outcome, { stdout: result.stdout, stderr: result.stderr, exitCode: result.code, script, env, cwd });
    if (step.id) stepsContext[step.id].outputs = parseOutputs(await readFile(outputFile, 'utf8'));
    Object.assign(jobEnv, parseOutputs(await readFile(envFile, 'utf8')));
    if (outcome === 'failure') failed = true;
  }

  const outputs: Record<string, string> = {};
  const finalContext = { ...expressionBase(context, { ...scope, secrets }), steps: stepsContext, env: jobEnv };
  for (const [name, value] of Object.entries(job.outputs ?? {})) outputs[name] = substitute(value, finalContext);
  const summary = await readFile(summaryFile, 'utf8');
  return {
    status: failed ? 'failure' : 'success',
    steps,
    summary,
    workspace,
    outputs,
    environment,
    secretNames: Object.keys(secrets).filter((key) => secrets[key] !== ''),
    step(nameOrId) {
      const found = steps.find((s) => s.id === nameOrId || s.name === nameOrId);
      if (!found) throw new Error(`no step '${nameOrId}'; steps: ${steps.map((s) => s.id ?? s.name).join(', ')}`);
      return found;
    },
  };
}

function spawnBash(args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  // Asynchronous on purpose: the simulator and the fake GitHub answer from this same process.
  return new Promise((resolve, reject) => {
    const child = spawn('bash', args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

function parseOutputs(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^([A-Za-z_][\w-]*)=(.*)$/.exec(line);
    if (match) outputs[match[1]] = match[2];
  }
  return outputs;
}

// ---------------------------------------------------------------------------------------------
// A small evaluator of GitHub Actions expressions: enough for the conditions and values these
// workflows use (contexts, literals, ! == != && || and parentheses, status functions). Anything
// else throws, so a workflow edit that needs more shows up as a test failure, not a silent pass.

type Value = string | number | boolean | null | Record<string, unknown> | unknown[];

const EXPRESSION = /\$\{\{([\s\S]*?)\}\}/g;

function substitute(text: string, context: Record<string, unknown>): string {
  return text.replace(EXPRESSION, (_, expression: string) => toText(evaluate(expression, context, { failed: false })));
}

function substituteAll(values: Record<string, unknown>, context: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(values).map(([key, value]) => [key, typeof value === 'string' ? substitute(value, context) : value]));
}

function evaluateCondition(condition: string, context: Record<string, unknown>, status: { failed: boolean }): Value {
  const trimmed = condition.trim();
  const inner = /^\$\{\{([\s\S]*)\}\}$/.exec(trimmed)?.[1] ?? trimmed;
  // Without a status function GitHub runs the step only when nothing failed before it.
  const hasStatus = /\b(always|success|failure|cancelled)\s*\(/.test(inner);
  return evaluate(hasStatus ? inner : `success() && (${inner})`, context, status);
}

function toText(value: Value): string {
  if (value === null) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function isTruthy(value: Value): boolean {
  return !(value === null || value === false || value === 0 || value === '' || (typeof value === 'number' && Number.isNaN(value)));
}

type Token = { kind: 'op' | 'string' | 'number' | 'ident'; text: string };

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  const pattern = /\s*(?:('(?:[^']|'')*')|(\d+(?:\.\d+)?)|(&&|\|\||==|!=|<=|>=|[!()<>])|([A-Za-z_][\w-]*(?:\.[A-Za-z_*][\w-]*)*))/y;
  let offset = 0;
  while (offset < source.length) {
    if (/^\s*$/.test(source.slice(offset))) break;
    pattern.lastIndex = offset;
    const match = pattern.exec(source);
    if (!match) throw new Error(`run-workflow: cannot read expression at '${source.slice(offset)}'`);
    offset = pattern.lastIndex;
    if (match[1] !== undefined) tokens.push({ kind: 'string', text: match[1].slice(1, -1).replace(/''/g, "'") });
    else if (match[2] !== undefined) tokens.push({ kind: 'number', text: match[2] });
    else if (match[3] !== undefined) tokens.push({ kind: 'op', text: match[3] });
    else tokens.push({ kind: 'ident', text: match[4] });
  }
  return tokens;
}

function evaluate(source: string, context: Record<string, unknown>, status: { failed: boolean }): Value {
  const tokens = tokenize(source);
  let position = 0;
  const peek = () => tokens[position];
  const take = (text?: string) => {
    const token = tokens[position];
    if (!token || (text !== undefined && token.text !== text)) throw new Error(`run-workflow: expected '${text}' in '${source}'`);
    position += 1;
    return token;
  };

  function or(): Value {
    let left = and();
    while (peek()?.text === '||') {
      take();
      const right = and();
      left = isTruthy(left) ? left : right;
    }
    return left;
  }
  function and(): Value {
    let left = equality();
    while (peek()?.text === '&&') {
      take();
      const right = equality();
      left = isTruthy(left) ? right : left;
    }
    return left;
  }
  function equality(): Value {
    let left = unary();
    while (peek()?.text === '==' || peek()?.text === '!=') {
      const op = take().text;
      const right = unary();
      left = op === '==' ? looseEquals(left, right) : !looseEquals(left, right);
    }
    return left;
  }
  function unary(): Value {
    if (peek()?.text === '!') {
      take();
      return !isTruthy(unary());
    }
    return primary();
  }
  function primary(): Value {
    const token = take();
    if (token.kind === 'string') return token.text;
    if (token.kind === 'number') return Number(token.text);
    if (token.text === '(') {
      const value = or();
      take(')');
      return value;
    }
    if (token.kind !== 'ident') throw new Error(`run-workflow: unexpected '${token.text}' in '${source}'`);
    if (token.text === 'true') return true;
    if (token.text === 'false') return false;
    if (token.text === 'null') return null;
    if (peek()?.text === '(') {
      take('(');
      take(')');
      switch (token.text) {
        case 'always':
          return true;
        case 'success':
          return !status.failed;
        case 'failure':
          return status.failed;
        case 'cancelled':
          return false;
        default:
          throw new Error(`run-workflow: function ${token.text}() is not emulated`);
      }
    }
    let value: unknown = context;
    for (const key of token.text.split('.')) {
      value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
    }
    return (value ?? null) as Value;
  }

  const result = or();
  if (position !== tokens.length) throw new Error(`run-workflow: trailing tokens in '${source}'`);
  return result;
}

function looseEquals(left: Value, right: Value): boolean {
  if (typeof left === 'string' && typeof right === 'string') return left.toLowerCase() === right.toLowerCase();
  if (typeof left === typeof right) return left === right;
  const number = (value: Value) => (value === null ? 0 : typeof value === 'boolean' ? Number(value) : typeof value === 'string' ? (value.trim() === '' ? 0 : Number(value)) : NaN);
  return number(left) === number(right);
}
