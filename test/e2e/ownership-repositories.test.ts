// Two repositories, one Qualys subscription: each owns what it made (its owner in the marker) and
// what it adopted, and never touches the other's, whatever its `manage:` globs say.
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Plan } from '../../src/reconcile/types';
import { awsException, startWorld, type World } from '../reconcile/e2e-harness';

let worlds: World[] = [];
afterEach(async () => {
  // The first world started the shared simulator: close it last.
  for (const world of worlds.reverse()) await world.close();
  worlds = [];
});

async function twoRepositories(options: { b?: Parameters<typeof startWorld>[0] } = {}): Promise<[World, World]> {
  const a = await startWorld({ owner: 'team-a' });
  const b = await startWorld({ owner: 'team-b', sim: a.sim, ...options.b });
  worlds.push(a, b);
  return [a, b];
}

async function planJson(world: World, extra: string[] = []): Promise<{ code: number; plan: Plan; stderr: string }> {
  const result = await world.run(['plan', '--format', 'json', ...extra]);
  return { code: result.code, plan: JSON.parse(result.stdout) as Plan, stderr: result.stderr };
}

const names = (world: World) => world.sim.exceptions().map((item) => item.name).sort();
const bucket = (name: string) => awsException(name, { resources: [{ resourceId: `arn:aws:s3:::${name}`, accountId: '123456789012' }] });
const writes = (world: World) => ['exceptions.create', 'exceptions.delete'].reduce((sum, route) => sum + (world.sim.counters().byRoute[route as 'exceptions.create'] ?? 0), 0);

describe('two repositories with different owners on one simulator', () => {
  it('each applies, re-plans and deletes its own, and never touches the other (even with a glob matching both)', async () => {
    const [a, b] = await twoRepositories();
    await a.writeManifest('aws.yaml', [0, 1, 2].map((i) => bucket(`team-a-${i}`)));
    expect((await a.run(['apply', '--auto-approve'])).code).toBe(0);

    // B claims every team-* name by glob and declares only its own: team-a-* are foreign, not deletes.
    await b.writeConfig({ manage: ['team-*'] });
    await b.writeManifest('aws.yaml', [bucket('team-b-0'), bucket('team-b-1')]);
    const bFirst = await planJson(b);
    expect(bFirst.code, bFirst.stderr).toBe(0);
    expect(bFirst.plan.changes.map((change) => `${change.action}:${change.name}`)).toEqual(['create:team-b-0', 'create:team-b-1']);
    expect(bFirst.plan.foreign).toEqual([{ owner: 'team-a', count: 3, names: ['team-a-0', 'team-a-1', 'team-a-2'] }]);
    expect(bFirst.plan.unmanaged).toEqual([]);
    const bApplied = await b.run(['apply', '--auto-approve']);
    expect(bApplied.code, bApplied.stderr).toBe(0);
    expect(names(a)).toEqual(['team-a-0', 'team-a-1', 'team-a-2', 'team-b-0', 'team-b-1']);

    // Each re-plans: no changes, the other's listed apart.
    const aAgain = await planJson(a, ['--detailed-exitcode']);
    expect(aAgain.code).toBe(0);
    expect(aAgain.plan.summary).toEqual({ create: 0, delete: 0, replace: 0, unchanged: 3 });
    expect(aAgain.plan.foreign).toEqual([{ owner: 'team-b', count: 2, names: ['team-b-0', 'team-b-1'] }]);
    expect((await planJson(b, ['--detailed-exitcode'])).code).toBe(0);

    // Each deletes its own, and only its own.
    await a.writeManifest('aws.yaml', [bucket('team-a-0'), bucket('team-a-1')]);
    await b.writeManifest('aws.yaml', [bucket('team-b-0')]);
    expect((await planJson(a)).plan.changes.map((change) => `${change.action}:${change.name}`)).toEqual(['delete:team-a-2']);
    expect((await planJson(b)).plan.changes.map((change) => `${change.action}:${change.name}`)).toEqual(['delete:team-b-1']);
    expect((await a.run(['apply', '--auto-approve'])).code).toBe(0);
    expect((await b.run(['apply', '--auto-approve'])).code).toBe(0);
    expect(names(a)).toEqual(['team-a-0', 'team-a-1', 'team-b-0']);

    // Even emptied (with --force), B deletes only what is B's.
    await b.writeManifest('aws.yaml', []);
    expect((await b.run(['apply', '--auto-approve', '--force'])).code).toBe(0);
    expect(names(a)).toEqual(['team-a-0', 'team-a-1']);
  });

  it("a manifest name another owner's exception holds is a conflict naming that owner", async () => {
    const [a, b] = await twoRepositories();
    await a.writeManifest('aws.yaml', [bucket('shared-name')]);
    expect((await a.run(['apply', '--auto-approve'])).code).toBe(0);
    await b.writeManifest('aws.yaml', [{ ...bucket('shared-name'), endDate: '2027-01-31' }]);
    const result = await b.run(['plan', '--format', 'json']);
    expect(result.code).toBe(1);
    const plan = JSON.parse(result.stdout) as Plan;
    expect(plan.changes).toEqual([]);
    expect(plan.conflicts).toEqual([expect.objectContaining({ name: 'shared-name', owner: 'team-a', message: expect.stringContaining("belongs to owner 'team-a'") })]);
    b.sim.resetCounters();
    expect((await b.run(['apply', '--auto-approve'])).code).toBe(1);
    expect(writes(b)).toBe(0);
  });
});

describe('two repositories adopting the same UI-made exception', () => {
  it('after one replaces it, the other sees a conflict naming the new owner: no ping-pong', async () => {
    const [a, b] = await twoRepositories();
    a.sim.createExceptionAsUi(bucket('shared-ui'));
    for (const world of [a, b]) {
      const imported = await world.run(['import']);
      expect(imported.code, imported.stderr).toBe(0);
      expect((await world.run(['plan', '--detailed-exitcode'])).code).toBe(0);
    }

    // A renews it: a replace stamps A's marker on the new exception.
    const file = path.join(a.dir, 'policies', 'imported-aws.yaml');
    const { writeFile } = await import('node:fs/promises');
    await writeFile(file, (await readFile(file, 'utf8')).replace('endDate: 2027-04-30', 'endDate: 2027-06-30'));
    expect((await a.run(['apply', '--auto-approve'])).code).toBe(0);
    expect(a.sim.exceptions()[0].explanation).toContain('[cvex:team-a ');

    // B would put it back to its own version; it may not: conflict, nothing written, every time.
    for (let round = 0; round < 2; round += 1) {
      b.sim.resetCounters();
      const bPlan = await planJson(b);
      expect(bPlan.code).toBe(1);
      expect(bPlan.plan.changes).toEqual([]);
      expect(bPlan.plan.conflicts).toEqual([expect.objectContaining({ name: 'shared-ui', owner: 'team-a' })]);
      expect((await b.run(['apply', '--auto-approve'])).code).toBe(1);
      expect(writes(b)).toBe(0);
      expect((await a.run(['plan', '--detailed-exitcode'])).code).toBe(0);
    }
    expect(a.sim.exceptions()).toEqual([expect.objectContaining({ name: 'shared-ui', endDate: '2027-06-30' })]);
  });
});

describe('import in a second repository', () => {
  it('adopts only the unowned exceptions, reports the foreign ones by owner, and plan then says No changes', async () => {
    const [a, b] = await twoRepositories();
    await a.writeManifest('aws.yaml', [0, 1, 2].map((i) => bucket(`team-a-${i}`)));
    expect((await a.run(['apply', '--auto-approve'])).code).toBe(0);
    a.sim.createExceptionAsUi(bucket('made-in-ui'));

    const imported = await b.run(['import']);
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stdout).toContain("left 3 exceptions of owner 'team-a' alone");
    expect(imported.stdout).toContain('imported 1 of 4 remote exceptions');
    const text = await readFile(path.join(b.dir, 'policies', 'imported-aws.yaml'), 'utf8');
    expect(text).toContain('name: made-in-ui');
    expect(text).not.toContain('team-a-');

    const plan = await b.run(['plan', '--detailed-exitcode']);
    expect(plan.code, plan.stdout + plan.stderr).toBe(0);
    expect(plan.stdout).toContain('No changes. 1 exceptions match the repository.');
    expect(plan.stdout).toContain("Owned by 'team-a' (another repository; never changed): 3");
  });
});

describe('cvex import --take-over OWNER', () => {
  it('re-stamps the other owner\'s exceptions by replace, counted as removals; the old owner then sees conflicts, never deletes', async () => {
    const [a, b] = await twoRepositories();
    await a.writeManifest('aws.yaml', [0, 1, 2].map((i) => bucket(`team-a-${i}`)));
    expect((await a.run(['apply', '--auto-approve'])).code).toBe(0);
    const uuidsBefore = a.sim.exceptions().map((item) => item.uuid).sort();

    const nobody = await b.run(['import', '--take-over', 'team-z', '--no-adopt']);
    expect(nobody.stderr).toContain("no exception in CloudView carries owner 'team-z'");
    const imported = await b.run(['import', '--take-over', 'team-a']);
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stdout).toContain("taking over the exceptions of owner 'team-a'");
    expect(await readFile(path.join(b.dir, 'cvex.config.yaml'), 'utf8')).toMatch(/takeOverFrom:\n\s+- team-a/);

    const { plan } = await planJson(b);
    expect(plan.changes.map((change) => `${change.action}:${change.name}`)).toEqual(['replace:team-a-0', 'replace:team-a-1', 'replace:team-a-2']);
    expect(plan.changes.every((change) => change.action === 'replace' && change.takeOver?.from === 'team-a' && change.ownership === 'foreign')).toBe(true);
    const text = await b.run(['plan']);
    expect(text.stdout).toContain('-/+ team-a-0');
    expect(text.stdout).toContain('take over from team-a');
    // Three removals against a limit of two: refused without --force.
    const guarded = await b.run(['apply', '--auto-approve', '--max-deletes', '2']);
    expect(guarded.code).toBe(1);
    expect(guarded.stderr).toContain('--force');

    const applied = await b.run(['apply', '--auto-approve']);
    expect(applied.code, applied.stderr).toBe(0);
    expect(b.sim.exceptions().every((item) => item.explanation.includes('[cvex:team-b '))).toBe(true);
    expect(b.sim.exceptions().map((item) => item.uuid).sort()).not.toEqual(uuidsBefore);
    expect((await b.run(['plan', '--detailed-exitcode'])).code).toBe(0);

    // The old owner: a conflict per exception, naming the new owner; nothing deleted or replaced.
    const old = await planJson(a);
    expect(old.code).toBe(1);
    expect(old.plan.changes).toEqual([]);
    expect(old.plan.conflicts.map((conflict) => [conflict.name, conflict.owner])).toEqual([
      ['team-a-0', 'team-b'],
      ['team-a-1', 'team-b'],
      ['team-a-2', 'team-b'],
    ]);
    await a.writeManifest('aws.yaml', []);
    const emptied = await planJson(a);
    expect(emptied.plan.changes).toEqual([]);
    expect(names(a)).toEqual(['team-a-0', 'team-a-1', 'team-a-2']);
  });
});
