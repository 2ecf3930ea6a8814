// The apply workflow on main: the environment's credentials, the audit log, the result on every
// pull request the run applied, failures reported, nothing from another branch; the reviewed
// trailer that lifts the removal guards, and the apply record pushed as a git note.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { parseApplyRecords } from '../../src/audit/apply-record';
import { DEFAULT_SIM_PASSWORD } from '../../src/simulator';
import { createBareRemote, createScriptedRepo } from '../git/scripted-repo';
import { loadWorkflow, runWorkflow } from './run-workflow';
import { BASE_SHA, SHA, repository, context, describeRun, everything, expectNoSecrets, gitContext, manifest, SLOW, useWorld } from './steps-world';

const world = useWorld();

async function readAudit(workspace: string): Promise<Record<string, unknown>[]> {
  return (await readFile(path.join(workspace, 'audit.jsonl'), 'utf8'))
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('exceptions-apply.yml', SLOW, () => {
  it('calls the reusable apply from main only, and the reusable job holds the only apply lock, in qualys-production', async () => {
    const { apply } = world.workflows;
    expect(apply.on).toMatchObject({ push: { branches: ['main'] } });
    // Write access only in the apply job: the notes (refs/notes/cvex) and the comments on the pull requests.
    expect(apply.permissions).toEqual({ contents: 'read' });
    expect(apply.jobs.apply.permissions).toEqual({ contents: 'write', 'pull-requests': 'write' });
    expect(apply.jobs.apply.secrets).toBeUndefined();
    const called = await loadWorkflow('cvex-apply.yml');
    expect(called.jobs.apply.permissions).toEqual({ contents: 'write', 'pull-requests': 'write' });
    expect(called.jobs.apply.concurrency).toEqual({ group: 'cvex-apply', 'cancel-in-progress': false });
    // The whole history: it vouches for unsigned markers, carries the trailers, and starts the record's range.
    expect(called.jobs.apply.steps?.find((step) => step.uses?.startsWith('actions/checkout@'))?.with).toMatchObject({ 'fetch-depth': 0 });
    expect(called.jobs.apply.environment).toBe('${{ inputs.environment }}');
    expect((called.on.workflow_call as { inputs: Record<string, { default: unknown }> }).inputs.environment.default).toBe('qualys-production');
  });

  it('applies main with the environment\'s credentials, keeps the audit log, and reports on every pull request it applied', async () => {
    const first = world.github.addPullRequest();
    const second = world.github.addPullRequest();
    world.github.commits.push({ sha: BASE_SHA, pulls: [] }, { sha: 'aaaa000000000000000000000000000000000001', pulls: [first] }, { sha: SHA, pulls: [second] });
    const run = await runWorkflow(world.workflows.apply, context('push', { [SHA]: repository() }, { before: BASE_SHA, after: SHA }));
    expect(run.status, describeRun(run)).toBe('success');
    const job = run.job('apply');
    expect(job.environment).toBe('qualys-production');
    expect(job.step('apply').script).toContain(
      'npx --no-install cvex apply $CVEX_TARGET --auto-approve --audit-log audit.jsonl --report apply-report.json --time-limit 55m "${range[@]}" 2>&1 | tee apply.txt',
    );
    expect(job.step('apply').script).toContain('range=(--commits "$BEFORE..$AFTER")');
    expect(job.step('apply').env).toMatchObject({ BEFORE: BASE_SHA, AFTER: SHA });
    expect(world.simulator.exceptions().map((e) => e.name).sort()).toEqual(['team-a-prod-logs-versioning', 'team-a-prod-public-ip']);

    const audit = await readAudit(job.workspace);
    const creates = audit.filter((record) => record.operation === 'create');
    expect(creates).toHaveLength(2);
    expect(creates.every((record) => record.result === 'succeeded' && record.commit === SHA && record.actor === 'octo-reviewer')).toBe(true);
    expect(job.step('Keep the audit log')).toMatchObject({ outcome: 'success', with: { path: 'audit.jsonl\napply-report.json\n', name: 'cvex-audit-4242-1', 'retention-days': '90' } });
    const report = JSON.parse(await readFile(path.join(job.workspace, 'apply-report.json'), 'utf8'));
    expect(report).toMatchObject({ outcome: 'applied', commit: SHA, summary: { succeeded: 2, failed: 0 } });
    expect(job.summary).toMatch(/^### cvex apply: succeeded\n\n```text\n/);

    // Both pull requests of the pushed range get the result.
    for (const pr of [first, second]) {
      const [comment] = world.github.issues.get(pr)!.comments;
      expect(comment.body).toContain('### cvex apply: applied');
      expect(comment.body).toContain('2 created, 0 replaced, 0 deleted, 0 failed');
      expect(comment.body).toContain('| ✅ created | `team-a-prod-public-ip` |');
    }
    expectNoSecrets(everything(run), await readFile(path.join(job.workspace, 'audit.jsonl'), 'utf8'));

    // Applying the same commit again changes nothing.
    const again = await runWorkflow(world.workflows.apply, context('workflow_dispatch', { [SHA]: repository() }));
    expect(again.status, describeRun(again)).toBe('success');
    expect(world.simulator.exceptions()).toHaveLength(2);
  });

  it('a failed apply is a failed job, reported as FAILED on the pull request, the audit log still kept', async () => {
    const pr = world.github.addPullRequest();
    world.github.commits.push({ sha: SHA, pulls: [pr] });
    world.simulator.injectFault({ route: 'exceptions.create', kind: '500' });
    const run = await runWorkflow(world.workflows.apply, context('workflow_dispatch', { [SHA]: repository() }));
    expect(run.status).toBe('failure');
    const job = run.job('apply');
    expect(job.step('apply').outcome).toBe('failure');
    expect(job.summary).toMatch(/^### cvex apply: FAILED\n/);
    expect(job.step('Keep the audit log').outcome).toBe('success');
    // The record is pushed even when the apply failed (here no git checkout: nothing to push, and the step says so).
    expect(job.step('Push the apply record').outcome).not.toBe('skipped');
    expect((await readAudit(job.workspace)).some((record) => record.result === 'failed')).toBe(true);
    const [comment] = world.github.issues.get(pr)!.comments;
    expect(comment.body).toContain('### cvex apply: FAILED');
    expect(comment.body).toMatch(/❌ create failed/);
  });

  it('a run by hand from another branch applies nothing', async () => {
    const run = await runWorkflow(world.workflows.apply, { ...context('workflow_dispatch', { [SHA]: repository() }), ref: 'refs/heads/feature' });
    expect(run.job('apply').status).toBe('skipped');
    expect(world.simulator.counters().total).toBe(0);
  });

  describe('in a git checkout of origin', () => {
    const cleanups: (() => Promise<void>)[] = [];
    afterEach(async () => {
      for (const cleanup of cleanups.splice(0)) await cleanup();
    });

    async function policyRepository() {
      const origin = await createBareRemote();
      const author = await createScriptedRepo({ bare: origin.dir });
      cleanups.push(() => author.close(), () => origin.close());
      const push = async () => author.git(['push', '--quiet', 'origin', 'main']);
      const notes = async (commit: string) => parseApplyRecords(await promisify(execFile)('git', ['notes', '--ref=refs/notes/cvex', 'show', commit], { cwd: origin.dir }).then((result) => result.stdout));
      return { origin, author, push, notes };
    }

    it('renewing every exception at once needs a reviewed Cvex-Allow-Removals trailer in the pushed commits; each apply is recorded in git notes', async () => {
      const { origin, author, push, notes } = await policyRepository();
      const first = await author.commit('Two exceptions', { ...repository(), '.gitignore': 'node_modules/\n' });
      await push();
      world.github.commits.push({ sha: first, pulls: [] });
      const created = await runWorkflow(world.workflows.apply, gitContext('push', origin.dir, first, { before: '0000000000000000000000000000000000000000', after: first }));
      expect(created.status, describeRun(created)).toBe('success');
      expect(created.job('apply').step('apply').script).toContain('range=(--commits');
      expect(created.job('apply').step('apply').stdout).toContain('Recorded in git: a note on');
      expect(created.job('apply').step('Push the apply record').stdout).toBe('Pushed refs/notes/cvex to origin.\n');
      const [record] = await notes(first);
      expect(record).toMatchObject({ commit: first, actor: 'octo-reviewer', outcome: 'succeeded', summary: { succeeded: 2, failed: 0 } });
      expect(JSON.stringify(record)).not.toContain(DEFAULT_SIM_PASSWORD);

      // Both end dates moved: two replaces of two managed exceptions, over the removal guards.
      const renewed = manifest().replace(/endDate: "(\d{4}-\d{2}-\d{2})"/g, (_match, day: string) => `endDate: "${day.slice(0, 8)}28"`);
      const unreviewed = await author.commit('Renew both', { 'policies/aws.yaml': renewed });
      await push();
      world.github.commits.push({ sha: unreviewed, pulls: [] });
      const refused = await runWorkflow(world.workflows.apply, gitContext('push', origin.dir, unreviewed, { before: first, after: unreviewed }));
      expect(refused.status).toBe('failure');
      expect(refused.job('apply').step('apply').stdout).toContain('Cvex-Allow-Removals: 2');
      expect(JSON.parse(await readFile(path.join(refused.job('apply').workspace, 'apply-report.json'), 'utf8'))).toMatchObject({ outcome: 'refused' });

      // The merge of the reviewed pull request carries the trailer; the run covers both pushed commits.
      const reviewed = await author.commit('Merge pull request #12\n\nCvex-Allow-Removals: 2', {});
      await push();
      const pr = world.github.addPullRequest();
      world.github.commits.push({ sha: reviewed, pulls: [pr] });
      const run = await runWorkflow(world.workflows.apply, gitContext('push', origin.dir, reviewed, { before: first, after: reviewed }));
      const job = run.job('apply');
      expect(run.status, describeRun(run)).toBe('success');
      expect(job.step('apply').stdout).toContain('lifted by the reviewed trailer');
      expect((await readAudit(job.workspace)).find((entry) => entry.operation === 'liftGuards')).toMatchObject({ lifted: { by: 'trailer', allowRemovals: 2, commit: reviewed } });
      expect(job.step('Fetch the apply records').stdout).toContain('Fetched refs/notes/cvex from origin');
      const [renewal] = await notes(reviewed);
      expect(renewal).toMatchObject({ range: { from: first, to: reviewed }, lifted: [expect.objectContaining({ by: 'trailer', allowRemovals: 2 })] });
      expect(renewal.changes.map((change) => [change.action, change.name, change.result])).toEqual([
        ['replace', 'team-a-prod-logs-versioning', 'succeeded'],
        ['replace', 'team-a-prod-public-ip', 'succeeded'],
      ]);
      // The pull request hears how its guard was lifted.
      const [comment] = world.github.issues.get(pr)!.comments;
      expect(comment.body).toContain('0 created, 2 replaced, 0 deleted, 0 failed');
      expect(comment.body).toContain('The removal guards were lifted by the reviewed trailer `Cvex-Allow-Removals: 2`');
    });

    it('a shallow checkout (no fetch-depth: 0) cannot vouch for unsigned markers: conflicts, nothing replaced', async () => {
      const { origin, author, push } = await policyRepository();
      const first = await author.commit('Two exceptions', { ...repository(), '.gitignore': 'node_modules/\n' });
      await push();
      expect((await runWorkflow(world.workflows.apply, gitContext('push', origin.dir, first))).status).toBe('success');
      await author.commit('Renew both', { 'policies/aws.yaml': manifest().replace(/endDate: "(\d{4}-\d{2}-\d{2})"/g, (_match, day: string) => `endDate: "${day.slice(0, 8)}28"`) });
      const reviewed = await author.commit('Merge pull request #12\n\nCvex-Allow-Removals: 2', {});
      await push();
      const apply = await loadWorkflow('cvex-apply.yml');
      const steps = apply.jobs.apply.steps!.map((step) => (step.uses?.startsWith('actions/checkout@') ? { ...step, with: { 'persist-credentials': false } } : step));
      const shallow = { ...apply, jobs: { apply: { ...apply.jobs.apply, steps } } };
      const names = () => world.simulator.exceptions().map((exception) => exception.uuid).sort();
      const before = names();
      const run = await runWorkflow(world.workflows.apply, gitContext('push', origin.dir, reviewed, { before: first, after: reviewed }), { reusable: { 'cvex-apply.yml': shallow } });
      expect(run.status).toBe('failure');
      // Without markerKeys only the history vouches for the markers: a shallow clone cannot, so nothing is ours to replace.
      expect(run.job('apply').step('apply').stdout).toContain("is not in this clone's history (a shallow clone? fetch the full history)");
      expect(names()).toEqual(before);
    });
  });
});
