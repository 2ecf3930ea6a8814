// Runs the cvex steps of each GitOps workflow as the runner would (same commands, same env, parsed
// from the YAML) against the CloudView simulator and a fake GitHub, and checks what people read:
// the sticky plan comment, the apply job summary, the drift issue.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadAndValidate } from '../../src/manifest';
import { localDateOf } from '../../src/model/dates';
import { createBodyOf } from '../../src/reconcile/execute';
import { DEFAULT_SIM_PASSWORD, DEFAULT_SIM_USER, type Simulator, startSimulator } from '../../src/simulator';
import { commit, git } from '../git/helpers';
import { type FakeGitHub, startFakeGitHub } from './fake-github';
import { assertBuilt, type JobRun, loadWorkflow, makeCheckout, type RunContext, runJob, type Workflow } from './run-workflow';

const SHA = 'c0ffee0000000000000000000000000000000042';
const PLAN_MARKER = '<!-- cvex-plan -->';
const DRIFT_MARKER = '<!-- cvex-drift -->';

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

/**
 * A checkout as actions/checkout with fetch-depth: 0 leaves a pull request: the base branch's files
 * committed as `origin/main`, the pull request's files committed on top.
 */
async function pullRequestCheckout(files: Record<string, string>, base: Record<string, string> = {}): Promise<string> {
  const cwd = await makeCheckout(base);
  git(cwd, 'init', '-q', '-b', 'main');
  await writeFile(path.join(cwd, '.git', 'info', 'exclude'), 'scripts\nnode_modules\n');
  git(cwd, 'add', '-A');
  git(cwd, 'commit', '-q', '--allow-empty', '-m', 'base');
  git(cwd, 'update-ref', 'refs/remotes/origin/main', 'HEAD');
  for (const [name, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(cwd, name)), { recursive: true });
    await writeFile(path.join(cwd, name), text);
  }
  git(cwd, 'add', '-A');
  git(cwd, 'commit', '-q', '--allow-empty', '-m', 'pull request');
  return cwd;
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

function context(cwd: string, eventName: string, event: Record<string, unknown> = {}): RunContext {
  return {
    cwd,
    eventName,
    event,
    token: github.token,
    // Repository secrets, as docs/gitops.md tells a team to set them.
    secrets: { QUALYS_API_URL: simulator.url, QUALYS_USERNAME: DEFAULT_SIM_USER, QUALYS_PASSWORD: DEFAULT_SIM_PASSWORD },
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

function describeRun(run: JobRun): string {
  return run.steps.map((s) => `${s.outcome.padEnd(7)} ${s.id ?? s.name}${s.exitCode ? ` (exit ${s.exitCode})` : ''}\n${s.stderr}`).join('\n');
}

function expectNoSecrets(...texts: string[]): void {
  for (const text of texts) expect(text).not.toContain(DEFAULT_SIM_PASSWORD);
}

// Each case spawns a dozen `node` processes; leave room on a loaded two-core machine.
const SLOW = { timeout: 90_000 };

describe('exceptions-plan.yml', SLOW, () => {
  it('is least-privilege and triggered by changes to the manifests', () => {
    const { plan } = workflows;
    expect(plan.permissions).toEqual({ contents: 'read', 'pull-requests': 'write' });
    expect(plan.on).toEqual({ pull_request: { paths: ['policies/**', 'cvex.config.yaml'] } });
  });

  it('same-repo pull request: validates, plans, and keeps ONE sticky comment up to date', async () => {
    const cwd = await pullRequestCheckout({ 'policies/aws.yaml': manifest() });
    const pr = github.addPullRequest();
    const event = { pull_request: { number: pr, head: { repo: { fork: false } }, base: { ref: 'main' } } };

    const first = await runJob(workflows.plan, 'plan', context(cwd, 'pull_request', event));
    expect(first.status, describeRun(first)).toBe('success');
    expect(first.step('plan').script).toBe('npx cvex plan --changed-since "origin/$BASE_REF" --format markdown --out plan.json > plan.md');
    expect(first.step('plan').env).toMatchObject({ BASE_REF: 'main' });
    expect(first.step('plan').env).toMatchObject({ QUALYS_API_URL: simulator.url, QUALYS_USERNAME: DEFAULT_SIM_USER });

    const planMarkdown = await readFile(path.join(cwd, 'plan.md'), 'utf8');
    expect(planMarkdown).toMatch(/^### cvex plan: /);
    expect(planMarkdown).toContain('team-a-prod-logs-versioning');
    expect(planMarkdown).toContain('team-a-prod-public-ip');
    const savedPlan = JSON.parse(await readFile(path.join(cwd, 'plan.json'), 'utf8'));
    expect(savedPlan.version).toBeDefined();
    expect(savedPlan.summary).toMatchObject({ create: 2, delete: 0, replace: 0 });
    expect(first.step('Keep the plan')).toMatchObject({ outcome: 'success', uses: 'actions/upload-artifact@v4' });

    const comments = () => github.issues.get(pr)!.comments.filter((comment) => comment.body.includes(PLAN_MARKER));
    expect(comments()).toHaveLength(1);
    const [comment] = comments();
    expect(comment.body.startsWith(`${PLAN_MARKER}\n`)).toBe(true);
    expect(comment.body).toContain(planMarkdown.trim());
    expect(comment.body).toContain('[workflow run](https://github.example/acme/exceptions/actions/runs/4242)');
    expect(first.summary).toContain(planMarkdown.trim());
    expectNoSecrets(planMarkdown, comment.body, first.summary, ...first.steps.flatMap((s) => [s.stdout, s.stderr]));
    // A plan sends nothing that changes the account.
    expect(simulator.exceptions()).toEqual([]);

    // Next push (a fresh checkout, as on the runner): the same comment is edited, not a new one posted.
    const second = await runJob(workflows.plan, 'plan', context(await pullRequestCheckout({ 'policies/aws.yaml': manifest({ extra: true }) }), 'pull_request', event));
    expect(second.status, describeRun(second)).toBe('success');
    expect(comments()).toHaveLength(1);
    expect(comments()[0].id).toBe(comment.id);
    expect(comments()[0].body).toContain('team-a-prod-versioning-all');

    // A push that breaks a manifest: errors inline, nothing sent, the comment says there is no plan.
    simulator.resetCounters();
    const third = await runJob(workflows.plan, 'plan', context(await makeCheckout({ 'policies/aws.yaml': manifest({ invalid: true }) }), 'pull_request', event));
    expect(third.status).toBe('failure');
    expect(third.step('validate')).toMatchObject({ outcome: 'failure' });
    expect(third.step('validate').stdout).toMatch(/^::error file=policies\/aws\.yaml,line=\d+/m);
    expect(third.step('plan').outcome).toBe('skipped');
    expect(simulator.counters().total).toBe(0);
    expect(comments()).toHaveLength(1);
    expect(comments()[0].body).toContain('No plan: the manifests did not validate');
    expect(comments()[0].body).not.toContain('team-a-prod-versioning-all');
  });

  it("a pull request's plan reads only what it changes, by name, and says so", async () => {
    // main holds two exceptions, applied; the pull request adds a third.
    const base = { 'policies/aws.yaml': manifest() };
    const applied = await pullRequestCheckout({}, base);
    expect((await runJob(workflows.apply, 'apply', context(applied, 'push'))).status).toBe('success');
    expect(simulator.exceptions()).toHaveLength(2);
    const cwd = await pullRequestCheckout({ 'policies/aws.yaml': manifest({ extra: true }) }, base);
    const pr = github.addPullRequest();
    simulator.resetCounters();
    const run = await runJob(workflows.plan, 'plan', context(cwd, 'pull_request', { pull_request: { number: pr, head: { repo: { fork: false } }, base: { ref: 'main' } } }));
    expect(run.status, describeRun(run)).toBe('success');
    // One read by name for the one changed exception; the rest are inventory reads for it.
    expect(simulator.counters().byRoute['exceptions.list']).toBe(1);
    const planMarkdown = await readFile(path.join(cwd, 'plan.md'), 'utf8');
    expect(planMarkdown).toContain('this change, plus whatever the full plan finds; the guards are checked at apply');
    expect(planMarkdown).toContain('team-a-prod-versioning-all');
    expect(planMarkdown).not.toContain('team-a-prod-public-ip');
  });

  it('a governance violation fails the pull request before anything reaches Qualys', async () => {
    const cwd = await makeCheckout({
      'policies/aws.yaml': manifest(),
      'cvex.config.yaml': 'version: 1\ngovernance:\n  requiredMetadata: [approvedBy]\n',
    });
    const pr = github.addPullRequest();
    const run = await runJob(workflows.plan, 'plan', context(cwd, 'pull_request', { pull_request: { number: pr, head: { repo: { fork: false } } } }));
    expect(run.status).toBe('failure');
    // Reported by `cvex validate` (inline on the diff) or, at the latest, by `cvex plan`.
    const reported = run.steps.map((s) => `${s.stdout}${s.stderr}`).join('\n');
    expect(reported).toContain('metadata.approvedBy');
    expect(simulator.counters().byRoute['exceptions.create'] ?? 0).toBe(0);
    expect(simulator.exceptions()).toEqual([]);
    const [comment] = github.issues.get(pr)!.comments;
    expect(comment.body).toMatch(/No plan: the manifests did not validate|`cvex` failed/);
    expect(comment.body).not.toContain('➕ create');
  });

  it('fork pull request: validation only, with a clear note, no secrets used, nothing posted', async () => {
    const cwd = await makeCheckout({ 'policies/aws.yaml': manifest() });
    const pr = github.addPullRequest();
    const run = await runJob(workflows.plan, 'plan', context(cwd, 'pull_request', { pull_request: { number: pr, head: { repo: { fork: true } } } }));
    expect(run.status, describeRun(run)).toBe('success');
    expect(run.step('validate').outcome).toBe('success');
    expect(run.step('plan').outcome).toBe('skipped');
    expect(run.step('Post the plan as one sticky comment').outcome).toBe('skipped');
    expect(run.step('Fork pull request - validation only').stdout).toMatch(/^::notice title=cvex plan skipped::Pull requests from forks get validation only/m);
    expect(run.summary).toContain('### cvex plan skipped (fork pull request)');
    expect(simulator.counters().total).toBe(0);
    expect(github.requests).toEqual([]);
  });
});

async function readAudit(cwd: string): Promise<Record<string, unknown>[]> {
  return (await readFile(path.join(cwd, 'audit.jsonl'), 'utf8'))
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('exceptions-apply.yml', SLOW, () => {
  it('never runs two applies at once and never cancels one', () => {
    const { apply } = workflows;
    expect(apply.concurrency).toEqual({ group: 'cvex-apply', 'cancel-in-progress': false });
    expect(apply.on).toMatchObject({ push: { branches: ['main'] } });
    expect(apply.permissions).toEqual({ contents: 'read' });
  });

  it('applies the merged state, keeps the audit log, and reports in the job summary', async () => {
    const cwd = await makeCheckout({ 'policies/aws.yaml': manifest() });
    const run = await runJob(workflows.apply, 'apply', context(cwd, 'push'));
    expect(run.status, describeRun(run)).toBe('success');
    expect(run.step('apply').script).toContain('npx cvex apply --auto-approve --audit-log audit.jsonl --time-limit 55m "${range[@]}" 2>&1 | tee apply.txt');
    expect(simulator.exceptions().map((e) => e.name).sort()).toEqual(['team-a-prod-logs-versioning', 'team-a-prod-public-ip']);

    const audit = await readAudit(cwd);
    const creates = audit.filter((record) => record.operation === 'create');
    expect(creates).toHaveLength(2);
    expect(creates.every((record) => record.result === 'succeeded' && record.commit === SHA && record.actor === 'octo-reviewer')).toBe(true);
    expect(run.step('Keep the audit log')).toMatchObject({ outcome: 'success', with: { path: 'audit.jsonl', name: 'cvex-audit-4242-1' } });

    expect(run.summary).toMatch(/^### cvex apply: succeeded\n\n```text\n/);
    expect(run.summary).toContain('team-a-prod-logs-versioning');
    expectNoSecrets(run.summary, await readFile(path.join(cwd, 'audit.jsonl'), 'utf8'));

    // Applying the same commit again changes nothing.
    const again = await runJob(workflows.apply, 'apply', context(cwd, 'push'));
    expect(again.status, describeRun(again)).toBe('success');
    expect(simulator.exceptions()).toHaveLength(2);
  });

  it('renewing every exception at once needs a reviewed Cvex-Allow-Removals trailer in the pushed commits', async () => {
    const renewed = manifest().replace(/endDate: "(\d{4}-\d{2}-\d{2})"/g, (_match, day: string) => `endDate: "${day.slice(0, 8)}28"`);
    const cwd = await makeCheckout({ 'policies/aws.yaml': manifest() });
    git(cwd, 'init', '-q', '-b', 'main');
    const before = commit(cwd, 'Two exceptions', 'policies/aws.yaml');
    // As the apply of that commit left the account.
    const { manifests } = await loadAndValidate([], { cwd });
    simulator.seedExceptions(manifests.exceptions.map((exception) => createBodyOf(exception.spec, before)));
    await writeFile(path.join(cwd, 'policies/aws.yaml'), renewed);
    const unreviewed = commit(cwd, 'Renew both', 'policies/aws.yaml');
    const push = (head: string) => {
      const run = context(cwd, 'push', { before });
      return { ...run, runnerEnv: { ...run.runnerEnv, GITHUB_SHA: head } };
    };
    const refused = await runJob(workflows.apply, 'apply', push(unreviewed));
    expect(refused.status).toBe('failure');
    expect(refused.step('apply').stdout).toContain('Cvex-Allow-Removals: 2');

    const reviewed = commit(cwd, 'Merge pull request #12\n\nCvex-Allow-Removals: 2');
    const run = await runJob(workflows.apply, 'apply', push(reviewed));
    expect(run.status, describeRun(run)).toBe('success');
    expect(run.step('apply').stdout).toContain('lifted by the reviewed trailer');
    expect((await readAudit(cwd))[1]).toMatchObject({ operation: 'liftGuards', lifted: { by: 'trailer', allowRemovals: 2, commit: reviewed } });
  });

  it('a failed apply is a failed job, with the report in the summary and the audit log still kept', async () => {
    const cwd = await makeCheckout({ 'policies/aws.yaml': manifest() });
    simulator.injectFault({ route: 'exceptions.create', kind: '500' });
    const run = await runJob(workflows.apply, 'apply', context(cwd, 'push'));
    expect(run.status).toBe('failure');
    expect(run.step('apply').outcome).toBe('failure');
    expect(run.summary).toMatch(/^### cvex apply: FAILED\n/);
    expect(run.step('Keep the audit log').outcome).toBe('success');
    const audit = await readAudit(cwd);
    expect(audit.some((record) => record.result === 'failed')).toBe(true);
  });
});

describe('exceptions-drift.yml', SLOW, () => {
  it('runs on a schedule and by hand, and may only write issues', () => {
    const { drift } = workflows;
    expect(Object.keys(drift.on).sort()).toEqual(['schedule', 'workflow_dispatch']);
    expect(drift.permissions).toEqual({ contents: 'read', issues: 'write' });
  });

  it('opens ONE drift issue, updates it while drift lasts, closes it when clean; lists what ends soon', async () => {
    // Every run is a fresh checkout of the same commit, as on the runner.
    const checkout = () => makeCheckout({ 'policies/aws.yaml': manifest() });
    const applied = await runJob(workflows.apply, 'apply', context(await checkout(), 'push'));
    expect(applied.status, describeRun(applied)).toBe('success');
    const driftIssues = () => [...github.issues.values()].filter((issue) => issue.labels.some((label) => label.name === 'cvex-drift'));

    // Clean: nothing to open, nothing to close.
    const clean = await runJob(workflows.drift, 'drift', context(await checkout(), 'schedule'));
    expect(clean.step('drift').outcome, describeRun(clean)).toBe('success');
    expect(clean.step('drift').env).toMatchObject({ QUALYS_API_URL: simulator.url });
    expect(clean.steps.find((s) => s.id === 'drift')?.stdout).toBe('');
    expect(clean.step('Open or update the drift issue').outcome).toBe('skipped');
    expect(clean.step('Close the drift issue').stdout).toBe('no open issue to close\n');
    expect(driftIssues()).toEqual([]);
    // The reminder: the exception ending in 10 days, its owner escaped so nobody is pinged by a summary.
    expect(clean.summary).toContain('<!-- cvex-expiring -->');
    expect(clean.summary).toMatch(/\| 🟡 in 10 days \| team-a-prod-logs-versioning \| \d{4}-\d{2}-\d{2} \| @&#8203;payments-team \| SEC-101 \|/);
    expect(clean.summary).not.toContain('team-a-prod-public-ip |');

    // Someone edits an exception in the Qualys UI.
    const edited = simulator.exceptions().find((e) => e.name === 'team-a-prod-public-ip')!;
    simulator.editExceptionAsUi(edited.uuid, { endDate: daysFromToday(300) });
    const cwd = await checkout();
    const drifted = await runJob(workflows.drift, 'drift', context(cwd, 'schedule'));
    // Drift is news, not an error: the plan step passes.
    expect(drifted.step('drift').outcome, describeRun(drifted)).toBe('success');
    expect(drifted.step('drift').exitCode).toBe(0);
    const driftMarkdown = await readFile(path.join(cwd, 'drift.md'), 'utf8');
    expect(driftMarkdown).toContain('team-a-prod-public-ip');
    expect(driftIssues()).toHaveLength(1);
    const [issue] = driftIssues();
    expect(issue).toMatchObject({ state: 'open', title: 'Qualys exceptions drifted from the repository' });
    expect(issue.body.startsWith(`${DRIFT_MARKER}\n`)).toBe(true);
    expect(issue.body).toContain(driftMarkdown.trim());
    // The UI edit is put back as the repository says.
    expect(issue.body).toMatch(/\| 🔁 -\/\+ replace \| team-a-prod-public-ip \|.*endDate: "\d{4}-\d{2}-\d{2}" → "(\d{4}-\d{2}-\d{2})"/);
    expect(issue.body).toContain(`→ "${daysFromToday(200)}"`);
    expect(drifted.summary).toContain(driftMarkdown.trim());

    // Still drifting the next day: the same issue, updated.
    const stillDrifted = await runJob(workflows.drift, 'drift', context(await checkout(), 'schedule'));
    expect(stillDrifted.step('drift').outcome).toBe('success');
    expect(driftIssues()).toHaveLength(1);
    expect(stillDrifted.step('Open or update the drift issue').stdout).toMatch(/^updated issue /);

    // The next apply puts it back; the drift run after it closes the issue.
    expect((await runJob(workflows.apply, 'apply', context(await checkout(), 'workflow_dispatch'))).status).toBe('success');
    const cleanAgain = await runJob(workflows.drift, 'drift', context(await checkout(), 'schedule'));
    expect(cleanAgain.step('Close the drift issue').outcome, describeRun(cleanAgain)).toBe('success');
    expect(issue.state).toBe('closed');
    expect(issue.comments.at(-1)?.body).toContain('Clean again');
    expectNoSecrets(issue.body, drifted.summary, ...issue.comments.map((c) => c.body));
  });

  it('runs the tag stage (npx cvex tag) after the plan, and a clean run is a green job', async () => {
    const checkout = () => makeCheckout({ 'policies/aws.yaml': manifest() });
    expect((await runJob(workflows.apply, 'apply', context(await checkout(), 'push'))).status).toBe('success');
    simulator.resetCounters();
    const run = await runJob(workflows.drift, 'drift', context(await checkout(), 'schedule'));
    expect(run.status, describeRun(run)).toBe('success');
    expect(run.steps.map((s) => `${s.id ?? s.name}: ${s.outcome}`)).toEqual([
      'actions/checkout@v4: success',
      'actions/setup-node@v4: success',
      'npm ci: success',
      'drift: success',
      'Open or update the drift issue: skipped',
      'Close the drift issue: success',
      'Tag stage: success',
      'Exceptions ending soon: success',
    ]);
    expect(run.step('Tag stage').script).toBe('npx cvex tag');
    expect(run.step('Tag stage').stdout).toMatch(/AWS \/arn:aws:s3:::acme-prod-\.\*\/ → \[cvex-reviewed\].*\d+ evaluations/);
    expect(simulator.counters().byRoute['evaluations.applyTags']).toBe(1);
  });

  it('secrets not set: an error, not drift (only 0 and 2 are answers); no issue is opened', async () => {
    const cwd = await makeCheckout({ 'policies/aws.yaml': manifest() });
    const run = await runJob(workflows.drift, 'drift', { ...context(cwd, 'schedule'), secrets: {} });
    expect(run.status).toBe('failure');
    expect(run.step('drift')).toMatchObject({ outcome: 'failure', exitCode: 1 });
    expect(run.step('drift').stderr).toContain('QUALYS_API_URL');
    expect(run.step('Open or update the drift issue').outcome).toBe('skipped');
    expect(run.step('Close the drift issue').outcome).toBe('skipped');
    expect(github.requests).toEqual([]);
  });

  it('an error (not drift) fails the job and leaves the issue alone', async () => {
    const cwd = await makeCheckout({ 'policies/aws.yaml': manifest() });
    const run = await runJob(workflows.drift, 'drift', { ...context(cwd, 'schedule'), secrets: { QUALYS_API_URL: simulator.url, QUALYS_USERNAME: 'someone', QUALYS_PASSWORD: 'wrong' } });
    expect(run.status).toBe('failure');
    expect(run.step('drift').outcome).toBe('failure');
    expect(run.step('Open or update the drift issue').outcome).toBe('skipped');
    expect(run.step('Close the drift issue').outcome).toBe('skipped');
    expect(github.requests).toEqual([]);
  });
});
