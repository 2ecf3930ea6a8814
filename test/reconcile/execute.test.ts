// The executor's decisions after failures, against a small in-memory CloudViewApi (HTTP behaviour
// is covered end to end against the simulator in test/e2e/plan-apply*.test.ts).
import { describe, expect, it } from 'vitest';
import { AmbiguousWriteError, ApiError } from '../../src/api/errors';
import type { CloudViewApi, CreatedException, RemoteException } from '../../src/api/types';
import type { ExceptionSpec } from '../../src/model/exception';
import { mapWithConcurrency } from '../../src/reconcile/concurrency';
import { createBodyOf, executePlan } from '../../src/reconcile/execute';
import type { PlanChange } from '../../src/reconcile/types';
import { remoteOf, spec, TEST_SIGNER } from './helpers';

type Failure = 'ambiguous-after-commit' | 'ambiguous-before-commit' | 'validation';

class MemoryApi {
  readonly calls: string[] = [];
  readonly store = new Map<string, RemoteException>();
  failNext: Failure[] = [];
  private counter = 0;

  async createException(body: ExceptionSpec): Promise<CreatedException> {
    this.calls.push(`create ${body.name}`);
    const failure = this.failNext.shift();
    if (failure === 'validation') throw new ApiError('HTTP 400: bad control', { route: 'exceptions.create', status: 400, errorCode: 'INVALID_CONTROL' });
    if (failure === 'ambiguous-before-commit') throw new AmbiguousWriteError('reset', { route: 'exceptions.create', status: 0 });
    const uuid = `u-${(this.counter += 1)}`;
    this.store.set(uuid, { ...remoteOf(body, { uuid, marker: false }), explanation: body.explanation });
    if (failure === 'ambiguous-after-commit') throw new AmbiguousWriteError('reset after commit', { route: 'exceptions.create', status: 0 });
    return { uuid, name: body.name, state: 'ACTIVE' };
  }

  async deleteExceptions(uuids: readonly string[]): Promise<void> {
    this.calls.push(`delete ${uuids.join(',')}`);
    const failure = this.failNext.shift();
    if (failure === 'ambiguous-before-commit') throw new AmbiguousWriteError('reset', { route: 'exceptions.delete', status: 0 });
    for (const uuid of uuids) this.store.delete(uuid);
    if (failure === 'ambiguous-after-commit') throw new AmbiguousWriteError('reset after commit', { route: 'exceptions.delete', status: 0 });
  }

  async findExceptionByUuid(uuid: string) {
    this.calls.push(`get ${uuid}`);
    return this.store.get(uuid) as never;
  }

  /** Honours an `exception.name:"…"` filter, as the simulator does; without one, the whole list. */
  listExceptions(options: { filter?: string } = {}): AsyncIterable<RemoteException> {
    const name = /^exception\.name:"(.*)"$/.exec(options.filter ?? '')?.[1];
    this.calls.push(name === undefined ? 'list' : `find ${name}`);
    const items = [...this.store.values()].filter((item) => name === undefined || item.name === name);
    return (async function* () {
      yield* items;
    })();
  }
}

const asApi = (api: MemoryApi) => api as unknown as CloudViewApi;
const create = (name: string): PlanChange => ({ action: 'create', name, spec: spec({ name }), source: { file: 'p.yaml', line: 1, column: 1 } });

describe('executePlan', () => {
  it('settles an ambiguous create by name and does not resend it', async () => {
    const api = new MemoryApi();
    api.failNext = ['ambiguous-after-commit'];
    const report = await executePlan(asApi(api), { changes: [create('a')], commit: 'local' }, { commit: 'local' });
    expect(report).toMatchObject({ succeeded: 1, failed: 0 });
    expect(report.results[0]).toMatchObject({ result: 'succeeded', verified: true, uuidAfter: 'u-1' });
    // Found by the filter: one request, no listing.
    expect(api.calls).toEqual(['create a', 'find a']);
  });

  it('reports an ambiguous create that did not happen as failed, without resending', async () => {
    const api = new MemoryApi();
    api.failNext = ['ambiguous-before-commit'];
    const report = await executePlan(asApi(api), { changes: [create('a'), create('b')], commit: 'local' }, { commit: 'local', concurrency: 1 });
    expect(report).toMatchObject({ succeeded: 1, failed: 1 });
    expect(report.results.find((result) => result.name === 'a')?.error).toContain('checked: it was not created: re-run apply');
    // The filter missed it, which proves nothing: one listing of the account settles it, after the round.
    expect(api.calls).toEqual(['create a', 'create b', 'find a', 'list']);
  });

  it('settles every ambiguous create of the round with its own look-up by name and ONE shared listing for the misses', async () => {
    const api = new MemoryApi();
    api.failNext = Array.from({ length: 12 }, (_, index) => (index % 2 === 0 ? 'ambiguous-before-commit' : 'ambiguous-after-commit'));
    const changes = Array.from({ length: 20 }, (_, index) => create(`c${String(index).padStart(2, '0')}`));
    const report = await executePlan(asApi(api), { changes, commit: 'local' }, { commit: 'local', concurrency: 1 });
    expect(report).toMatchObject({ succeeded: 14, failed: 6 });
    expect(api.calls.filter((call) => call.startsWith('find '))).toHaveLength(12);
    expect(api.calls.filter((call) => call === 'list')).toEqual(['list']);
    expect(api.calls.filter((call) => call.startsWith('create '))).toHaveLength(20);
  });

  it('shares one listing between replaces whose creates failed together, and starts no other replace meanwhile', async () => {
    const api = new MemoryApi();
    const replaces: PlanChange[] = ['r1', 'r2', 'r3'].map((name) => {
      const old = remoteOf(spec({ name }), { uuid: `old-${name}` });
      api.store.set(old.uuid, old);
      return { action: 'replace', name, uuid: old.uuid, spec: spec({ name, endDate: '2027-12-31' }), source: { file: 'p.yaml', line: 1, column: 1 }, remote: old, cause: 'changed-in-repo', diffs: [], ownership: 'owned' };
    });
    const clock = { now: () => 0, sleep: async () => undefined };
    // delete r1, delete r2, then both creates fail before the server did anything.
    api.failNext = [undefined as never, undefined as never, 'ambiguous-before-commit', 'ambiguous-before-commit'];
    const report = await executePlan(asApi(api), { changes: replaces, commit: 'local' }, { commit: 'local', concurrency: 2, clock, deadlineMs: 60_000 });
    expect(report).toMatchObject({ succeeded: 3, failed: 0 });
    expect(api.calls.filter((call) => call === 'list')).toEqual(['list']);
    // r3 starts only once the listing settled r1 and r2 (absent: sent again).
    const listedAt = api.calls.indexOf('list');
    expect(api.calls.indexOf('delete old-r3')).toBeGreaterThan(listedAt);
    expect(api.calls.filter((call) => call === 'create r1')).toHaveLength(2);
    expect(api.calls.filter((call) => call === 'create r2')).toHaveLength(2);
  });

  it('does not look up after a definite failure', async () => {
    const api = new MemoryApi();
    api.failNext = ['validation'];
    const report = await executePlan(asApi(api), { changes: [create('a')], commit: 'local' }, { commit: 'local' });
    expect(report.failed).toBe(1);
    expect(api.calls).toEqual(['create a']);
  });

  it('replaces as delete then create, and reports a replace whose delete failed as still in place', async () => {
    const api = new MemoryApi();
    const old = remoteOf(spec({ name: 'r' }), { uuid: 'old' });
    api.store.set('old', old);
    const replace: PlanChange = { action: 'replace', name: 'r', uuid: 'old', spec: spec({ name: 'r', endDate: '2027-12-31' }), source: { file: 'p.yaml', line: 1, column: 1 }, remote: old, cause: 'changed-in-repo', diffs: [], ownership: 'owned' };
    const ok = await executePlan(asApi(api), { changes: [replace], commit: 'local' }, { commit: 'local' });
    expect(ok.results[0]).toMatchObject({ operation: 'replace', result: 'succeeded', uuidBefore: 'old', uuidAfter: 'u-1' });
    expect(api.calls).toEqual(['delete old', 'create r']);

    const second = new MemoryApi();
    second.store.set('old', old);
    second.failNext = ['ambiguous-before-commit'];
    const failed = await executePlan(asApi(second), { changes: [replace], commit: 'local' }, { commit: 'local' });
    expect(failed.results[0]).toMatchObject({ result: 'failed' });
    expect(failed.results[0].error).toContain('it is still in place');
    expect(second.calls).toEqual(['delete old', 'get old']);
  });

  it('sends deletes in chunks and settles a failed chunk with one listing', async () => {
    const api = new MemoryApi();
    const changes: PlanChange[] = Array.from({ length: 5 }, (_, index) => {
      const remote = remoteOf(spec({ name: `d${index}` }), { uuid: `d${index}` });
      api.store.set(remote.uuid, remote);
      return { action: 'delete', name: remote.name, uuid: remote.uuid, remote, ownership: 'owned' };
    });
    api.failNext = ['ambiguous-after-commit', 'ambiguous-before-commit'];
    const report = await executePlan(asApi(api), { changes, commit: 'local' }, { commit: 'local', deleteChunkSize: 2, concurrency: 1 });
    expect(api.calls).toEqual(['delete d0,d1', 'delete d2,d3', 'delete d4', 'list']);
    expect(report.results.filter((result) => result.result === 'succeeded').map((result) => result.name).sort()).toEqual(['d0', 'd1', 'd4']);
    expect(report.results.filter((result) => result.result === 'failed').map((result) => result.name).sort()).toEqual(['d2', 'd3']);
  });

  it('marks what it creates with the owner, the fingerprint and the short commit, signed with a key', () => {
    expect(createBodyOf(spec(), '0123456789abcdef0123456789abcdef01234567').explanation).toMatch(/\n\n\[cvex:local [0-9a-f]{16} 0123456789ab\]$/);
    const signed = createBodyOf(spec(), '0123456789abcdef0123456789abcdef01234567', { owner: 'team-a', signer: TEST_SIGNER }).explanation;
    expect(signed).toMatch(new RegExp(`\\n\\n\\[cvex:team-a [0-9a-f]{16} 0123456789ab ${TEST_SIGNER.publicKey.id}\\.[A-Za-z0-9_-]{86}\\]$`));
  });
});

describe('mapWithConcurrency', () => {
  it('never has more than the limit in flight and keeps the order', async () => {
    let inFlight = 0;
    let peak = 0;
    const results = await mapWithConcurrency([5, 1, 3, 2, 4], 2, async (value) => {
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      await new Promise((resolve) => setTimeout(resolve, value));
      inFlight -= 1;
      return value * 10;
    });
    expect(results).toEqual([50, 10, 30, 20, 40]);
    expect(peak).toBe(2);
  });
});
