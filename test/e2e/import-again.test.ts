// Running `cvex import` again on an account that was already imported must not lose what the first
// import wrote: the team edits those files, and the adopted exceptions are managed now.
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Plan } from '../../src/reconcile/types';
import { awsException, startWorld, type World } from '../reconcile/e2e-harness';

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

const bucket = (name: string) => awsException(name, { resources: [{ resourceId: `arn:aws:s3:::${name}`, accountId: '123456789012' }] });

describe('cvex import, a second time', () => {
  it('adds a newly made UI exception without dropping the ones imported before (plan deletes nothing)', async () => {
    world = await startWorld();
    world.sim.createExceptionAsUi(bucket('ui-one'));
    world.sim.createExceptionAsUi(bucket('ui-two'));
    expect((await world.run(['import', '--out', 'policies'])).code).toBe(0);
    expect((await world.run(['plan', '--detailed-exitcode'])).code).toBe(0);

    world.sim.createExceptionAsUi(bucket('ui-three'));
    const again = await world.run(['import', '--out', 'policies']);
    expect(again.code, again.stderr).toBe(0);
    const text = await readFile(path.join(world.dir, 'policies', 'imported-aws.yaml'), 'utf8');
    for (const name of ['ui-one', 'ui-two', 'ui-three']) expect(text).toContain(`name: ${name}`);

    const result = await world.run(['plan', '--format', 'json']);
    expect(result.code, result.stderr).toBe(0);
    const plan = JSON.parse(result.stdout) as Plan;
    expect(plan.changes).toEqual([]);
    expect(plan.summary.unchanged).toBe(3);
    expect(world.sim.exceptions()).toHaveLength(3);
  });
});

describe('cvex import into a folder plan does not read', () => {
  it('refuses (writing nothing) when the config manifests globs would not read the files it writes', async () => {
    world = await startWorld();
    await world.writeConfig({ manifests: ['exceptions/**/*.yaml'] });
    world.sim.createExceptionAsUi(bucket('ui-one'));
    const configBefore = await readFile(path.join(world.dir, 'cvex.config.yaml'), 'utf8');
    const result = await world.run(['import']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('exceptions/**/*.yaml');
    expect(await readFile(path.join(world.dir, 'cvex.config.yaml'), 'utf8')).toBe(configBefore);
    await expect(readFile(path.join(world.dir, 'policies', 'imported-aws.yaml'), 'utf8')).rejects.toThrow();

    // Into the folder the config reads, it works, and plan deletes nothing.
    const into = await world.run(['import', '--out', 'exceptions']);
    expect(into.code, into.stderr).toBe(0);
    const plan = JSON.parse((await world.run(['plan', '--format', 'json'])).stdout) as Plan;
    expect(plan.changes).toEqual([]);
  });
});

describe('cvex import to resolve a conflict', () => {
  it('adopts a name the repository already defines without writing it twice (the repository version wins)', async () => {
    world = await startWorld();
    world.sim.createExceptionAsUi(bucket('made-in-ui'));
    await world.writeManifest('aws.yaml', [{ ...bucket('made-in-ui'), endDate: '2027-01-31' }]);
    const conflict = await world.run(['plan']);
    expect(conflict.code).toBe(1);
    expect(conflict.stdout).toContain('cvex import');

    const imported = await world.run(['import']);
    expect(imported.code, imported.stderr).toBe(0);
    expect((await world.run(['validate'])).code).toBe(0);
    const plan = JSON.parse((await world.run(['plan', '--format', 'json'])).stdout) as Plan;
    expect(plan.conflicts).toEqual([]);
    expect(plan.changes).toEqual([expect.objectContaining({ action: 'replace', name: 'made-in-ui', diffs: [{ field: 'endDate', before: '2027-04-30', after: '2027-01-31' }] })]);
  });
});
