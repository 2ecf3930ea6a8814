// The mistakes people make, end to end against the simulator: an empty or partial desired state,
// a renewal of everything at once, a plan pointed at one file. Each stops before anything is lost,
// and a reviewed lift (commit trailer or approved input) is the only way past a guard in GitOps.
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { afterEach, describe, expect, it } from 'vitest';
import applyReportSchema from '../../schemas/apply-report.schema.json';
import planSchema from '../../schemas/plan.schema.json';
import type { ApplyReportFile } from '../../src/reconcile/apply-report';
import type { Plan } from '../../src/reconcile/types';
import { commit, git } from '../git/helpers';
import { awsException, manyExceptions, startWorld, type World } from '../reconcile/e2e-harness';

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

async function readJson<T>(current: World, file: string): Promise<T> {
  return JSON.parse(await readFile(path.join(current.dir, file), 'utf8')) as T;
}

function validateReport(report: unknown): void {
  const ajv = new Ajv({ strict: false });
  addFormats(ajv);
  ajv.addSchema(planSchema, 'plan.schema.json');
  const validate = ajv.compile(applyReportSchema);
  expect(validate(report), JSON.stringify(validate.errors)).toBe(true);
}

describe('an empty desired state never deletes everything', () => {
  it('7 managed, a manifest that declares none: refused at any threshold, a reviewed allowance too; only --force', async () => {
    world = await startWorld();
    await world.writeManifest('aws.yaml', manyExceptions(7));
    expect((await world.run(['apply', '--auto-approve'])).code).toBe(0);
    await world.writeManifest('aws.yaml', []);

    const plan = JSON.parse((await world.run(['plan', '--format', 'json'])).stdout) as Plan;
    expect(plan.safety).toMatchObject({ managed: 7, deletes: 7, removals: 7, allManagedDeleted: true, exceedsMaxDeletes: false, blocked: true });
    expect(plan.warnings.find((warning) => warning.code === 'safety.threshold')?.message).toContain('every managed exception (7) would be deleted');

    world.sim.resetCounters();
    for (const extra of [[], ['--max-deletes', '100', '--max-delete-percent', '100'], ['--allow-removals', '7']]) {
      const refused = await world.run(['apply', '--auto-approve', ...extra]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('every managed exception (7) would be deleted');
      expect(refused.stderr).toContain('only --force lifts this');
    }
    expect(world.sim.counters().byRoute['exceptions.delete'] ?? 0).toBe(0);
    expect(world.sim.exceptions()).toHaveLength(7);

    const forced = await world.run(['apply', '--auto-approve', '--force', '--report', 'report.json']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(world.sim.exceptions()).toEqual([]);
    expect(world.sim.counters().byRoute['exceptions.delete']).toBe(1);
    const report = await readJson<ApplyReportFile>(world, 'report.json');
    validateReport(report);
    expect(report).toMatchObject({ outcome: 'applied', safety: { lifted: { by: 'force' } }, summary: { planned: 7, succeeded: 7 } });
  });

  it('deletes of EXPIRED exceptions count for no guard', async () => {
    world = await startWorld();
    await world.writeManifest('aws.yaml', manyExceptions(12));
    expect((await world.run(['apply', '--auto-approve'])).code).toBe(0);
    world.sim.setNow(() => new Date('2027-06-01T00:00:00Z'));
    await world.writeManifest('aws.yaml', []);
    const plan = JSON.parse((await world.run(['plan', '--format', 'json'])).stdout) as Plan;
    expect(plan.safety).toMatchObject({ deletes: 12, expiredDeletes: 12, removals: 0, blocked: false });
    const applied = await world.run(['apply', '--auto-approve']);
    expect(applied.code, applied.stderr).toBe(0);
    expect(world.sim.exceptions()).toEqual([]);
  });
});

describe('replaces count: renewing everything at once needs a reviewed lift', () => {
  it('10 of 10 renewals are refused; a Cvex-Allow-Removals trailer in the applied range lifts it, recorded in the report and the audit log', async () => {
    world = await startWorld();
    await world.writeManifest('aws.yaml', manyExceptions(10));
    expect((await world.run(['apply', '--auto-approve'])).code).toBe(0);
    git(world.dir, 'init', '-q', '-b', 'main');
    const before = commit(world.dir, 'Apply the first ten');
    const renewed = manyExceptions(10).map((spec) => ({ ...spec, endDate: '2027-10-31' }));
    await world.writeManifest('aws.yaml', renewed);
    const tooFew = commit(world.dir, 'Renew every exception\n\nCvex-Allow-Removals: 9', 'policies/aws.yaml');

    const text = await world.run(['plan']);
    expect(text.stdout, text.stderr).toContain('-/+ team-a-00000');
    expect(text.stdout).toContain('10 removals are more than 25% of the 10 managed exceptions');

    world.sim.resetCounters();
    const refused = await world.run(['apply', '--auto-approve', '--commits', `${before}..${tooFew}`, '--report', 'refused.json']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('Cvex-Allow-Removals: 10');
    expect(world.sim.counters().byRoute['exceptions.delete'] ?? 0).toBe(0);
    const refusal = await readJson<ApplyReportFile>(world, 'refused.json');
    validateReport(refusal);
    expect(refusal).toMatchObject({ outcome: 'refused', commits: `${before}..${tooFew}`, summary: { planned: 10, succeeded: 0 } });
    expect(refusal.refusal).toContain('removal guards');

    const reviewed = commit(world.dir, 'Merge pull request #7\n\nCvex-Allow-Removals: 10');
    world.sim.resetCounters();
    const applied = await world.run(['apply', '--auto-approve', '--commits', `${before}..${reviewed}`, '--audit-log', 'audit.jsonl', '--report', 'report.json']);
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toContain(`lifted by the reviewed trailer \`Cvex-Allow-Removals: 10\` in ${reviewed.slice(0, 12)}`);
    // A replace is one delete and one create, nothing more.
    expect(world.sim.counters().byRoute).toMatchObject({ 'exceptions.delete': 10, 'exceptions.create': 10 });
    expect(world.sim.exceptions().every((item) => item.endDate === '2027-10-31')).toBe(true);

    const report = await readJson<ApplyReportFile>(world, 'report.json');
    validateReport(report);
    expect(report.safety?.lifted).toEqual({ by: 'trailer', allowRemovals: 10, commit: reviewed });
    expect(report.results).toHaveLength(10);
    expect(report.results.every((result) => result.operation === 'replace' && typeof result.gapMs === 'number' && result.createAttempts === 1)).toBe(true);
    const audit = (await readFile(path.join(world.dir, 'audit.jsonl'), 'utf8')).trim().split('\n').map((line) => JSON.parse(line));
    // After the record that proves the log writable, the lift comes before the changes it allowed.
    expect(audit.slice(0, 2)).toMatchObject([{ operation: 'applyStarted' }, { operation: 'liftGuards', lifted: { by: 'trailer', allowRemovals: 10 } }]);
  });

  it('--allow-removals N (an approved manual run) lifts the count guards when removals <= N', async () => {
    world = await startWorld();
    await world.writeManifest('aws.yaml', manyExceptions(4));
    expect((await world.run(['apply', '--auto-approve'])).code).toBe(0);
    await world.writeManifest('aws.yaml', manyExceptions(4).map((spec, index) => (index < 2 ? { ...spec, endDate: '2027-10-31' } : spec)));
    // 2 of 4 is 50%: the share counts at any size once more than one is removed.
    expect((await world.run(['apply', '--auto-approve', '--allow-removals', '1'])).code).toBe(1);
    const applied = await world.run(['apply', '--auto-approve', '--allow-removals', '2']);
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toContain('lifted by --allow-removals 2');
    expect((await world.run(['apply', '--auto-approve', '--allow-removals', 'many'])).code).toBe(2);
  });
});

describe('PATH narrows the plan to what those files declare', () => {
  it('plans and applies only policies/a.yaml: nothing else is created or deleted, the output and the JSON say so', async () => {
    world = await startWorld();
    await world.writeManifest('a.yaml', [awsException('team-a-one'), awsException('team-a-two')]);
    await world.writeManifest('b.yaml', [awsException('team-b-one')]);
    expect((await world.run(['apply', '--auto-approve'])).code).toBe(0);
    await world.writeManifest('a.yaml', [awsException('team-a-one', { endDate: '2027-03-31' }), awsException('team-a-two')]);
    await world.writeManifest('b.yaml', [awsException('team-b-two')]);

    const text = await world.run(['plan', 'policies/a.yaml']);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('Narrowed to policies/a.yaml: only the exceptions these files declare are planned; nothing is deleted.');
    const plan = JSON.parse((await world.run(['plan', 'policies/a.yaml', '--format', 'json'])).stdout) as Plan;
    expect(new Ajv({ strict: false }).validate(planSchema, plan)).toBe(true);
    expect(plan.scope).toEqual({ kind: 'paths', paths: ['policies/a.yaml'] });
    expect(plan.changes.map((change) => `${change.action}:${change.name}`)).toEqual(['replace:team-a-one']);
    expect((await world.run(['plan', 'policies/a.yaml', '--format', 'markdown'])).stdout).toContain('Narrowed to policies/a.yaml');
    // The full plan still sees the rest.
    const full = JSON.parse((await world.run(['plan', '--format', 'json'])).stdout) as Plan;
    expect(full.scope).toEqual({ kind: 'full' });
    expect(full.changes.map((change) => `${change.action}:${change.name}`).sort()).toEqual(['create:team-b-two', 'delete:team-b-one', 'replace:team-a-one']);

    const applied = await world.run(['apply', 'policies/a.yaml', '--auto-approve']);
    expect(applied.code, applied.stderr).toBe(0);
    expect(world.sim.exceptions().map((item) => item.name).sort()).toEqual(['team-a-one', 'team-a-two', 'team-b-one']);
  });
});
