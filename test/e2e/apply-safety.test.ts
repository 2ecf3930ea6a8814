// Adversarial cases for apply and the plan outputs: saved plans edited by hand, a name taken in
// the UI after the plan, an audit log that cannot be written, remote text with terminal escapes,
// links in a pull-request comment, and a subscription whose clocks skip midnight.
import { readFile, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Plan } from '../../src/reconcile/types';
import { awsException, exceptionRequests, manyExceptions, startWorld, type World } from '../reconcile/e2e-harness';

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

async function readPlan(current: World, file: string): Promise<Plan> {
  return JSON.parse(await readFile(path.join(current.dir, file), 'utf8')) as Plan;
}

async function writePlan(current: World, file: string, plan: Plan): Promise<void> {
  await writeFile(path.join(current.dir, file), JSON.stringify(plan), 'utf8');
}

describe('audit log', () => {
  it('changes nothing when the audit log cannot be written', async () => {
    world = await startWorld();
    await world.writeManifest('aws.yaml', [awsException('team-a-one')]);
    const result = await world.run(['apply', '--auto-approve', '--audit-log', 'no-such-dir/audit.jsonl']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('no-such-dir/audit.jsonl');
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(world.sim.exceptions()).toHaveLength(0);
  });
});
