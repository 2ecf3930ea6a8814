// Time-zone mistakes against a simulator stamping in the subscription's zone: a zone not set, an
// import that would guess, a zone changed once, and days where daylight saving skips midnight.
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { generateMarkerKey, parseSigningKey } from '../../src/reconcile/marker-keys';
import { createBodyOf } from '../../src/reconcile/execute';
import type { Plan } from '../../src/reconcile/types';
import { startSimulator } from '../../src/simulator';
import { awsException, exceptionRequests, manyExceptions, startWorld, type World } from '../reconcile/e2e-harness';

let world: World | undefined;
let stateDir: string | undefined;
afterEach(async () => {
  await world?.close();
  if (stateDir) await rm(stateDir, { recursive: true, force: true });
  world = stateDir = undefined;
});

describe('a subscription in Asia/Kolkata with no timezone set', () => {
  it('plan and apply stop with the offset seen, candidate zones and the config line, instead of replacing everything', async () => {
    world = await startWorld({ timezone: 'Asia/Kolkata' });
    await world.writeManifest('aws.yaml', manyExceptions(3));
    expect((await world.run(['apply', '--auto-approve'])).code).toBe(0);

    for (const argv of [['plan', '--detailed-exitcode'], ['apply', '--auto-approve']]) {
      world.sim.resetCounters();
      const result = await world.run(argv);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain("none of the 3 managed exceptions' dates fit the time zone UTC, the default (no timezone in cvex.config.yaml)");
      expect(result.stderr).toContain('local midnight for UTC+05:30');
      expect(result.stderr).toMatch(/Zones these dates fit: .*Asia\/Kolkata/);
      expect(result.stderr).toMatch(/^ {2}timezone: Asia\/\w+$/m);
      expect(result.stderr).not.toContain('edited in the Qualys UI');
      expect(exceptionRequests(world.sim).byRoute).toEqual({ 'exceptions.list': 1 });
    }
    await world.writeConfig({ timezone: 'Asia/Kolkata' });
    const fixed = await world.run(['plan', '--detailed-exitcode']);
    expect(fixed.code, fixed.stderr).toBe(0);
  });

  it('import does not guess: it stops until the zone is given, then writes the right days', async () => {
    world = await startWorld({ timezone: 'Asia/Kolkata' });
    world.sim.createExceptionAsUi(awsException('ui-made', { startDate: '2026-11-01', endDate: '2027-04-30' }));
    const guessed = await world.run(['import', '--out', 'policies']);
    expect(guessed.code).toBe(1);
    expect(guessed.stderr).toContain('cvex import does not guess');
    expect(guessed.stderr).toContain('UTC+05:30');
    expect(existsSync(path.join(world.dir, 'policies', 'imported-aws.yaml'))).toBe(false);
    // Nothing adopted either: the config is as the world wrote it.
    expect(await readFile(path.join(world.dir, 'cvex.config.yaml'), 'utf8')).not.toContain('manage');

    const given = await world.run(['import', '--out', 'policies', '--timezone', 'Asia/Kolkata']);
    expect(given.code, given.stderr).toBe(0);
    const written = await readFile(path.join(world.dir, 'policies', 'imported-aws.yaml'), 'utf8');
    expect(written).toContain('startDate: 2026-11-01');
    expect(written).toContain('endDate: 2027-04-30');
    expect((await world.run(['plan', '--detailed-exitcode', '--timezone', 'Asia/Kolkata'])).code).toBe(0);
  });
});

// Exceptions this repository made before the zone changed: its owner, signed with its key.
const KEY = generateMarkerKey();
const STAMP = { owner: 'e2e', signer: parseSigningKey(KEY.privateKey) };

describe('the subscription changed its zone once', () => {
  it('stamps from the earlier zone are reported once, replaced under the guards with their own cause, then converge', async () => {
    stateDir = await mkdtemp(path.join(tmpdir(), 'cvex-zone-'));
    const stateFile = path.join(stateDir, 'state.json');
    const old = manyExceptions(2, 'team-old');
    const before = await startSimulator({ timezone: 'UTC', stateFile });
    before.seedExceptions(old.map((spec) => createBodyOf(spec, 'local', STAMP)));
    await before.close();

    // Later, in Asia/Kolkata: the same state, one exception made since.
    world = await startWorld({ timezone: 'Asia/Kolkata', stateFile, now: () => new Date(Date.now() + 86_400_000), owner: STAMP.owner, key: KEY });
    const fresh = awsException('team-new');
    world.sim.seedExceptions([createBodyOf(fresh, 'local', STAMP)]);
    await world.writeConfig({ timezone: 'Asia/Kolkata' });
    await world.writeManifest('aws.yaml', [...old, fresh]);

    const plan = JSON.parse((await world.run(['plan', '--format', 'json'])).stdout) as Plan;
    expect(plan.changes.map((change) => `${change.action}:${change.name}:${change.action === 'replace' ? change.cause : ''}`)).toEqual([
      'replace:team-old-00000:zone-mismatch',
      'replace:team-old-00001:zone-mismatch',
    ]);
    expect(plan.warnings.filter((warning) => warning.code === 'timezone.earlier-zone')).toEqual([
      expect.objectContaining({ message: expect.stringContaining('2 managed exceptions carry dates stamped in an earlier time zone') }),
    ]);
    expect(plan.safety).toMatchObject({ removals: 2, blocked: true });
    const text = await world.run(['plan']);
    expect(text.stdout).toContain('stamped in an earlier time zone of the subscription; re-created in the current one');
    expect(text.stdout).toContain('dates stamped at local midnight UTC+00:00, re-stamped in Asia/Kolkata');
    expect(text.stdout).not.toContain('edited in the Qualys UI');

    expect((await world.run(['apply', '--auto-approve'])).code).toBe(1);
    const applied = await world.run(['apply', '--auto-approve', '--allow-removals', '2']);
    expect(applied.code, applied.stderr).toBe(0);
    const again = await world.run(['plan', '--detailed-exitcode']);
    expect(again.code, again.stdout).toBe(0);
    expect(again.stdout).not.toContain('earlier time zone');
  });

  it('when every exception still carries the old stamps, --timezone-changed re-creates them instead of stopping', async () => {
    stateDir = await mkdtemp(path.join(tmpdir(), 'cvex-zone-'));
    const stateFile = path.join(stateDir, 'state.json');
    const old = manyExceptions(2, 'team-old');
    const before = await startSimulator({ timezone: 'UTC', stateFile });
    before.seedExceptions(old.map((spec) => createBodyOf(spec, 'local', STAMP)));
    await before.close();
    world = await startWorld({ timezone: 'Asia/Kolkata', stateFile, owner: STAMP.owner, key: KEY });
    await world.writeManifest('aws.yaml', old);
    expect((await world.run(['plan', '--timezone', 'Asia/Kolkata'])).stderr).toContain('--timezone-changed');
    const applied = await world.run(['apply', '--auto-approve', '--timezone', 'Asia/Kolkata', '--timezone-changed', '--allow-removals', '2']);
    expect(applied.code, applied.stderr).toBe(0);
    expect((await world.run(['plan', '--detailed-exitcode', '--timezone', 'Asia/Kolkata'])).code).toBe(0);
  });
});

describe('days where daylight saving skips local midnight converge', () => {
  for (const [zone, day] of [
    ['America/Santiago', '2027-09-05'],
    ['America/Havana', '2027-03-14'],
  ] as const) {
    it(`${zone}: starting and ending on ${day}, apply then plan shows no changes`, async () => {
      world = await startWorld({ timezone: zone });
      await world.writeConfig({ timezone: zone });
      await world.writeManifest('aws.yaml', [awsException('team-a-starts', { startDate: day, endDate: '2027-12-31' }), awsException('team-a-ends', { startDate: '2026-11-01', endDate: day })]);
      expect((await world.run(['apply', '--auto-approve'])).code).toBe(0);
      const again = await world.run(['plan', '--detailed-exitcode']);
      expect(again.code, again.stdout).toBe(0);
    });
  }
});
