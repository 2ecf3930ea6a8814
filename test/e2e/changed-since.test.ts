// A pull request's plan costs what the pull request changes: `cvex plan --changed-since REF` reads
// only the exceptions the diff from REF's merge base adds, changes or removes, by name, one request
// each; a change to the config or to a defaults: block plans in full.
import { readFile, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { Plan } from '../../src/reconcile/types';
import { commitAll, git } from '../git/helpers';
import { awsException, exceptionRequests, manyExceptions, startWorld, type World, type WorldOwnership } from '../reconcile/e2e-harness';

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

const team = (index: number) => `team-a-${String(index).padStart(5, '0')}`;

/** 250 exceptions in two files, applied from a commit on main that `origin/main` points at; then a branch. */
async function repositoryOnBranch(ownership: WorldOwnership = 'signed'): Promise<{ current: World; specs: ReturnType<typeof manyExceptions> }> {
  const current = await startWorld({ ownership, owner: 'team-a', maxPageSize: 100 });
  const specs = manyExceptions(250);
  git(current.dir, 'init', '-q', '-b', 'main');
  await current.writeManifest('one.yaml', specs.slice(0, 125));
  await current.writeManifest('two.yaml', specs.slice(125));
  commitAll(current.dir, 'two hundred and fifty exceptions');
  expect((await current.run(['apply', '--auto-approve'])).code).toBe(0);
  git(current.dir, 'update-ref', 'refs/remotes/origin/main', 'HEAD');
  git(current.dir, 'checkout', '-q', '-b', 'feature');
  return { current, specs };
}

async function planJson(current: World, extra: string[]): Promise<Plan> {
  const result = await current.run(['plan', '--format', 'json', ...extra]);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as Plan;
}

describe('cvex plan --changed-since', () => {
  it('plans only the names the diff adds, changes or removes: one request each, old values from the base', async () => {
    const { current, specs } = await repositoryOnBranch();
    world = current;
    // Two changed (one in each file), one added, one removed, one file untouched but for metadata.
    const one = specs.slice(0, 125).map((spec, index) => (index === 3 ? { ...spec, endDate: '2027-03-31' } : spec)).filter((spec) => spec.name !== team(7));
    const two = specs.slice(125).map((spec) => (spec.name === team(200) ? { ...spec, controlIds: [1] } : spec));
    await world.writeManifest('one.yaml', [...one, awsException('team-a-new')]);
    await world.writeManifest('two.yaml', two);
    commitAll(world.dir, 'the pull request');

    world.sim.resetCounters();
    const plan = await planJson(world, ['--changed-since', 'origin/main']);
    expect(plan.scope).toEqual({ kind: 'changed-since', ref: 'origin/main', base: git(world.dir, 'rev-parse', 'origin/main'), names: [team(3), team(7), team(200), 'team-a-new'] });
    expect(plan.changes.map((change) => `${change.action}:${change.name}`)).toEqual(['create:team-a-new', `replace:${team(3)}`, `replace:${team(200)}`, `delete:${team(7)}`]);
    // One filtered read per name, nothing else of the exceptions; the inventory reads are counted apart.
    expect(exceptionRequests(world.sim).byRoute).toEqual({ 'exceptions.list': 4 });
    const replaced = plan.changes.find((change) => change.name === team(200));
    expect(replaced).toMatchObject({ oldValuesFrom: 'history', diffs: [{ field: 'controlIds', before: [1, 2], after: [1] }] });
    expect(plan.summary).toEqual({ create: 1, replace: 2, delete: 1, unchanged: 0 });

    const text = await world.run(['plan', '--changed-since', 'origin/main']);
    expect(text.stdout).toContain('these 4 changes, plus whatever the full plan finds; the guards are checked at apply');
    const markdown = await world.run(['plan', '--changed-since', 'origin/main', '--format', 'markdown']);
    expect(markdown.stdout).toContain('these 4 changes, plus whatever the full plan finds');

    // Advisory: it cannot be applied; the full plan (drift, apply) finds the same changes.
    expect((await world.run(['plan', '--changed-since', 'origin/main', '--out', 'pr.json'])).code).toBe(0);
    const refused = await world.run(['apply', '--plan', 'pr.json']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('--changed-since plan');
    const full = await planJson(world, []);
    expect(full.changes.map((change) => `${change.action}:${change.name}`)).toEqual(plan.changes.map((change) => `${change.action}:${change.name}`));
  });

  it('a working-tree edit counts too; metadata alone plans nothing; nothing changed costs nothing', async () => {
    const { current, specs } = await repositoryOnBranch();
    world = current;
    world.sim.resetCounters();
    const nothing = await planJson(world, ['--changed-since', 'origin/main']);
    expect(nothing.scope).toMatchObject({ kind: 'changed-since', names: [] });
    expect(nothing.changes).toEqual([]);
    expect(world.sim.counters().total).toBe(0);

    const file = path.join(world.dir, 'policies', 'one.yaml');
    await writeFile(file, stringify({ exceptions: specs.slice(0, 125).map((spec, index) => (index === 0 ? { ...spec, metadata: { ticket: 'SEC-1' } } : index === 1 ? { ...spec, endDate: '2027-02-28' } : spec)) }));
    world.sim.resetCounters();
    const edited = await planJson(world, ['--changed-since', 'origin/main']);
    expect(edited.scope).toMatchObject({ names: [team(1)] });
    expect(exceptionRequests(world.sim).byRoute).toEqual({ 'exceptions.list': 1 });
  });

  it('a change to cvex.config.yaml or to a defaults: block plans in full, and says why', async () => {
    const { current, specs } = await repositoryOnBranch();
    world = current;
    await world.writeConfig({ maxDeletes: 5 });
    world.sim.resetCounters();
    const config = await planJson(world, ['--changed-since', 'origin/main']);
    expect(config.scope).toEqual({ kind: 'full' });
    expect(config.warnings[0]).toMatchObject({ code: 'scope.full', message: expect.stringContaining('cvex.config.yaml changed since origin/main') });
    expect(exceptionRequests(world.sim).byRoute).toEqual({ 'exceptions.list': 3 });

    git(world.dir, 'checkout', '-q', '--', 'cvex.config.yaml');
    const withDefaults = { defaults: { exceptionReason: 'Risk Accepted' }, exceptions: specs.slice(125).map(({ exceptionReason: _reason, ...rest }) => rest) };
    await writeFile(path.join(world.dir, 'policies', 'two.yaml'), stringify(withDefaults));
    const defaults = await planJson(world, ['--changed-since', 'origin/main']);
    expect(defaults.scope).toEqual({ kind: 'full' });
    expect(defaults.warnings[0].message).toContain('the defaults: block of policies/two.yaml changed');
  });

  it('verifies unsigned markers of the names it plans from the history: a removed one is deleted, never called foreign or unverified', async () => {
    const { current, specs } = await repositoryOnBranch('unsigned');
    world = current;
    await world.writeManifest('two.yaml', specs.slice(125).filter((spec) => spec.name !== team(130)));
    commitAll(world.dir, 'remove one');
    const plan = await planJson(world, ['--changed-since', 'origin/main']);
    expect(plan.changes).toEqual([expect.objectContaining({ action: 'delete', name: team(130), ownership: 'owned' })]);
    expect(plan.unverified).toEqual([]);
  });

  it("an adopted exception changed in the pull request: the import's record at the base vouches for it, no detail read", async () => {
    world = await startWorld({ owner: 'team-a' });
    git(world.dir, 'init', '-q', '-b', 'main');
    for (const spec of manyExceptions(5, 'ui-made')) world.sim.createExceptionAsUi(spec);
    expect((await world.run(['import', '--out', 'policies'])).code).toBe(0);
    commitAll(world.dir, 'adopt');
    git(world.dir, 'update-ref', 'refs/remotes/origin/main', 'HEAD');
    const file = path.join(world.dir, 'policies', 'imported-aws.yaml');
    const text = await readFile(file, 'utf8');
    const changed = text.replace(/(name: ui-made-00002\n(?:.*\n)*?\s+endDate: )\S+/, '$12027-01-31');
    expect(changed).not.toBe(text);
    await writeFile(file, changed);
    world.sim.resetCounters();
    const plan = await planJson(world, ['--changed-since', 'origin/main']);
    expect(plan.changes).toEqual([expect.objectContaining({ action: 'replace', name: 'ui-made-00002', ownership: 'adopted', oldValuesFrom: 'history' })]);
    expect(exceptionRequests(world.sim).byRoute).toEqual({ 'exceptions.list': 1 });
  });

  it('a name the filter cannot look up is shown as a create, with a warning; apply settles it', async () => {
    const { current, specs } = await repositoryOnBranch();
    world = current;
    const quoted = awsException('team-a "quoted"');
    await world.writeManifest('one.yaml', [...specs.slice(0, 125), quoted]);
    commitAll(world.dir, 'quoted');
    expect((await world.run(['apply', '--auto-approve'])).code).toBe(0);
    await world.writeManifest('one.yaml', [...specs.slice(0, 125), { ...quoted, endDate: '2027-03-31' }]);
    world.sim.resetCounters();
    const plan = await planJson(world, ['--changed-since', 'origin/main']);
    expect(plan.changes.map((change) => `${change.action}:${change.name}`)).toEqual(['create:team-a "quoted"']);
    expect(plan.warnings.map((warning) => warning.code)).toContain('scope.unfiltered');
    expect(exceptionRequests(world.sim).total).toBe(0);
    const full = await planJson(world, []);
    expect(full.changes.map((change) => `${change.action}:${change.name}`)).toEqual(['replace:team-a "quoted"']);
  });

  it('refuses a ref this clone does not know, and paths beside it', async () => {
    const { current } = await repositoryOnBranch();
    world = current;
    const unknown = await world.run(['plan', '--changed-since', 'origin/nope']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('fetch-depth: 0');
    expect((await world.run(['plan', '--changed-since', 'origin/main', 'policies/one.yaml'])).code).toBe(2);
    expect((await world.run(['plan', '--changed-since', '--all'])).code).toBe(2);
    expect(await readFile(path.join(world.dir, 'policies', 'one.yaml'), 'utf8')).toContain(team(0));
  });
});
