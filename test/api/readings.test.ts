// The client against the simulator playing each reading the documentation leaves open, and each
// hostile answer, over loopback: what it reads, how many requests it spends, how it stops.
import { describe, expect, it } from 'vitest';
import { createCloudViewClient, type CloudViewClient } from '../../src/api/client';
import { ResponseShapeError } from '../../src/api/errors';
import type { ListingReport } from '../../src/api/types';
import { DEFAULT_SIM_PASSWORD, DEFAULT_SIM_USER } from '../../src/simulator';
import { failure } from './helpers';
import { all, AWS_PROD, connectorSpec, useSimulatorClient } from './simulator-client';

const { setup, closeLater } = useSimulatorClient({ sim: { maxPageSize: 2 }, client: { timeoutMs: 5_000 } });

/** Every v1 list read once: connectors, one account's summaries, one control's resources. */
async function readV1Lists(client: CloudViewClient) {
  return {
    connectors: (await all(client.listConnectors('AWS'))).map((c) => c.name),
    controls: (await client.getControlSummaries('AWS', AWS_PROD)).map((s) => s.controlId),
    resources: (await all(client.listControlResources('AWS', AWS_PROD, 1))).map((r) => r.resourceId).sort(),
  };
}

const V1_EXPECTED = {
  connectors: ['aws-prod', 'aws-staging', 'aws-sandbox'],
  controls: [1, 2, 3, 11, 45, 67, 101, 202, 50036],
  resources: ['arn:aws:s3:::acme-prod-backups', 'arn:aws:s3:::acme-prod-logs', 'arn:aws:s3:::acme-prod-public-assets'],
};

describe('v1 page numbering and envelopes', () => {
  // Requests per reading, pages of 2: connectors (3 items), summaries (9), resources (3).
  it.each([
    ['documented', { connectors: 2, summary: 5, resources: 2 }],
    // 1-based: page 1 repeats page 0 once per list, then the client knows.
    ['v1-one-based', { connectors: 3, summary: 6, resources: 3 }],
    // No last, no totals: a short page ends the list (an odd count never needs an empty page).
    ['v1-minimal', { connectors: 2, summary: 5, resources: 2 }],
    ['all-readings', { connectors: 3, summary: 6, resources: 3 }],
  ] as const)('reads every v1 list whole under the %s reading', async (dialect, requests) => {
    const { sim, client } = await setup({ dialect });
    expect(await readV1Lists(client)).toEqual(V1_EXPECTED);
    const byRoute = sim.counters().byRoute;
    expect({ connectors: byRoute['connectors.list'], summary: byRoute['evaluations.summary'], resources: byRoute['evaluations.resources'] }).toEqual(requests);
  });

  it('ends a minimal-envelope list on an empty page when the last page is full', async () => {
    const { sim, client } = await setup({ dialect: 'v1-minimal', maxPageSize: 3 });
    expect((await all(client.listConnectors('AWS'))).length).toBe(3);
    expect(sim.counters().byRoute['connectors.list']).toBe(2);
  });

  it('takes the colon filter form on connectors, as the client sends it', async () => {
    const { client } = await setup();
    expect((await all(client.listConnectors('AWS', { filter: 'state:SUCCESS' }))).map((c) => c.name)).toEqual(['aws-prod', 'aws-staging']);
  });
});

describe('the documentation-shaped answers', () => {
  it('reads connectors with groups as objects, pollingFrequency as an object and the extra AWS / Azure fields', async () => {
    const { client } = await setup({ maxPageSize: 100 });
    const [aws] = await all(client.listConnectors('AWS'));
    expect(aws).toMatchObject({ name: 'aws-prod', accountId: AWS_PROD, cloudType: 'AWS', state: 'SUCCESS', lastSyncedOn: 'Sun Nov 22 07:21:36 UTC 2026' });
    expect((await all(client.listConnectors('AZURE')))[0].accountId).toBe('0b5e7a3c-9d1f-4e2a-8c6b-1f2e3d4c5b6a');
  });

  it('reads Azure and GCP per-control results without region, connectorId or evaluation dates', async () => {
    const { client } = await setup({ maxPageSize: 100 });
    const [azure] = await all(client.listControlResources('AZURE', '0b5e7a3c-9d1f-4e2a-8c6b-1f2e3d4c5b6a', 50036));
    expect(azure).toMatchObject({ region: '', connectorId: '', accountId: '0b5e7a3c-9d1f-4e2a-8c6b-1f2e3d4c5b6a', result: expect.any(String) });
    const [gcp] = await all(client.listControlResources('GCP', 'acme-prod-1234', 52001));
    expect(gcp).toMatchObject({ region: 'us-central1', connectorId: '', accountId: 'acme-prod-1234' });
  });

  it('reads upper-case service tokens, createdBy "" and referenceDocLink ""', async () => {
    const { client } = await setup();
    const summaries = await client.getControlSummaries('AZURE', '0b5e7a3c-9d1f-4e2a-8c6b-1f2e3d4c5b6a');
    expect(summaries.map((s) => s.service)).toContain('STORAGE_ACCOUNT');
    const { uuid } = await client.createException(connectorSpec('docs'));
    const detail = await client.getException(uuid);
    expect(detail).toMatchObject({ createdBy: '', updatedBy: '', referenceDocLink: '' });
    expect((await all(client.listExceptions({ sort: 'updatedOn:desc' }))).map((e) => e.name)).toEqual(['docs']);
  });

  it('asks the regex evaluation list for large pages, under half the body cap', async () => {
    const sizes: number[] = [];
    const { sim, client } = await setup({}, { onPage: (route, info) => route === 'evaluations.list' && sizes.push(info.serverPageSize ?? -1) });
    await all(client.listEvaluationsByRegex('AWS', '.*'));
    const capped = createCloudViewClient({
      baseUrl: sim.url,
      username: DEFAULT_SIM_USER,
      password: DEFAULT_SIM_PASSWORD,
      maxBodyBytes: { 'evaluations.list': 1024 * 1024 },
      onPage: (route, info) => route === 'evaluations.list' && sizes.push(info.serverPageSize ?? -1),
    });
    closeLater(capped);
    await all(capped.listEvaluationsByRegex('AWS', '.*'));
    // 2,000 by default; 1 MiB / 2 / 2 KiB per evaluation = 256 under a 1 MiB cap.
    expect(sizes).toEqual([2000, 256]);
  });
});

describe('the exception detail under each reading', () => {
  it.each([
    ['documented', 'AWS'],
    ['provider-in-summary', 'AWS'],
    ['no-provider', undefined],
  ] as const)('%s: the cloud is %s', async (dialect, cloud) => {
    const { client } = await setup({ dialect });
    const { uuid } = await client.createException(connectorSpec('where'));
    expect((await client.getException(uuid)).cloudType).toBe(cloud);
  });

  it('reads connectors carrying `account`, and looks `{uuid, name}` ones up in one connectors listing per client', async () => {
    const account = await setup({ dialect: 'connector-account' });
    const created = await account.client.createException(connectorSpec('acc', { accountIds: [AWS_PROD, '210987654321'] }));
    expect((await account.client.getException(created.uuid)).accountIds).toEqual([AWS_PROD, '210987654321']);

    const { sim, client } = await setup({ dialect: 'connector-refs' });
    const first = await client.createException(connectorSpec('refs-1', { accountIds: [AWS_PROD, '210987654321'] }));
    const second = await client.createException(connectorSpec('refs-2', { accountIds: ['555566667777'] }));
    sim.resetCounters();
    expect((await client.getException(first.uuid)).accountIds).toEqual([AWS_PROD, '210987654321']);
    expect((await client.getException(second.uuid)).accountIds).toEqual(['555566667777']);
    // Two details, and the AWS connectors (3, pages of 2) read once for both.
    expect(sim.counters().byRoute).toEqual({ 'exceptions.get': 2, 'connectors.list': 2 });
  });

  it('says which connector it cannot place when neither the detail nor the listing gives its account', async () => {
    const { client } = await setup({ quirks: { detailConnectors: 'uuid-name', connectorsWithoutAccountIds: true } });
    const { uuid } = await client.createException(connectorSpec('lost'));
    const error = await failure(client.getException(uuid));
    expect(error).toBeInstanceOf(ResponseShapeError);
    expect(error.message).toMatch(/exception "lost" names connector [0-9a-f-]{36} \("aws-prod"\) without its account id, and no AWS connectors listing gives one/);
  });

  it('reads connector items without account ids as such', async () => {
    const { client } = await setup({ dialect: 'connectors-without-accounts' });
    expect((await all(client.listConnectors('GCP'))).map((c) => c.accountId)).toEqual(['', '', '']);
  });
});

describe('paging that never ends', () => {
  it('stops pages A, B, A, B at the first repeat: 3 requests', async () => {
    const { sim, client } = await setup({ dialect: 'repeating-pages' });
    sim.seedExceptions(Array.from({ length: 5 }, (_, i) => connectorSpec(`r-${i}`)));
    sim.resetCounters();
    const error = await failure(all(client.listExceptions()));
    expect(error.message).toMatch(/page 2 repeats page 0; the server is not paging, so the listing stopped after 3 requests/);
    expect(sim.counters().total).toBe(3);
  });

  it('stops ever-new pages past the server\'s own totalElements: 5 requests for 5 items by 2', async () => {
    const { sim, client } = await setup({ dialect: 'endless-pages' });
    sim.seedExceptions(Array.from({ length: 5 }, (_, i) => connectorSpec(`e-${i}`)));
    sim.resetCounters();
    const error = await failure(all(client.listExceptions()));
    expect(error.message).toMatch(/5 pages of 2 and still no last page, although the server says it holds 5 items/);
    expect(sim.counters().total).toBe(5);
  });

  it('stops ever-new pages without any totals at the page bound (maxPages, 1,000 by default)', async () => {
    const { sim, client } = await setup({ quirks: { brokenPaging: { 'connectors.list': 'endless-bare' } } }, { maxPages: 20 });
    const error = await failure(all(client.listConnectors('AWS')));
    expect(error.message).toMatch(/still no last page after 20 pages \(40 items\); the server never says where its list ends/);
    expect(sim.counters().total).toBe(20);
  });
});

describe('bodies past the cap', () => {
  it('fails an oversized list body at the cap, once, without retrying', async () => {
    const { sim, client } = await setup({ dialect: 'oversized-body' });
    const error = await failure(all(client.listExceptions()));
    expect(error).toBeInstanceOf(ResponseShapeError);
    expect(error.message).toMatch(/GET \/cloudview-api\/rest\/v1\/exceptions\/list: the response body is larger than 8 MiB, the most cvex reads from exceptions.list; it stopped reading/);
    expect(sim.counters().total).toBe(1);
  });

  it('fails an endless body at a configured cap', async () => {
    const { sim, client } = await setup({ dialect: 'endless-body' }, { maxBodyBytes: { 'exceptions.list': 64 * 1024 } });
    const error = await failure(all(client.listExceptions()));
    expect(error.message).toMatch(/larger than 64 KiB/);
    expect(sim.counters().total).toBe(1);
    expect(() => createCloudViewClient({ baseUrl: sim.url, username: 'u', password: 'p', maxBodyBytes: { 'exceptions.get': 10 } })).toThrow(/maxBodyBytes.exceptions.get must be an integer of at least 1024/);
  });

  it('says a create whose answer was too large may have happened', async () => {
    const { sim, client } = await setup({ quirks: { hugeBody: { 'exceptions.create': 'oversized' }, oversizedBytes: 2 * 1024 * 1024 } });
    const error = await failure(client.createException(connectorSpec('big-answer')));
    expect(error.mayHaveHappened).toBe(true);
    expect(error.message).toMatch(/larger than 256 KiB.*may have happened: look it up by name/);
    expect(sim.exceptions().map((e) => e.name)).toEqual(['big-answer']);
  });
});

describe('a list that moves while it is read', () => {
  const listing = async (client: CloudViewClient) => {
    let report: ListingReport | undefined;
    const items = await all(client.listExceptions({ onListing: (done) => (report = done) }));
    return { names: items.map((item) => item.name), report: report! };
  };

  it('reports a shrinking list as inconsistent, and the next listing as consistent', async () => {
    const { sim, client } = await setup({ dialect: 'shrinking-list' });
    sim.seedExceptions(Array.from({ length: 5 }, (_, i) => connectorSpec(`s-${i}`)));
    const moved = await listing(client);
    expect(moved.names).toEqual(['s-0', 's-1', 's-3', 's-4']);
    expect(moved.report).toMatchObject({ consistent: false, firstTotal: 5, lastTotal: 4 });
    const settled = await listing(client);
    expect(settled.names).toEqual(['s-0', 's-1', 's-2', 's-3', 's-4']);
    expect(settled.report).toMatchObject({ consistent: true, items: 5, duplicates: 0 });
  });

  it('serves each uuid once when a growing list repeats one across pages', async () => {
    const { sim, client } = await setup({ dialect: 'growing-list' });
    sim.seedExceptions(Array.from({ length: 5 }, (_, i) => connectorSpec(`g-${i}`)));
    const grown = await listing(client);
    expect(grown.names).toEqual(['g-0', 'g-1', 'g-2', 'g-3', 'g-4']);
    expect(grown.report).toMatchObject({ consistent: false, duplicates: 1, firstTotal: 5, lastTotal: 6 });
  });
});
