// Ambiguous failures are settled in batches: a name the exception.name filter finds costs one
// request; every miss of a round shares ONE listing of the account, whatever the number of failures.
import { afterEach, describe, expect, it } from 'vitest';
import { exceptionRequests, manyExceptions, startWorld, type World } from '../reconcile/e2e-harness';

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

/** 250 exceptions applied (3 pages of 100), then 12 more to create. */
async function accountWithTwelveNew(): Promise<World> {
  const current = await startWorld({ maxPageSize: 100 });
  const existing = manyExceptions(250);
  await current.writeManifest('aws.yaml', existing);
  expect((await current.run(['apply', '--auto-approve'])).code).toBe(0);
  await current.writeManifest('aws.yaml', [...existing, ...manyExceptions(12, 'team-new')]);
  current.sim.resetCounters();
  return current;
}

describe('settling ambiguous creates', () => {
  it('12 creates that failed before the server did anything: 12 look-ups by name and ONE re-list for all of them', async () => {
    world = await accountWithTwelveNew();
    world.sim.injectFault({ route: 'exceptions.create', kind: '500', times: 12 });
    const result = await world.run(['apply', '--auto-approve']);
    expect(result.code).toBe(1);
    expect(result.stderr.match(/checked: it was not created: re-run apply/g)).toHaveLength(12);
    // 3 pages to plan, 12 filtered look-ups, 3 pages of the one shared re-list (not 12 × 3).
    expect(exceptionRequests(world.sim).byRoute).toEqual({ 'exceptions.list': 3 + 12 + 3, 'exceptions.create': 12 });

    // Nothing was created twice, and the next apply converges.
    world.sim.resetCounters();
    expect((await world.run(['apply', '--auto-approve'])).code).toBe(0);
    expect(exceptionRequests(world.sim).byRoute).toEqual({ 'exceptions.list': 3, 'exceptions.create': 12 });
    expect(world.sim.exceptions()).toHaveLength(262);
  });

  it('12 creates that did happen but answered 500: each found by the filter in one request, no re-list', async () => {
    world = await accountWithTwelveNew();
    world.sim.injectFault({ route: 'exceptions.create', kind: 'commit-then-500', times: 12 });
    const result = await world.run(['apply', '--auto-approve']);
    expect(result.code, result.stderr).toBe(0);
    expect(exceptionRequests(world.sim).byRoute).toEqual({ 'exceptions.list': 3 + 12, 'exceptions.create': 12 });
    expect(world.sim.exceptions()).toHaveLength(262);
    expect((await world.run(['plan', '--detailed-exitcode'])).code).toBe(0);
  });

  it('two replaces whose creates failed together share one re-list, then are created again', async () => {
    world = await startWorld({ maxPageSize: 100 });
    const existing = manyExceptions(250);
    await world.writeManifest('aws.yaml', existing);
    expect((await world.run(['apply', '--auto-approve'])).code).toBe(0);
    await world.writeManifest('aws.yaml', existing.map((spec, index) => (index < 3 ? { ...spec, endDate: '2027-03-31' } : spec)));
    world.sim.injectFault({ route: 'exceptions.create', kind: '500', times: 2 });
    world.sim.resetCounters();
    const result = await world.run(['apply', '--auto-approve', '--allow-removals', '3']);
    expect(result.code, result.stderr).toBe(0);
    // 3 pages to plan; 2 look-ups and one shared re-list of 3 pages; 3 deletes; 3 creates + 2 sent again.
    expect(exceptionRequests(world.sim).byRoute).toEqual({ 'exceptions.list': 3 + 2 + 3, 'exceptions.delete': 3, 'exceptions.create': 5 });
    expect(world.sim.exceptions().filter((item) => item.endDate === '2027-03-31')).toHaveLength(3);
  });
});
