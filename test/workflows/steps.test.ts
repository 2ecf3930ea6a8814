// Runs each caller workflow (exceptions-plan/apply/drift.yml) with the reusable workflows it calls,
// as the runner would (same commands, same env, parsed from the YAML), against the CloudView
// simulator and a fake GitHub, in a policy repository shaped as `cvex init` writes it. Checks what
// people read (the sticky plan comment, the apply report on the pull requests, the drift issue)
// and who holds which credentials.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { localDateOf } from '../../src/model/dates';
import { DEFAULT_SIM_PASSWORD, DEFAULT_SIM_USER, type Simulator, startSimulator } from '../../src/simulator';
import { type FakeGitHub, startFakeGitHub } from './fake-github';
import { assertBuilt, type JobRun, loadWorkflow, type RunContext, runWorkflow, type Workflow, type WorkflowRun } from './run-workflow';

const BASE_SHA = 'ba5e000000000000000000000000000000000001';
const SHA = 'c0ffee0000000000000000000000000000000042';
const PLAN_MARKER = '<!-- cvex-plan -->';
const DRIFT_MARKER = '<!-- cvex-drift -->';
// Repository-level secrets a team might have left from an older setup: plan and drift never get them.
const STRAY_WRITE_PASSWORD = 'repository-level-write-password';

function daysFromToday(days: number): string {
  return localDateOf(new Date(Date.now() + days * 86_400_000), 'UTC');
}

interface ManifestOptions {
  extra?: boolean;
  invalid?: boolean;
}

function manifest({ extra = false, invalid = false }: ManifestOptions = {}): string {
  return [
    'version: 1',
    'defaults:',
    '  cloudType: AWS',
    '  exceptionReason: Risk Accepted',
    `  startDate: "${daysFromToday(-1)}"`,
    '  informationSecurityPolicy: POL-7',
    'exceptions:',
    '  - name: team-a-prod-logs-versioning',
    '    exceptionScope: RESOURCE',
    '    explanation: the log bucket needs no versioning',
    `    endDate: "${invalid ? '2026-02-30' : daysFromToday(10)}"`,
    '    controlIds: [2]',
    '    resources:',
    '      - resourceId: "arn:aws:s3:::acme-prod-logs"',
    '        accountId: "123456789012"',
    '    metadata:',
    '      owner: "@payments-team"',
    '      ticket: SEC-101',
    '  - name: team-a-prod-public-ip',
    '    exceptionScope: CONNECTOR',
    '    explanation: bastion hosts keep a public IP',
    `    endDate: "${daysFromToday(200)}"`,
    '    controlIds: [45]',
    '    accountIds: ["123456789012"]',
    ...(extra
      ? [
          '  - name: team-a-prod-versioning-all',
          '    exceptionScope: CONNECTOR',
          '    explanation: versioning is handled by backups',
          `    endDate: "${daysFromToday(90)}"`,
          '    controlIds: [2]',
          '    accountIds: ["123456789012"]',
        ]
      : []),
    'applyTags:',
    '  - cloudType: AWS',
    '    regex: "arn:aws:s3:::acme-prod-.*"',
    '    tagNames: [cvex-reviewed]',
    '',
  ].join('\n');
}

/** A policy repository at one commit, as `cvex init` lays it out. */
function repository(options: ManifestOptions & { config?: string } = {}): Record<string, string> {
  return {
    'package.json': '{ "name": "exceptions", "private": true, "devDependencies": { "@cloudview-exceptions/cvex": "0.0.0-test" } }\n',
    'package-lock.json': '{}\n',
    'cvex.config.yaml': options.config ?? 'version: 1\nowner: team-a\nrepository: acme/exceptions\ntimezone: UTC\n',
    '.github/CODEOWNERS': '/policies/ @acme/security\n/cvex.config.yaml @acme/security\n',
    'policies/aws.yaml': manifest(options),
  };
}

let simulator: Simulator;
let github: FakeGitHub;
let workflows: Record<'plan' | 'apply' | 'drift', Workflow>;

beforeAll(async () => {
  assertBuilt();
  workflows = {
    plan: await loadWorkflow('exceptions-plan.yml'),
    apply: await loadWorkflow('exceptions-apply.yml'),
    drift: await loadWorkflow('exceptions-drift.yml'),
  };
});

beforeEach(async () => {
  simulator = await startSimulator();
  github = await startFakeGitHub();
});

afterEach(async () => {
  await simulator.close();
  await github.close();
});

function context(eventName: string, commits: Record<string, Record<string, string>>, event: Record<string, unknown> = {}): RunContext {
  return {
    eventName,
    event,
    ref: eventName === 'pull_request' ? 'refs/pull/7/merge' : 'refs/heads/main',
    token: github.token,
    // As docs/gitops.md tells a team to set them up.
    secrets: {
      QUALYS_READ_USERNAME: DEFAULT_SIM_USER,
      QUALYS_READ_PASSWORD: DEFAULT_SIM_PASSWORD,
      QUALYS_USERNAME: 'stray-writer',
      QUALYS_PASSWORD: STRAY_WRITE_PASSWORD,
    },
    environments: { 'qualys-production': { QUALYS_USERNAME: DEFAULT_SIM_USER, QUALYS_PASSWORD: DEFAULT_SIM_PASSWORD } },
    vars: { QUALYS_API_URL: simulator.url },
    commits,
    runnerEnv: {
      GITHUB_REPOSITORY: github.repository,
      GITHUB_API_URL: github.url,
      GITHUB_SERVER_URL: 'https://github.example',
      GITHUB_SHA: SHA,
      GITHUB_RUN_ID: '4242',
      GITHUB_RUN_ATTEMPT: '1',
      GITHUB_ACTOR: 'octo-reviewer',
    },
  };
}

function pullRequestEvent(number: number, { fork = false, user = 'octo-author' } = {}) {
  return { pull_request: { number, head: { repo: { fork } }, base: { sha: BASE_SHA }, user: { login: user } } };
}

function describeRun(run: WorkflowRun | JobRun): string {
  const jobs = 'jobs' in run ? Object.entries(run.jobs) : [['job', run] as const];
  return jobs
    .map(([name, job]) => `[${name}: ${job.status}]\n${job.steps.map((s) => `${s.outcome.padEnd(7)} ${s.id ?? s.name}${s.exitCode ? ` (exit ${s.exitCode})` : ''}\n${s.stdout}${s.stderr}`).join('\n')}`)
    .join('\n');
}

function everything(run: WorkflowRun): string {
  return Object.values(run.jobs)
    .flatMap((job) => [job.summary, ...job.steps.flatMap((s) => [s.stdout, s.stderr])])
    .join('\n');
}

/** The drift caller with `mention:` set, as a team opting in would write it. */
function mentioning(workflow: Workflow, mention: string): Workflow {
  return { ...workflow, jobs: { ...workflow.jobs, drift: { ...workflow.jobs.drift, with: { ...workflow.jobs.drift.with, mention } } } };
}

function withoutTag(workflow: Workflow): Workflow {
  const { tag: _tag, ...jobs } = workflow.jobs;
  return { ...workflow, jobs };
}

function expectNoSecrets(...texts: string[]): void {
  for (const text of texts) {
    expect(text).not.toContain(DEFAULT_SIM_PASSWORD);
    expect(text).not.toContain(STRAY_WRITE_PASSWORD);
  }
}

// Each case spawns a dozen `node` processes; leave room on a loaded two-core machine.
const SLOW = { timeout: 240_000 };

describe('exceptions-plan.yml', SLOW, () => {
  it('is least-privilege, triggered by changes to the manifests, and passes the read-only credentials only', () => {
    const { plan } = workflows;
    expect(plan.permissions).toEqual({ contents: 'read', 'pull-requests': 'write' });
    expect(plan.on).toEqual({ pull_request: { paths: ['policies/**', 'cvex.config.yaml'] } });
    expect(plan.jobs.plan.secrets).toEqual({
      QUALYS_READ_USERNAME: '${{ secrets.QUALYS_READ_USERNAME }}',
      QUALYS_READ_PASSWORD: '${{ secrets.QUALYS_READ_PASSWORD }}',
    });
  });

  it('validates and plans with the base branch\'s cvex and the read-only user, and keeps ONE sticky comment up to date', async () => {
    const pr = github.addPullRequest();
    const event = pullRequestEvent(pr);
    const first = await runWorkflow(workflows.plan, context('pull_request', { [BASE_SHA]: repository(), [SHA]: repository() }, event));
    expect(first.status, describeRun(first)).toBe('success');
    const job = first.job('plan');
    // The tool is installed from the base checkout only; the pull request's folder has no node_modules.
    expect(job.step('Install cvex from the base branch').cwd).toBe(path.join(job.workspace, 'base'));
    expect(existsSync(path.join(job.workspace, 'head', 'node_modules'))).toBe(false);
    expect(job.step('validate').script).toBe('npx --no-install --prefix "$GITHUB_WORKSPACE/base" cvex validate --format github');
    expect(job.step('plan').env).toMatchObject({ QUALYS_USERNAME: DEFAULT_SIM_USER, CVEX_TARGET: `--api-url=${simulator.url}` });
    expect(job.secretNames.sort()).toEqual(['QUALYS_READ_PASSWORD', 'QUALYS_READ_USERNAME']);
    expect(job.environment).toBeUndefined();

    const planMarkdown = await readFile(path.join(job.workspace, 'head', 'plan.md'), 'utf8');
    expect(planMarkdown).toMatch(/^### cvex plan: /);
    // Each change links to its line at the planned commit; the comment names the artifact and ends with what a merge does.
    expect(planMarkdown).toContain(`[policies/aws.yaml:8](https://github.example/acme/exceptions/blob/${SHA}/policies/aws.yaml#L8)`);
    expect(planMarkdown).toContain(`the artifact \`cvex-plan-${pr}-4242-1\` of this run`);
    expect(planMarkdown.trim().split('\n').at(-1)).toMatch(/^\*\*Merging applies this plan\*\* to `http:\/\/127\.0\.0\.1:\d+`: 2 to create, 0 to replace, 0 to delete\./);
    expect(job.step('Keep the plan')).toMatchObject({ outcome: 'success', with: { name: `cvex-plan-${pr}-4242-1`, 'retention-days': '30' } });
    const savedPlan = JSON.parse(await readFile(path.join(job.workspace, 'head', 'plan.json'), 'utf8'));
    expect(savedPlan.summary).toMatchObject({ create: 2, delete: 0, replace: 0 });

    const comments = () => github.issues.get(pr)!.comments.filter((comment) => comment.body.includes(PLAN_MARKER));
    expect(comments()).toHaveLength(1);
    const [comment] = comments();
    expect(comment.body.startsWith(`${PLAN_MARKER}\n`)).toBe(true);
    expect(comment.body).toContain(planMarkdown.trim());
    expect(comment.body).toContain('[workflow run](https://github.example/acme/exceptions/actions/runs/4242)');
    expect(job.summary).toContain(planMarkdown.trim());
    expectNoSecrets(planMarkdown, comment.body, everything(first));
    // A plan sends nothing that changes the account.
    expect(simulator.exceptions()).toEqual([]);

    // Next push: the same comment is edited, not a new one posted.
    const second = await runWorkflow(workflows.plan, context('pull_request', { [BASE_SHA]: repository(), [SHA]: repository({ extra: true }) }, event));
    expect(second.status, describeRun(second)).toBe('success');
    expect(comments()).toHaveLength(1);
    expect(comments()[0].id).toBe(comment.id);
    expect(comments()[0].body).toContain('team-a-prod-versioning-all');

    // A push that breaks a manifest: errors inline, nothing sent, the comment says there is no plan.
    simulator.resetCounters();
    const third = await runWorkflow(workflows.plan, context('pull_request', { [BASE_SHA]: repository(), [SHA]: repository({ invalid: true }) }, event));
    expect(third.status).toBe('failure');
    expect(third.job('plan').step('validate')).toMatchObject({ outcome: 'failure' });
    expect(third.job('plan').step('validate').stdout).toMatch(/^::error file=policies\/aws\.yaml,line=\d+/m);
    expect(third.job('plan').step('plan').outcome).toBe('skipped');
    expect(simulator.counters().total).toBe(0);
    expect(comments()).toHaveLength(1);
    expect(comments()[0].body).toContain('No plan: the manifests did not validate');
    expect(comments()[0].body).not.toContain('team-a-prod-versioning-all');
  });

  it('a pull request that changes the target gets validation only: no credentials go to it', async () => {
    const pr = github.addPullRequest();
    const head = repository({ config: 'version: 1\nowner: team-a\nrepository: acme/exceptions\ntimezone: UTC\napiUrl: https://collector.example\n' });
    const run = await runWorkflow(workflows.plan, context('pull_request', { [BASE_SHA]: repository(), [SHA]: head }, pullRequestEvent(pr)));
    expect(run.status, describeRun(run)).toBe('success');
    expect(run.job('plan').step('validate').outcome).toBe('success');
    expect(run.job('plan').step('plan').outcome).toBe('skipped');
    expect(simulator.counters().total).toBe(0);
    const [comment] = github.issues.get(pr)!.comments;
    expect(comment.body).toContain('No plan: this pull request changes the target');
  });

  it('fork and Dependabot pull requests: validation only, with a clear note, no secrets used, nothing posted', async () => {
    for (const event of [pullRequestEvent(github.addPullRequest(), { fork: true }), pullRequestEvent(github.addPullRequest(), { user: 'dependabot[bot]' })]) {
      const run = await runWorkflow(workflows.plan, context('pull_request', { [BASE_SHA]: repository(), [SHA]: repository() }, event));
      expect(run.status, describeRun(run)).toBe('success');
      const job = run.job('plan');
      expect(job.step('validate').outcome).toBe('success');
      expect(job.step('plan').outcome).toBe('skipped');
      expect(job.step('Post the plan as one sticky comment').outcome).toBe('skipped');
      expect(job.step('Fork or Dependabot pull request - validation only').stdout).toMatch(/^::notice title=cvex plan skipped::Pull requests from forks and from Dependabot get validation only/m);
      expect(job.summary).toContain('### cvex plan skipped (fork or Dependabot pull request)');
    }
    expect(simulator.counters().total).toBe(0);
    expect(github.requests).toEqual([]);
  });

  it('refuses a cvex of another version than the workflow, before anything runs', async () => {
    const called = await loadWorkflow('cvex-plan.yml');
    const older: Workflow = { ...called, env: { ...called.env, CVEX_WORKFLOW_VERSION: '0.0.1' } };
    const pr = github.addPullRequest();
    const run = await runWorkflow(workflows.plan, context('pull_request', { [BASE_SHA]: repository(), [SHA]: repository() }, pullRequestEvent(pr)), {
      reusable: { 'cvex-plan.yml': older },
    });
    expect(run.status).toBe('failure');
    expect(run.job('plan').step('Check the cvex version').stdout).toMatch(/::error title=cvex version mismatch::The base branch installs cvex \d+\.\d+\.\d+, but this workflow is cvex 0\.0\.1/);
    expect(run.job('plan').step('validate').outcome).toBe('skipped');
    expect(simulator.counters().total).toBe(0);
  });
});

async function readAudit(workspace: string): Promise<Record<string, unknown>[]> {
  return (await readFile(path.join(workspace, 'audit.jsonl'), 'utf8'))
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('exceptions-apply.yml', SLOW, () => {
  it('calls the reusable apply from main only, and the reusable job holds the only apply lock, in qualys-production', async () => {
    const { apply } = workflows;
    expect(apply.on).toMatchObject({ push: { branches: ['main'] } });
    expect(apply.permissions).toEqual({ contents: 'read', 'pull-requests': 'write' });
    expect(apply.jobs.apply.secrets).toBeUndefined();
    const called = await loadWorkflow('cvex-apply.yml');
    expect(called.jobs.apply.concurrency).toEqual({ group: 'cvex-apply', 'cancel-in-progress': false });
    expect(called.jobs.apply.environment).toBe('${{ inputs.environment }}');
    expect((called.on.workflow_call as { inputs: Record<string, { default: unknown }> }).inputs.environment.default).toBe('qualys-production');
  });

  it('applies main with the environment\'s credentials, keeps the audit log, and reports on every pull request it applied', async () => {
    const first = github.addPullRequest();
    const second = github.addPullRequest();
    github.commits.push({ sha: BASE_SHA, pulls: [] }, { sha: 'aaaa000000000000000000000000000000000001', pulls: [first] }, { sha: SHA, pulls: [second] });
    const run = await runWorkflow(workflows.apply, context('push', { [SHA]: repository() }, { before: BASE_SHA, after: SHA }));
    expect(run.status, describeRun(run)).toBe('success');
    const job = run.job('apply');
    expect(job.environment).toBe('qualys-production');
    expect(job.step('apply').script).toBe(`npx --no-install cvex apply $CVEX_TARGET --auto-approve --audit-log audit.jsonl 2>&1 | tee apply.txt`);
    expect(simulator.exceptions().map((e) => e.name).sort()).toEqual(['team-a-prod-logs-versioning', 'team-a-prod-public-ip']);

    const audit = await readAudit(job.workspace);
    const creates = audit.filter((record) => record.operation === 'create');
    expect(creates).toHaveLength(2);
    expect(creates.every((record) => record.result === 'succeeded' && record.commit === SHA && record.actor === 'octo-reviewer')).toBe(true);
    expect(job.step('Keep the audit log')).toMatchObject({ outcome: 'success', with: { path: 'audit.jsonl', name: 'cvex-audit-4242-1', 'retention-days': '90' } });
    expect(job.summary).toMatch(/^### cvex apply: succeeded\n\n```text\n/);

    // Both pull requests of the pushed range get the result.
    for (const pr of [first, second]) {
      const [comment] = github.issues.get(pr)!.comments;
      expect(comment.body).toContain('### cvex apply: applied');
      expect(comment.body).toContain('2 created, 0 replaced, 0 deleted, 0 failed');
      expect(comment.body).toContain('| ✅ created | `team-a-prod-public-ip` |');
    }
    expectNoSecrets(everything(run), await readFile(path.join(job.workspace, 'audit.jsonl'), 'utf8'));

    // Applying the same commit again changes nothing.
    const again = await runWorkflow(workflows.apply, context('workflow_dispatch', { [SHA]: repository() }));
    expect(again.status, describeRun(again)).toBe('success');
    expect(simulator.exceptions()).toHaveLength(2);
  });

  it('a failed apply is a failed job, reported as FAILED on the pull request, the audit log still kept', async () => {
    const pr = github.addPullRequest();
    github.commits.push({ sha: SHA, pulls: [pr] });
    simulator.injectFault({ route: 'exceptions.create', kind: '500' });
    const run = await runWorkflow(workflows.apply, context('workflow_dispatch', { [SHA]: repository() }));
    expect(run.status).toBe('failure');
    const job = run.job('apply');
    expect(job.step('apply').outcome).toBe('failure');
    expect(job.summary).toMatch(/^### cvex apply: FAILED\n/);
    expect(job.step('Keep the audit log').outcome).toBe('success');
    expect((await readAudit(job.workspace)).some((record) => record.result === 'failed')).toBe(true);
    const [comment] = github.issues.get(pr)!.comments;
    expect(comment.body).toContain('### cvex apply: FAILED');
    expect(comment.body).toMatch(/❌ create failed/);
  });

  it('a run by hand from another branch applies nothing', async () => {
    const run = await runWorkflow(workflows.apply, { ...context('workflow_dispatch', { [SHA]: repository() }), ref: 'refs/heads/feature' });
    expect(run.job('apply').status).toBe('skipped');
    expect(simulator.counters().total).toBe(0);
  });
});

describe('exceptions-drift.yml', SLOW, () => {
  it('runs on a schedule and by hand; the drift job reads only, in its own concurrency group; the tag job follows a plan that answered', async () => {
    const { drift } = workflows;
    expect(Object.keys(drift.on).sort()).toEqual(['schedule', 'workflow_dispatch']);
    expect(drift.permissions).toEqual({ contents: 'read', issues: 'write', actions: 'read' });
    expect(drift.jobs.drift.secrets).toEqual({
      QUALYS_READ_USERNAME: '${{ secrets.QUALYS_READ_USERNAME }}',
      QUALYS_READ_PASSWORD: '${{ secrets.QUALYS_READ_PASSWORD }}',
    });
    expect(drift.jobs.tag.needs).toBe('drift');
    expect(drift.jobs.tag.if).toContain("needs.drift.outputs.plan-exitcode == '0' || needs.drift.outputs.plan-exitcode == '2'");
    const called = await loadWorkflow('cvex-drift.yml');
    expect(called.jobs.drift.concurrency).toEqual({ group: 'cvex-drift', 'cancel-in-progress': false });
    expect(Object.keys((called.on.workflow_call as { secrets: object }).secrets)).toEqual(['QUALYS_READ_USERNAME', 'QUALYS_READ_PASSWORD']);
  });

  it('opens ONE drift issue with a comment that mentions only allowlisted handles, and tags after a plan that answered', async () => {
    const commits = { [SHA]: repository() };
    expect((await runWorkflow(workflows.apply, context('push', commits))).status).toBe('success');
    const driftIssues = () => [...github.issues.values()].filter((issue) => issue.labels.some((label) => label.name === 'cvex-drift'));
    const drift = mentioning(workflows.drift, '@acme/security @someone-else');

    // Clean: nothing to open, nothing to close; the tag job runs with the environment's credentials.
    const clean = await runWorkflow(drift, context('schedule', commits));
    expect(clean.status, describeRun(clean)).toBe('success');
    expect(clean.job('drift').step('drift').stdout).toBe('');
    expect(clean.job('drift').step('Open or update the drift issue').outcome).toBe('skipped');
    expect(clean.job('drift').step('Close the drift issue').stdout).toBe('no open issue to close\n');
    expect(clean.job('drift').secretNames.sort()).toEqual(['QUALYS_READ_PASSWORD', 'QUALYS_READ_USERNAME']);
    expect(clean.job('tag')).toMatchObject({ status: 'success', environment: 'qualys-production' });
    expect(clean.job('tag').step('Tag stage').stdout).toMatch(/AWS \/arn:aws:s3:::acme-prod-\.\*\/ → \[cvex-reviewed\]/);
    expect(driftIssues()).toEqual([]);
    // The reminder: the exception ending in 10 days, its owner escaped so nobody is pinged by a summary.
    expect(clean.job('drift').summary).toMatch(/\| 🟡 in 10 days \| team-a-prod-logs-versioning \| \d{4}-\d{2}-\d{2} \| @&#8203;payments-team \| SEC-101 \|/);

    // Someone edits an exception in the Qualys UI: one issue, one comment that notifies; the tag stage still runs.
    const edited = simulator.exceptions().find((e) => e.name === 'team-a-prod-public-ip')!;
    simulator.editExceptionAsUi(edited.uuid, { endDate: daysFromToday(300) });
    const drifted = await runWorkflow(drift, context('schedule', commits));
    expect(drifted.job('drift').step('drift').outcome, describeRun(drifted)).toBe('success');
    expect(drifted.job('drift').outputs.exitcode).toBe('2');
    expect(drifted.job('tag').status).toBe('success');
    expect(driftIssues()).toHaveLength(1);
    const [issue] = driftIssues();
    expect(issue).toMatchObject({ state: 'open', title: 'Qualys exceptions drifted from the repository' });
    expect(issue.body.startsWith(`${DRIFT_MARKER}\n`)).toBe(true);
    expect(issue.body).toMatch(/\| 🔁 replace \| team-a-prod-public-ip \|.*endDate: "\d{4}-\d{2}-\d{2}" → "(\d{4}-\d{2}-\d{2})"/);
    expect(issue.comments).toHaveLength(1);
    expect(issue.comments[0].body).toContain('- replace `team-a-prod-public-ip` (edited-out-of-band)');
    // Only the handle CODEOWNERS lists is mentioned; the other is named as not mentioned.
    expect(issue.comments[0].body).toContain('cc @acme/security');
    expect(issue.comments[0].body).not.toContain('@someone-else');
    expect(drifted.job('drift').step('Open or update the drift issue').stdout).toContain('not mentioned (not in .github/CODEOWNERS, CODEOWNERS): @someone-else');
    expectNoSecrets(issue.body, ...issue.comments.map((c) => c.body), everything(drifted));
  });

  it('edits the issue silently while the drift stays the same, comments when it changes, closes it when clean', async () => {
    const commits = { [SHA]: repository() };
    expect((await runWorkflow(workflows.apply, context('push', commits))).status).toBe('success');
    // The drift job alone: the tag stage is the test above's.
    const drift = withoutTag(workflows.drift);
    const edited = simulator.exceptions().find((e) => e.name === 'team-a-prod-public-ip')!;
    simulator.editExceptionAsUi(edited.uuid, { endDate: daysFromToday(300) });
    await runWorkflow(drift, context('schedule', commits));
    const [issue] = [...github.issues.values()].filter((item) => item.labels.some((label) => label.name === 'cvex-drift'));
    expect(issue.comments).toHaveLength(1);

    const same = await runWorkflow(drift, context('schedule', commits));
    expect(same.job('drift').step('Open or update the drift issue').stdout, describeRun(same)).toMatch(/^updated issue \S+\n$/);
    expect(issue.comments).toHaveLength(1);

    const other = simulator.exceptions().find((e) => e.name === 'team-a-prod-logs-versioning')!;
    simulator.editExceptionAsUi(other.uuid, { endDate: daysFromToday(20) });
    await runWorkflow(drift, context('schedule', commits));
    expect(issue.comments).toHaveLength(2);
    expect(issue.comments[1].body).toContain('now 2 differences');
    expect(issue.comments[1].body).not.toContain('cc ');

    // The next apply puts it back; the drift run after it closes the issue.
    expect((await runWorkflow(workflows.apply, context('workflow_dispatch', commits))).status).toBe('success');
    const cleanAgain = await runWorkflow(drift, context('schedule', commits));
    expect(cleanAgain.job('drift').step('Close the drift issue').outcome, describeRun(cleanAgain)).toBe('success');
    expect(issue.state).toBe('closed');
    expect(issue.comments.at(-1)?.body).toContain('Clean again');
  });

  it('skips while an apply is queued or running: no request to Qualys, no tag stage', async () => {
    github.workflowRuns.set('exceptions-apply.yml', [{ id: 9, status: 'in_progress', html_url: 'https://github.example/acme/exceptions/actions/runs/9' }]);
    const run = await runWorkflow(workflows.drift, context('schedule', { [SHA]: repository() }));
    expect(run.status, describeRun(run)).toBe('success');
    expect(run.job('drift').step('busy').stdout).toContain('::notice title=cvex drift skipped::exceptions-apply.yml is queued or running');
    expect(run.job('drift').step('drift').outcome).toBe('skipped');
    expect(run.job('tag').status).toBe('skipped');
    expect(simulator.counters().total).toBe(0);
  });

  it('an error (not drift) fails the job, leaves the issue alone and runs no tag stage', async () => {
    const run = await runWorkflow(workflows.drift, { ...context('schedule', { [SHA]: repository() }), secrets: { QUALYS_READ_USERNAME: 'someone', QUALYS_READ_PASSWORD: 'wrong' } });
    expect(run.status).toBe('failure');
    expect(run.job('drift').step('drift').outcome).toBe('failure');
    expect(run.job('drift').step('Open or update the drift issue').outcome).toBe('skipped');
    expect(run.job('drift').step('Close the drift issue').outcome).toBe('skipped');
    expect(run.job('tag').status).toBe('skipped');
    expect(github.requests.map((request) => request.path)).toEqual(['/repos/acme/exceptions/actions/workflows/exceptions-apply.yml/runs?per_page=50']);
  });
});
