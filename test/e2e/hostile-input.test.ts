// Hostile input, as someone with write access to the policy repository (not to Qualys) would try it:
// nothing hangs, nothing outside the repository is read or echoed, nothing is silently rewritten,
// nothing is hidden from a reviewer, and every record of a change survives. Each case runs the real
// CLI against the simulator over loopback and counts the requests: an invalid input sends none.
import { spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Plan } from '../../src/reconcile/types';
import { DEFAULT_SIM_PASSWORD, DEFAULT_SIM_USER } from '../../src/simulator';
import { awsException, manyExceptions, startWorld, type World } from '../reconcile/e2e-harness';

const ROOT = path.resolve(__dirname, '..', '..');
const BIN = path.join(ROOT, 'bin', 'cvex.js');
const SECRET = 'TOPSECRET-TOKEN-abc';


// The worlds write their own cvex.config.yaml (ownership: 'none'): the tests point at its lines.
let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

/** Runs a command that must fail on its input: exit code, output, and the requests it sent. */
async function refused(current: World, argv: string[]): Promise<{ code: number; out: string; requests: number }> {
  current.sim.resetCounters();
  const result = await current.run(argv);
  return { code: result.code, out: `${result.stdout}${result.stderr}`, requests: current.sim.counters().total };
}

describe('no hang: what cvex reads is a regular file within a limit, and config regexes are time-bounded', () => {
  it('a FIFO named cvex.config.yaml, or a link to /dev/zero, is refused at once', async () => {
    world = await startWorld({ ownership: 'none' });
    await world.writeManifest('aws.yaml', [awsException('team-a-one')]);
    execFileSync('mkfifo', [path.join(world.dir, 'cvex.config.yaml')]);
    for (const argv of [['validate'], ['plan'], ['apply', '--auto-approve']]) {
      const result = await refused(world, argv);
      expect(result.code).toBe(1);
      expect(result.out).toContain('cannot read config cvex.config.yaml: not a regular file (a pipe, a device or a socket), not read');
      expect(result.requests).toBe(0);
    }
    rmSync(path.join(world.dir, 'cvex.config.yaml'));
    symlinkSync('/dev/zero', path.join(world.dir, 'cvex.config.yaml'));
    const zero = await refused(world, ['plan']);
    expect([zero.code, zero.requests]).toEqual([1, 0]);
    expect(zero.out).toContain('not a regular file');
  }, 10_000);

  it('--ca-file /dev/zero and apply --plan /dev/zero are refused at once', async () => {
    world = await startWorld({ ownership: 'none' });
    await world.writeManifest('aws.yaml', [awsException('team-a-one')]);
    const ca = await refused(world, ['plan', '--ca-file', '/dev/zero']);
    expect(ca.code).toBe(2);
    expect(ca.out).toContain('--ca-file: cannot read /dev/zero: not a regular file');
    expect(ca.requests).toBe(0);
    const plan = await refused(world, ['apply', '--plan', '/dev/zero']);
    expect(plan.code).toBe(1);
    expect(plan.out).toContain('cannot read plan /dev/zero: not a regular file');
    expect(plan.requests).toBe(0);
  }, 10_000);

  it('governance.namePattern "^(a+)+$" against a 36-character name is an error at its line, not a hang', async () => {
    world = await startWorld({ ownership: 'none' });
    await world.writeConfig({ governance: { namePattern: '^(a+)+$' } });
    await world.writeManifest('aws.yaml', [awsException(`${'a'.repeat(35)}!`)]);
    const validate = await refused(world, ['validate']);
    expect(validate.code).toBe(1);
    expect(validate.out).toMatch(/^cvex\.config\.yaml:2:16: error: governance\.namePattern \/\^\(a\+\)\+\$\/ did not finish within 1000 ms over 1 names: .* \[governance\.namePattern\]$/m);
    const plan = await refused(world, ['plan']);
    expect([plan.code, plan.requests]).toEqual([1, 0]);
  });
});

describe('nothing outside the repository is read or echoed', () => {
  it.each([['../outside/*.yaml'], ['/'], ['/etc/**/*.yaml']])('manifests: [%j] is an error at its config line; nothing is walked or quoted', async (glob) => {
    world = await startWorld({ ownership: 'none' });
    const outside = path.join(path.dirname(world.dir), `${path.basename(world.dir)}-outside`);
    mkdirSync(outside, { recursive: true });
    await writeFile(path.join(outside, 'secret.yaml'), `exceptions:\n  - name: ${SECRET}\n    cloudType: ${SECRET}\n`);
    try {
      await world.writeConfig({ manifests: [glob.replace('../outside', `../${path.basename(outside)}`)] });
      for (const argv of [['validate'], ['plan']]) {
        const result = await refused(world, argv);
        expect(result.code).toBe(1);
        expect(result.out).toMatch(/cvex\.config\.yaml:2:\d+: error:? (manifests\.outside-repository: )?.*(`\.\.` leaves the repository|an absolute path)/);
        expect(result.out).not.toContain(SECRET);
        expect(result.requests).toBe(0);
      }
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });
});

describe('nothing is silently rewritten', () => {
  it.each([
    ['99999999999999999999999', 'it would become 1e+23'],
    ['9007199254740993', 'it would become 9007199254740992'],
  ])('controlIds: [%s] is a located error, and nothing is sent', async (digits, rewritten) => {
    world = await startWorld({ ownership: 'none' });
    await writeFile(path.join(world.dir, 'policies', 'aws.yaml'), (await readFile(path.join(ROOT, 'test/fixtures/manifests/valid/connector-azure.yaml'), 'utf8')).replace(/controlIds: \[[^\]]*\]/, `controlIds: [${digits}]`));
    const validate = await world.run(['validate', '--format', 'json']);
    expect(validate.code).toBe(1);
    const { errors } = JSON.parse(validate.stdout) as { errors: Array<{ rule: string; file: string; line: number; column: number; path: string; message: string }> };
    expect(errors).toEqual([expect.objectContaining({ rule: 'yaml.number-precision', file: 'policies/aws.yaml', path: 'exceptions.0.controlIds.0' })]);
    expect(errors[0].line).toBeGreaterThan(0);
    expect(errors[0].column).toBeGreaterThan(0);
    expect(errors[0].message).toContain(rewritten);
    const plan = await refused(world, ['apply', '--auto-approve']);
    expect([plan.code, plan.requests]).toEqual([1, 0]);
  });
});

describe('nothing is hidden from a reviewer', () => {
  it('a right-to-left override in a name is shown as \\u202E in the text plan, the comment and the plan file', async () => {
    world = await startWorld({ ownership: 'none' });
    const name = 'safe\u202Egnp.exe';
    await world.writeManifest('aws.yaml', [awsException(name)]);
    const text = await world.run(['plan']);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('+  safe\\u202Egnp.exe');
    expect(text.stdout).not.toContain('\u202E');
    const markdown = await world.run(['plan', '--format', 'markdown', '--out', 'plan.json']);
    expect(markdown.stdout).toContain('safe\\\\u202Egnp.exe');
    expect(markdown.stdout).not.toContain('\u202E');
    const saved = await readFile(path.join(world.dir, 'plan.json'), 'utf8');
    expect(saved).not.toContain('\u202E');
    expect(saved).toContain('safe\\u202egnp.exe');
    // The data is unchanged: the plan applies the real name.
    expect((JSON.parse(saved) as Plan).changes[0].name).toBe(name);
    expect((await world.run(['apply', '--plan', 'plan.json'])).code).toBe(0);
    expect(world.sim.exceptions().map((item) => item.name)).toEqual([name]);
  });
});

describe('rough edges', () => {
  it('an alias bomb or a duplicate key in cvex.config.yaml is reported at file:line, like in a manifest', async () => {
    world = await startWorld({ ownership: 'none' });
    await world.writeManifest('aws.yaml', [awsException('team-a-one')]);
    const bomb = ['a: &a ["x", "x", "x", "x", "x", "x", "x", "x", "x", "x"]'];
    for (let i = 1; i < 10; i += 1) bomb.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10).fill(`*${String.fromCharCode(96 + i)}`).join(', ')}]`);
    await writeFile(path.join(world.dir, 'cvex.config.yaml'), `${bomb.join('\n')}\n`);
    const aliases = await refused(world, ['plan']);
    expect([aliases.code, aliases.requests]).toEqual([1, 0]);
    expect(aliases.out).toMatch(/^cvex plan: ConfigError: cvex\.config\.yaml:2:\d+: aliases expand to too many nodes/m);
    expect(aliases.out).not.toContain('ReferenceError');
    await writeFile(path.join(world.dir, 'cvex.config.yaml'), 'timezone: UTC\ntimezone: Asia/Kolkata\n');
    const duplicate = await refused(world, ['validate']);
    expect(duplicate.code).toBe(1);
    expect(duplicate.out).toContain('cvex.config.yaml:2:1: duplicate key "timezone"');
  });

  it.skipIf(!existsSync('/proc/version'))('--audit-log /proc/version: the first real record fails, so nothing is changed', async () => {
    world = await startWorld({ ownership: 'none' });
    await world.writeManifest('aws.yaml', [awsException('team-a-one')]);
    const result = await refused(world, ['apply', '--auto-approve', '--audit-log', '/proc/version']);
    expect(result.code).toBe(1);
    expect(result.out).toMatch(/cannot write the audit log \/proc\/version \(.+\); nothing was changed/);
    expect(world.sim.counters().byRoute['exceptions.create'] ?? 0).toBe(0);
    expect(world.sim.exceptions()).toEqual([]);
  });

  it('an audit log that stops taking records after changes: the summary still prints, and the missing records are named', async () => {
    world = await startWorld({ ownership: 'none' });
    await world.writeManifest('aws.yaml', manyExceptions(3));
    // A file-size limit (ulimit -f, 1 KiB blocks in bash) leaves 300 bytes: room for the start
    // record (about 150 bytes), not for it and a create record (about 200 bytes).
    const audit = path.join(world.dir, 'audit.jsonl');
    await writeFile(audit, `${'#'.repeat(2048 - 300 - 1)}\n`);
    const child = spawn('bash', ['-c', `ulimit -f 2 && exec "${process.execPath}" "${BIN}" apply --auto-approve --skip-inventory --audit-log audit.jsonl`], {
      cwd: world.dir,
      env: { PATH: process.env.PATH, QUALYS_API_URL: world.sim.url, QUALYS_USERNAME: DEFAULT_SIM_USER, QUALYS_PASSWORD: DEFAULT_SIM_PASSWORD, USER: 'e2e-tester' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += String(chunk)));
    child.stderr.on('data', (chunk) => (stderr += String(chunk)));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(world.sim.exceptions()).toHaveLength(3);
    expect(stdout).toContain('Apply complete: 3 succeeded, 0 failed.');
    expect(code).toBe(1);
    // Creates run two at a time, so the records are named in the order the changes finished.
    expect(stderr).toMatch(/cvex apply: the audit log audit\.jsonl stopped taking records \(EFBIG\); 3 records are missing from it: (create team-a-0000[0-2] \(succeeded\)(, |\.)){3}/);
    for (const name of ['team-a-00000', 'team-a-00001', 'team-a-00002']) expect(stderr).toContain(`create ${name} (succeeded)`);
    const missing = stderr.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as { operation: string; name: string; uuidAfter: string });
    expect(missing.map((record) => [record.operation, record.name]).sort()).toEqual([
      ['create', 'team-a-00000'],
      ['create', 'team-a-00001'],
      ['create', 'team-a-00002'],
    ]);
    expect(missing.map((record) => record.uuidAfter).sort()).toEqual(world.sim.exceptions().map((item) => item.uuid).sort());
    // The start record made it: the log proved writable before the first change.
    expect(await readFile(audit, 'utf8')).toContain('"operation":"applyStarted"');
  }, 20_000);

  it('a working folder deleted mid-run is one clear line, and nothing is sent', async () => {
    world = await startWorld({ ownership: 'none' });
    const gone = path.join(world.dir, 'gone');
    mkdirSync(gone);
    rmSync(gone, { recursive: true });
    world.sim.resetCounters();
    for (const command of ['validate', 'plan']) {
      let stderr = '';
      const { main } = await import('../../src/cli/main');
      const code = await main([command], { stdout: { write: () => true }, stderr: { write: (text: string) => (stderr += text) }, env: { QUALYS_API_URL: world.sim.url, QUALYS_USERNAME: 'u', QUALYS_PASSWORD: 'p' }, cwd: gone });
      expect(code).toBe(1);
      expect(stderr).toBe(`cvex ${command}: WorkingFolderError: the current folder no longer exists (was it deleted?); cd into your repository and run cvex again\n`);
    }
    expect(world.sim.counters().total).toBe(0);
  });
});

describe('the "edited in the UI" rule has no blind window', () => {
  it('an edit of a field the API does not show, in the same second as the create, is detected and put back', async () => {
    const fixed = new Date('2026-12-01T10:00:00.250Z');
    world = await startWorld({ ownership: 'none', now: () => fixed });
    await world.writeManifest('aws.yaml', [awsException('team-a-one')]);
    expect((await world.run(['apply', '--auto-approve'])).code).toBe(0);
    // Never edited: createdOn equals updatedOn, so nothing to do.
    expect((await world.run(['plan', '--detailed-exitcode'])).code).toBe(0);
    const [created] = world.sim.exceptions();
    expect(created.updatedOn).toBe(created.createdOn);
    world.sim.editExceptionAsUi(created.uuid, { informationSecurityPolicy: 'POL-weakened' });
    const [edited] = world.sim.exceptions();
    expect(Date.parse(edited.updatedOn.replace(/([+-]\d{2})(\d{2})$/, '$1:$2')) - Date.parse(edited.createdOn.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'))).toBe(1_000);
    const plan = await world.run(['plan', '--format', 'json', '--detailed-exitcode']);
    expect(plan.code).toBe(2);
    expect((JSON.parse(plan.stdout) as Plan).changes).toEqual([expect.objectContaining({ action: 'replace', name: 'team-a-one', cause: 'edited-out-of-band' })]);
  });
});
