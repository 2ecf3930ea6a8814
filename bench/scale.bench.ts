// Large accounts, side by side, at N = 1,000 and 10,000: requests (the simulator's counters) and
// whole-process CPU (user + system of the `cvex` process, /usr/bin/time) of the commands a
// repository runs, each next to its ideal as a ratio:
//   no-change plan, marker-owned and adopted   ideal ceil(N/100) requests; CPU of `cvex validate` of the same manifests
//   plan with 1% changed                       ideal ceil(N/100) exception requests (old values from the history, no detail)
//   --changed-since plan (1% changed)          ideal one request per changed exception
//   apply of 1% replaces                       ideal ceil(N/100) + 2 per replace
//   import in budgeted runs (--max-requests 800)   ideal runs × ceil(N/100) + N; converges to one run's bytes
// Inventory reads of what changes are counted apart. CPU figures are medians of alternating runs
// (BENCH_RUNS, default 3); the machine is shared, so read ratios, not absolutes.
// Run: npm run bench scale        (BENCH_SIZES=1000 for the smaller size only)
import { spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { createBodyOf } from '../src/reconcile/execute';
import { generateMarkerKey, parseSigningKey } from '../src/reconcile/marker-keys';
import { DEFAULT_SIM_PASSWORD, DEFAULT_SIM_USER, startSimulator, type Simulator } from '../src/simulator';
import type { ExceptionSpec } from '../src/model/exception';
import { resourceSpec } from './specs';

const SIZES = (process.env.BENCH_SIZES ?? '1000,10000').split(',').map(Number);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const PAGE = 100;
const BUDGET = 800;
const PER_FILE = 1_000;
const CVEX = path.resolve(__dirname, '..', 'bin', 'cvex.js');
const GIT_ENV = { GIT_AUTHOR_NAME: 'bench', GIT_AUTHOR_EMAIL: 'bench@example.com', GIT_COMMITTER_NAME: 'bench', GIT_COMMITTER_EMAIL: 'bench@example.com', GIT_CONFIG_NOSYSTEM: '1' };

interface Run {
  code: number;
  cpu: number;
  stdout: string;
  stderr: string;
  requests: number;
  byRoute: Record<string, number>;
}

/** One `cvex` process under /usr/bin/time; the simulator (in this process) keeps serving meanwhile. */
function cvex(sim: Simulator, cwd: string, argv: string[], env: Record<string, string> = {}): Promise<Run> {
  sim.resetCounters();
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/time', ['-f', 'cvex-bench-cpu %U %S', process.execPath, CVEX, ...argv], {
      cwd,
      env: { ...process.env, QUALYS_API_URL: sim.url, QUALYS_USERNAME: DEFAULT_SIM_USER, QUALYS_PASSWORD: DEFAULT_SIM_PASSWORD, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      const cpu = /cvex-bench-cpu (\S+) (\S+)/.exec(stderr);
      const counters = sim.counters();
      resolve({ code: code ?? 1, cpu: cpu ? Number(cpu[1]) + Number(cpu[2]) : NaN, stdout, stderr, requests: counters.total, byRoute: { ...counters.byRoute } });
    });
  });
}

function expectCode(run: Run, codes: number[], what: string): Run {
  if (!codes.includes(run.code)) throw new Error(`${what} exited ${run.code}: ${run.stderr.slice(0, 2000)}`);
  return run;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

const exceptionRequests = (run: Run) => Object.entries(run.byRoute).filter(([route]) => route.startsWith('exceptions.')).reduce((sum, [, count]) => sum + count, 0);

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, env: { ...process.env, ...GIT_ENV }, encoding: 'utf8' }).trim();
}

function writeManifests(dir: string, specs: readonly ExceptionSpec[]): void {
  mkdirSync(path.join(dir, 'policies'), { recursive: true });
  for (let start = 0; start < specs.length; start += PER_FILE) {
    writeFileSync(path.join(dir, 'policies', `team-${String(start / PER_FILE).padStart(2, '0')}.yaml`), stringify({ version: 1, exceptions: specs.slice(start, start + PER_FILE) }));
  }
}

/** Alternating runs of each command, medians of CPU; requests from the last run (they do not vary). */
async function alternate(sim: Simulator, cwd: string, commands: Record<string, string[]>, codes: number[] = [0, 2]): Promise<Record<string, Run & { cpuMedian: number }>> {
  const runs: Record<string, Run[]> = Object.fromEntries(Object.keys(commands).map((name) => [name, []]));
  for (let round = 0; round < RUNS; round += 1) {
    for (const [name, argv] of Object.entries(commands)) runs[name].push(expectCode(await cvex(sim, cwd, argv), codes, name));
  }
  return Object.fromEntries(Object.entries(runs).map(([name, list]) => [name, { ...list[list.length - 1], cpuMedian: median(list.map((run) => run.cpu)) }]));
}

const rows: string[] = [];
function row(count: number, step: string, requests: number, ideal: number, cpu: number | undefined, cpuIdeal: number | undefined, note = ''): void {
  const ratio = (a: number, b: number) => (b > 0 ? (a / b).toFixed(2) : '-');
  rows.push(
    `| ${String(count).padStart(6)} | ${step.padEnd(34)} | ${String(requests).padStart(8)} | ${String(ideal).padStart(6)} | ${ratio(requests, ideal).padStart(5)} | ${cpu === undefined ? '     -' : `${cpu.toFixed(2)} s`.padStart(7)} | ${cpuIdeal === undefined ? '      -' : `${cpuIdeal.toFixed(2)} s`.padStart(7)} | ${cpu === undefined || cpuIdeal === undefined ? '    -' : ratio(cpu, cpuIdeal).padStart(5)} | ${note}`,
  );
  process.stdout.write(`${rows[rows.length - 1]}\n`);
}

/** A repository whose N exceptions carry its signed markers (stamped with its HEAD commit), and the changes of a pull request. */
async function owned(sim: Simulator, count: number): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'cvex-bench-owned-'));
  try {
    const key = generateMarkerKey();
    const specs = Array.from({ length: count }, (_, index) => resourceSpec('team', index));
    writeManifests(dir, specs);
    writeFileSync(path.join(dir, 'cvex.config.yaml'), stringify({ version: 1, owner: 'bench', markerKeys: [key.publicKey] }));
    git(dir, 'init', '-q', '-b', 'main');
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-m', 'the exceptions');
    const head = git(dir, 'rev-parse', 'HEAD');
    git(dir, 'update-ref', 'refs/remotes/origin/main', 'HEAD');
    const stamp = { owner: 'bench', signer: parseSigningKey(key.privateKey) };
    sim.seedExceptions(specs.map((spec) => createBodyOf(spec, head, stamp)));
    const pages = Math.ceil(count / PAGE);

    const still = await alternate(sim, dir, { validate: ['validate'], plan: ['plan', '--detailed-exitcode'] });
    row(count, 'no-change plan, marker-owned', still.plan.requests, pages, still.plan.cpuMedian, still.validate.cpuMedian, 'CPU ideal: validate of the same manifests');

    // 1% changed in the repository (a pull request, not yet committed): a later end date.
    const changed = specs.map((spec, index) => (index % 100 === 0 ? { ...spec, endDate: '2027-03-31' } : spec));
    const k = changed.filter((spec, index) => spec !== specs[index]).length;
    writeManifests(dir, changed);
    const plans = await alternate(sim, dir, { validate: ['validate'], plan: ['plan', '--detailed-exitcode', '--format', 'json'], 'changed-since': ['plan', '--detailed-exitcode', '--changed-since', 'origin/main'] });
    const oneChanged = plans.plan;
    const history = (JSON.parse(oneChanged.stdout) as { changes: Array<{ oldValuesFrom?: string }> }).changes.filter((change) => change.oldValuesFrom === 'history').length;
    row(count, 'plan, 1% changed', exceptionRequests(oneChanged), pages, oneChanged.cpuMedian, plans.validate.cpuMedian, `${k} replaces, old values from the history for ${history}; + ${oneChanged.requests - exceptionRequests(oneChanged)} inventory requests`);
    const since = plans['changed-since'];
    row(count, '--changed-since plan, 1% changed', exceptionRequests(since), k, since.cpuMedian, plans.validate.cpuMedian, `one request per changed exception; + ${since.requests - exceptionRequests(since)} inventory requests`);

    const applied = expectCode(await cvex(sim, dir, ['apply', '--auto-approve', '--allow-removals', String(k)], { CVEX_SIGNING_KEY: key.privateKey }), [0], 'apply');
    row(count, 'apply of 1% replaces', exceptionRequests(applied), pages + 2 * k, applied.cpu, plans.validate.cpuMedian, `${k} deletes + ${k} creates; + ${applied.requests - exceptionRequests(applied)} inventory requests`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function filesOf(dir: string): Record<string, string> {
  const files: Record<string, string> = { 'cvex.config.yaml': readFileSync(path.join(dir, 'cvex.config.yaml'), 'utf8') };
  for (const name of readdirSync(path.join(dir, 'policies')).sort()) files[name] = readFileSync(path.join(dir, 'policies', name), 'utf8');
  return files;
}

/** An account made in the UI, adopted by `cvex import` in one run and, in another repository, in runs of BUDGET requests. */
async function adopted(sim: Simulator, count: number): Promise<void> {
  const one = mkdtempSync(path.join(tmpdir(), 'cvex-bench-adopted-'));
  const runs = mkdtempSync(path.join(tmpdir(), 'cvex-bench-adopted-runs-'));
  try {
    for (let index = 0; index < count; index += 1) sim.createExceptionAsUi(resourceSpec('ui', index));
    const pages = Math.ceil(count / PAGE);
    for (const dir of [one, runs]) writeFileSync(path.join(dir, 'cvex.config.yaml'), 'version: 1\nowner: bench\n');

    const single = expectCode(await cvex(sim, one, ['import']), [0], 'import');
    row(count, 'import, one run', single.requests, pages + count, single.cpu, undefined, `${readdirSync(path.join(one, 'policies')).length} files`);

    let requests = 0;
    let cpu = 0;
    let made = 0;
    for (let run = 1; run <= 100; run += 1) {
      const result = expectCode(await cvex(sim, runs, ['import', '--max-requests', String(BUDGET)]), [0], `import run ${run}`);
      requests += result.requests;
      cpu += result.cpu;
      made = run;
      if (!result.stdout.includes('stopped at')) break;
    }
    const idealRuns = Math.ceil(count / (BUDGET - pages));
    const identical = JSON.stringify(filesOf(one)) === JSON.stringify(filesOf(runs));
    row(count, `import in runs of ${BUDGET} requests`, requests, idealRuns * pages + count, cpu, undefined, `${made} runs (ideal ${idealRuns}); the same bytes as one run: ${identical ? 'yes' : 'NO'}`);

    const still = await alternate(sim, one, { validate: ['validate'], plan: ['plan', '--detailed-exitcode'] });
    row(count, 'no-change plan, adopted', still.plan.requests, pages, still.plan.cpuMedian, still.validate.cpuMedian, `${count} exact manage: names; CPU ideal: validate of the same manifests`);
  } finally {
    rmSync(one, { recursive: true, force: true });
    rmSync(runs, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  if (!existsSync('/usr/bin/time')) throw new Error('/usr/bin/time is needed to measure a whole process (apt-get install time)');
  process.stdout.write(`Large accounts: requests (simulator counters, page size ${PAGE}) and whole-process CPU (median of ${RUNS} alternating runs)\n\n`);
  process.stdout.write('|      N | step                               | requests |  ideal | ratio |     CPU | CPU ideal | ratio | note\n|-------:|------------------------------------|---------:|-------:|------:|--------:|--------:|------:|------\n');
  for (const count of SIZES) {
    for (const scenario of [owned, adopted]) {
      const sim = await startSimulator({ maxPageSize: PAGE });
      try {
        await scenario(sim, count);
      } finally {
        await sim.close();
      }
    }
  }
  process.stdout.write('\nCPU ideal: `cvex validate` of the same manifests (a plan validates them too). Requests of the apply and plans: exception routes; inventory reads of the changes are in the note.\n');
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
