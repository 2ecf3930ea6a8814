// `cvex log` over a long history: 2,000 commits (merges of pull requests, squash merges, direct
// commits) over 10 manifest files of 20 exceptions each, and 200 apply records in git notes. The
// history is written with `git fast-import` (seconds), then `cvex log` runs in process. Figures:
// git processes started (must not grow with the history) and wall time.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { main } from '../src/cli/main';
import type { CliIo } from '../src/command-line/io';
import { gitProcessCounter } from '../src/git/exec-git';

const COMMITS = 2_000;
const FILES = 10;
const PER_FILE = 20;
const APPLIES = 200;

function manifest(file: number, version: number[]): string {
  const lines = ['# generated for the benchmark', 'version: 1', 'defaults:', '  cloudType: AWS', '  exceptionReason: Risk Accepted', '  startDate: "2026-01-01"', '  metadata: { owner: team-' + file + ' }', 'exceptions:'];
  for (let index = 0; index < PER_FILE; index += 1) {
    const day = String((version[index] % 28) + 1).padStart(2, '0');
    lines.push(`  - name: bench-${file}-${index}`, '    exceptionScope: CONNECTOR', `    explanation: benchmark ${file}/${index}`, `    endDate: "2027-03-${day}"`, '    controlIds: [2]', '    accountIds: ["123456789012"]');
  }
  return `${lines.join('\n')}\n`;
}

function history(): string {
  const out: string[] = [];
  const data = (text: string) => `data ${Buffer.byteLength(text)}\n${text}`;
  const versions = Array.from({ length: FILES }, () => new Array<number>(PER_FILE).fill(0));
  let mark = 0;
  let main = 0;
  let time = 1_767_225_600; // 2026-01-01
  const commit = (ref: string, subject: string, from: number, merge: number | undefined, files: number[]) => {
    mark += 1;
    time += 3_600;
    out.push(`commit ${ref}`, `mark :${mark}`, `author Dev ${mark % 7} <dev${mark % 7}@example.com> ${time} +0000`, `committer GitHub <noreply@github.com> ${time} +0000`, data(`${subject}\n`).trimEnd());
    if (from) out.push(`from :${from}`);
    if (merge) out.push(`merge :${merge}`);
    for (const file of files) out.push(`M 100644 inline policies/team-${file}.yaml`, data(manifest(file, versions[file])).trimEnd());
    return mark;
  };
  main = commit('refs/heads/main', 'Initial exceptions', 0, undefined, Array.from({ length: FILES }, (_, file) => file));
  let made = 1;
  for (let change = 1; made < COMMITS; change += 1) {
    const file = change % FILES;
    versions[file][change % PER_FILE] += 1;
    if (change % 3 === 0) {
      // A pull request: a branch commit, then GitHub's merge commit.
      const branch = commit('refs/heads/feature', `Renew bench-${file}-${change % PER_FILE}`, main, undefined, [file]);
      main = commit('refs/heads/main', `Merge pull request #${change} from acme/renew-${change}`, main, branch, []);
      made += 2;
    } else {
      main = commit('refs/heads/main', `Renew bench-${file}-${change % PER_FILE} (#${change})`, main, undefined, [file]);
      made += 1;
    }
  }
  // Apply records on every 10th main-line commit.
  const notes: string[] = [];
  for (let index = 0; index < APPLIES; index += 1) {
    const target = Math.max(1, mark - index * 10);
    notes.push(`N inline :${target}`, data(`${JSON.stringify({ version: 1, kind: 'cvex-apply', time: new Date((time - index * 36_000) * 1000).toISOString(), actor: 'octocat', commit: 'x', range: { from: null, to: 'x' }, target: 'https://qualys.example', worktree: 'clean', outcome: 'succeeded', summary: { succeeded: 1, failed: 0, notStarted: 0 }, lifted: [], changes: [{ action: 'replace', name: `bench-${index % FILES}-${index % PER_FILE}`, uuidBefore: 'a', uuidAfter: 'b', fingerprintBefore: null, fingerprintAfter: null, fields: [], result: 'succeeded' }], tags: [] })}\n`).trimEnd());
  }
  out.push('commit refs/notes/cvex', `committer cvex <cvex@example.com> ${time} +0000`, data('apply records\n').trimEnd(), ...notes);
  return `${out.join('\n')}\n`;
}

async function run(dir: string, argv: string[]): Promise<{ ms: number; processes: number; bytes: number }> {
  let stdout = '';
  const io: CliIo = { stdout: { write: (text: string) => (stdout += text) }, stderr: { write: () => true }, env: {}, cwd: dir };
  const processes = gitProcessCounter.count;
  const started = process.hrtime.bigint();
  const code = await main(argv, io);
  if (code !== 0) throw new Error(`cvex ${argv.join(' ')} exited ${code}`);
  return { ms: Number(process.hrtime.bigint() - started) / 1e6, processes: gitProcessCounter.count - processes, bytes: stdout.length };
}

async function benchmark(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'cvex-log-bench-'));
  try {
    execFileSync('git', ['init', '--quiet', '--initial-branch=main', dir]);
    const started = process.hrtime.bigint();
    execFileSync('git', ['fast-import', '--quiet'], { cwd: dir, input: history(), maxBuffer: 1 << 30 });
    execFileSync('git', ['checkout', '--quiet', '-f', 'main'], { cwd: dir });
    const commits = execFileSync('git', ['rev-list', '--count', 'HEAD'], { cwd: dir }).toString().trim();
    console.log(`history: ${commits} commits, ${FILES} files × ${PER_FILE} exceptions, ${APPLIES} apply records, written in ${(Number(process.hrtime.bigint() - started) / 1e6).toFixed(0)} ms`);
    await run(dir, ['log', '--offline', '--format', 'json']); // warm-up: module loading
    const rows = [
      ['every exception, json', await run(dir, ['log', '--offline', '--format', 'json'])],
      ['every exception, text', await run(dir, ['log', '--offline'])],
      ['one exception, text', await run(dir, ['log', '--offline', 'bench-3-3'])],
    ] as const;
    console.log('');
    console.log('| cvex log | git processes | wall time | output |');
    console.log('|---|---:|---:|---:|');
    for (const [label, result] of rows) console.log(`| ${label} | ${result.processes} | ${(result.ms / 1000).toFixed(2)} s | ${(result.bytes / 1024).toFixed(1)} KiB |`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

benchmark().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
