// A remote listing that moves while it is paged, against the simulator over loopback: read once more,
// and when it moves again, a plan that never deletes from it and marks its creates unconfirmed.
import { afterEach, describe, expect, it } from 'vitest';
import { createCloudViewClient } from '../../src/api/client';
import { listRemoteExceptions } from '../../src/reconcile/remote';
import type { Plan } from '../../src/reconcile/types';
import { DEFAULT_SIM_PASSWORD, DEFAULT_SIM_USER, dialectQuirks, startSimulator } from '../../src/simulator';
import { awsException, startWorld, type World } from './e2e-harness';

const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((thing) => thing.close()));
});

async function listingAgainst(dialect: 'documented' | 'shrinking-list' | 'growing-list' | 'unstable-list') {
  const sim = await startSimulator({ dialect, maxPageSize: 2 });
  open.push(sim);
  sim.seedExceptions(Array.from({ length: 5 }, (_, i) => awsException(`l-${i}`)));
  // One call at a time: no page requested ahead, so the request counts are exact.
  const client = createCloudViewClient({ baseUrl: sim.url, username: DEFAULT_SIM_USER, password: DEFAULT_SIM_PASSWORD, concurrency: 1 });
  open.push(client);
  const listing = await listRemoteExceptions(client);
  return { listing, names: listing.items.map((item) => item.name).sort(), requests: sim.counters().total };
}

describe('listRemoteExceptions', () => {
  it('reads a steady list once', async () => {
    const { listing, names, requests } = await listingAgainst('documented');
    expect(listing).toMatchObject({ consistent: true, reads: 1, uncertain: [] });
    expect(names).toEqual(['l-0', 'l-1', 'l-2', 'l-3', 'l-4']);
    expect(requests).toBe(3);
  });

  it('reads a list that moved once more, and keeps the second reading', async () => {
    const shrunk = await listingAgainst('shrinking-list');
    expect(shrunk.listing).toMatchObject({ consistent: true, reads: 2 });
    expect(shrunk.names).toEqual(['l-0', 'l-1', 'l-2', 'l-3', 'l-4']);
    // 2 requests for the moving read (its count fell to 4, read by page 1), 3 for the steady one.
    expect(shrunk.requests).toBe(5);
    const grown = await listingAgainst('growing-list');
    expect(grown.listing).toMatchObject({ consistent: true, reads: 2 });
    expect(grown.names).toEqual(['l-0', 'l-1', 'l-2', 'l-3', 'l-4']);
    expect(grown.requests).toBe(6);
  });

  it('says so when the list moved again, holding what either reading saw', async () => {
    const { listing, names, requests } = await listingAgainst('unstable-list');
    expect(listing.consistent).toBe(false);
    expect(listing.reads).toBe(2);
    // l-2 slid past the pages read both times: nothing can show it.
    expect(names).toEqual(['l-0', 'l-1', 'l-3', 'l-4']);
    expect(listing.problem).toBe("the server's count went from 5 to 4 while 4 distinct exceptions were read");
    expect(requests).toBe(4);
  });
});

describe('a plan from a listing that never held still', () => {
  let world: World;
  afterEach(async () => {
    await world.close();
  });

  it('withholds every delete, marks creates unconfirmed, counts managed cautiously; apply deletes nothing', async () => {
    world = await startWorld({ maxPageSize: 2 });
    const names = ['team-a-0', 'team-a-1', 'team-a-2', 'team-a-3', 'team-a-4'];
    await world.writeManifest('aws.yaml', names.map((name) => awsException(name)));
    expect((await world.run(['apply', '--auto-approve', '--skip-inventory'])).code).toBe(0);

    // The repository drops team-a-4 and adds team-a-new; meanwhile the list keeps moving.
    await world.writeManifest('aws.yaml', [...names.slice(0, 4), 'team-a-new'].map((name) => awsException(name)));
    world.sim.setQuirks(dialectQuirks('unstable-list'));
    const result = await world.run(['plan', '--format', 'json', '--skip-inventory']);
    const plan = JSON.parse(result.stdout) as Plan;
    expect(plan.warnings.map((warning) => warning.code)).toContain('listing.inconsistent');
    expect(plan.warnings.find((warning) => warning.code === 'listing.inconsistent')?.message).toMatch(/1 delete withheld, 2 creates unconfirmed/);
    expect(plan.summary.delete).toBe(0);
    // team-a-2 slid past the pages read: its create is planned, but flagged.
    expect(plan.changes.map((change) => [change.action, change.name, 'unconfirmed' in change ? change.unconfirmed : undefined])).toEqual([
      ['create', 'team-a-2', true],
      ['create', 'team-a-new', true],
    ]);
    expect(plan.safety.managed).toBe(4);
    const Ajv = (await import('ajv')).default;
    const validate = new Ajv({ strict: false }).compile((await import('../../schemas/plan.schema.json')).default);
    expect(validate(plan), JSON.stringify(validate.errors)).toBe(true);

    const text = await world.run(['plan', '--skip-inventory']);
    expect(text.stdout).toMatch(/\+ {2}team-a-2 {2}policies\/aws\.yaml:\d+ \(unconfirmed: the listing moved while it was read\)/);

    const applied = await world.run(['apply', '--auto-approve', '--skip-inventory']);
    // The unconfirmed create of a name that exists meets the server's uniqueness; the exception found
    // by that name carries this very spec's marker, so it counts as done. Nothing is deleted.
    expect(applied.stdout).toMatch(/\+ created team-a-2 \([0-9a-f-]{36}\) \(checked after an ambiguous failure\)/);
    expect(world.sim.exceptions().map((item) => item.name).sort()).toEqual([...names, 'team-a-new']);
  });

  it('refuses a saved plan when the listing that should prove it current moved twice', async () => {
    world = await startWorld({ maxPageSize: 2 });
    await world.writeManifest('aws.yaml', ['x-0', 'x-1', 'x-2'].map((name) => awsException(name)));
    expect((await world.run(['apply', '--auto-approve', '--skip-inventory'])).code).toBe(0);
    await world.writeManifest('aws.yaml', ['x-0', 'x-1'].map((name) => awsException(name)));
    expect((await world.run(['plan', '--out', 'plan.json', '--skip-inventory'])).code).toBe(0);
    world.sim.setQuirks(dialectQuirks('unstable-list'));
    const applied = await world.run(['apply', '--plan', 'plan.json', '--auto-approve']);
    expect(applied.code).not.toBe(0);
    expect(applied.stderr).toMatch(/the exceptions list changed while it was read, twice .* cannot be proven current/);
    expect(world.sim.exceptions()).toHaveLength(3);
  });
});
