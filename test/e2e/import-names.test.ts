// Names a person can type in the Qualys UI, imported and adopted: plan then shows no changes.
import { afterEach, describe, expect, it } from 'vitest';
import type { Plan } from '../../src/reconcile/types';
import { awsException, startWorld, type World } from '../reconcile/e2e-harness';

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

describe('cvex import with awkward names', () => {
  it('adopts names with glob characters, quotes, backslashes and unicode exactly', async () => {
    world = await startWorld();
    const names = ['team{a,b}', 'team{1..3}', 'a\\b', 'quote"d', "it's", 'x/y', '!neg', '#hash', 'sp ace', 'ünïcödé-例外', 'star*', 'q?', '[br]', '+(ext)'];
    for (const [index, name] of names.entries()) {
      world.sim.createExceptionAsUi(awsException(name, { resources: [{ resourceId: `arn:aws:s3:::odd-${index}`, accountId: '123456789012' }] }));
    }
    const imported = await world.run(['import', '--out', 'policies']);
    expect(imported.code, imported.stderr).toBe(0);
    const result = await world.run(['plan', '--format', 'json']);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const plan = JSON.parse(result.stdout) as Plan;
    expect(plan.conflicts.map((conflict) => conflict.name)).toEqual([]);
    expect(plan.unmanaged).toEqual([]);
    expect(plan.summary).toEqual({ create: 0, delete: 0, replace: 0, unchanged: names.length });
  });
});
