// A plan file is evidence of a review, not a source of specs: `apply --plan FILE` plans again with
// the file's scope and refuses any difference, naming the change; nothing is written.
import { readFile, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Plan } from '../../src/reconcile/types';
import { awsException, startWorld, type World } from '../reconcile/e2e-harness';

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

const writes = (current: World) => (current.sim.counters().byRoute['exceptions.create'] ?? 0) + (current.sim.counters().byRoute['exceptions.delete'] ?? 0) + (current.sim.counters().byRoute['evaluations.applyTags'] ?? 0);

async function savedPlan(current: World): Promise<Plan> {
  expect((await current.run(['plan', '--out', 'plan.json'])).code).toBe(0);
  return JSON.parse(await readFile(path.join(current.dir, 'plan.json'), 'utf8')) as Plan;
}

async function applyEdited(current: World, plan: Plan): Promise<{ code: number; stderr: string }> {
  await writeFile(path.join(current.dir, 'plan.json'), JSON.stringify(plan));
  current.sim.resetCounters();
  const result = await current.run(['apply', '--plan', 'plan.json']);
  expect(writes(current)).toBe(0);
  return result;
}

describe('apply --plan with a tampered file', () => {
  const rule = { cloudType: 'AWS', regex: '^arn:aws:s3:::acme-prod-logs$', tagNames: ['accepted'] };

  async function repository(): Promise<World> {
    const current = await startWorld();
    await current.writeManifest('aws.yaml', [awsException('team-a-one'), awsException('team-a-two')], [rule]);
    expect((await current.run(['apply', '--auto-approve'])).code).toBe(0);
    await current.writeManifest('aws.yaml', [awsException('team-a-one', { endDate: '2027-03-31' }), awsException('team-a-two'), awsException('team-a-new')], [rule]);
    return current;
  }

  it('refuses an edited replace spec (wider controls), naming the change', async () => {
    world = await repository();
    const plan = await savedPlan(world);
    const replace = plan.changes.find((change) => change.action === 'replace')!;
    if (replace.action === 'replace') replace.spec.controlIds = [1, 2, 3];
    const result = await applyEdited(world, plan);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("the file's spec of replace \"team-a-one\"");
  });

  it('refuses an added create and a widened create', async () => {
    world = await repository();
    const plan = await savedPlan(world);
    const create = plan.changes.find((change) => change.action === 'create')!;
    if (create.action === 'create') create.spec.controlIds = [1, 2, 3];
    plan.changes.push({ ...create, name: 'sneaked-in', spec: { ...(create.action === 'create' ? create.spec : awsException('x')), name: 'sneaked-in' } } as Plan['changes'][number]);
    const result = await applyEdited(world, plan);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('the file would create "sneaked-in"; a fresh plan does not');
    expect(result.stderr).toContain("the file's spec of create \"team-a-new\"");
  });

  it('refuses a renamed replace and an invalid spec', async () => {
    world = await repository();
    const plan = await savedPlan(world);
    const replace = plan.changes.find((change) => change.action === 'replace')!;
    replace.name = 'team-a-renamed';
    if (replace.action === 'replace') replace.spec = { ...replace.spec, name: 'team-a-renamed', controlIds: [] };
    const result = await applyEdited(world, plan);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('the file would replace "team-a-renamed"');
    expect(result.stderr).toContain('a fresh plan would replace "team-a-one"');
  });

  it('refuses a widened applyTags regex', async () => {
    world = await repository();
    const plan = await savedPlan(world);
    plan.tags[0].regex = '.*';
    const result = await applyEdited(world, plan);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("the file's tag rule AWS /.*/");
  });

  it('refuses a take-over added by hand, and a plan for another owner', async () => {
    world = await repository();
    const plan = await savedPlan(world);
    const replace = plan.changes.find((change) => change.action === 'replace')!;
    if (replace.action === 'replace') replace.takeOver = { from: 'team-x' };
    plan.owner = 'someone-else';
    const result = await applyEdited(world, plan);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("planned for owner 'someone-else'");
    expect(result.stderr).toContain("takes it over from 'team-x'");
  });

  it('refuses a changed-since plan (advisory), and applies an untouched file', async () => {
    world = await repository();
    const plan = await savedPlan(world);
    const advisory = await applyEdited(world, { ...plan, scope: { kind: 'changed-since', ref: 'main', base: 'abc', names: [] } });
    expect(advisory.code).toBe(1);
    expect(advisory.stderr).toContain('advisory');
    await writeFile(path.join(world.dir, 'plan.json'), JSON.stringify(plan));
    const applied = await world.run(['apply', '--plan', 'plan.json']);
    expect(applied.code, applied.stderr).toBe(0);
    expect(world.sim.exceptions().map((item) => item.name).sort()).toEqual(['team-a-new', 'team-a-one', 'team-a-two']);
  });
});
