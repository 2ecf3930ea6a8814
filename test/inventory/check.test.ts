// checkInventory against the simulator over loopback, with the real client: every rule, strict mode,
// and what it costs in requests (the simulator's own counters).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { InventoryCache, checkInventory, INVENTORY_RULES } from '../../src/inventory';
import { AWS_PROD, AWS_SANDBOX, AWS_STAGING, AZ_PROD, arn, bigAccount, bigSeed, bucketOf, manifest, spec, startWorld, type World } from './helpers';

let world: World;
beforeAll(async () => {
  world = await startWorld();
});
afterAll(() => world.close());
beforeEach(() => world.sim.resetCounters());

const rules = (findings: Array<{ rule: string }>) => findings.map((finding) => finding.rule);

describe('checkInventory', () => {
  it('finds nothing wrong with manifests that match the inventory', async () => {
    const manifests = [
      manifest(spec()),
      manifest(spec({ name: 'quoted', controlIds: [202], resources: [{ resourceId: arn.legacyParam, accountId: AWS_PROD }] }), 10),
      manifest(spec({ name: 'conn', exceptionScope: 'CONNECTOR', resources: undefined, accountIds: [AWS_PROD, AWS_STAGING], controlIds: [67] }), 20),
      manifest(spec({ name: 'az', cloudType: 'AZURE', exceptionScope: 'CONNECTOR', resources: undefined, accountIds: [AZ_PROD], controlIds: [50036] }), 30),
      // Resource ids full of `/` (and `.` in GCP's): escaped, matched whole.
      manifest(spec({ name: 'az-res', cloudType: 'AZURE', controlIds: [50036], resources: [{ resourceId: `/subscriptions/${AZ_PROD}/resourceGroups/rg-prod/providers/Microsoft.Storage/storageAccounts/acmeprodlogs`, accountId: AZ_PROD }] }), 40),
      manifest(spec({ name: 'gcp-res', cloudType: 'GCP', controlIds: [52001, 52002], resources: [{ resourceId: '//storage.googleapis.com/projects/_/buckets/acme-prod-1234-static', accountId: 'acme-prod-1234' }] }), 50),
    ];
    expect(await checkInventory(manifests, world.client, { strict: false })).toEqual([]);
    // Per cloud: one connectors listing and one regex POST; one summary per account (2 AWS, 1 Azure, 1 GCP).
    expect(world.sim.counters().byRoute).toEqual({ 'connectors.list': 3, 'evaluations.summary': 4, 'evaluations.list': 3 });
  });

  it('flags an account that is not a connector of that cloud, at the exception', async () => {
    const bad = manifest(spec({ exceptionScope: 'CONNECTOR', resources: undefined, accountIds: ['999999999999'] }), 7);
    // An Azure subscription named in an AWS exception is unknown too: accounts belong to one cloud.
    const wrongCloud = manifest(spec({ name: 'x', exceptionScope: 'CONNECTOR', resources: undefined, accountIds: [AZ_PROD] }), 12);
    const findings = await checkInventory([bad, wrongCloud], world.client, { strict: false });
    expect(findings).toEqual([
      expect.objectContaining({ rule: INVENTORY_RULES.unknownAccount, severity: 'warning', file: 'policies/aws.yaml', line: 7, column: 5 }),
      expect.objectContaining({ rule: INVENTORY_RULES.unknownAccount, line: 12, message: expect.stringContaining(AZ_PROD) }),
    ]);
  });

  it('flags an account whose connector is in ERROR state', async () => {
    const findings = await checkInventory(
      [manifest(spec({ resources: [{ resourceId: arn.sandboxPublic, accountId: AWS_SANDBOX }] }), 3)],
      world.client,
      { strict: false },
    );
    expect(rules(findings)).toEqual([INVENTORY_RULES.connectorError]);
    expect(findings[0].message).toContain('aws-sandbox');
  });

  it('flags a control the cloud does not evaluate', async () => {
    const findings = await checkInventory([manifest(spec({ controlIds: [1, 9999, 50113] }), 4)], world.client, { strict: false });
    expect(findings.map((f) => [f.rule, f.line])).toEqual([
      [INVENTORY_RULES.unknownControl, 4],
      [INVENTORY_RULES.unknownControl, 4],
    ]);
    expect(findings[0].message).toContain('9999');
    expect(findings[1].message).toContain('50113');
  });

  it('flags a resource that does not exist and one not evaluated for the controls', async () => {
    const manifests = [
      manifest(spec({ name: 'gone', controlIds: [1], resources: [{ resourceId: 'arn:aws:s3:::no-such-bucket', accountId: AWS_PROD }] }), 1),
      // Exists, but is only evaluated for control 67.
      manifest(spec({ name: 'wrong-control', controlIds: [1, 67], resources: [{ resourceId: 'arn:aws:ec2:eu-west-1:123456789012:security-group/sg-0123456789abcdef0', accountId: AWS_PROD }] }), 2),
      // Exists in staging, not in prod.
      manifest(spec({ name: 'wrong-account', controlIds: [1], resources: [{ resourceId: 'arn:aws:s3:::acme-staging-logs', accountId: AWS_PROD }] }), 3),
    ];
    const findings = await checkInventory(manifests, world.client, { strict: false });
    expect(findings.map((f) => [f.rule, f.line])).toEqual([
      [INVENTORY_RULES.unknownResource, 1],
      [INVENTORY_RULES.unknownResource, 2],
      [INVENTORY_RULES.unknownResource, 3],
    ]);
    expect(findings[0].message).toContain('no-such-bucket');
    expect(findings[1].message).toMatch(/for control 1$/);
  });

  it('turns every warning into an error with strict', async () => {
    const manifests = [
      manifest(spec({ exceptionScope: 'CONNECTOR', resources: undefined, accountIds: ['999999999999', AWS_SANDBOX], controlIds: [9999] }), 1),
      manifest(spec({ name: 'gone', controlIds: [1], resources: [{ resourceId: 'arn:aws:s3:::no-such-bucket', accountId: AWS_PROD }] }), 2),
    ];
    const lenient = await checkInventory(manifests, world.client, { strict: false });
    const strict = await checkInventory(manifests, world.client, { strict: true });
    expect(rules(strict).sort()).toEqual(
      [INVENTORY_RULES.unknownAccount, INVENTORY_RULES.connectorError, INVENTORY_RULES.unknownControl, INVENTORY_RULES.unknownResource].sort(),
    );
    expect(lenient.every((f) => f.severity === 'warning')).toBe(true);
    expect(strict.every((f) => f.severity === 'error')).toBe(true);
    expect(strict.map(({ severity, ...rest }) => rest)).toEqual(lenient.map(({ severity, ...rest }) => rest));
  });

  it('checks 30 exceptions over 3 accounts in a handful of requests, and nothing more with the same cache', async () => {
    const accounts = [AWS_PROD, AWS_STAGING, AWS_SANDBOX];
    const buckets = ['logs', 'public-assets', 'backups'];
    const envs = ['prod', 'staging', 'sandbox'];
    const manifests = Array.from({ length: 30 }, (_, i) =>
      manifest(
        spec({
          name: `bulk-${i}`,
          controlIds: [1 + (i % 3)],
          resources: [{ resourceId: `arn:aws:s3:::acme-${envs[i % 3]}-${buckets[Math.floor(i / 3) % 3]}`, accountId: accounts[i % 3] }],
        }),
        i + 1,
      ),
    );
    const cache = new InventoryCache();
    const findings = await checkInventory(manifests, world.client, { strict: false, cache });
    // Only the sandbox connector's ERROR state is wrong here: one finding per exception naming it.
    expect(new Set(rules(findings))).toEqual(new Set([INVENTORY_RULES.connectorError]));
    const counters = world.sim.counters();
    expect(counters.byRoute).toEqual({ 'connectors.list': 1, 'evaluations.summary': 3, 'evaluations.list': 1 });
    expect(counters.total).toBe(5);
    expect(cache.decisions).toEqual([expect.objectContaining({ cloudType: 'AWS', choice: 'regex', resources: 9 })]);

    world.sim.resetCounters();
    await checkInventory(manifests, world.client, { strict: false, cache });
    expect(world.sim.counters().total).toBe(0);
  });

  it('reads one connectors listing per cloud used', async () => {
    const manifests = [
      manifest(spec({ exceptionScope: 'CONNECTOR', resources: undefined, accountIds: [AWS_PROD], controlIds: [1] })),
      manifest(spec({ name: 'az', cloudType: 'AZURE', exceptionScope: 'CONNECTOR', resources: undefined, accountIds: [AZ_PROD], controlIds: [50036] })),
    ];
    await checkInventory(manifests, world.client, { strict: false });
    expect(world.sim.counters().byRoute['connectors.list']).toBe(2);
  });

  it('learns the controls of a cloud whose exceptions name no account from a few connectors', async () => {
    const tagOnly = manifest(
      spec({ exceptionScope: 'QUALYSTAG', resources: undefined, resourceTagNames: ['legacy'], isAllConnector: true, controlIds: [202, 7777] }),
      9,
    );
    const findings = await checkInventory([tagOnly], world.client, { strict: false });
    expect(findings.map((f) => [f.rule, f.message.includes('7777')])).toEqual([[INVENTORY_RULES.unknownControl, true]]);
    // Healthy connectors first: prod and staging, not the ERROR sandbox.
    expect(world.sim.counters().byRoute['evaluations.summary']).toBe(2);
  });
});

describe('resource source choice', () => {
  it('reads per control when many wanted resources share one control of a big account', async () => {
    // 300 buckets in one account, each evaluated on 10 controls: by regex 300 × 10 / 100 = 30 pages,
    // per control (control 1 only) 300 / 100 = 3 pages.
    const big = await startWorld({ seed: bigSeed(1, 300, 10) });
    try {
      const account = bigAccount(0);
      const manifests = Array.from({ length: 300 }, (_, i) =>
        manifest(spec({ name: `b-${i}`, controlIds: [1], resources: [{ resourceId: bucketOf(account, i), accountId: account }] }), i + 1),
      );
      manifests.push(manifest(spec({ name: 'missing', controlIds: [1], resources: [{ resourceId: bucketOf(account, 9999), accountId: account }] }), 999));
      const cache = new InventoryCache();
      const findings = await checkInventory(manifests, big.client, { strict: false, cache });
      expect(findings.map((f) => [f.rule, f.line])).toEqual([[INVENTORY_RULES.unknownResource, 999]]);
      expect(cache.decisions).toEqual([expect.objectContaining({ choice: 'per-control', perControl: 3, regex: 31 })]);
      expect(big.sim.counters().byRoute).toEqual({ 'connectors.list': 1, 'evaluations.summary': 1, 'evaluations.resources': 3 });
    } finally {
      await big.close();
    }
  });
});

describe('the per-run cache', () => {
  it('shares requests between concurrent checks', async () => {
    const manifests = [manifest(spec()), manifest(spec({ name: 'c', exceptionScope: 'CONNECTOR', resources: undefined, accountIds: [AWS_STAGING], controlIds: [67] }), 2)];
    world.sim.resetCounters();
    const cache = new InventoryCache();
    const [first, second] = await Promise.all([
      checkInventory(manifests, world.client, { strict: false, cache }),
      checkInventory(manifests, world.client, { strict: true, cache }),
    ]);
    expect(first).toEqual([]);
    expect(second).toEqual([]);
    expect(world.sim.counters().byRoute).toEqual({ 'connectors.list': 1, 'evaluations.summary': 2, 'evaluations.list': 1 });
  });
});

describe('connector items without account ids', () => {
  it('report once per cloud that accounts cannot be checked, never call them unknown, and stay warnings when strict', async () => {
    const blind = await startWorld({ dialect: 'connectors-without-accounts' });
    try {
      const manifests = [
        manifest(spec(), 3),
        manifest(spec({ name: 'conn', exceptionScope: 'CONNECTOR', resources: undefined, accountIds: [AWS_PROD, AWS_STAGING], controlIds: [67] }), 9),
        manifest(spec({ name: 'az', cloudType: 'AZURE', exceptionScope: 'CONNECTOR', resources: undefined, accountIds: [AZ_PROD], controlIds: [50036] }), 15),
        // A typo in a control is still found: the accounts named are read as if they were known.
        manifest(spec({ name: 'typo', controlIds: [1, 9999] }), 21),
      ];
      const findings = await checkInventory(manifests, blind.client, { strict: true });
      expect(findings.map((f) => [f.rule, f.severity, f.line])).toEqual([
        [INVENTORY_RULES.accountsUnchecked, 'warning', 3],
        [INVENTORY_RULES.accountsUnchecked, 'warning', 15],
        [INVENTORY_RULES.unknownControl, 'error', 21],
      ]);
      expect(findings[0].message).toBe('AWS accounts cannot be checked: the connectors listing gives no account ids');
      expect(findings[1].message).toMatch(/^AZURE accounts cannot be checked/);
    } finally {
      await blind.close();
    }
  });
});
