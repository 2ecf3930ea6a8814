// cvex plan / apply end to end: the real client against the simulator over loopback.
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Plan } from '../../src/reconcile/types';
import { awsException, exceptionRequests, manyExceptions, signalController, startWorld, type World } from '../reconcile/e2e-harness';

let world: World;
beforeEach(async () => {
  world = await startWorld();
});
afterEach(async () => {
  await world.close();
});

async function planJson(extra: string[] = []): Promise<Plan> {
  const result = await world.run(['plan', '--format', 'json', ...extra]);
  expect(result.stderr).not.toContain('error');
  return JSON.parse(result.stdout) as Plan;
}

const actions = (plan: Plan) => plan.changes.map((change) => `${change.action}:${change.name}`);

describe('cvex plan / apply', () => {
  it('creates, then plans no changes', async () => {
    await world.writeManifest('aws.yaml', [awsException('team-a-one'), awsException('team-a-two')]);
    const first = await world.run(['plan', '--detailed-exitcode']);
    expect(first.code).toBe(2);
    expect(first.stdout).toContain('+  team-a-one');
    expect(first.stdout).toContain('Plan: 2 to create, 0 to replace, 0 to delete, 0 unchanged.');
    expect(world.sim.exceptions()).toHaveLength(0);

    const applied = await world.run(['apply', '--auto-approve']);
    expect(applied.code).toBe(0);
    expect(applied.stdout).toMatch(/\[1\/2\] \+ created team-a-/);
    expect(applied.stdout).toContain('Apply complete: 2 succeeded, 0 failed.');
    const remote = world.sim.exceptions();
    expect(remote.map((item) => item.name).sort()).toEqual(['team-a-one', 'team-a-two']);
    // The marker: owner, fingerprint, a pointer back to the commit ('local' outside git), the signature.
    expect(remote[0].explanation).toMatch(new RegExp(`\\n\\n\\[cvex:e2e [0-9a-f]{16} local ${world.key!.id}\\.[A-Za-z0-9_-]{86}\\]$`));

    const again = await world.run(['plan', '--detailed-exitcode']);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('No changes. 2 exceptions match the repository.');
  });

  it('carries the commit from GITHUB_SHA into the marker and the audit log', async () => {
    await world.writeManifest('aws.yaml', [awsException('team-a-one')]);
    const sha = '0123456789abcdef0123456789abcdef01234567';
    const result = await world.run(['apply', '--auto-approve', '--audit-log', 'audit.jsonl'], { env: { GITHUB_SHA: sha, GITHUB_ACTOR: 'octocat' } });
    expect(result.code).toBe(0);
    expect(world.sim.exceptions()[0].explanation).toContain('[cvex:');
    expect(world.sim.exceptions()[0].explanation).toMatch(/ 0123456789ab [0-9a-f]{8}\.[A-Za-z0-9_-]{86}\]$/);
    const records = (await readFile(path.join(world.dir, 'audit.jsonl'), 'utf8')).trim().split('\n').map((line) => JSON.parse(line));
    expect(records).toEqual([
      // Written before the first change: the proof that the log takes a real record.
      { time: expect.any(String), operation: 'applyStarted', commit: sha, actor: 'octocat', target: world.sim.url, changes: 1 },
      expect.objectContaining({ operation: 'create', name: 'team-a-one', uuidBefore: null, uuidAfter: world.sim.exceptions()[0].uuid, result: 'succeeded', commit: sha, actor: 'octocat' }),
    ]);
    expect(JSON.stringify(records)).not.toContain('cvex-demo-password');
  });

  it('replaces an exception edited in the repository, showing old → new', async () => {
    await world.writeManifest('aws.yaml', [awsException('team-a-one'), awsException('team-a-two')]);
    expect((await world.run(['apply', '--auto-approve'])).code).toBe(0);
    const before = world.sim.exceptions().find((item) => item.name === 'team-a-one')!;

    await world.writeManifest('aws.yaml', [awsException('team-a-one', { endDate: '2027-03-31', controlIds: [1] }), awsException('team-a-two')]);
    const text = await world.run(['plan']);
    expect(text.stdout).toContain('-/+ team-a-one');
    expect(text.stdout).toContain('the exemption is lifted between delete and create; the uuid changes');
    expect(text.stdout).toContain('endDate: "2027-04-30" → "2027-03-31"');
    // No git history in this folder to show the controls the list does not carry; no detail read for them.
    expect(text.stdout).toMatch(/old values not shown \(fingerprint [0-9a-f]{16} → [0-9a-f]{16}\)/);
    world.sim.resetCounters();
    const plan = await planJson();
    expect(world.sim.counters().byRoute).toEqual({ 'exceptions.list': 1, 'connectors.list': 1, 'evaluations.summary': 1, 'evaluations.list': 1 });
    expect(plan.summary).toEqual({ create: 0, delete: 0, replace: 1, unchanged: 1 });
    expect(plan.changes[0]).toMatchObject({ action: 'replace', cause: 'changed-in-repo', uuid: before.uuid, oldValuesFrom: 'list' });

    const applied = await world.run(['apply', '--auto-approve']);
    expect(applied.code).toBe(0);
    const after = world.sim.exceptions().find((item) => item.name === 'team-a-one')!;
    expect(after.uuid).not.toBe(before.uuid);
    expect(after).toMatchObject({ endDate: '2027-03-31', controlIds: [1] });
    expect(world.sim.exceptions()).toHaveLength(2);
    expect((await world.run(['plan', '--detailed-exitcode'])).code).toBe(0);
  });

  it('deletes an exception removed from the repository', async () => {
    await world.writeManifest('aws.yaml', [awsException('team-a-one'), awsException('team-a-two')]);
    await world.run(['apply', '--auto-approve']);
    await world.writeManifest('aws.yaml', [awsException('team-a-one')]);
    const plan = await planJson();
    expect(actions(plan)).toEqual(['delete:team-a-two']);
    world.sim.resetCounters();
    expect((await world.run(['apply', '--auto-approve'])).code).toBe(0);
    expect(world.sim.counters().byRoute['exceptions.delete']).toBe(1);
    expect(world.sim.exceptions().map((item) => item.name)).toEqual(['team-a-one']);
  });

  it('never touches an exception made in the Qualys UI, and reports a name clash as a conflict', async () => {
    const uiUuid = world.sim.createExceptionAsUi(awsException('made-in-ui'));
    await world.writeManifest('aws.yaml', [awsException('team-a-one')]);
    const plan = await planJson();
    expect(actions(plan)).toEqual(['create:team-a-one']);
    expect(plan.unmanaged).toEqual([{ uuid: uiUuid, name: 'made-in-ui', state: 'ACTIVE' }]);
    expect((await world.run(['apply', '--auto-approve'])).code).toBe(0);
    expect(world.sim.exceptions().some((item) => item.uuid === uiUuid)).toBe(true);

    // Removing everything from the repository still leaves the UI's exception alone.
    await world.writeManifest('aws.yaml', []);
    expect(actions(await planJson())).toEqual(['delete:team-a-one']);

    await world.writeManifest('aws.yaml', [awsException('team-a-one'), awsException('made-in-ui', { endDate: '2027-01-31' })]);
    const clash = await world.run(['plan']);
    expect(clash.code).toBe(1);
    expect(clash.stdout).toContain('Conflicts');
    expect(clash.stdout).toContain('cvex import');
    const refused = await world.run(['apply', '--auto-approve']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('conflicts');
    expect(world.sim.exceptions().find((item) => item.uuid === uiUuid)?.endDate).toBe('2027-04-30');
  });

  it('lets a config glob claim exceptions made elsewhere', async () => {
    world.sim.createExceptionAsUi(awsException('team-b-legacy'));
    world.sim.createExceptionAsUi(awsException('other-team'));
    await world.writeConfig({ manage: ['team-b-*'] });
    await world.writeManifest('aws.yaml', [awsException('team-b-legacy')]);
    const plan = await planJson();
    expect(plan.summary).toEqual({ create: 0, delete: 0, replace: 0, unchanged: 1 });
    expect(plan.unmanaged.map((item) => item.name)).toEqual(['other-team']);
    await world.writeManifest('aws.yaml', []);
    expect(actions(await planJson())).toEqual(['delete:team-b-legacy']);
  });

  it('detects an out-of-band edit in the UI and puts it back', async () => {
    await world.writeManifest('aws.yaml', [awsException('team-a-one'), awsException('team-a-two')]);
    await world.run(['apply', '--auto-approve']);
    const edited = world.sim.exceptions().find((item) => item.name === 'team-a-two')!;
    const later = Date.now() + 3_600_000;
    world.sim.setNow(() => new Date(later));
    world.sim.editExceptionAsUi(edited.uuid, { endDate: '2027-12-31' });

    world.sim.resetCounters();
    const plan = await planJson();
    expect(exceptionRequests(world.sim).byRoute).toEqual({ 'exceptions.list': 1, 'exceptions.get': 1 });
    expect(plan.changes).toEqual([
      expect.objectContaining({ action: 'replace', name: 'team-a-two', cause: 'edited-out-of-band', diffs: [{ field: 'endDate', before: '2027-12-31', after: '2027-04-30' }] }),
    ]);
    const text = await world.run(['plan']);
    expect(text.stdout).toContain('edited in the Qualys UI');

    expect((await world.run(['apply', '--auto-approve'])).code).toBe(0);
    expect(world.sim.exceptions().find((item) => item.name === 'team-a-two')).toMatchObject({ endDate: '2027-04-30' });
    expect((await world.run(['plan', '--detailed-exitcode'])).code).toBe(0);
  });

  it('applies a saved plan when planning again gives exactly it, and refuses a stale one', async () => {
    await world.writeManifest('aws.yaml', [awsException('team-a-one'), awsException('team-a-two')]);
    expect((await world.run(['plan', '--out', 'plan.json'])).code).toBe(0);
    const saved = JSON.parse(await readFile(path.join(world.dir, 'plan.json'), 'utf8')) as Plan;
    expect(saved.version).toBe(1);
    expect(saved.scope).toEqual({ kind: 'full' });
    expect(JSON.stringify(saved)).not.toContain('cvex-demo-password');

    // The repository moves on after the plan: the file no longer matches the manifests, and is refused.
    await world.writeManifest('aws.yaml', [awsException('team-a-one')]);
    const moved = await world.run(['apply', '--plan', 'plan.json']);
    expect(moved.code).toBe(1);
    expect(moved.stderr).toContain('the file would create "team-a-two"; a fresh plan does not');
    expect(world.sim.exceptions()).toEqual([]);

    await world.writeManifest('aws.yaml', [awsException('team-a-one'), awsException('team-a-two')]);
    const applied = await world.run(['apply', '--plan', 'plan.json']);
    expect(applied.code, applied.stderr).toBe(0);
    expect(world.sim.exceptions().map((item) => item.name).sort()).toEqual(['team-a-one', 'team-a-two']);
    await world.writeManifest('aws.yaml', [awsException('team-a-one')]);

    // Plan the removal, then someone edits a managed exception in the UI: the plan is stale.
    await world.run(['plan', '--out', 'plan2.json']);
    const later = Date.now() + 3_600_000;
    world.sim.setNow(() => new Date(later));
    world.sim.editExceptionAsUi(world.sim.exceptions()[0].uuid, { explanation: 'edited in the UI' });
    world.sim.resetCounters();
    const stale = await world.run(['apply', '--plan', 'plan2.json']);
    expect(stale.code).toBe(1);
    expect(stale.stderr).toContain('stale');
    // Planning again: one listing (the edit removed the marker: no detail to read), nothing written.
    expect(stale.stderr).toContain('a fresh plan meets a conflict');
    expect(exceptionRequests(world.sim).byRoute).toEqual({ 'exceptions.list': 1 });
    expect(world.sim.exceptions()).toHaveLength(2);
  });

  it('refuses a damaged plan file', async () => {
    await world.writeManifest('aws.yaml', [awsException('team-a-one')]);
    await world.run(['plan', '--out', 'plan.json']);
    const file = path.join(world.dir, 'plan.json');
    const plan = JSON.parse(await readFile(file, 'utf8'));
    plan.changes[0].action = 'upsert';
    await import('node:fs/promises').then((fs) => fs.writeFile(file, JSON.stringify(plan)));
    const result = await world.run(['apply', '--plan', 'plan.json']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('not a valid plan');
    expect(world.sim.exceptions()).toHaveLength(0);
  });

  it('refuses more deletes than the threshold without --force', async () => {
    await world.writeManifest('aws.yaml', manyExceptions(12));
    await world.run(['apply', '--auto-approve']);
    await world.writeManifest('aws.yaml', []);
    const plan = await planJson();
    expect(plan.safety).toMatchObject({ deletes: 12, exceedsMaxDeletes: true, blocked: true });
    expect(plan.warnings.map((warning) => warning.code)).toContain('safety.threshold');
    const refused = await world.run(['apply', '--auto-approve']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('--force');
    expect(world.sim.exceptions()).toHaveLength(12);

    // 4 of 12 is within --max-deletes but more than 25% of the managed exceptions.
    await world.writeManifest('aws.yaml', manyExceptions(8));
    expect((await world.run(['apply', '--auto-approve'])).code).toBe(1);
    expect((await world.run(['apply', '--auto-approve', '--max-delete-percent', '50'])).code).toBe(0);
    expect(world.sim.exceptions()).toHaveLength(8);

    await world.writeManifest('aws.yaml', []);
    world.sim.resetCounters();
    expect((await world.run(['apply', '--auto-approve', '--force'])).code).toBe(0);
    expect(world.sim.exceptions()).toHaveLength(0);
    expect(world.sim.counters().byRoute['exceptions.delete']).toBe(1);
  });

  it('asks for confirmation on a terminal and refuses without one', async () => {
    await world.writeManifest('aws.yaml', [awsException('team-a-one')]);
    const noTty = await world.run(['apply']);
    expect(noTty.code).toBe(1);
    expect(noTty.stderr).toContain('--auto-approve');
    const declined = await world.run(['apply'], { prompt: async () => 'no' });
    expect(declined.code).toBe(1);
    expect(world.sim.exceptions()).toHaveLength(0);
    const questions: string[] = [];
    const accepted = await world.run(['apply'], { prompt: async (question) => (questions.push(question), 'yes') });
    expect(accepted.code).toBe(0);
    expect(questions[0]).toContain('Apply 1 changes');
    expect(world.sim.exceptions()).toHaveLength(1);
  });

  it('stops starting changes on Ctrl-C, reports, and converges on the next run', async () => {
    await world.writeManifest('aws.yaml', manyExceptions(8));
    const stop = signalController('SIGINT');
    const interrupted = await world.run(['apply', '--auto-approve'], { signal: stop.signal, onStdout: (text) => text.includes('[1/8]') && stop.interrupt() });
    expect(interrupted.code).toBe(130);
    // The two calls already in flight finish and are reported; nothing else starts.
    expect(interrupted.stdout).toContain('Apply interrupted: 2 succeeded, 0 failed, 6 not started (interrupted).');
    expect(world.sim.exceptions()).toHaveLength(2);
    expect((await world.run(['apply', '--auto-approve'])).code).toBe(0);
    expect(world.sim.exceptions()).toHaveLength(8);
  });

  it('sends nothing when a manifest is invalid', async () => {
    await world.writeManifest('aws.yaml', [{ ...awsException('team-a-one'), cloudType: 'ORACLE' as never }]);
    world.sim.resetCounters();
    const result = await world.run(['plan']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('nothing was sent');
    expect(world.sim.counters().total).toBe(0);
  });

  it('blocks on governance rules from the config before anything is sent', async () => {
    await world.writeConfig({ governance: { namePattern: '^team-[a-z]+-' } });
    await world.writeManifest('aws.yaml', [awsException('team-a-one'), awsException('Bad_Name')]);
    world.sim.resetCounters();
    const result = await world.run(['plan']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Bad_Name');
    expect(world.sim.counters().total).toBe(0);
  });

  it('renders a markdown plan that cannot inject markup or mentions', async () => {
    await world.writeManifest('aws.yaml', [awsException('team-a-<img src=x>|@admins`x`', { explanation: 'ping @security-team <script>alert(1)</script>\n| col |' })]);
    const result = await world.run(['plan', '--format', 'markdown']);
    expect(result.code).toBe(0);
    expect(result.stdout).not.toMatch(/<img|<script|@admins|@security/);
    expect(result.stdout).toContain('&lt;img src=x&gt;\\|@&#8203;admins');
  });

  it('previews and runs the applyTags stage', async () => {
    await world.writeManifest('aws.yaml', [awsException('team-a-one')], [
      { cloudType: 'AWS', regex: 'arn:aws:s3:::acme-prod.*', tagNames: ['cvex-accepted'] },
      { cloudType: 'AWS', regex: 'matches-nothing-.*', tagNames: ['cvex-accepted'] },
    ]);
    const plan = await planJson();
    expect(plan.tags[0].matchCount).toBeGreaterThan(0);
    expect(plan.tags[0].sampleResourceIds.length).toBeGreaterThan(0);
    expect(plan.tags[0].sampleResourceIds.length).toBeLessThanOrEqual(5);
    expect(plan.tags[1].matchCount).toBe(0);
    expect(plan.warnings.map((warning) => warning.code)).toContain('tags.no-match');
    world.sim.resetCounters();
    const applied = await world.run(['apply', '--auto-approve']);
    expect(applied.code).toBe(0);
    expect(applied.stdout).toContain('tagged AWS /arn:aws:s3:::acme-prod.*/');
    expect(world.sim.counters().byRoute['evaluations.applyTags']).toBe(2);
  });
});
