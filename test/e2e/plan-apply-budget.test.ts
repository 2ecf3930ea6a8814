// The request budget, time zones and faults: what makes the reconciler usable on a real
// subscription (~300 calls an hour, 2 concurrent calls, dates in the subscription's time zone).
import { readFile, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Plan } from '../../src/reconcile/types';
import { awsException, exceptionRequests, manyExceptions, startWorld, type World } from '../reconcile/e2e-harness';

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

async function planJson(current: World, extra: string[] = []): Promise<Plan> {
  const result = await current.run(['plan', '--format', 'json', ...extra]);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as Plan;
}

describe('request budget', () => {
  it('a no-change plan over N managed exceptions costs ceil(N / pageSize) list requests', async () => {
    world = await startWorld({ maxPageSize: 100 });
    const desired = manyExceptions(250);
    await world.writeManifest('aws.yaml', desired);
    expect((await world.run(['apply', '--auto-approve'])).code).toBe(0);
    world.sim.createExceptionAsUi(awsException('made-in-ui'));

    world.sim.resetCounters();
    const plan = await planJson(world);
    expect(plan.summary).toEqual({ create: 0, delete: 0, replace: 0, unchanged: 250 });
    // 251 remote exceptions (250 managed + 1 UI-made) → 3 pages, in all: no detail, no inventory read.
    expect(world.sim.counters()).toMatchObject({ total: 3, byRoute: { 'exceptions.list': 3 } });

    // 1% changed in the repository: the 3 list requests and no detail (the markers say what changed);
    // the inventory check reads what the 3 changes need (counted apart).
    const changed = desired.map((spec, index) => (index % 100 === 0 ? { ...spec, endDate: '2027-03-31' } : spec));
    await world.writeManifest('aws.yaml', changed);
    world.sim.resetCounters();
    const onePercent = await planJson(world);
    expect(onePercent.summary.replace).toBe(3);
    expect(exceptionRequests(world.sim).byRoute).toEqual({ 'exceptions.list': 3 });

    // Applying it: 3 replaces = 3 deletes + 3 creates (two requests each), on top of the plan's requests.
    world.sim.resetCounters();
    expect((await world.run(['apply', '--auto-approve'])).code).toBe(0);
    expect(exceptionRequests(world.sim).byRoute).toEqual({ 'exceptions.list': 3, 'exceptions.delete': 3, 'exceptions.create': 3 });
  }, 60_000);

  it('a no-change plan over N imported (adopted) exceptions costs ceil(N / pageSize) list requests too', async () => {
    world = await startWorld({ maxPageSize: 100 });
    const made = manyExceptions(150, 'ui-made');
    for (const spec of made) world.sim.createExceptionAsUi(spec);
    expect((await world.run(['import', '--out', 'policies'])).code).toBe(0);

    world.sim.resetCounters();
    const plan = await planJson(world);
    expect(plan.summary).toEqual({ create: 0, delete: 0, replace: 0, unchanged: 150 });
    expect(exceptionRequests(world.sim)).toEqual({ total: 2, byRoute: { 'exceptions.list': 2 } });

    // Edited in the UI or in the repository since the import: those few cost a detail each, and show.
    const later = Date.now() + 3_600_000;
    world.sim.setNow(() => new Date(later));
    const edited = world.sim.exceptions().find((item) => item.name === 'ui-made-00007')!;
    world.sim.editExceptionAsUi(edited.uuid, { controlIds: [1] });
    const file = path.join(world.dir, 'policies', 'imported-aws.yaml');
    const text = await readFile(file, 'utf8');
    const changed = text.replace(/(name: ui-made-00009\n(?:.*\n)*?\s+controlIds: )\[\s*1, 2\s*\]/, '$1[2]');
    expect(changed).not.toBe(text);
    await writeFile(file, changed);
    world.sim.resetCounters();
    const moved = await planJson(world);
    expect(moved.changes.map((change) => `${change.action}:${change.name}`)).toEqual(['replace:ui-made-00007', 'replace:ui-made-00009']);
    expect(exceptionRequests(world.sim).byRoute).toEqual({ 'exceptions.list': 2, 'exceptions.get': 2 });
  });

  it('the plan-time inventory check reads what the changes need: nothing for a no-change plan, a few requests for any number of changes', async () => {
    world = await startWorld({ maxPageSize: 100 });
    const desired = manyExceptions(250);
    await world.writeManifest('aws.yaml', desired);
    expect((await world.run(['apply', '--auto-approve'])).code).toBe(0);
    const inventoryCost = async (changed: number, flags: string[] = []) => {
      await world!.writeManifest('aws.yaml', desired.map((spec, index) => (index < changed ? { ...spec, endDate: '2027-03-31' } : spec)));
      world!.sim.resetCounters();
      const plan = await planJson(world!, flags);
      expect(plan.summary.replace).toBe(changed);
      return world!.sim.counters().total - exceptionRequests(world!.sim).total;
    };
    expect(await inventoryCost(0)).toBe(0);
    const one = await inventoryCost(1);
    // One connectors listing, one summary of the account, one read of the resource's results.
    expect(one).toBeGreaterThan(0);
    expect(one).toBeLessThanOrEqual(3);
    // A hundred times the changes (and distinct resources): a page or two more of evaluations, no more.
    expect(await inventoryCost(100)).toBeLessThanOrEqual(one + 2);
    expect(await inventoryCost(100, ['--skip-inventory'])).toBe(0);
  }, 60_000);

  it('batches deletes into one call per 100 uuids', async () => {
    world = await startWorld();
    await world.writeManifest('aws.yaml', manyExceptions(150));
    await world.run(['apply', '--auto-approve']);
    await world.writeManifest('aws.yaml', []);
    world.sim.resetCounters();
    expect((await world.run(['apply', '--auto-approve', '--force'])).code).toBe(0);
    expect(world.sim.counters().byRoute['exceptions.delete']).toBe(2);
    expect(world.sim.exceptions()).toHaveLength(0);
  });
});

describe('time zones', () => {
  // UTC+14 and UTC-03:30 (-02:30 in summer) too: the extremes, and a half-hour offset with daylight saving.
  for (const timeZone of ['UTC', 'Asia/Kolkata', 'America/New_York', 'Pacific/Kiritimati', 'America/St_Johns']) {
    it(`apply then plan shows no changes in ${timeZone}`, async () => {
      world = await startWorld({ timezone: timeZone });
      await world.writeManifest('aws.yaml', [
        awsException('team-a-one', { startDate: '2026-11-01', endDate: '2027-03-14' }),
        // Crosses the US daylight-saving change (2027-03-14) and the year end.
        awsException('team-a-two', { startDate: '2026-12-31', endDate: '2027-11-07' }),
      ]);
      expect((await world.run(['apply', '--auto-approve', '--timezone', timeZone])).code).toBe(0);
      expect(world.sim.exceptions().map(({ startDate, endDate }) => [startDate, endDate]).sort()).toEqual([
        ['2026-11-01', '2027-03-14'],
        ['2026-12-31', '2027-11-07'],
      ]);
      world.sim.resetCounters();
      const plan = await planJson(world, ['--timezone', timeZone]);
      expect(plan.summary).toEqual({ create: 0, delete: 0, replace: 0, unchanged: 2 });
      expect(plan.target.timeZone).toBe(timeZone);
      expect(exceptionRequests(world.sim).byRoute).toEqual({ 'exceptions.list': 1 });
    });
  }

  it('reads the time zone from the config, and a wrong one stops the plan instead of shifting every date', async () => {
    world = await startWorld({ timezone: 'Asia/Kolkata' });
    await world.writeConfig({ timezone: 'Asia/Kolkata' });
    await world.writeManifest('aws.yaml', [awsException('team-a-one')]);
    expect((await world.run(['apply', '--auto-approve'])).code).toBe(0);
    expect((await planJson(world)).summary.unchanged).toBe(1);
    const wrong = await world.run(['plan', '--timezone', 'UTC']);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('none of the 1 managed exceptions\' dates fit the time zone --timezone UTC');
    expect(wrong.stderr).toContain('UTC+05:30');
    expect(wrong.stderr).toContain('timezone: Asia/Kolkata');
  });
});

describe('faults', () => {
  it('at 20% faults on every write, a second apply converges with nothing lost or duplicated', async () => {
    world = await startWorld({ randomSeed: 7 });
    // Starting point: 30 managed exceptions, then the repository keeps 20 (10 of them changed) and adds 30.
    const initial = manyExceptions(30);
    await world.writeManifest('aws.yaml', initial);
    expect((await world.run(['apply', '--auto-approve'])).code).toBe(0);
    const kept = initial.slice(0, 20).map((spec, index) => (index < 10 ? { ...spec, controlIds: [1] } : spec));
    const desired = [...kept, ...manyExceptions(30, 'team-n')];
    await world.writeManifest('aws.yaml', desired);

    for (const route of ['exceptions.create', 'exceptions.delete'] as const) {
      world.sim.injectFault({ route, kind: 'commit-then-reset', probability: 0.2 });
      world.sim.injectFault({ route, kind: 'reset', probability: 0.1 });
      world.sim.injectFault({ route, kind: '500', probability: 0.1 });
    }
    const first = await world.run(['apply', '--auto-approve', '--force', '--audit-log', 'audit.jsonl', '--timeout', '2s']);
    if (process.env.CVEX_DEBUG_E2E) console.log(first.stdout, first.stderr);
    const ambiguousSettled = (first.stdout.match(/checked after an ambiguous failure/g) ?? []).length;
    expect(ambiguousSettled).toBeGreaterThan(0);
    // Whatever failed is reported, and the run exits 1.
    if (first.stdout.includes('finished with failures')) {
      expect(first.code).toBe(1);
      expect(first.stderr).toContain('Run `cvex apply` again');
    }

    world.sim.clearFaults();
    const second = await world.run(['apply', '--auto-approve', '--force']);
    expect(second.code, second.stderr).toBe(0);

    const remote = world.sim.exceptions();
    const names = remote.map((item) => item.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names.sort()).toEqual(desired.map((spec) => spec.name).sort());
    for (const spec of kept.slice(0, 10)) expect(remote.find((item) => item.name === spec.name)?.controlIds).toEqual([1]);
    const final = await planJson(world);
    expect(final.changes).toEqual([]);
  }, 60_000);

  it('settles an ambiguous batch delete with one re-list, and never resends it blindly', async () => {
    world = await startWorld();
    await world.writeManifest('aws.yaml', manyExceptions(6));
    await world.run(['apply', '--auto-approve']);
    await world.writeManifest('aws.yaml', manyExceptions(3));

    world.sim.injectFault({ route: 'exceptions.delete', kind: 'commit-then-reset', times: 1 });
    world.sim.resetCounters();
    const committed = await world.run(['apply', '--auto-approve', '--force']);
    expect(committed.code, committed.stderr).toBe(0);
    expect(committed.stdout).toContain('checked after an ambiguous failure');
    // plan: 1 list; apply: 1 DELETE (reset after commit) + 1 re-list to settle it. No second DELETE.
    expect(exceptionRequests(world.sim).byRoute).toEqual({ 'exceptions.list': 2, 'exceptions.delete': 1 });
    expect(world.sim.exceptions()).toHaveLength(3);

    await world.writeManifest('aws.yaml', manyExceptions(1));
    world.sim.injectFault({ route: 'exceptions.delete', kind: 'reset', times: 1 });
    const lost = await world.run(['apply', '--auto-approve', '--force']);
    expect(lost.code).toBe(1);
    expect(lost.stderr).toContain('checked: it still exists');
    expect(world.sim.exceptions()).toHaveLength(3);
    expect((await world.run(['apply', '--auto-approve', '--force'])).code).toBe(0);
    expect(world.sim.exceptions().map((item) => item.name)).toEqual(['team-a-00000']);
  });
});
