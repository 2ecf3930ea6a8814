// The plan workflow on pull requests: base branch's tool, read-only user, one sticky comment, validation only
// where a pull request may not plan (target changed, forks, Dependabot), the version check.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SIM_USER } from '../../src/simulator';
import { loadWorkflow, runWorkflow, type Workflow } from './run-workflow';
import { BASE_SHA, SHA, PLAN_MARKER, repository, context, pullRequestEvent, describeRun, everything, expectNoSecrets, SLOW, useWorld } from './steps-world';

const world = useWorld();

describe('exceptions-plan.yml', SLOW, () => {
  it('is least-privilege, triggered by changes to the manifests, and passes the read-only credentials only', () => {
    const { plan } = world.workflows;
    expect(plan.permissions).toEqual({ contents: 'read', 'pull-requests': 'write' });
    expect(plan.on).toEqual({ pull_request: { paths: ['policies/**', 'cvex.config.yaml'] } });
    expect(plan.jobs.plan.secrets).toEqual({
      QUALYS_READ_USERNAME: '${{ secrets.QUALYS_READ_USERNAME }}',
      QUALYS_READ_PASSWORD: '${{ secrets.QUALYS_READ_PASSWORD }}',
    });
  });

  it('validates and plans with the base branch\'s cvex and the read-only user, and keeps ONE sticky comment up to date', async () => {
    const pr = world.github.addPullRequest();
    const event = pullRequestEvent(pr);
    // main declares nothing yet; the pull request adds two exceptions.
    const empty = { ...repository(), 'policies/aws.yaml': 'exceptions: []\n' };
    const first = await runWorkflow(world.workflows.plan, context('pull_request', { [BASE_SHA]: empty, [SHA]: repository() }, event));
    expect(first.status, describeRun(first)).toBe('success');
    const job = first.job('plan');
    // The tool is installed from the base checkout only; the pull request's folder has no node_modules.
    expect(job.step('Install cvex from the base branch').cwd).toBe(path.join(job.workspace, 'base'));
    expect(existsSync(path.join(job.workspace, 'head', 'node_modules'))).toBe(false);
    expect(job.step('validate').script).toBe('npx --no-install --prefix "$GITHUB_WORKSPACE/base" cvex validate --format github');
    expect(job.step('plan').env).toMatchObject({ QUALYS_USERNAME: DEFAULT_SIM_USER, CVEX_TARGET: `--api-url=${world.simulator.url}` });
    expect(job.secretNames.sort()).toEqual(['QUALYS_READ_PASSWORD', 'QUALYS_READ_USERNAME']);
    expect(job.environment).toBeUndefined();

    const planMarkdown = await readFile(path.join(job.workspace, 'head', 'plan.md'), 'utf8');
    expect(planMarkdown).toMatch(/^### cvex plan: /);
    // Each change links to its line at the planned commit; the comment names the artifact and ends with what a merge does.
    expect(planMarkdown).toContain(`[policies/aws.yaml:8](https://github.example/acme/exceptions/blob/${SHA}/policies/aws.yaml#L8)`);
    expect(planMarkdown).toContain(`the artifact \`cvex-plan-${pr}-4242-1\` of this run`);
    expect(planMarkdown.trim().split('\n').at(-1)).toMatch(/^\*\*Merging applies these changes\*\* to `http:\/\/127\.0\.0\.1:\d+`: 2 to create, 0 to replace, 0 to delete\. The apply workflow plans the whole repository again/);
    // Only what the pull request changes, each read by name: one listing request per exception.
    expect(planMarkdown).toMatch(/Changed since origin\/main \\\([0-9a-f]{12}\\\): these 2 changes, plus whatever the full plan finds/);
    expect(world.simulator.counters().byRoute['exceptions.list']).toBe(2);
    expect(job.step('Keep the plan')).toMatchObject({ outcome: 'success', with: { name: `cvex-plan-${pr}-4242-1`, 'retention-days': '30' } });
    const savedPlan = JSON.parse(await readFile(path.join(job.workspace, 'head', 'plan.json'), 'utf8'));
    expect(savedPlan.summary).toMatchObject({ create: 2, delete: 0, replace: 0 });

    const comments = () => world.github.issues.get(pr)!.comments.filter((comment) => comment.body.includes(PLAN_MARKER));
    expect(comments()).toHaveLength(1);
    const [comment] = comments();
    expect(comment.body.startsWith(`${PLAN_MARKER}\n`)).toBe(true);
    expect(comment.body).toContain(planMarkdown.trim());
    expect(comment.body).toContain('[workflow run](https://github.example/acme/exceptions/actions/runs/4242)');
    expect(job.summary).toContain(planMarkdown.trim());
    expectNoSecrets(planMarkdown, comment.body, everything(first));
    // A plan sends nothing that changes the account.
    expect(world.simulator.exceptions()).toEqual([]);

    // Next push: the same comment is edited, not a new one posted.
    const second = await runWorkflow(world.workflows.plan, context('pull_request', { [BASE_SHA]: empty, [SHA]: repository({ extra: true }) }, event));
    expect(second.status, describeRun(second)).toBe('success');
    expect(comments()).toHaveLength(1);
    expect(comments()[0].id).toBe(comment.id);
    expect(comments()[0].body).toContain('team-a-prod-versioning-all');

    // A push that breaks a manifest: errors inline, nothing sent, the comment says there is no plan.
    world.simulator.resetCounters();
    const third = await runWorkflow(world.workflows.plan, context('pull_request', { [BASE_SHA]: empty, [SHA]: repository({ invalid: true }) }, event));
    expect(third.status).toBe('failure');
    expect(third.job('plan').step('validate')).toMatchObject({ outcome: 'failure' });
    expect(third.job('plan').step('validate').stdout).toMatch(/^::error file=policies\/aws\.yaml,line=\d+/m);
    expect(third.job('plan').step('plan').outcome).toBe('skipped');
    expect(world.simulator.counters().total).toBe(0);
    expect(comments()).toHaveLength(1);
    expect(comments()[0].body).toContain('No plan: the manifests did not validate');
    expect(comments()[0].body).not.toContain('team-a-prod-versioning-all');
  });

  it('a pull request that changes the target gets validation only: no credentials go to it', async () => {
    const pr = world.github.addPullRequest();
    const head = repository({ config: 'version: 1\nowner: team-a\nrepository: acme/exceptions\ntimezone: UTC\napiUrl: https://collector.example\n' });
    const run = await runWorkflow(world.workflows.plan, context('pull_request', { [BASE_SHA]: repository(), [SHA]: head }, pullRequestEvent(pr)));
    expect(run.status, describeRun(run)).toBe('success');
    expect(run.job('plan').step('validate').outcome).toBe('success');
    expect(run.job('plan').step('plan').outcome).toBe('skipped');
    expect(world.simulator.counters().total).toBe(0);
    const [comment] = world.github.issues.get(pr)!.comments;
    expect(comment.body).toContain('No plan: this pull request changes the target');
  });

  it('fork and Dependabot pull requests: validation only, with a clear note, no secrets used, nothing posted', async () => {
    for (const event of [pullRequestEvent(world.github.addPullRequest(), { fork: true }), pullRequestEvent(world.github.addPullRequest(), { user: 'dependabot[bot]' })]) {
      const run = await runWorkflow(world.workflows.plan, context('pull_request', { [BASE_SHA]: repository(), [SHA]: repository() }, event));
      expect(run.status, describeRun(run)).toBe('success');
      const job = run.job('plan');
      expect(job.step('validate').outcome).toBe('success');
      expect(job.step('plan').outcome).toBe('skipped');
      expect(job.step('Post the plan as one sticky comment').outcome).toBe('skipped');
      expect(job.step('Fork or Dependabot pull request - validation only').stdout).toMatch(/^::notice title=cvex plan skipped::Pull requests from forks and from Dependabot get validation only/m);
      expect(job.summary).toContain('### cvex plan skipped (fork or Dependabot pull request)');
    }
    expect(world.simulator.counters().total).toBe(0);
    expect(world.github.requests).toEqual([]);
  });

  it('refuses a cvex of another version than the workflow, before anything runs', async () => {
    const called = await loadWorkflow('cvex-plan.yml');
    const older: Workflow = { ...called, env: { ...called.env, CVEX_WORKFLOW_VERSION: '0.0.1' } };
    const pr = world.github.addPullRequest();
    const run = await runWorkflow(world.workflows.plan, context('pull_request', { [BASE_SHA]: repository(), [SHA]: repository() }, pullRequestEvent(pr)), {
      reusable: { 'cvex-plan.yml': older },
    });
    expect(run.status).toBe('failure');
    expect(run.job('plan').step('Check the cvex version').stdout).toMatch(/::error title=cvex version mismatch::The base branch installs cvex \d+\.\d+\.\d+, but this workflow is cvex 0\.0\.1/);
    expect(run.job('plan').step('validate').outcome).toBe('skipped');
    expect(world.simulator.counters().total).toBe(0);
  });
});
