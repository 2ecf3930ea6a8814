// `cvex report` in process: main(['report', ...], io) with captured io, against the simulator over
// loopback, credentials from the env as in production.
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type CloudViewClient, createCloudViewClient } from '../../src/api/client';
import type { CliIo } from '../../src/command-line/io';
import { main } from '../../src/cli/main';
import { loadAndValidate } from '../../src/manifest';
import { daysBetween, localDateOf } from '../../src/model/dates';
import { fingerprintSpec } from '../../src/reconcile/fingerprint';
import { addMarker, stampMarker } from '../../src/reconcile/marker';
import { startSimulator } from '../../src/simulator';
import { DEFAULT_SIM_PASSWORD, DEFAULT_SIM_USER, type Simulator } from '../../src/simulator/types';
import reportSchema from '../../schemas/report.schema.json';

const MANIFEST = `version: 1
defaults:
  cloudType: AWS
  exceptionReason: Risk Accepted
  startDate: "2026-01-01"
  endDate: "2099-12-31"
exceptions:
  - name: public-bucket
    explanation: Public by design.
    exceptionScope: RESOURCE
    controlIds: [1, 2]
    resources:
      - resourceId: "arn:aws:s3:::acme-prod-public-assets"
        accountId: "123456789012"
  - name: backups-pass
    explanation: Was failing once.
    exceptionScope: RESOURCE
    controlIds: [1]
    resources:
      - resourceId: "arn:aws:s3:::acme-prod-backups"
        accountId: "123456789012"
  - name: wide
    explanation: "Security groups, all of them, twice."
    exceptionScope: CONNECTOR
    controlIds: [67]
    accountIds: ["123456789012", "210987654321"]
`;

interface Captured {
  io: CliIo;
  stdout: () => string;
  stderr: () => string;
}

let sim: Simulator;
let client: CloudViewClient;
let cwd: string;

function capture(env: NodeJS.ProcessEnv = envFor(), tty = false): Captured {
  let out = '';
  let err = '';
  return {
    io: { cwd, env, stdout: { write: (text: string) => (out += text) }, stderr: { write: (text: string) => (err += text), isTTY: tty } },
    stdout: () => out,
    stderr: () => err,
  };
}

function envFor(): NodeJS.ProcessEnv {
  return { QUALYS_API_URL: sim.url, QUALYS_USERNAME: DEFAULT_SIM_USER, QUALYS_PASSWORD: DEFAULT_SIM_PASSWORD };
}

async function run(args: string[], captured = capture()): Promise<{ code: number; out: string; err: string }> {
  const code = await main(['report', ...args], captured.io);
  return { code, out: captured.stdout(), err: captured.stderr() };
}

beforeAll(async () => {
  sim = await startSimulator();
  client = createCloudViewClient({ baseUrl: sim.url, username: DEFAULT_SIM_USER, password: DEFAULT_SIM_PASSWORD });
  cwd = await mkdtemp(path.join(tmpdir(), 'cvex-report-'));
  await mkdir(path.join(cwd, 'policies'), { recursive: true });
  await writeFile(path.join(cwd, 'policies', 'aws.yaml'), MANIFEST);
});
afterAll(async () => {
  await client.close();
  await sim.close();
});
beforeEach(async () => {
  // As `cvex apply` would leave it: every manifest created with its marker.
  const { manifests } = await loadAndValidate([], { cwd });
  expect(manifests.exceptions).toHaveLength(3);
  for (const { spec } of manifests.exceptions) {
    await client.createException({ ...spec, explanation: addMarker(spec.explanation, stampMarker(spec.name, fingerprintSpec(spec), { owner: 'local', commit: 'abcdef012345' })) });
  }
  sim.resetCounters();
});
afterEach(async () => {
  const uuids = sim.exceptions().map((e) => e.uuid);
  if (uuids.length > 0) await client.deleteExceptions(uuids);
});

describe('cvex report', () => {
  it('prints a json report that matches its schema, targets from the repository, no detail requests', async () => {
    const { code, out, err } = await run(['--format', 'json']);
    expect(err).toBe('');
    expect(code).toBe(0);
    const report = JSON.parse(out);
    const ajv = new Ajv({ allErrors: true, strict: true });
    addFormats(ajv);
    expect(ajv.validate(reportSchema, report), JSON.stringify(ajv.errors)).toBe(true);
    const rows = Object.fromEntries(report.exceptions.map((row: { name: string }) => [row.name, row]));
    const days = daysBetween(localDateOf(new Date(), 'UTC'), '2099-12-31');
    expect(rows['public-bucket']).toMatchObject({ state: 'ACTIVE', daysToExpiry: days, passWithException: 2, stale: false, targetsFrom: 'repo', file: 'policies/aws.yaml' });
    expect(rows['backups-pass']).toMatchObject({ stale: true, staleReason: 'now-passes' });
    expect(rows.wide).toMatchObject({ passWithException: 2, overBroad: true, overBroadReasons: ['2 accounts'] });
    expect(report.summary).toMatchObject({ managed: 3, stale: 1, overBroad: 1, passWithException: 4 });
    expect(sim.counters().byRoute).toEqual({ 'exceptions.list': 1, 'evaluations.summary': 2, 'evaluations.list': 1 });
  });

  it('prints text by default, markdown and csv on request', async () => {
    const text = await run([]);
    expect(text.code).toBe(0);
    expect(text.out).toContain('3 managed exceptions: 3 active, 0 inactive, 0 expired; 4 evaluations exempted; 1 stale, 1 over-broad');
    expect(text.out).toMatch(/backups-pass .*STALE \(now-passes\)/);

    const markdown = await run(['--format', 'markdown']);
    expect(markdown.out).toContain('| Exception | Scope | State | Ends | Accounts | Exempted | Stale | Over-broad | Source |');
    expect(markdown.out).toContain('**over-broad** (2 accounts)');

    const csv = await run(['--format', 'csv']);
    const lines = csv.out.trimEnd().split('\r\n');
    expect(lines).toHaveLength(4);
    expect(lines[0].split(',')).toContain('passWithException');
    expect(lines.find((line) => line.startsWith('wide,'))).toContain(',CONNECTOR,ACTIVE,');
  });

  it('honours --over-broad and --timezone', async () => {
    const { out } = await run(['--format', 'json', '--over-broad', '1', '--timezone', 'Asia/Kolkata']);
    const report = JSON.parse(out);
    expect(report).toMatchObject({ overBroadThreshold: 1, timeZone: 'Asia/Kolkata' });
    expect(report.exceptions.find((row: { name: string }) => row.name === 'wide').overBroadReasons).toEqual(['covers 2 > 1', '2 accounts']);
  });

  it('reads --config: manage globs claim exceptions made in the UI', async () => {
    await writeFile(path.join(cwd, 'team.config.yaml'), 'manage: ["ui-*"]\n');
    sim.createExceptionAsUi({
      name: 'ui-made',
      cloudType: 'AWS',
      exceptionScope: 'CONNECTOR',
      explanation: 'made by hand',
      exceptionReason: 'Other',
      startDate: '2026-01-01',
      endDate: '2099-12-31',
      controlIds: [2],
      accountIds: ['210987654321'],
    });
    const without = JSON.parse((await run(['--format', 'json'])).out);
    expect(without.summary.managed).toBe(3);
    const withConfig = JSON.parse((await run(['--format', 'json', '--config', 'team.config.yaml'])).out);
    expect(withConfig.exceptions.find((row: { name: string }) => row.name === 'ui-made')).toMatchObject({ targetsFrom: 'detail', passWithException: 2 });
  });

  it('draws progress on stderr only when stderr is a terminal', async () => {
    const tty = await run(['--format', 'json'], capture(envFor(), true));
    expect(tty.err).toContain('\r\u001b[2Kcvex report: listing exceptions…');
    expect(tty.err.endsWith('\r\u001b[2K')).toBe(true);
    expect(JSON.parse(tty.out).summary.managed).toBe(3);
    const pipe = await run(['--format', 'json'], capture(envFor(), false));
    expect(pipe.err).toBe('');
  });

  it('rejects bad flags and missing credentials with exit 2', async () => {
    const format = await run(['--format', 'xml']);
    expect(format.code).toBe(2);
    expect(format.err).toContain('--format: expected text, json, markdown, csv');
    expect((await run(['--over-broad', 'many'])).code).toBe(2);
    expect((await run(['--nope'])).code).toBe(2);
    const creds = await run([], capture({ QUALYS_API_URL: sim.url }));
    expect(creds.code).toBe(2);
    expect(creds.err).toContain('QUALYS_USERNAME');
  });

  it('prints its help', async () => {
    const { code, out } = await run(['--help']);
    expect(code).toBe(0);
    expect(out).toContain('--format text|json|markdown|csv');
    expect(out).toContain('--over-broad N');
  });
});
