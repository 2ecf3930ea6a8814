// Markers a person can type or copy in the Qualys UI, with a marker key and without one: none of
// them makes cvex delete an exception it did not make, or call a broader exception "unchanged".
import { afterEach, describe, expect, it } from 'vitest';
import { fingerprintSpec } from '../../src/reconcile/fingerprint';
import type { Plan } from '../../src/reconcile/types';
import { awsException, exceptionRequests, startWorld, type World, type WorldOwnership } from '../reconcile/e2e-harness';

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

const bucket = (name: string) => awsException(name, { resources: [{ resourceId: `arn:aws:s3:::${name}`, accountId: '123456789012' }] });
/** The same name with far broader hidden fields: more controls, the whole account instead of one bucket. */
const broader = (name: string) => awsException(name, { exceptionScope: 'CONNECTOR', resources: undefined, accountIds: ['123456789012'], controlIds: [1, 2, 3] });

type Verdict = 'create' | 'replace' | 'delete' | 'conflict' | 'unchanged' | 'unverified' | 'foreign' | 'legacy' | 'unmanaged';

function verdictOf(plan: Plan, name: string): Verdict {
  const change = plan.changes.find((item) => item.name === name);
  if (change) return change.action;
  if (plan.conflicts.some((item) => item.name === name)) return 'conflict';
  if (plan.unverified.some((item) => item.name === name)) return 'unverified';
  if (plan.legacy.some((item) => item.name === name)) return 'legacy';
  if (plan.unmanaged.some((item) => item.name === name)) return 'unmanaged';
  if (plan.foreign.some((group) => group.names.includes(name))) return 'foreign';
  return 'unchanged';
}

async function planJson(current: World, extra: string[] = []): Promise<Plan> {
  const result = await current.run(['plan', '--format', 'json', ...extra]);
  return JSON.parse(result.stdout) as Plan;
}

/** A repository that applied team-a-1 and team-a-2; returns team-a-1's explanation as created (marker included). */
async function appliedRepository(ownership: WorldOwnership): Promise<{ current: World; markedExplanation: string }> {
  const current = await startWorld({ ownership, owner: 'team-a' });
  await current.writeManifest('aws.yaml', [bucket('team-a-1'), bucket('team-a-2')]);
  const applied = await current.run(['apply', '--auto-approve']);
  expect(applied.code, applied.stderr).toBe(0);
  const original = current.sim.exceptions().find((item) => item.name === 'team-a-1')!;
  return { current, markedExplanation: original.explanation };
}

/** Deletes team-a-1 in the UI and makes a broader one of that name with `explanation`. */
function replaceInUi(current: World, explanation: string): void {
  current.sim.deleteExceptionAsUi(current.sim.exceptions().find((item) => item.name === 'team-a-1')!.uuid);
  current.sim.createExceptionAsUi({ ...broader('team-a-1'), explanation });
}

for (const ownership of ['signed', 'unsigned'] as const) {
  const withKey = ownership === 'signed' ? 'with a key' : 'without a key (no git)';

  describe(`UI-made markers, ${withKey}`, () => {
    it('a typed marker on a UI-made exception never makes it deletable', async () => {
      ({ current: world } = await appliedRepository(ownership));
      const typed = {
        'ui-typed-local': 'Accepted.\n\n[cvex:team-a 0123456789abcdef local]',
        'ui-typed-commit': 'Accepted.\n\n[cvex:team-a 0123456789abcdef 0123456789ab]',
        'ui-typed-legacy': 'Accepted.\n\n[cvex:0123456789abcdef local]',
        'ui-typed-signed': `Accepted.\n\n[cvex:team-a 0123456789abcdef local 0123abcd.${'A'.repeat(86)}]`,
      };
      for (const [name, explanation] of Object.entries(typed)) world.sim.createExceptionAsUi({ ...bucket(name), explanation });
      const plan = await planJson(world);
      expect(Object.keys(typed).map((name) => verdictOf(plan, name))).toEqual(['unverified', 'unverified', 'legacy', 'unverified']);
      expect(plan.unverified.map((item) => item.reason).join(' ')).not.toBe('');

      // Emptying the repository (with --force) deletes nothing typed. Without a key and without git
      // history, nothing can vouch for this repository's own removed exceptions either: kept, listed.
      await world.writeManifest('aws.yaml', []);
      const emptied = await world.run(['apply', '--auto-approve', '--force']);
      expect(emptied.code, emptied.stderr).toBe(0);
      const kept = ownership === 'signed' ? [] : ['team-a-1', 'team-a-2'];
      expect(world.sim.exceptions().map((item) => item.name).sort()).toEqual([...kept, ...Object.keys(typed)].sort());
    });

    it('a marker copied onto another name never makes that exception deletable', async () => {
      let markedExplanation: string;
      ({ current: world, markedExplanation } = await appliedRepository(ownership));
      world.sim.createExceptionAsUi({ ...broader('ui-copy'), explanation: markedExplanation });
      const plan = await planJson(world);
      expect(verdictOf(plan, 'ui-copy')).toBe('unverified');
      await world.writeManifest('aws.yaml', []);
      expect((await world.run(['apply', '--auto-approve', '--force'])).code).toBe(0);
      expect(world.sim.exceptions().map((item) => item.name)).toEqual(ownership === 'signed' ? ['ui-copy'] : ['team-a-1', 'team-a-2', 'ui-copy']);
    });

    it('a forged fingerprint that is not the manifest\'s is a conflict on a declared name, never a delete', async () => {
      ({ current: world } = await appliedRepository(ownership));
      replaceInUi(world, 'Why team-a-1 is accepted.\n\n[cvex:team-a 0123456789abcdef local]');
      world.sim.createExceptionAsUi({ ...broader('ui-forged'), explanation: 'x\n\n[cvex:team-a fedcba9876543210 local]' });
      const plan = await planJson(world, ['--sample-details', '20']);
      expect(verdictOf(plan, 'team-a-1')).toBe('conflict');
      expect(verdictOf(plan, 'ui-forged')).toBe('unverified');
      expect(plan.conflicts[0].message).toContain('does not verify');
    });

    it('a copied marker or the manifest\'s own fingerprint on a broader exception of the same name is drift, never "unchanged" in the drift plan', async () => {
      let markedExplanation: string;
      ({ current: world, markedExplanation } = await appliedRepository(ownership));
      replaceInUi(world, markedExplanation);
      const forgedFingerprint = `Why team-a-2 is accepted.\n\n[cvex:team-a ${fingerprintSpec(bucket('team-a-2'))} local]`;
      world.sim.deleteExceptionAsUi(world.sim.exceptions().find((item) => item.name === 'team-a-2')!.uuid);
      world.sim.createExceptionAsUi({ ...broader('team-a-2'), explanation: forgedFingerprint });

      world.sim.resetCounters();
      const drift = await planJson(world, ['--sample-details', '20']);
      expect(exceptionRequests(world.sim).byRoute).toEqual({ 'exceptions.list': 1, 'exceptions.get': ownership === 'signed' ? 1 : 2 });
      expect(verdictOf(drift, 'team-a-1')).toBe('replace');
      expect(drift.changes.find((change) => change.name === 'team-a-1')).toMatchObject({ sampled: true, cause: 'edited-out-of-band' });
      // With a key, a fingerprint typed without the signature does not verify at all; without one it is caught like a copy.
      expect(verdictOf(drift, 'team-a-2')).toBe(ownership === 'signed' ? 'conflict' : 'replace');
      expect(drift.summary.unchanged).toBe(0);
      const text = await world.run(['plan', '--sample-details', '20']);
      expect(text.stdout).toContain('found by the drift sample');

      // Applying with the same sample puts back exactly what the repository says (with a key the
      // unsigned forgery stays a conflict: apply refuses until someone looks at it).
      // Two replaces of a handful lift exemptions: a reviewed allowance, as a merge would carry.
      const applied = await world.run(['apply', '--auto-approve', '--sample-details', '20', '--allow-removals', '2']);
      expect(applied.code, applied.stderr).toBe(ownership === 'signed' ? 1 : 0);
      if (ownership === 'unsigned') {
        expect(world.sim.exceptions().every((item) => item.exceptionScope === 'RESOURCE')).toBe(true);
        expect((await world.run(['plan', '--sample-details', '20', '--detailed-exitcode'])).code).toBe(0);
      }
    });
  });
}

describe('drift sampling', () => {
  it('reads a bounded, daily slice; a copy made by another user comes first', async () => {
    // createdBy names the user only in some readings of the API (the documented one sends ""); this one does.
    world = await startWorld({ owner: 'team-a', quirks: { namedUsers: true } });
    await world.writeManifest('aws.yaml', Array.from({ length: 30 }, (_, i) => bucket(`team-a-${String(i).padStart(2, '0')}`)));
    expect((await world.run(['apply', '--auto-approve'])).code).toBe(0);
    const original = world.sim.exceptions().find((item) => item.name === 'team-a-17')!;
    world.sim.deleteExceptionAsUi(original.uuid);
    world.sim.createExceptionAsUi({ ...broader('team-a-17'), explanation: original.explanation });

    world.sim.resetCounters();
    const plain = await planJson(world);
    expect(exceptionRequests(world.sim).byRoute).toEqual({ 'exceptions.list': 1 });
    expect(plain.remote.sampled).toBeUndefined();

    world.sim.resetCounters();
    const sampled = await planJson(world, ['--sample-details', '1']);
    expect(exceptionRequests(world.sim).byRoute).toEqual({ 'exceptions.list': 1, 'exceptions.get': 1 });
    expect(sampled.remote.sampled).toBe(1);
    expect(sampled.changes).toEqual([expect.objectContaining({ action: 'replace', name: 'team-a-17', sampled: true })]);
    expect(sampled.changes[0].action === 'replace' && sampled.changes[0].diffs.map((diff) => diff.field)).toEqual(['exceptionScope', 'controlIds', 'resources', 'accountIds']);

    // Nothing unusual: the slice is just the day's, and costs exactly the sample.
    expect((await world.run(['apply', '--auto-approve'])).code).toBe(0);
    world.sim.resetCounters();
    const clean = await planJson(world, ['--sample-details', '5', '--detailed-exitcode']);
    expect(clean.changes).toEqual([]);
    expect(exceptionRequests(world.sim).byRoute).toEqual({ 'exceptions.list': 1, 'exceptions.get': 5 });
    const usage = await world.run(['plan', '--sample-details', 'many']);
    expect(usage.code).toBe(2);
  });
});
