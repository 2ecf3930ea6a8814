// Start-up: whole-process CPU (user + system, from /usr/bin/time) of `cvex validate` on one file and
// of `cvex --version`, against `node -e 0`, in alternating runs (the machine is shared: A/B/C, A/B/C
// ... so drift hits every command alike). Prints medians and the budget 1.5 × node + 0.15 s.
// Run: npm run bench startup        (BENCH_STARTUP_RUNS=21 for more runs; default 15)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

const RUNS = Number(process.env.BENCH_STARTUP_RUNS ?? 15);
const TIME = '/usr/bin/time';
const CVEX = path.resolve(__dirname, '..', 'bin', 'cvex.js');

const MANIFEST = `version: 1
exceptions:
  - name: one-exception
    cloudType: AWS
    exceptionScope: CONNECTOR
    explanation: The sandbox account is rebuilt nightly.
    exceptionReason: Risk Accepted
    startDate: 2026-11-01
    endDate: 2027-01-31
    controlIds: [2, 3]
    accountIds: ["555566667777"]
`;

/** CPU seconds (user + system) of one run of `argv`, as /usr/bin/time reports it. */
function cpuSeconds(argv: string[], cwd: string): number {
  const result = spawnSync(TIME, ['-f', 'cvex-bench-cpu %U %S', ...argv], { cwd, encoding: 'utf8' });
  const line = /cvex-bench-cpu (\S+) (\S+)/.exec(result.stderr ?? '');
  if (result.status !== 0 || !line) throw new Error(`${argv.join(' ')} failed (${result.status}): ${result.stderr}`);
  return Number(line[1]) + Number(line[2]);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function main(): void {
  if (!existsSync(TIME)) throw new Error(`${TIME} is needed to measure a whole process's CPU (apt-get install time)`);
  const dir = mkdtempSync(path.join(tmpdir(), 'cvex-bench-startup-'));
  try {
    writeFileSync(path.join(dir, 'one.yaml'), MANIFEST);
    const commands = {
      'node -e 0': [process.execPath, '-e', '0'],
      'cvex validate one.yaml': [process.execPath, CVEX, 'validate', 'one.yaml'],
      'cvex --version': [process.execPath, CVEX, '--version'],
    };
    const samples = new Map<string, number[]>(Object.keys(commands).map((name) => [name, []]));
    for (let run = 0; run < RUNS; run += 1) {
      for (const [name, argv] of Object.entries(commands)) samples.get(name)!.push(cpuSeconds(argv, dir));
    }
    const node = median(samples.get('node -e 0')!);
    const budget = 1.5 * node + 0.15;
    process.stdout.write(`Whole-process CPU (user + system), median of ${RUNS} alternating runs\n\n| command | CPU | × node -e 0 | budget 1.5 × node + 0.15 s |\n|---|---:|---:|---:|\n`);
    for (const [name, values] of samples) {
      const cpu = median(values);
      const verdict = name === 'cvex validate one.yaml' ? `${budget.toFixed(2)} s (${cpu <= budget ? 'within' : 'OVER'}, ${(cpu / budget).toFixed(2)} of it)` : '';
      process.stdout.write(`| ${name} | ${cpu.toFixed(2)} s | ${(cpu / node).toFixed(2)} | ${verdict} |\n`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main();
