import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/command-line/io';
import { main } from '../../src/cli/main';

interface Captured {
  io: CliIo;
  stdout: () => string;
  stderr: () => string;
}

function captureIo(cwd: string, env: NodeJS.ProcessEnv = {}): Captured {
  let out = '';
  let err = '';
  return {
    io: { cwd, env, stdout: { write: (text: string) => (out += text) }, stderr: { write: (text: string) => (err += text) } },
    stdout: () => out,
    stderr: () => err,
  };
}

function manifest(exceptions: { name: string; endDate: string; metadata?: Record<string, string> }[]): string {
  const lines = ['version: 1', 'defaults:', '  cloudType: AWS', '  exceptionScope: CONNECTOR', '  exceptionReason: Risk Accepted', '  startDate: "2026-01-01"', '  controlIds: [50036]', '  accountIds: ["123456789012"]', 'exceptions:'];
  for (const exception of exceptions) {
    lines.push(`  - name: ${exception.name}`, `    explanation: test exception ${exception.name}`, `    endDate: "${exception.endDate}"`);
    if (exception.metadata) {
      lines.push('    metadata:');
      for (const [key, value] of Object.entries(exception.metadata)) lines.push(`      ${key}: ${JSON.stringify(value)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

async function repo(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'cvex-expiring-'));
  for (const [name, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), text);
  }
  return dir;
}

const FIXTURE = {
  'policies/aws.yaml': manifest([
    { name: 'far-away', endDate: '2027-06-30' },
    { name: 'soon', endDate: '2026-11-30', metadata: { owner: 'alice', ticket: 'SEC-12' } },
    { name: 'gone', endDate: '2026-11-01', metadata: { owner: 'bob' } },
    { name: 'in-three-weeks', endDate: '2026-12-14' },
  ]),
};

async function run(argv: string[], cwd: string, env?: NodeJS.ProcessEnv) {
  const captured = captureIo(cwd, env);
  const code = await main(['expiring', ...argv], captured.io);
  return { code, stdout: captured.stdout(), stderr: captured.stderr() };
}

describe('cvex expiring', () => {
  it('lists expired and soon-ending exceptions, soonest first, with owner and ticket (text)', async () => {
    const cwd = await repo(FIXTURE);
    const result = await run(['--now', '2026-11-23'], cwd);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('Exceptions ending by 2026-12-07 (within 14 days of 2026-11-23, UTC):');
    expect(lines[1]).toMatch(/^ {2}EXPIRED +2026-11-01 \(ended 22 days ago\) +gone +owner: bob +policies\/aws\.yaml:\d+$/);
    expect(lines[2]).toMatch(/^ {2}expiring +2026-11-30 \(in 7 days\) +soon +owner: alice +ticket: SEC-12 +policies\/aws\.yaml:\d+$/);
    expect(lines).toHaveLength(4);
    expect(result.stdout).not.toContain('far-away');
  });

  it('reads --within in days or weeks', async () => {
    const cwd = await repo(FIXTURE);
    const json = async (within: string) => JSON.parse((await run(['--now', '2026-11-23', '--within', within, '--format', 'json'], cwd)).stdout);
    expect((await json('30d')).exceptions.map((e: { name: string }) => e.name)).toEqual(['gone', 'soon', 'in-three-weeks']);
    expect((await json('3w')).exceptions.map((e: { name: string }) => e.name)).toEqual(['gone', 'soon', 'in-three-weeks']);
    expect((await json('2w')).withinDays).toBe(14);
    const report = await json('0d');
    expect(report).toMatchObject({ version: 1, today: '2026-11-23', windowEnd: '2026-11-23', expiredCount: 1, expiringCount: 0 });
    expect(report.exceptions[0]).toMatchObject({ name: 'gone', status: 'expired', daysLeft: -22, owner: 'bob', file: 'policies/aws.yaml' });
  });

  it('renders markdown with user text escaped', async () => {
    const cwd = await repo({
      'policies/aws.yaml': manifest([{ name: 'soon', endDate: '2026-11-30', metadata: { owner: '@security-team', ticket: 'a|b `x` <b>' } }]),
    });
    const result = await run(['--now', '2026-11-23', '--format', 'markdown'], cwd);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('<!-- cvex-expiring -->');
    expect(result.stdout).toContain('| 🟡 in 7 days | soon | 2026-11-30 | @&#8203;security-team | a\\|b \\`x\\` &lt;b&gt; | Risk Accepted |');
  });

  it('takes today from the config time zone, and honours --config and --timezone', async () => {
    const cwd = await repo({ ...FIXTURE, 'cvex.config.yaml': 'timezone: Pacific/Kiritimati\n', 'other.yaml': 'timezone: Etc/GMT+12\n' });
    const today = async (...argv: string[]) => JSON.parse((await run([...argv, '--format', 'json'], cwd)).stdout);
    const kiritimati = await today();
    expect(kiritimati.timeZone).toBe('Pacific/Kiritimati');
    const minus12 = await today('--config', 'other.yaml');
    expect(minus12.timeZone).toBe('Etc/GMT+12');
    // UTC+14 and UTC-12 are never on the same calendar day.
    expect(kiritimati.today).not.toBe(minus12.today);
    expect((await today('--timezone', 'UTC', '--now', '2026-11-23')).today).toBe('2026-11-23');
  });

  it('reads only the given paths', async () => {
    const cwd = await repo({ ...FIXTURE, 'other/gcp.yaml': manifest([{ name: 'gcp-soon', endDate: '2026-11-24' }]) });
    const result = await run(['other', '--now', '2026-11-23', '--format', 'json'], cwd);
    expect(JSON.parse(result.stdout).exceptions.map((e: { name: string }) => e.name)).toEqual(['gcp-soon']);
  });

  it('prints manifest errors and exits 1', async () => {
    const cwd = await repo({ 'policies/bad.yaml': manifest([{ name: 'bad', endDate: '2026-02-30' }]) });
    const result = await run(['--now', '2026-11-23'], cwd);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/policies\/bad\.yaml:\d+:\d+: error: /);
    expect(result.stderr).toContain('cvex expiring: the manifests have errors');
  });

  it('treats bad flags as usage errors (exit 2)', async () => {
    const cwd = await repo(FIXTURE);
    for (const argv of [['--within', '14'], ['--within', '2m'], ['--within', 'soon'], ['--format', 'html'], ['--now', '2026-02-30'], ['--timezone', 'Mars/Base'], ['--nope']]) {
      const result = await run(argv, cwd);
      expect(result.code, argv.join(' ')).toBe(2);
      expect(result.stderr).toMatch(/^cvex expiring: /);
    }
    expect((await run(['--help'], cwd)).stdout).toContain('--within DURATION');
  });
});
