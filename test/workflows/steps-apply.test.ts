// The apply workflow on main: the environment's credentials, the audit log, the result on every
// pull request the run applied, failures reported, nothing from another branch.
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadWorkflow, runWorkflow } from './run-workflow';
import { BASE_SHA, SHA, repository, context, describeRun, everything, expectNoSecrets, SLOW, useWorld } from './steps-world';

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
    expect(apply.permissions).toEqual({ contents: 'read', 'pull-requests': 'write' });
    expect(apply.jobs.apply.secrets).toBeUndefined();
    const called = await loadWorkflow('cvex-apply.yml');
    expect(called.jobs.apply.concurrency).toEqual({ group: 'cvex-apply', 'cancel-in-progress': false });
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
    expect(job.step('apply').script).toBe(`npx --no-install cvex apply $CVEX_TARGET --auto-approve --audit-log audit.jsonl 2>&1 | tee apply.txt`);
    expect(world.simulator.exceptions().map((e) => e.name).sort()).toEqual(['team-a-prod-logs-versioning', 'team-a-prod-public-ip']);

    const audit = await readAudit(job.workspace);
    const creates = audit.filter((record) => record.operation === 'create');
    expect(creates).toHaveLength(2);
    expect(creates.every((record) => record.result === 'succeeded' && record.commit === SHA && record.actor === 'octo-reviewer')).toBe(true);
    expect(job.step('Keep the audit log')).toMatchObject({ outcome: 'success', with: { path: 'audit.jsonl', name: 'cvex-audit-4242-1', 'retention-days': '90' } });
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
});
