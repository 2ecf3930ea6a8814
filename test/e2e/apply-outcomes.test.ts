// What `cvex apply` does when a replace could lose an exemption, end to end: the new spec checked
// before the delete, the rate-limit reserve, the loud report of what is missing, signals; and
// --detailed-exitcode as Terraform's (0 no changes, 2 changes, 1 any error), so a drift job never
// reads a failure as drift.
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ApplyReportFile } from '../../src/reconcile/apply-report';
import type { Plan } from '../../src/reconcile/types';
import { DEFAULT_SIM_PASSWORD, DEFAULT_SIM_USER } from '../../src/simulator';
import { awsException, manyExceptions, signalController, startWorld, type World } from '../reconcile/e2e-harness';

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

const connector = (name: string, accountIds: string[]) => ({ ...awsException(name), exceptionScope: 'CONNECTOR' as const, resources: undefined, accountIds });

async function applied(current: World, specs: Parameters<World['writeManifest']>[1]): Promise<void> {
  await current.writeManifest('aws.yaml', specs);
  const result = await current.run(['apply', '--auto-approve']);
  expect(result.code, result.stderr).toBe(0);
}

describe('a replace never deletes what it cannot re-create', () => {
  it('a blank account id in the new spec: refused before the delete, the old exception stays', async () => {
    world = await startWorld();
    await applied(world, [connector('team-a-one', ['123456789012'])]);
    await world.writeManifest('aws.yaml', [connector('team-a-one', ['123456789012', ' '])]);
    world.sim.resetCounters();
    const result = await world.run(['apply', '--auto-approve']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('accountIds');
    expect(world.sim.counters().byRoute['exceptions.delete'] ?? 0).toBe(0);
    expect(world.sim.exceptions()).toEqual([expect.objectContaining({ name: 'team-a-one', accountIds: ['123456789012'] })]);
  });

  it('an unknown account or control is an error for a replace whatever --skip-inventory says; nothing is sent', async () => {
    world = await startWorld();
    await applied(world, [awsException('team-a-one'), connector('team-a-two', ['123456789012'])]);
    await world.writeManifest('aws.yaml', [awsException('team-a-one', { controlIds: [1, 424242] }), connector('team-a-two', ['999999999999'])]);
    world.sim.resetCounters();
    const result = await world.run(['apply', '--auto-approve', '--skip-inventory', '--force']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('error replace.unknown-control: cannot replace "team-a-one" (the old exception stays): control 424242 is not evaluated for AWS');
    expect(result.stderr).toContain('error replace.unknown-account: cannot replace "team-a-two" (the old exception stays): AWS account 999999999999 is not a connector');
    expect(result.stderr).toContain('nothing was changed');
    // The checks cost one connectors listing and one control summary; no detail (the markers say what changed); no write.
    expect(world.sim.counters().byRoute).toEqual({ 'exceptions.list': 1, 'connectors.list': 1, 'evaluations.summary': 1 });
  });

  it("a saved plan's replace spec that breaks governance is refused before the delete", async () => {
    world = await startWorld();
    await world.writeConfig({ governance: { maxDurationDays: { 'Risk Accepted': 365 } } });
    await applied(world, [awsException('team-a-one')]);
    await world.writeManifest('aws.yaml', [awsException('team-a-one', { endDate: '2027-05-31' })]);
    expect((await world.run(['plan', '--out', 'plan.json'])).code).toBe(0);
    const plan = JSON.parse(await readFile(path.join(world.dir, 'plan.json'), 'utf8')) as Plan;
    const change = plan.changes[0];
    if (change.action !== 'replace') throw new Error('expected a replace');
    change.spec.endDate = '2029-12-31';
    await import('node:fs/promises').then((fs) => fs.writeFile(path.join(world!.dir, 'plan.json'), JSON.stringify(plan)));
    world.sim.resetCounters();
    const result = await world.run(['apply', '--plan', 'plan.json']);
    expect(result.code).toBe(1);
    // The file is evidence of a review, not a source of specs: planned again, the edit shows.
    expect(result.stderr).toContain('plan.json is stale or was edited');
    expect(result.stderr).toContain('team-a-one');
    expect(world.sim.counters().byRoute['exceptions.delete'] ?? 0).toBe(0);
  });
});

describe('request counts', () => {
  it('apply costs what plan costs plus a delete and a create per replace: the replace checks reuse what the plan read', async () => {
    world = await startWorld();
    await applied(world, [awsException('team-a-one'), connector('team-a-two', ['123456789012']), awsException('team-a-three')]);
    await world.writeManifest('aws.yaml', [
      awsException('team-a-one', { endDate: '2027-10-31' }),
      connector('team-a-two', ['123456789012']),
      awsException('team-a-three', { endDate: '2027-10-31' }),
    ]);
    world.sim.resetCounters();
    expect((await world.run(['plan'])).code).toBe(0);
    const plan = world.sim.counters();
    world.sim.resetCounters();
    const result = await world.run(['apply', '--auto-approve', '--allow-removals', '2']);
    expect(result.code, result.stderr).toBe(0);
    const apply = world.sim.counters();
    expect(apply.total).toBe(plan.total + 4);
    expect(apply.byRoute).toEqual({ ...plan.byRoute, 'exceptions.delete': 2, 'exceptions.create': 2 });
  });
});

describe('the rate-limit reserve', () => {
  it('starts a replace only while 2 × (in flight + 1) + replaceReserve calls are left; the rest is skipped and reported, the old exceptions in place', async () => {
    world = await startWorld();
    const specs = manyExceptions(3);
    await applied(world, specs);
    // This apply: 1 list to plan (no detail: the markers say what changed), 1 connectors listing + 1 summary to check the replaces: 9 calls left.
    world.sim.setLimits({ rateLimit: { limit: 12, windowSec: 3600 } });
    await world.writeManifest('aws.yaml', specs.map((spec) => ({ ...spec, endDate: '2027-10-31' })));
    world.sim.resetCounters();
    const result = await world.run(['apply', '--auto-approve', '--skip-inventory', '--allow-removals', '3', '--report', 'report.json']);
    expect(result.code).toBe(1);
    // Two start (need 7, then 9); the third needs 7 once they are done and finds 5.
    expect(result.stdout).toContain('Apply finished with failures: 2 succeeded, 0 failed, 1 skipped (rate-limit reserve; the old exceptions are in place).');
    expect(result.stdout).toContain('has 5 calls left and a replace needs 7');
    expect(world.sim.counters().byRoute).toMatchObject({ 'exceptions.delete': 2, 'exceptions.create': 2 });
    expect(world.sim.exceptions().map((item) => item.endDate).sort()).toEqual(['2027-04-30', '2027-10-31', '2027-10-31']);
    const report = JSON.parse(await readFile(path.join(world.dir, 'report.json'), 'utf8')) as ApplyReportFile;
    expect(report).toMatchObject({ outcome: 'failed', summary: { succeeded: 2, skipped: 1, missing: 0 } });
  });
});

describe('exemptions left missing are reported loudly', () => {
  it('a create that keeps failing within --time-limit: named on stderr and in the report; the next apply creates it', async () => {
    world = await startWorld();
    await applied(world, [awsException('team-a-one')]);
    await world.writeManifest('aws.yaml', [awsException('team-a-one', { endDate: '2027-10-31' })]);
    world.sim.injectFault({ route: 'exceptions.create', kind: '500' });
    const result = await world.run(['apply', '--auto-approve', '--time-limit', '1s', '--report', 'report.json']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('!! 1 EXEMPTION IS MISSING: the old exception was deleted and the new one could not be created.');
    expect(result.stderr).toMatch(/!! {3}team-a-one \(was [0-9a-f-]{36}\): /);
    const report = JSON.parse(await readFile(path.join(world.dir, 'report.json'), 'utf8')) as ApplyReportFile;
    expect(report.missing).toEqual([expect.objectContaining({ name: 'team-a-one' })]);
    expect(report.results[0]).toMatchObject({ missing: true, createAttempts: 1 });

    world.sim.clearFaults();
    const again = await world.run(['apply', '--auto-approve']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('+ created team-a-one');
    expect(world.sim.exceptions()).toEqual([expect.objectContaining({ name: 'team-a-one', endDate: '2027-10-31' })]);
  });
});

describe('signals', () => {
  it('an interrupt before any write (while the plan is shown) sends nothing: exit 130', async () => {
    world = await startWorld();
    await world.writeManifest('aws.yaml', manyExceptions(4));
    const stop = signalController('SIGINT');
    world.sim.resetCounters();
    const result = await world.run(['apply', '--auto-approve', '--report', 'report.json'], { signal: stop.signal, onStdout: () => stop.interrupt() });
    expect(result.code).toBe(130);
    expect(result.stderr).toContain('interrupted (SIGINT)');
    expect(world.sim.counters().byRoute['exceptions.create'] ?? 0).toBe(0);
    const report = JSON.parse(await readFile(path.join(world.dir, 'report.json'), 'utf8')) as ApplyReportFile;
    expect(report).toMatchObject({ outcome: 'interrupted', interrupted: 'SIGINT', results: [] });
  });

  it('SIGTERM during apply: what is in flight finishes, nothing new starts, exit 143; the next apply converges', async () => {
    world = await startWorld();
    await world.writeManifest('aws.yaml', manyExceptions(8));
    const stop = signalController('SIGTERM');
    const result = await world.run(['apply', '--auto-approve'], { signal: stop.signal, onStdout: (text) => text.includes('[1/8]') && stop.interrupt() });
    expect(result.code).toBe(143);
    expect(result.stdout).toContain('Apply interrupted: 2 succeeded, 0 failed, 6 not started (interrupted).');
    expect(world.sim.counters().byRoute['exceptions.create']).toBe(2);
    expect((await world.run(['apply', '--auto-approve'])).code).toBe(0);
    expect(world.sim.exceptions()).toHaveLength(8);
  });

  it('an interrupt while planning stops the plan: no create starts', async () => {
    world = await startWorld({ latencyMs: 50 });
    await world.writeManifest('aws.yaml', manyExceptions(3));
    const stop = signalController('SIGINT');
    const running = world.run(['apply', '--auto-approve'], { signal: stop.signal });
    setTimeout(() => stop.interrupt(), 20);
    const result = await running;
    expect(result.code).toBe(130);
    expect(world.sim.counters().byRoute['exceptions.create'] ?? 0).toBe(0);
    expect(world.sim.exceptions()).toEqual([]);
  });
});

describe('cvex plan --detailed-exitcode', () => {
  it('0 without changes, 2 with changes, 1 for a conflict, a network failure, missing credentials or a wrong zone', async () => {
    world = await startWorld({ timezone: 'Asia/Kolkata' });
    await world.writeConfig({ timezone: 'Asia/Kolkata' });
    await world.writeManifest('aws.yaml', [awsException('team-a-one')]);
    expect((await world.run(['plan', '--detailed-exitcode'])).code).toBe(2);
    expect((await world.run(['apply', '--auto-approve'])).code).toBe(0);
    expect((await world.run(['plan', '--detailed-exitcode'])).code).toBe(0);

    world.sim.createExceptionAsUi(awsException('made-in-ui'));
    await world.writeManifest('aws.yaml', [awsException('team-a-one'), awsException('made-in-ui')]);
    const conflict = await world.run(['plan', '--detailed-exitcode']);
    expect(conflict.code).toBe(1);
    expect(conflict.stdout).toContain('Conflicts');

    await world.writeManifest('aws.yaml', [awsException('team-a-one')]);
    expect((await world.run(['plan', '--detailed-exitcode', '--timezone', 'UTC'])).code).toBe(1);
    expect((await world.run(['plan', '--detailed-exitcode'], { env: { QUALYS_PASSWORD: '' } })).code).toBe(1);
    // Nothing listens on port 9 of loopback: connection refused.
    const network = await world.run(['plan', '--detailed-exitcode', '--timeout', '2s'], {
      env: { QUALYS_API_URL: 'http://127.0.0.1:9', QUALYS_USERNAME: DEFAULT_SIM_USER, QUALYS_PASSWORD: DEFAULT_SIM_PASSWORD },
    });
    expect(network.code).toBe(1);
    expect(network.stderr).toContain('could not connect');
  });

  it('an interrupt is 130 (SIGINT) or 143 (SIGTERM), never read as changes', async () => {
    world = await startWorld({ latencyMs: 200 });
    await world.writeManifest('aws.yaml', [awsException('team-a-one')]);
    const stop = signalController('SIGTERM');
    const running = world.run(['plan', '--detailed-exitcode'], { signal: stop.signal });
    setTimeout(() => stop.interrupt(), 50);
    expect((await running).code).toBe(143);
  });
});
