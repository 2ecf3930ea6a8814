// The coverage report against the simulator over loopback: every column, stale and over-broad
// exceptions, attribution by precedence, counts that follow creates and deletes, request costs.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type CoverageRow, InventoryCache, gatherCoverageReport } from '../../src/inventory';
import type { ExceptionSpec } from '../../src/model/exception';
import { AWS_PROD, AWS_STAGING, arn, bigAccount, bigSeed, managed, manifest, spec, startWorld, type World } from './helpers';

let nowIso = '2026-06-15T12:00:00Z';
const now = () => new Date(nowIso);
let world: World;
beforeAll(async () => {
  world = await startWorld({ now });
});
afterAll(() => world.close());
beforeEach(() => world.sim.resetCounters());
afterEach(async () => {
  nowIso = '2026-06-15T12:00:00Z';
  const uuids = world.sim.exceptions().map((e) => e.uuid);
  if (uuids.length > 0) await world.client.deleteExceptions(uuids);
  world.sim.resetCounters();
});

const SPECS = {
  resource: spec({ name: 'a-resource' }),
  passes: spec({ name: 'b-passes', controlIds: [1], resources: [{ resourceId: arn.prodBackups, accountId: AWS_PROD }] }),
  gone: spec({ name: 'c-gone', controlIds: [1], resources: [{ resourceId: 'arn:aws:s3:::no-such-bucket', accountId: AWS_PROD }] }),
  twoAccounts: spec({ name: 'd-two-accounts', exceptionScope: 'CONNECTOR', resources: undefined, accountIds: [AWS_PROD, AWS_STAGING], controlIds: [67, 45] }),
  overlap: spec({ name: 'e-overlap', exceptionScope: 'CONNECTOR', resources: undefined, accountIds: [AWS_PROD], controlIds: [1] }),
  tag: spec({ name: 'f-tag', exceptionScope: 'QUALYSTAG', resources: undefined, resourceTagNames: ['legacy'], isAllConnector: false, accountIds: [AWS_PROD], controlIds: [202, 50036] }),
  future: spec({ name: 'g-future', controlIds: [2], resources: [{ resourceId: arn.prodLogs, accountId: AWS_PROD }], startDate: '2026-07-01', endDate: '2026-12-31' }),
  expired: spec({ name: 'h-expired', controlIds: [1], resources: [{ resourceId: arn.stagingPublic, accountId: AWS_STAGING }], startDate: '2026-01-01', endDate: '2026-03-31' }),
} satisfies Record<string, ExceptionSpec>;

const unmanaged = spec({ name: 'ui-made', exceptionScope: 'CONNECTOR', resources: undefined, accountIds: [AWS_STAGING], controlIds: [2] });

async function createAll(specs: readonly ExceptionSpec[]): Promise<Map<string, string>> {
  const uuids = new Map<string, string>();
  for (const item of specs) uuids.set(item.name, (await world.client.createException(managed(item))).uuid);
  return uuids;
}

const report = (manifests = Object.values(SPECS).map((item, i) => manifest(item, i * 10 + 1)), options: { overBroadThreshold?: number; cache?: InventoryCache } = {}) =>
  gatherCoverageReport(world.client, {
    manifests,
    manage: [],
    timeZone: 'UTC',
    now: now(),
    overBroadThreshold: options.overBroadThreshold ?? 50,
    cache: options.cache,
  });

const byName = (rows: CoverageRow[]) => Object.fromEntries(rows.map((row) => [row.name, row]));

describe('gatherCoverageReport', () => {
  it('reports every column of every managed exception, stale and over-broad ones flagged', async () => {
    const uuids = await createAll(Object.values(SPECS));
    world.sim.createExceptionAsUi(unmanaged);
    world.sim.resetCounters();
    const result = await report();
    const rows = byName(result.exceptions);
    expect(Object.keys(rows)).toEqual(['a-resource', 'b-passes', 'c-gone', 'd-two-accounts', 'e-overlap', 'f-tag', 'g-future', 'h-expired']);

    expect(rows['a-resource']).toEqual({
      name: 'a-resource',
      uuid: uuids.get('a-resource'),
      cloudType: 'AWS',
      scope: 'RESOURCE',
      state: 'ACTIVE',
      startDate: '2026-01-01',
      endDate: '2026-06-30',
      daysToExpiry: 15,
      accounts: 1,
      controls: 2,
      passWithException: 2,
      failing: 0,
      passing: 0,
      missing: 0,
      stale: false,
      staleReason: null,
      overBroad: false,
      overBroadReasons: [],
      approximate: false,
      targetsFrom: 'repo',
      file: 'policies/aws.yaml',
      line: 1,
    });
    expect(rows['b-passes']).toMatchObject({ passWithException: 0, passing: 1, stale: true, staleReason: 'now-passes' });
    expect(rows['c-gone']).toMatchObject({ passWithException: 0, missing: 1, stale: true, staleReason: 'resource-gone' });
    // sg and instance FAIL in both accounts: 2 controls × 2 accounts.
    expect(rows['d-two-accounts']).toMatchObject({ accounts: 2, controls: 2, passWithException: 4, passing: 4, failing: 0, overBroad: true, overBroadReasons: ['2 accounts'], stale: false });
    // Control 1 fails in prod only on the public bucket, which a-resource exempts first (RESOURCE beats CONNECTOR).
    expect(rows['e-overlap']).toMatchObject({ passWithException: 0, passing: 2, stale: true, staleReason: 'nothing-failing', overBroad: false });
    expect(rows['f-tag']).toMatchObject({ scope: 'QUALYSTAG', passWithException: 2, approximate: true, failing: null, passing: null, accounts: 1, stale: false });
    expect(rows['g-future']).toMatchObject({ state: 'INACTIVE', passWithException: 0, failing: 1, stale: false, daysToExpiry: 199 });
    expect(rows['h-expired']).toMatchObject({ state: 'EXPIRED', passWithException: 0, daysToExpiry: -76, stale: false, overBroad: false });

    expect(result.summary).toEqual({ managed: 8, active: 6, inactive: 1, expired: 1, otherState: 0, stale: 3, overBroad: 1, passWithException: 8 });
    expect(result).toMatchObject({ version: 1, timeZone: 'UTC', overBroadThreshold: 50, generatedAt: '2026-06-15T12:00:00.000Z' });

    // One listing, one summary per account reached (prod, staging), one regex POST; no details.
    expect(world.sim.counters().byRoute).toEqual({ 'exceptions.list': 1, 'evaluations.summary': 2, 'evaluations.list': 1 });
  });

  it('reads details only for exceptions the repository cannot vouch for, and skips expired ones', async () => {
    await createAll(Object.values(SPECS));
    world.sim.resetCounters();
    const fromApi = await report([]);
    const fromRepo = await report();
    const strip = (rows: CoverageRow[]) => rows.map(({ targetsFrom, file, line, ...rest }) => rest);
    // The expired one has no targets without the repo: nothing to count, nothing to flag.
    const expected = strip(fromRepo.exceptions).map((row) => (row.name === 'h-expired' ? { ...row, cloudType: null, accounts: null, controls: null, failing: null, passing: null, missing: null } : row));
    expect(strip(fromApi.exceptions)).toEqual(expected);
    expect(fromApi.exceptions.map((row) => row.targetsFrom)).toEqual(['detail', 'detail', 'detail', 'detail', 'detail', 'detail', 'detail', 'none']);
    expect(world.sim.counters().byRoute['exceptions.get']).toBe(7);
  });

  it('follows creates and deletes: counts move between exceptions, rows come and go', async () => {
    await createAll([SPECS.twoAccounts]);
    const sg = 'arn:aws:ec2:us-east-1:123456789012:security-group/sg-0a1b2c3d4e5f60718';
    const narrow = spec({ name: 'narrow-sg', controlIds: [67], resources: [{ resourceId: sg, accountId: AWS_PROD }] });
    const manifests = [manifest(SPECS.twoAccounts, 1), manifest(narrow, 2)];

    expect(byName((await report(manifests)).exceptions)['d-two-accounts'].passWithException).toBe(4);

    const { uuid } = await world.client.createException(managed(narrow));
    const after = byName((await report(manifests)).exceptions);
    expect(after['narrow-sg']).toMatchObject({ passWithException: 1, stale: false });
    expect(after['d-two-accounts'].passWithException).toBe(3);

    await world.client.deleteExceptions([uuid]);
    const again = byName((await report(manifests)).exceptions);
    expect(Object.keys(again)).toEqual(['d-two-accounts']);
    expect(again['d-two-accounts'].passWithException).toBe(4);

    // Created in the UI without a marker: not managed, not reported, but it does not steal counts either.
    world.sim.createExceptionAsUi({ ...narrow, name: 'ui-sg' });
    expect(Object.keys(byName((await report(manifests)).exceptions))).toEqual(['d-two-accounts']);
  });

  it('reads the detail of an exception edited in the UI since it was created', async () => {
    const uuids = await createAll([SPECS.resource]);
    nowIso = '2026-06-16T12:00:00Z';
    world.sim.editExceptionAsUi(uuids.get('a-resource')!, { controlIds: [1] });
    const row = (await report([manifest(SPECS.resource)])).exceptions[0];
    expect(row).toMatchObject({ targetsFrom: 'detail', controls: 1, passWithException: 1, daysToExpiry: 14 });
  });

  it('counts an exception claimed by a config glob without a marker', async () => {
    world.sim.createExceptionAsUi(SPECS.resource);
    const result = await gatherCoverageReport(world.client, { manifests: [], manage: ['a-*'], timeZone: 'UTC', now: now(), overBroadThreshold: 50 });
    expect(result.exceptions).toEqual([expect.objectContaining({ name: 'a-resource', targetsFrom: 'detail', passWithException: 2 })]);
  });

  it('costs a handful of requests for 30 exceptions over 3 accounts', async () => {
    const envs: Array<[string, string]> = [
      ['prod', AWS_PROD],
      ['staging', AWS_STAGING],
      ['sandbox', '555566667777'],
    ];
    const buckets = ['logs', 'public-assets', 'backups'];
    const specs = Array.from({ length: 30 }, (_, i) => {
      const [env, accountId] = envs[i % 3];
      return spec({ name: `bulk-${String(i).padStart(2, '0')}`, controlIds: [1 + (i % 3)], resources: [{ resourceId: `arn:aws:s3:::acme-${env}-${buckets[Math.floor(i / 3) % 3]}`, accountId }] });
    });
    world.sim.seedExceptions(specs.map((item) => managed(item)));
    world.sim.resetCounters();
    const result = await report(specs.map((item, i) => manifest(item, i + 1)));
    expect(result.exceptions).toHaveLength(30);
    expect(world.sim.counters().byRoute).toEqual({ 'exceptions.list': 1, 'evaluations.summary': 3, 'evaluations.list': 1 });
  });
});

describe('over-broad by size', () => {
  it('flags a CONNECTOR exception exempting more than the threshold, and a QUALYSTAG one over all connectors', async () => {
    const big = await startWorld({ seed: bigSeed(2, 60), now });
    try {
      const wide = spec({ name: 'wide', exceptionScope: 'CONNECTOR', resources: undefined, accountIds: [bigAccount(0)], controlIds: [1] });
      const everywhere = spec({ name: 'everywhere', exceptionScope: 'QUALYSTAG', resources: undefined, resourceTagNames: ['even'], isAllConnector: true, controlIds: [1] });
      for (const item of [wide, everywhere]) await big.client.createException(managed(item));
      big.sim.resetCounters();
      const run = (threshold: number) =>
        gatherCoverageReport(big.client, { manifests: [manifest(wide, 1), manifest(everywhere, 2)], manage: [], timeZone: 'UTC', now: now(), overBroadThreshold: threshold });
      const rows = byName((await run(50)).exceptions);
      expect(rows.wide).toMatchObject({ passWithException: 60, overBroad: true, overBroadReasons: ['covers 60 > 50'] });
      // 30 tagged buckets per account; account 0's are the CONNECTOR's (CONNECTOR beats QUALYSTAG).
      expect(rows.everywhere).toMatchObject({ passWithException: 30, approximate: true, accounts: 2, overBroad: true, overBroadReasons: ['2 accounts'] });
      expect(big.sim.counters().byRoute).toEqual({ 'exceptions.list': 1, 'connectors.list': 1, 'evaluations.summary': 2 });
      expect(byName((await run(100)).exceptions).wide).toMatchObject({ overBroad: false });
      expect(byName((await run(10)).exceptions).everywhere.overBroadReasons).toEqual(['covers 30 > 10', '2 accounts']);
    } finally {
      await big.close();
    }
  });

  it('reads no summary for a connector listed without its account id (a reading of the API), and says the reach is unknown', async () => {
    const blind = await startWorld({ seed: bigSeed(2, 4), now, quirks: { connectorsWithoutAccountIds: true } });
    try {
      const everywhere = spec({ name: 'everywhere', exceptionScope: 'QUALYSTAG', resources: undefined, resourceTagNames: ['even'], isAllConnector: true, controlIds: [1] });
      await blind.client.createException(managed(everywhere));
      blind.sim.resetCounters();
      const result = await gatherCoverageReport(blind.client, { manifests: [manifest(everywhere, 1)], manage: [], timeZone: 'UTC', now: now(), overBroadThreshold: 50 });
      // Two connectors, one control: two pairs nobody can read, so neither 0 accounts nor "stale".
      expect(result.exceptions[0]).toMatchObject({ accounts: 0, missing: 2, stale: false, staleReason: null, approximate: true });
      expect(blind.sim.counters().byRoute).toEqual({ 'exceptions.list': 1, 'connectors.list': 1 });
    } finally {
      await blind.close();
    }
  });
});
