// Runs a job of a .github/workflows file locally, the way the Actions runner would, for the steps
// that matter here: `run:` scripts in bash with the step's env (`${{ }}` expressions substituted),
// `if:` conditions evaluated, GITHUB_OUTPUT / GITHUB_STEP_SUMMARY files, step outcomes.
// `uses:` steps and `npm ci` are recorded, not run. `npx cvex ...` runs the built CLI
// (`node bin/cvex.js`, so `npm run build` first); `node scripts/...` runs the repository's scripts.
// The commands come from the YAML itself, so the tests follow the file.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parse } from 'yaml';

export const REPO_ROOT = path.resolve(__dirname, '../..');
const CVEX_BIN = path.join(REPO_ROOT, 'bin/cvex.js');

export type Outcome = 'success' | 'failure' | 'skipped';

export interface StepRun {
  name: string;
  id?: string;
  outcome: Outcome;
  /** `uses:` or `npm ci`: recorded, not executed. */
  recordedOnly?: boolean;
  uses?: string;
  with?: Record<string, unknown>;
  stdout: string;
  stderr: string;
  exitCode?: number;
  /** The script as run, after `${{ }}` substitution. */
  script?: string;
  env: Record<string, string>;
}

export interface JobRun {
  status: 'success' | 'failure';
  steps: StepRun[];
  /** The whole GITHUB_STEP_SUMMARY of the job. */
  summary: string;
  step(nameOrId: string): StepRun;
}

export interface RunContext {
  /** The checked-out repository (a temp dir with manifests). */
  cwd: string;
  event: Record<string, unknown>;
  eventName: string;
  secrets: Record<string, string>;
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
}

export interface Workflow {
  name: string;
  on: Record<string, unknown>;
  permissions?: Record<string, string>;
  concurrency?: { group: string; 'cancel-in-progress'?: boolean };
  env?: Record<string, string>;
  jobs: Record<string, { env?: Record<string, string>; steps: WorkflowStep[] }>;
}

export async function loadWorkflow(file: string): Promise<Workflow> {
  return parse(await readFile(path.join(REPO_ROOT, '.github/workflows', file), 'utf8')) as Workflow;
}

/** A temp "checkout" with the given files, and the repository's scripts/ and node_modules/ linked in. */
export async function makeCheckout(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'cvex-workflow-'));
  for (const [name, text] of Object.entries(files)) {
    const file = path.join(dir, name);
    await import('node:fs/promises').then((fs) => fs.mkdir(path.dirname(file), { recursive: true }));
    await writeFile(file, text);
  }
  await symlink(path.join(REPO_ROOT, 'scripts'), path.join(dir, 'scripts'));
  await symlink(path.join(REPO_ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  return dir;
}

export function assertBuilt(): void {
  if (!existsSync(path.join(REPO_ROOT, 'dist/cli/main.js'))) {
    throw new Error('dist/ is missing: run `npm run build` first (npm test does)');
  }
}

export async function runJob(workflow: Workflow, jobName: string, context: RunContext): Promise<JobRun> {
  const job = workflow.jobs[jobName];
  if (!job) throw new Error(`no job '${jobName}' in workflow ${workflow.name}`);
  const scratch = await mkdtemp(path.join(tmpdir(), 'cvex-runner-'));
  const summaryFile = path.join(scratch, 'summary.md');
  await writeFile(summaryFile, '');
  // `npx cvex` is the package's own bin in the checkout; here it is the built one.
  const bashEnv = path.join(scratch, 'bash-env.sh');
  await writeFile(
    bashEnv,
    [
      'npx() {',
      '  if [ "$1" = cvex ]; then shift; node "$CVEX_BIN" "$@"; return $?; fi',
      '  echo "run-workflow: unexpected npx $*" >&2; return 127',
      '}',
      '',
    ].join('\n'),
  );

  const steps: StepRun[] = [];
  const stepsContext: Record<string, { outcome: Outcome; conclusion: Outcome; outputs: Record<string, string> }> = {};
  let failed = false;

  for (const [index, step] of job.steps.entries()) {
    const name = step.name ?? step.run?.split('\n')[0] ?? step.uses ?? `step ${index}`;
    const expressionContext = {
      github: {
        event: context.event,
        event_name: context.eventName,
        token: context.token,
        repository: context.runnerEnv.GITHUB_REPOSITORY,
        sha: context.runnerEnv.GITHUB_SHA,
        run_id: context.runnerEnv.GITHUB_RUN_ID,
        run_attempt: context.runnerEnv.GITHUB_RUN_ATTEMPT ?? '1',
        actor: context.runnerEnv.GITHUB_ACTOR,
      },
      secrets: context.secrets,
      steps: stepsContext,
      env: {},
    };
    const status = { failed };
    const condition = step.if === undefined ? 'success()' : String(step.if);
    const run = (outcome: Outcome, extra: Partial<StepRun> = {}) => {
      const record: StepRun = { name, id: step.id, outcome, stdout: '', stderr: '', env: {}, ...extra };
      steps.push(record);
      if (step.id) stepsContext[step.id] = { outcome, conclusion: outcome, outputs: {} };
      return record;
    };
    if (!isTruthy(evaluateCondition(condition, expressionContext, status))) {
      run('skipped');
      continue;
    }
    if (step.uses !== undefined || step.run?.trim() === 'npm ci') {
      run('success', { recordedOnly: true, uses: step.uses, with: substituteAll(step.with ?? {}, expressionContext) });
      if (step.id && context.usesOutputs?.[step.id]) stepsContext[step.id].outputs = { ...context.usesOutputs[step.id] };
      continue;
    }
    if (step.run === undefined) throw new Error(`step '${name}' has neither run nor uses`);

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
      GITHUB_WORKSPACE: context.cwd,
      GITHUB_OUTPUT: outputFile,
      GITHUB_STEP_SUMMARY: summaryFile,
      BASH_ENV: bashEnv,
      CVEX_BIN,
      ...context.runnerEnv,
      ...env,
    };
    const result = await spawnBash(args, context.cwd, processEnv);
    const outcome: Outcome = result.code === 0 ? 'success' : 'failure';
    const record = run(outcome, { stdout: result.stdout, stderr: result.stderr, exitCode: result.code, script, env });
    if (step.id) stepsContext[step.id].outputs = parseOutputs(await readFile(outputFile, 'utf8'));
    if (outcome === 'failure') failed = true;
    void record;
  }

  const summary = await readFile(summaryFile, 'utf8');
  return {
    status: failed ? 'failure' : 'success',
    steps,
    summary,
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
