// Without marker keys, the repository's git history vouches for its own markers; without git
// either, nothing can, and cvex keeps what it cannot verify. The old marker (no owner) is managed
// only where it is declared, and re-stamped at its next replace.
import { afterEach, describe, expect, it } from 'vitest';
import type { Plan } from '../../src/reconcile/types';
import { commitAll, git } from '../git/helpers';
import { awsException, startWorld, type World } from '../reconcile/e2e-harness';

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

const bucket = (name: string) => awsException(name, { resources: [{ resourceId: `arn:aws:s3:::${name}`, accountId: '123456789012' }] });

async function planJson(current: World, extra: string[] = []): Promise<Plan> {
  const result = await current.run(['plan', '--format', 'json', ...extra]);
  return JSON.parse(result.stdout) as Plan;
}

describe('no key, in a git checkout', () => {
  it("verifies removed and changed exceptions from the history, and cannot when the commit is not in the clone", async () => {
    world = await startWorld({ ownership: 'unsigned', owner: 'team-a' });
    git(world.dir, 'init', '-q', '-b', 'main');
    await world.writeManifest('aws.yaml', [bucket('team-a-1'), bucket('team-a-2'), bucket('team-a-3')]);
    const first = commitAll(world.dir, 'three exceptions');
    const applied = await world.run(['apply', '--auto-approve']);
    expect(applied.code, applied.stderr).toBe(0);
    expect(world.sim.exceptions()[0].explanation).toContain(`[cvex:team-a `);
    expect(world.sim.exceptions()[0].explanation).toContain(` ${first.slice(0, 12)}]`);

    // One removed, one changed, both committed: the history holds the specs the markers name.
    await world.writeManifest('aws.yaml', [bucket('team-a-1'), { ...bucket('team-a-2'), endDate: '2027-06-30' }]);
    commitAll(world.dir, 'remove 3, extend 2');
    const plan = await planJson(world);
    expect(plan.conflicts).toEqual([]);
    expect(plan.changes.map((change) => `${change.action}:${change.name}:${change.action === 'create' ? '' : change.ownership}`)).toEqual([
      'replace:team-a-2:owned',
      'delete:team-a-3:owned',
    ]);
    // Two removals of three: the guards want a reviewed allowance.
    expect((await world.run(['apply', '--auto-approve', '--allow-removals', '2'])).code).toBe(0);
    expect(world.sim.exceptions().map((item) => item.name).sort()).toEqual(['team-a-1', 'team-a-2']);
    expect((await world.run(['plan', '--detailed-exitcode'])).code).toBe(0);

    // A marker naming a commit this clone does not have (a shallow clone, another repository): kept, listed, never deleted.
    const other = world.sim.exceptions().find((item) => item.name === 'team-a-1')!;
    world.sim.createExceptionAsUi({ ...bucket('team-a-9'), explanation: other.explanation.replace(/ [0-9a-f]{12}\]$/, ' 0123456789ab]') });
    const unknown = await planJson(world);
    expect(unknown.changes).toEqual([]);
    expect(unknown.unverified).toEqual([expect.objectContaining({ name: 'team-a-9', reason: expect.stringContaining('not in this clone') })]);
  });

  it('a local apply from an uncommitted change cannot be vouched for later: it is kept and listed, never deleted', async () => {
    world = await startWorld({ ownership: 'unsigned', owner: 'team-a' });
    git(world.dir, 'init', '-q', '-b', 'main');
    await world.writeManifest('aws.yaml', [bucket('team-a-1')]);
    commitAll(world.dir, 'one');
    await world.writeManifest('aws.yaml', [bucket('team-a-1'), bucket('team-a-uncommitted')]);
    expect((await world.run(['apply', '--auto-approve'])).code).toBe(0);
    await world.writeManifest('aws.yaml', [bucket('team-a-1')]);
    const plan = await planJson(world);
    expect(plan.changes).toEqual([]);
    expect(plan.unverified).toEqual([expect.objectContaining({ name: 'team-a-uncommitted', reason: expect.stringContaining('no manifest at commit') })]);
  });
});

describe('no key and no git', () => {
  it('creates and keeps unchanged exceptions, and lists (never deletes or replaces) those it cannot verify', async () => {
    world = await startWorld({ ownership: 'unsigned', owner: 'team-a' });
    await world.writeManifest('aws.yaml', [bucket('team-a-1'), bucket('team-a-2')]);
    expect((await world.run(['apply', '--auto-approve'])).code).toBe(0);
    expect((await world.run(['plan', '--detailed-exitcode'])).code).toBe(0);

    await world.writeManifest('aws.yaml', [{ ...bucket('team-a-1'), endDate: '2027-06-30' }]);
    const result = await world.run(['plan', '--format', 'json']);
    expect(result.code).toBe(1);
    const plan = JSON.parse(result.stdout) as Plan;
    expect(plan.changes).toEqual([]);
    expect(plan.conflicts).toEqual([expect.objectContaining({ name: 'team-a-1', message: expect.stringContaining('commit (local)') })]);
    expect(plan.unverified.map((item) => item.name)).toEqual(['team-a-2']);
    // The way out, explicitly: take over this repository's own unverifiable markers.
    await world.writeConfig({ takeOverFrom: ['team-a'] });
    const taken = await planJson(world);
    expect(taken.changes.map((change) => `${change.action}:${change.name}`)).toEqual(['replace:team-a-1']);
    expect(taken.changes[0]).toMatchObject({ takeOver: { from: 'team-a' }, ownership: 'unverified' });
  });
});

describe('no key, applied in CI, planned outside a git checkout', () => {
  it('says that no history can vouch, and keeps the exception', async () => {
    world = await startWorld({ ownership: 'unsigned', owner: 'team-a' });
    await world.writeManifest('aws.yaml', [bucket('team-a-1'), bucket('team-a-2')]);
    expect((await world.run(['apply', '--auto-approve'], { env: { GITHUB_SHA: '0123456789abcdef0123456789abcdef01234567' } })).code).toBe(0);
    await world.writeManifest('aws.yaml', [bucket('team-a-1')]);
    const plan = await planJson(world);
    expect(plan.changes).toEqual([]);
    expect(plan.unverified).toEqual([expect.objectContaining({ name: 'team-a-2', reason: expect.stringContaining('no git checkout') })]);
  });
});

describe('the old marker (no owner)', () => {
  it('is managed where declared (and re-stamped by its next replace), never deleted for being absent', async () => {
    world = await startWorld({ owner: 'team-a' });
    const legacy = (name: string, fingerprint = '0123456789abcdef') => ({ ...bucket(name), explanation: `Why ${name} is accepted.\n\n[cvex:${fingerprint} 0123456`.concat('789ab]') });
    world.sim.seedExceptions([legacy('old-declared'), legacy('old-exact'), legacy('old-glob'), legacy('old-elsewhere')]);
    await world.writeConfig({ manage: ['old-exact', 'old-g*'] });
    await world.writeManifest('aws.yaml', [bucket('old-declared')]);
    const plan = await planJson(world);
    // Its fingerprint is not the manifest's: a replace, re-stamped with this owner's (signed) marker.
    expect(plan.changes).toEqual([expect.objectContaining({ action: 'replace', name: 'old-declared', ownership: 'legacy' })]);
    expect(plan.legacy.map((item) => item.name)).toEqual(['old-elsewhere', 'old-exact', 'old-glob']);
    expect(plan.safety.managed).toBe(2);
    const text = await world.run(['plan']);
    expect(text.stdout).toContain('its old marker is re-stamped with this owner');

    const applied = await world.run(['apply', '--auto-approve', '--force']);
    expect(applied.code, applied.stderr).toBe(0);
    expect(world.sim.exceptions().map((item) => item.name).sort()).toEqual(['old-declared', 'old-elsewhere', 'old-exact', 'old-glob']);
    expect(world.sim.exceptions().find((item) => item.name === 'old-declared')!.explanation).toMatch(/\[cvex:team-a [0-9a-f]{16} local [0-9a-f]{8}\./);
    expect((await world.run(['plan', '--detailed-exitcode'])).code).toBe(0);
  });
});
