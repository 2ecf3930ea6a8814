// Contract tests: the client against the simulator over loopback, every endpoint and quirk.
import { describe, expect, it } from 'vitest';
import { createCloudViewClient } from '../../src/api/client';
import { AmbiguousWriteError, AuthError } from '../../src/api/errors';
import { DEFAULT_SIM_PASSWORD, DEFAULT_SIM_USER, startSimulator } from '../../src/simulator';
import { failure, fakeClock } from './helpers';
import { all, AWS_PROD, connectorSpec, NOW, useSimulatorClient } from './simulator-client';

const AZURE_PROD = '0b5e7a3c-9d1f-4e2a-8c6b-1f2e3d4c5b6a';
const SG_PROD = 'arn:aws:ec2:us-east-1:123456789012:security-group/sg-0a1b2c3d4e5f60718';
const LEGACY_VM = '/subscriptions/0b5e7a3c-9d1f-4e2a-8c6b-1f2e3d4c5b6a/resourceGroups/rg-legacy/providers/Microsoft.Compute/virtualMachines/vm-"legacy"-01';

const { setup, closeLater } = useSimulatorClient({ client: { timeoutMs: 2_000 } });

describe('exceptions', () => {
  it('create → list → get → delete, with the field renames of each shape', async () => {
    const { sim, client } = await setup();
    const created = await client.createException(connectorSpec('team-a-ssh', { informationSecurityPolicy: 'POL-1' }));
    expect(created).toMatchObject({ name: 'team-a-ssh', state: 'ACTIVE' });

    const listed = await all(client.listExceptions());
    expect(listed).toEqual([
      expect.objectContaining({
        uuid: created.uuid,
        name: 'team-a-ssh',
        explanation: 'why team-a-ssh',
        exceptionReason: 'Risk Accepted',
        exceptionScope: 'CONNECTOR',
        state: 'ACTIVE',
        startsAt: '2026-11-01T00:00:00.000Z',
        endsAt: '2026-12-31T23:59:59.000Z',
      }),
    ]);

    const detail = await client.getException(created.uuid);
    expect(detail).toMatchObject({ uuid: created.uuid, cloudType: 'AWS', controlIds: [67], accountIds: [AWS_PROD], resources: [], exceptionScope: 'CONNECTOR' });

    await client.deleteExceptions([created.uuid]);
    expect(sim.exceptions()).toEqual([]);
    const gone = await failure(client.getException(created.uuid));
    expect(gone.status).toBe(404);
    expect(gone.message).toMatch(/HTTP 404: .*Exception not found/);
    expect(gone.requestId).toMatch(/^sim-/);
    expect(await client.findExceptionByUuid(created.uuid)).toBeUndefined();
  });

  it('maps RESOURCE detail resources (account → accountId) with quotes and slashes in ids', async () => {
    const { client } = await setup();
    const { uuid } = await client.createException({
      name: 'legacy-vm',
      cloudType: 'AZURE',
      exceptionScope: 'RESOURCE',
      explanation: 'legacy',
      exceptionReason: 'False Positive',
      startDate: '2026-11-01',
      endDate: '2026-11-30',
      controlIds: [50040],
      resources: [{ resourceId: LEGACY_VM, accountId: AZURE_PROD }],
    });
    const detail = await client.getException(uuid);
    expect(detail).toMatchObject({ cloudType: 'AZURE', exceptionScope: 'RESOURCE', controlIds: [50040], resources: [{ resourceId: LEGACY_VM, accountId: AZURE_PROD }] });
  });

  it('sends QUALYSTAG isAllConnector as a string the server accepts', async () => {
    const { sim, client } = await setup();
    const { uuid } = await client.createException({
      ...connectorSpec('bastions-everywhere'),
      exceptionScope: 'QUALYSTAG',
      accountIds: undefined,
      resourceTagNames: ['bastion'],
      isAllConnector: true,
    });
    expect((await client.getException(uuid)).resourceTagNames).toEqual(['bastion']);
    expect(sim.exceptions()[0].isAllConnector).toBe(true);
  });

  it('reads dates stamped in the subscription time zone', async () => {
    const { client } = await setup({ timezone: 'Asia/Kolkata' });
    const { uuid } = await client.createException(connectorSpec('ist', { startDate: '2026-11-10', endDate: '2026-11-21' }));
    const [listed] = await all(client.listExceptions());
    expect(listed.startsAt).toBe('2026-11-09T18:30:00.000Z');
    expect(listed.endsAt).toBe('2026-11-21T18:29:59.000Z');
    expect((await client.getException(uuid)).startsAt).toBe('2026-11-09T18:30:00.000Z');
  });

  it('reads INACTIVE and EXPIRED states from the clock', async () => {
    const { client } = await setup();
    await client.createException(connectorSpec('future', { startDate: '2026-12-01', endDate: '2026-12-31' }));
    const states = Object.fromEntries((await all(client.listExceptions())).map((e) => [e.name, e.state]));
    expect(states).toEqual({ future: 'INACTIVE' });
  });

  it('pages with a capped page size: keeps asking the same size, stops on last, one request per served page', async () => {
    const { sim, client } = await setup({ maxPageSize: 7 });
    sim.seedExceptions(Array.from({ length: 30 }, (_, i) => connectorSpec(`bulk-${String(i).padStart(2, '0')}`)));
    sim.resetCounters();
    const pages: number[] = [];
    const paged = createCloudViewClient({
      baseUrl: sim.url,
      username: DEFAULT_SIM_USER,
      password: DEFAULT_SIM_PASSWORD,
      onPage: (_route, info) => pages.push(info.serverPageSize ?? -1),
    });
    closeLater(paged);
    const names = (await all(paged.listExceptions({ sort: 'updatedOn:desc' }))).map((e) => e.name);
    expect(new Set(names).size).toBe(30);
    expect(sim.counters().byRoute['exceptions.list']).toBe(5);
    expect(paged.requestCount()).toBe(5);
    expect(pages).toEqual([7, 7, 7, 7, 7]);
    void client;
  });

  it('filters by scope and by exact name, and finds a name with a quote by reading the list', async () => {
    const { sim, client } = await setup();
    sim.seedExceptions([connectorSpec('alpha'), connectorSpec('alpha-2'), connectorSpec('say "hi"')]);
    sim.createExceptionAsUi({ ...connectorSpec('ui-made'), exceptionScope: 'RESOURCE', accountIds: undefined, resources: [{ resourceId: SG_PROD, accountId: AWS_PROD }] });
    expect((await all(client.listExceptions({ filter: 'exception.scope:RESOURCE' }))).map((e) => e.name)).toEqual(['ui-made']);
    client.resetCounters();
    expect((await client.findExceptionByName('alpha'))?.name).toBe('alpha');
    expect(client.requestCount()).toBe(1);
    expect((await client.findExceptionByName('say "hi"'))?.name).toBe('say "hi"');
    client.resetCounters();
    expect(await client.findExceptionByName('alph')).toBeUndefined();
    // A miss is confirmed by the whole list: the filter's semantics are not known well enough to trust it.
    expect(client.requestCount()).toBe(2);
  });

  it("finds a name the server's filter cannot express (` and ` splits the query) by reading the list", async () => {
    const { sim, client } = await setup();
    sim.seedExceptions([connectorSpec('team a and b')]);
    expect((await client.findExceptionByName('team a and b'))?.name).toBe('team a and b');
  });

  it('turns the duplicate-name and validation 400s into ApiErrors with the errorCode', async () => {
    const { client } = await setup();
    await client.createException(connectorSpec('dup'));
    const duplicate = await failure(client.createException(connectorSpec('dup')));
    expect(duplicate).toMatchObject({ status: 400, errorCode: 'DUPLICATE_NAME', mayHaveHappened: false });
    const invalid = await failure(client.createException(connectorSpec('bad-control', { controlIds: [999999] })));
    expect(invalid).toMatchObject({ status: 400, mayHaveHappened: false });
    expect(invalid.message).not.toContain('\n');
    expect(invalid.errorCode).toBeTruthy();
  });

  it('sees an in-place UI edit: same uuid, updatedOn moves', async () => {
    const { sim, client } = await setup();
    const { uuid } = await client.createException(connectorSpec('edited'));
    const [before] = await all(client.listExceptions());
    sim.setNow(() => new Date(NOW.getTime() + 3_600_000));
    sim.editExceptionAsUi(uuid, { explanation: 'changed in the UI', endDate: '2027-01-31' });
    const [after] = await all(client.listExceptions());
    expect(after.uuid).toBe(uuid);
    expect(after.explanation).toBe('changed in the UI');
    expect(Date.parse(after.updatedOn)).toBeGreaterThan(Date.parse(before.updatedOn));
    expect(after.endsAt).toBe('2027-01-31T23:59:59.000Z');
  });

  it('refuses wrong credentials with an AuthError, not retried', async () => {
    const { sim } = await setup();
    const wrong = createCloudViewClient({ baseUrl: sim.url, username: DEFAULT_SIM_USER, password: 'nope-wrong', clock: fakeClock() });
    closeLater(wrong);
    const error = await failure(all(wrong.listExceptions()));
    expect(error).toBeInstanceOf(AuthError);
    expect(wrong.requestCount()).toBe(1);
  });
});

describe('evaluations and connectors', () => {
  it('lists evaluations by regex, and a covering exception turns FAIL into PASS_WITH_EXCEPTION', async () => {
    const { client } = await setup();
    const regex = 'arn:aws:ec2:us-east-1:123456789012:security-group/.*';
    const before = await all(client.listEvaluationsByRegex('AWS', regex));
    expect(before).toEqual([expect.objectContaining({ resourceId: SG_PROD, controlId: 67, status: 'FAIL', accountId: AWS_PROD })]);
    await client.createException(connectorSpec('ssh'));
    const after = await all(client.listEvaluationsByRegex('AWS', regex));
    expect(after[0].status).toBe('PASS_WITH_EXCEPTION');
  });

  it('matches ids with quotes and slashes through an escaped regex', async () => {
    const { client } = await setup();
    const found = await all(client.listEvaluationsByRegex('AZURE', '.*vm-\\\\"legacy\\\\"-01'));
    const plain = await all(client.listEvaluationsByRegex('AZURE', '.*vm-"legacy"-01'));
    expect([...found, ...plain].some((evaluation) => evaluation.resourceId === LEGACY_VM)).toBe(true);
  });

  it('applies tags, and a QUALYSTAG exception covers the tagged evaluations', async () => {
    const { client } = await setup();
    const result = await client.applyTags('GCP', ['cvex-bastion'], '.*/instances/bastion-1');
    expect(result.controlIds).toEqual([52005]);
    expect(result.message).toMatch(/Tag applied successfully to 3 evaluations/);
    await client.createException({
      ...connectorSpec('gcp-bastions'),
      cloudType: 'GCP',
      exceptionScope: 'QUALYSTAG',
      controlIds: [52005],
      accountIds: undefined,
      resourceTagNames: ['cvex-bastion'],
      isAllConnector: true,
    });
    const statuses = (await all(client.listEvaluationsByRegex('GCP', '.*/instances/bastion-1'))).map((e) => e.status);
    expect(statuses).toEqual(['PASS_WITH_EXCEPTION', 'PASS_WITH_EXCEPTION', 'PASS_WITH_EXCEPTION']);
  });

  it('reads per-account control summaries (string control ids) and counts exceptions', async () => {
    const { client } = await setup();
    const [summary] = await client.getControlSummaries('AWS', AWS_PROD, 'cid:67');
    expect(summary).toMatchObject({ controlId: 67, result: 'FAIL', failedResources: 1, passedResources: 1, passWithExceptionResources: 0 });
    expect(summary.policyNames.length).toBeGreaterThan(0);
    await client.createException(connectorSpec('ssh'));
    const [covered] = await client.getControlSummaries('AWS', AWS_PROD, 'cid:67');
    expect(covered).toMatchObject({ failedResources: 0, passWithExceptionResources: 1 });
    expect((await client.getControlSummaries('AWS', AWS_PROD)).length).toBeGreaterThan(3);
  });

  it('reads per-resource results of a control for each cloud account key', async () => {
    const { client } = await setup();
    const aws = await all(client.listControlResources('AWS', AWS_PROD, 67));
    expect(aws.map((r) => [r.resourceId, r.accountId, r.result]).sort()).toEqual(
      [
        [SG_PROD, AWS_PROD, 'FAIL'],
        ['arn:aws:ec2:eu-west-1:123456789012:security-group/sg-0123456789abcdef0', AWS_PROD, 'PASS'],
      ].sort(),
    );
    const gcp = await all(client.listControlResources('GCP', 'acme-prod-1234', 52005));
    expect(gcp[0].accountId).toBe('acme-prod-1234');
    const unknown = await failure(all(client.listControlResources('AWS', '000000000000', 67)));
    expect(unknown.status).toBe(404);
  });

  it('lists connectors of every cloud with their account ids', async () => {
    const { client } = await setup();
    const aws = await all(client.listConnectors('AWS', { filter: 'state:SUCCESS', sort: 'lastSyncedOn:desc' }));
    expect(aws.map((c) => c.accountId)).toEqual([AWS_PROD, '210987654321']);
    const azure = await all(client.listConnectors('AZURE'));
    expect(azure.every((c) => c.cloudType === 'AZURE' && /^[0-9a-f-]{36}$/.test(c.accountId))).toBe(true);
    const gcp = await all(client.listConnectors('GCP'));
    expect(gcp.map((c) => c.accountId)).toContain('acme-data-9012');
    expect(gcp[0].lastSyncedOn).toMatch(/UTC 2026$/);
  });
});

describe('faults and limits', () => {
  it('retries GETs through 500s, resets and hangs', async () => {
    const { sim, client } = await setup({}, { timeoutMs: 150 });
    sim.seedExceptions([connectorSpec('one')]);
    sim.injectFault({ route: 'exceptions.list', kind: '500', times: 2 });
    expect((await all(client.listExceptions())).length).toBe(1);
    sim.injectFault({ route: 'exceptions.list', kind: 'reset', times: 1 });
    expect((await all(client.listExceptions())).length).toBe(1);
    sim.injectFault({ route: 'exceptions.list', kind: 'hang', times: 1 });
    expect((await all(client.listExceptions())).length).toBe(1);
    expect(client.counters()).toMatchObject({ total: 7, retries: 4 });
    expect(sim.counters().byRoute['exceptions.list']).toBe(7);
  });

  it('a create that committed then failed is not resent, and is found by name', async () => {
    const { sim, client } = await setup();
    sim.injectFault({ route: 'exceptions.create', kind: 'commit-then-500', times: 1 });
    const error = await failure(client.createException(connectorSpec('maybe')));
    expect(error).toBeInstanceOf(AmbiguousWriteError);
    expect(sim.counters().byRoute['exceptions.create']).toBe(1);
    expect(sim.exceptions().map((e) => e.name)).toEqual(['maybe']);
    expect((await client.findExceptionByName('maybe'))?.uuid).toBe(sim.exceptions()[0].uuid);
  });

  it('a create reset after commit is ambiguous too; a create reset before work did not happen', async () => {
    const { sim, client } = await setup();
    sim.injectFault({ route: 'exceptions.create', kind: 'commit-then-reset', times: 1 });
    expect(await failure(client.createException(connectorSpec('done')))).toBeInstanceOf(AmbiguousWriteError);
    sim.injectFault({ route: 'exceptions.create', kind: 'reset', times: 1 });
    expect(await failure(client.createException(connectorSpec('not-done')))).toBeInstanceOf(AmbiguousWriteError);
    expect(sim.counters().byRoute['exceptions.create']).toBe(2);
    expect(await client.findExceptionByName('done')).toBeDefined();
    expect(await client.findExceptionByName('not-done')).toBeUndefined();
  });

  it('a delete that committed then reset is not resent, and is settled by uuid', async () => {
    const { sim, client } = await setup();
    const [uuid] = sim.seedExceptions([connectorSpec('doomed')]);
    sim.injectFault({ route: 'exceptions.delete', kind: 'commit-then-reset', times: 1 });
    const error = await failure(client.deleteExceptions([uuid]));
    expect(error).toBeInstanceOf(AmbiguousWriteError);
    expect(sim.counters().byRoute['exceptions.delete']).toBe(1);
    expect(await client.findExceptionByUuid(uuid)).toBeUndefined();
  });

  it('a create refused with 429 is retried (the server did nothing) and happens once', async () => {
    const { sim, client } = await setup();
    sim.injectFault({ route: 'exceptions.create', kind: '429', times: 1 });
    await client.createException(connectorSpec('once'));
    expect(sim.counters().byRoute['exceptions.create']).toBe(2);
    expect(sim.exceptions().length).toBe(1);
    expect(client.counters().rateLimited).toBe(1);
  });

  it('lives with a server concurrency limit below its own: lowers its concurrency and finishes', async () => {
    const { sim, client } = await setup({ concurrencyLimit: 1, latencyMs: 20 }, { concurrency: 2 });
    const results = await Promise.all(Array.from({ length: 6 }, () => all(client.listConnectors('AWS'))));
    expect(results.every((connectors) => connectors.length === 3)).toBe(true);
    expect(client.concurrency()).toBe(1);
    expect(sim.counters().total).toBeGreaterThanOrEqual(6);
  });

  it('waits out a 409 rate limit (X-RateLimit-ToWait-Sec) on the real clock', async () => {
    const simulator = await startSimulator({ rateLimit: { limit: 3, windowSec: 1 } });
    closeLater(simulator);
    const client = createCloudViewClient({ baseUrl: simulator.url, username: DEFAULT_SIM_USER, password: DEFAULT_SIM_PASSWORD });
    closeLater(client);
    const started = Date.now();
    for (let i = 0; i < 5; i += 1) expect((await all(client.listConnectors('GCP'))).length).toBe(3);
    expect(client.counters().rateLimited).toBeGreaterThanOrEqual(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(500);
  });
});
