// A replace costs two requests: the old values a plan shows for a change made in the repository come
// from the repository's own history (the manifest at the marker's commit, when it hashes back to the
// marker's fingerprint), never from a detail request. A detail is read only for an edit in the UI.
import { mkdir, rename } from 'node:fs/promises';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Plan } from '../../src/reconcile/types';
import { commitAll, git } from '../git/helpers';
import { awsException, exceptionRequests, startWorld, type World } from '../reconcile/e2e-harness';

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

const bucket = (name: string, region = 'us-east-1') => awsException(name, { resources: [{ resourceId: `arn:aws:s3:::${name}`, accountId: '123456789012', region }] });

async function planJson(current: World, extra: string[] = []): Promise<Plan> {
  const result = await current.run(['plan', '--format', 'json', ...extra]);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as Plan;
}

function replaceOf(plan: Plan, name: string) {
  const change = plan.changes.find((item) => item.name === name);
  if (change?.action !== 'replace') throw new Error(`expected a replace of ${name}, got ${JSON.stringify(plan.changes)}`);
  return change;
}

for (const ownership of ['signed', 'unsigned'] as const) {
  describe(`old values from the history (${ownership} markers)`, () => {
    it('shows every old value, hidden fields included, with no detail request; apply then costs a delete and a create per replace', async () => {
      world = await startWorld({ ownership, owner: 'team-a' });
      git(world.dir, 'init', '-q', '-b', 'main');
      await world.writeManifest('aws.yaml', [bucket('team-a-1'), bucket('team-a-2'), bucket('team-a-3')]);
      commitAll(world.dir, 'three exceptions');
      expect((await world.run(['apply', '--auto-approve'])).code).toBe(0);

      // Controls, a region (the API never shows regions back) and a date change in the repository.
      await world.writeManifest('aws.yaml', [{ ...bucket('team-a-1', 'eu-west-1'), controlIds: [1], endDate: '2027-03-31' }, bucket('team-a-2'), bucket('team-a-3')]);
      world.sim.resetCounters();
      const plan = await planJson(world);
      expect(exceptionRequests(world.sim).byRoute).toEqual({ 'exceptions.list': 1 });
      const change = replaceOf(plan, 'team-a-1');
      expect(change).toMatchObject({ cause: 'changed-in-repo', oldValuesFrom: 'history' });
      expect(change.diffs).toEqual([
        { field: 'endDate', before: '2027-04-30', after: '2027-03-31' },
        { field: 'controlIds', before: [1, 2], after: [1] },
        { field: 'resources', before: ['123456789012/arn:aws:s3:::team-a-1 (us-east-1)'], after: ['123456789012/arn:aws:s3:::team-a-1 (eu-west-1)'] },
      ]);
      const text = await world.run(['plan']);
      expect(text.stdout).toContain('controlIds: [1, 2] → [1]');

      world.sim.resetCounters();
      expect((await world.run(['apply', '--auto-approve'])).code).toBe(0);
      expect(exceptionRequests(world.sim).byRoute).toEqual({ 'exceptions.list': 1, 'exceptions.delete': 1, 'exceptions.create': 1 });
    });
  });
}

describe('old values, when the history cannot give them', () => {
  it('finds an exception that moved to another file since its marker was stamped', async () => {
    world = await startWorld({ owner: 'team-a' });
    git(world.dir, 'init', '-q', '-b', 'main');
    await world.writeManifest('aws.yaml', [bucket('team-a-1'), bucket('team-a-2')]);
    commitAll(world.dir, 'two exceptions');
    expect((await world.run(['apply', '--auto-approve'])).code).toBe(0);
    await mkdir(path.join(world.dir, 'policies', 'team'), { recursive: true });
    await rename(path.join(world.dir, 'policies', 'aws.yaml'), path.join(world.dir, 'policies', 'team', 'moved.yaml'));
    await world.writeManifest(path.join('team', 'moved.yaml'), [{ ...bucket('team-a-1'), controlIds: [2] }, bucket('team-a-2')]);
    const change = replaceOf(await planJson(world), 'team-a-1');
    expect(change.oldValuesFrom).toBe('history');
    expect(change.diffs).toEqual([{ field: 'controlIds', before: [1, 2], after: [2] }]);
  });

  it('says "old values not shown" when the commit does not hold the spec the marker vouches for (applied from uncommitted files)', async () => {
    world = await startWorld({ owner: 'team-a' });
    git(world.dir, 'init', '-q', '-b', 'main');
    await world.writeManifest('aws.yaml', [bucket('team-a-1')]);
    commitAll(world.dir, 'one exception');
    // Applied with an edit that was never committed: HEAD holds another spec than the marker's fingerprint.
    await world.writeManifest('aws.yaml', [{ ...bucket('team-a-1'), controlIds: [2] }]);
    expect((await world.run(['apply', '--auto-approve'])).code).toBe(0);
    await world.writeManifest('aws.yaml', [{ ...bucket('team-a-1'), controlIds: [1] }]);
    world.sim.resetCounters();
    const plan = await planJson(world);
    expect(exceptionRequests(world.sim).byRoute).toEqual({ 'exceptions.list': 1 });
    const change = replaceOf(plan, 'team-a-1');
    expect(change.oldValuesFrom).toBe('list');
    expect(change.diffs).toEqual([{ field: 'fingerprint', before: expect.stringMatching(/^[0-9a-f]{16}$/), after: expect.stringMatching(/^[0-9a-f]{16}$/), oldValuesUnknown: true }]);
    expect((await world.run(['plan'])).stdout).toMatch(/old values not shown \(fingerprint [0-9a-f]{16} → [0-9a-f]{16}\)/);
  });

  it('reads the detail of an exception edited in the UI: the history cannot know what the UI did', async () => {
    world = await startWorld({ owner: 'team-a' });
    git(world.dir, 'init', '-q', '-b', 'main');
    await world.writeManifest('aws.yaml', [bucket('team-a-1')]);
    commitAll(world.dir, 'one exception');
    expect((await world.run(['apply', '--auto-approve'])).code).toBe(0);
    world.sim.setNow(() => new Date(Date.now() + 3_600_000));
    world.sim.editExceptionAsUi(world.sim.exceptions()[0].uuid, { controlIds: [2] });
    world.sim.resetCounters();
    const plan = await planJson(world);
    expect(exceptionRequests(world.sim).byRoute).toEqual({ 'exceptions.list': 1, 'exceptions.get': 1 });
    const change = replaceOf(plan, 'team-a-1');
    expect(change).toMatchObject({ cause: 'edited-out-of-band', oldValuesFrom: 'detail', diffs: [{ field: 'controlIds', before: [2], after: [1, 2] }] });
  });
});
