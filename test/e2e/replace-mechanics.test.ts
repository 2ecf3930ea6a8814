// A replace never deletes what it cannot re-create, and never leaves an exemption missing in
// silence: the executor through the real client against the simulator over loopback, with the
// simulator's fault knobs and an injected clock for the retry waits.
import { afterEach, describe, expect, it } from 'vitest';
import { createCloudViewClient, type CloudViewClient } from '../../src/api/client';
import type { ExceptionSpec, ManifestException } from '../../src/model/exception';
import { createBodyOf, executePlan, type ExecuteOptions } from '../../src/reconcile/execute';
import { planAgainstRemote } from '../../src/reconcile/remote';
import type { Plan } from '../../src/reconcile/types';
import { DEFAULT_SIM_PASSWORD, DEFAULT_SIM_USER, startSimulator, type Simulator } from '../../src/simulator';
import { awsException, exceptionRequests, manyExceptions } from '../reconcile/e2e-harness';
import { SIGNED_OWNERSHIP, TEST_SIGNER } from '../reconcile/helpers';

// As a repository set up as recommended: markers signed, so a changed spec is still provably ours.
const STAMP = { owner: 'local', signer: TEST_SIGNER };

let sim: Simulator | undefined;
let client: CloudViewClient | undefined;
afterEach(async () => {
  await client?.close();
  await sim?.close();
  sim = client = undefined;
});

function asManifests(specs: ExceptionSpec[]): ManifestException[] {
  return specs.map((spec, index) => ({ spec, metadata: {}, location: { file: 'policies/aws.yaml', line: index + 1, column: 3 }, path: `exceptions.${index}` }));
}

/** A simulator holding `existing` as cvex made them, and the plan that makes it hold `desired`. */
async function planned(existing: ExceptionSpec[], desired: ExceptionSpec[]): Promise<{ sim: Simulator; client: CloudViewClient; plan: Plan }> {
  sim = await startSimulator();
  sim.seedExceptions(existing.map((spec) => createBodyOf(spec, 'local', STAMP)));
  client = createCloudViewClient({ baseUrl: sim.url, username: DEFAULT_SIM_USER, password: DEFAULT_SIM_PASSWORD, timeoutMs: 5_000 });
  const plan = await planAgainstRemote(client, { exceptions: asManifests(desired) }, {
    timeZone: 'UTC',
    manage: [],
    now: new Date(),
    commit: 'local',
    apiUrl: sim.url,
    maxDeletes: 10,
    maxDeletePercent: 25,
    ownership: SIGNED_OWNERSHIP,
  });
  sim.resetCounters();
  return { sim, client, plan };
}

/** Time that only moves when slept: retry tests wait no real time, and the waits are asserted. */
function fakeClock() {
  let now = 1_000_000;
  const sleeps: number[] = [];
  return { sleeps, now: () => now, sleep: async (ms: number) => void (sleeps.push(ms), (now += ms)) };
}

const renewed = (spec: ExceptionSpec): ExceptionSpec => ({ ...spec, endDate: '2027-10-31' });

describe('the create half of a replace', () => {
  it('a failed create is retried once looking found it absent; the report gives the gap and the attempts', async () => {
    const { sim, client, plan } = await planned([awsException('team-a-one')], [renewed(awsException('team-a-one'))]);
    const before = sim.exceptions()[0].uuid;
    sim.injectFault({ route: 'exceptions.create', kind: '500', times: 1 });
    const clock = fakeClock();
    const report = await executePlan(client, plan, { commit: 'local', stamp: STAMP, clock });
    expect(report.results).toEqual([
      expect.objectContaining({ operation: 'replace', result: 'succeeded', uuidBefore: before, createAttempts: 2, gapMs: 1_000 }),
    ]);
    expect(report.missing).toEqual([]);
    expect(clock.sleeps).toEqual([1_000]);
    // delete, create (500), the name looked up (filter, then the whole list to confirm a miss), create.
    expect(exceptionRequests(sim).byRoute).toEqual({ 'exceptions.delete': 1, 'exceptions.create': 2, 'exceptions.list': 2 });
    expect(sim.exceptions()).toEqual([expect.objectContaining({ name: 'team-a-one', endDate: '2027-10-31' })]);
  });

  it('a create that happened although its answer failed is found, not sent again', async () => {
    const { sim, client, plan } = await planned([awsException('team-a-one')], [renewed(awsException('team-a-one'))]);
    sim.injectFault({ route: 'exceptions.create', kind: 'commit-then-500', times: 1 });
    const report = await executePlan(client, plan, { commit: 'local', stamp: STAMP, clock: fakeClock() });
    expect(report.results[0]).toMatchObject({ result: 'succeeded', verified: true, createAttempts: 1 });
    expect(exceptionRequests(sim).byRoute).toEqual({ 'exceptions.delete': 1, 'exceptions.create': 1, 'exceptions.list': 1 });
    expect(sim.exceptions()).toHaveLength(1);
  });

  it('retries with backoff until the deadline, then reports the exemption missing, loudly and by name', async () => {
    const { sim, client, plan } = await planned([awsException('team-a-one')], [renewed(awsException('team-a-one'))]);
    const before = sim.exceptions()[0].uuid;
    sim.injectFault({ route: 'exceptions.create', kind: '500' });
    const clock = fakeClock();
    const report = await executePlan(client, plan, { commit: 'local', stamp: STAMP, clock, deadlineMs: clock.now() + 10_000 });
    // 1 s, 2 s, 4 s: the next wait (8 s) would end past the deadline.
    expect(clock.sleeps).toEqual([1_000, 2_000, 4_000]);
    expect(report.results[0]).toMatchObject({ result: 'failed', missing: true, createAttempts: 4 });
    expect(report.results[0].error).toContain('NOT exempt');
    expect(report.missing).toEqual([{ name: 'team-a-one', uuidBefore: before, error: expect.stringContaining('HTTP 500') }]);
    expect(sim.exceptions()).toEqual([]);
  });

  it('a create the API refuses (validation) is not retried', async () => {
    const { sim, client, plan } = await planned([awsException('team-a-one')], [renewed(awsException('team-a-one'))]);
    const replace = plan.changes[0];
    if (replace.action !== 'replace') throw new Error('expected a replace');
    // What a hand-edited plan could hold: the executor itself still never loops on a refusal.
    replace.spec = { ...replace.spec, controlIds: [424242] };
    const clock = fakeClock();
    const report = await executePlan(client, plan, { commit: 'local', stamp: STAMP, clock });
    expect(report.results[0]).toMatchObject({ result: 'failed', missing: true, createAttempts: 1 });
    expect(clock.sleeps).toEqual([]);
    expect(exceptionRequests(sim).byRoute).toEqual({ 'exceptions.delete': 1, 'exceptions.create': 1 });
  });
});

describe('deletes answered 404', () => {
  it("a 404 on a replace's delete (someone deleted it already) counts as done and the create proceeds", async () => {
    const { sim, client, plan } = await planned([awsException('team-a-one')], [renewed(awsException('team-a-one'))]);
    sim.deleteExceptionAsUi(sim.exceptions()[0].uuid);
    const report = await executePlan(client, plan, { commit: 'local', stamp: STAMP, clock: fakeClock() });
    expect(report.results[0]).toMatchObject({ operation: 'replace', result: 'succeeded', verified: true });
    expect(exceptionRequests(sim).byRoute).toEqual({ 'exceptions.delete': 1, 'exceptions.create': 1 });
    expect(sim.exceptions()).toEqual([expect.objectContaining({ name: 'team-a-one', endDate: '2027-10-31' })]);
  });

  it('a batch answered 404 is settled with one re-list, and the uuids still present are sent again', async () => {
    const { sim, client, plan } = await planned(manyExceptions(5), manyExceptions(1));
    expect(plan.changes.map((change) => change.action)).toEqual(['delete', 'delete', 'delete', 'delete']);
    sim.deleteExceptionAsUi(sim.exceptions().find((item) => item.name === 'team-a-00002')!.uuid);
    const report = await executePlan(client, plan, { commit: 'local', stamp: STAMP });
    expect(report).toMatchObject({ succeeded: 4, failed: 0 });
    expect(report.results.find((result) => result.name === 'team-a-00002')).toMatchObject({ result: 'succeeded', verified: true });
    expect(exceptionRequests(sim).byRoute).toEqual({ 'exceptions.delete': 2, 'exceptions.list': 1 });
    expect(sim.exceptions().map((item) => item.name)).toEqual(['team-a-00000']);
  });

  it('a single-uuid delete answered 404 is done, without a re-list', async () => {
    const { sim, client, plan } = await planned(manyExceptions(2), manyExceptions(1));
    sim.deleteExceptionAsUi(sim.exceptions().find((item) => item.name === 'team-a-00001')!.uuid);
    const report = await executePlan(client, plan, { commit: 'local', stamp: STAMP });
    expect(report.results).toEqual([expect.objectContaining({ operation: 'delete', result: 'succeeded', verified: true })]);
    expect(exceptionRequests(sim).byRoute).toEqual({ 'exceptions.delete': 1 });
  });
});

describe('an interrupt during a replace', () => {
  /** The real client, with an interrupt fired right after the first delete's answer. */
  function interruptAfterDelete(api: CloudViewClient, controller: AbortController): CloudViewClient {
    return new Proxy(api, {
      get(target, key, receiver) {
        if (key !== 'deleteExceptions') {
          const value = Reflect.get(target, key, receiver);
          return typeof value === 'function' ? value.bind(target) : value;
        }
        return async (uuids: readonly string[]) => {
          await target.deleteExceptions(uuids);
          controller.abort();
        };
      },
    });
  }

  it('the create of a replace whose delete finished still runs (tried once more at once if it fails); nothing else starts', async () => {
    const specs = manyExceptions(3);
    const { sim, client, plan } = await planned(specs, specs.map(renewed));
    sim.injectFault({ route: 'exceptions.create', kind: '500', times: 1 });
    const controller = new AbortController();
    const clock = fakeClock();
    const options: ExecuteOptions = { commit: 'local', clock, signal: controller.signal, concurrency: 1 };
    const report = await executePlan(interruptAfterDelete(client, controller), plan, options);
    expect(report.results).toEqual([expect.objectContaining({ name: 'team-a-00000', result: 'succeeded', createAttempts: 2 })]);
    expect(report.notStarted).toBe(2);
    expect(clock.sleeps).toEqual([]);
    expect(exceptionRequests(sim).byRoute['exceptions.delete']).toBe(1);
    expect(sim.exceptions().map((item) => item.endDate).sort()).toEqual(['2027-04-30', '2027-04-30', '2027-10-31']);
  });

  it('when that one more try fails too, the report names the exemption left missing', async () => {
    const { sim, client, plan } = await planned([awsException('team-a-one')], [renewed(awsException('team-a-one'))]);
    sim.injectFault({ route: 'exceptions.create', kind: '500', times: 2 });
    const controller = new AbortController();
    const report = await executePlan(interruptAfterDelete(client, controller), plan, { commit: 'local', clock: fakeClock(), signal: controller.signal });
    expect(report.results[0]).toMatchObject({ result: 'failed', missing: true, createAttempts: 2 });
    expect(report.missing.map((item) => item.name)).toEqual(['team-a-one']);
  });
});
