// The apply workflow's record in git notes, and the renewal workflow, run step by step as the
// runner would (test/workflows/run-workflow.ts) in real git checkouts of a bare `origin`, against
// the CloudView simulator and a fake GitHub.
import { execFile } from 'node:child_process';
import { appendFile, mkdtemp, readFile, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseApplyRecords } from '../../src/audit/apply-record';
import { localDateOf } from '../../src/model/dates';
import { DEFAULT_SIM_PASSWORD, DEFAULT_SIM_USER, type Simulator, startSimulator } from '../../src/simulator';
import { createBareRemote, createScriptedRepo, type ScriptedRepo } from '../git/scripted-repo';
import { type FakeGitHub, startFakeGitHub } from './fake-github';
import { assertBuilt, type JobRun, loadWorkflow, REPO_ROOT, type RunContext, runJob, type Workflow } from './run-workflow';

const run = promisify(execFile);
const git = async (cwd: string, ...args: string[]) => (await run('git', args, { cwd })).stdout.trim();

function daysFromToday(days: number): string {
  return localDateOf(new Date(Date.now() + days * 86_400_000), 'UTC');
}

function exception(name: string, owner: string, endInDays: number, startInDays = -10): string[] {
  return [
    `  - name: ${name}`,
    '    exceptionScope: CONNECTOR',
    `    explanation: ${name} is accepted.`,
    `    startDate: "${daysFromToday(startInDays)}"`,
    `    endDate: "${daysFromToday(endInDays)}"`,
    '    controlIds: [2]',
    '    accountIds: ["123456789012"]',
    `    metadata: { owner: "${owner}", ticket: SEC-${name.length} }`,
  ];
}

const MANIFEST = [
  '# Payments and platform exceptions; comments stay where they are.',
  'version: 1',
  'defaults:',
  '  cloudType: AWS',
  '  exceptionReason: Risk Accepted',
  'exceptions:',
  ...exception('pay-logs', '@payments-team', 10),
  ...exception('pay-cards', '@payments-team', 12),
  ...exception('pay-keys', '@payments-team', 20),
  ...exception('sec-bastion', 'platform-security', 15),
  ...exception('sec-later', 'platform-security', 200),
  '',
].join('\n');

const EXPIRED = ['version: 1', 'defaults:', '  cloudType: AWS', '  exceptionReason: Risk Accepted', 'exceptions:', ...exception('old-bucket', 'storage', -5, -40), ''].join('\n');

let simulator: Simulator;
let github: FakeGitHub;
let origin: { dir: string; close(): Promise<void> };
let author: ScriptedRepo;
let workflows: Record<'apply' | 'renewals', Workflow>;

beforeAll(async () => {
  assertBuilt();
  workflows = { apply: await loadWorkflow('exceptions-apply.yml'), renewals: await loadWorkflow('exceptions-renewals.yml') };
});

beforeEach(async () => {
  simulator = await startSimulator();
  github = await startFakeGitHub('acme/exceptions');
  origin = await createBareRemote();
  author = await createScriptedRepo({ bare: origin.dir });
  await author.commit('Exceptions of payments and platform', { 'cvex.config.yaml': 'version: 1\nmaxDeletes: 2\nmaxDeletePercent: 50\n', 'policies/aws.yaml': MANIFEST });
  await author.git(['push', '--quiet', 'origin', 'main']);
});

afterEach(async () => {
  await simulator.close();
  await github.close();
  await author.close();
  await origin.close();
});

/** What actions/checkout leaves: a clone of origin at main, plus the tool's scripts and modules. */
async function checkout(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'cvex-runner-checkout-'));
  await run('git', ['clone', '--quiet', '--branch', 'main', origin.dir, dir]);
  await symlink(path.join(REPO_ROOT, 'scripts'), path.join(dir, 'scripts'));
  await symlink(path.join(REPO_ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  await appendFile(path.join(dir, '.git/info/exclude'), 'scripts\nnode_modules\n');
  return dir;
}

async function context(cwd: string, eventName: string): Promise<RunContext> {
  return {
    cwd,
    eventName,
    event: {},
    token: github.token,
    secrets: { QUALYS_API_URL: simulator.url, QUALYS_USERNAME: DEFAULT_SIM_USER, QUALYS_PASSWORD: DEFAULT_SIM_PASSWORD, CVEX_APP_ID: '1', CVEX_APP_PRIVATE_KEY: 'unused' },
    runnerEnv: {
      GITHUB_REPOSITORY: github.repository,
      GITHUB_API_URL: github.url,
      GITHUB_SERVER_URL: 'https://github.example',
      GITHUB_SHA: await git(cwd, 'rev-parse', 'HEAD'),
      GITHUB_RUN_ID: '77',
      GITHUB_ACTOR: 'octo-merger',
    },
    // The App's installation token, as actions/create-github-app-token would mint it.
    usesOutputs: { app: { token: github.token } },
  };
}

function describeRun(job: JobRun): string {
  return job.steps.map((step) => `${step.outcome.padEnd(7)} ${step.id ?? step.name}${step.exitCode ? ` (exit ${step.exitCode})` : ''}\n${step.stdout}${step.stderr}`).join('\n');
}

const SLOW = { timeout: 180_000 };

describe('exceptions-apply.yml records each apply in git', SLOW, () => {
  it('holds contents: write for the notes only in the apply job, fetches the records first and pushes the new one', async () => {
    expect(workflows.apply.permissions).toEqual({ contents: 'read' });
    expect((workflows.apply.jobs.apply as { permissions?: unknown }).permissions).toEqual({ contents: 'write' });
    const cwd = await checkout();
    const job = await runJob(workflows.apply, 'apply', await context(cwd, 'push'));
    expect(job.status, describeRun(job)).toBe('success');
    expect(job.step('apply').stdout).toContain('Recorded in git: a note on');
    expect(job.step('Push the apply record').stdout).toBe('Pushed refs/notes/cvex to origin.\n');
    const head = await git(cwd, 'rev-parse', 'HEAD');
    const [record] = parseApplyRecords(await git(origin.dir, 'notes', '--ref=refs/notes/cvex', 'show', head));
    expect(record).toMatchObject({ commit: head, actor: 'octo-merger', outcome: 'succeeded', summary: { succeeded: 5, failed: 0 } });
    expect(JSON.stringify(record)).not.toContain(DEFAULT_SIM_PASSWORD);

    // The next merge's apply names the range since this one.
    await author.git(['pull', '--quiet', 'origin', 'main']);
    await author.commit('Renew pay-logs', { 'policies/aws.yaml': MANIFEST.replace(`endDate: "${daysFromToday(10)}"`, `endDate: "${daysFromToday(40)}"`) });
    await author.git(['push', '--quiet', 'origin', 'main']);
    const next = await checkout();
    const second = await runJob(workflows.apply, 'apply', await context(next, 'push'));
    expect(second.status, describeRun(second)).toBe('success');
    expect(second.step('Fetch the apply records').stdout).toContain('Fetched refs/notes/cvex from origin');
    const nextHead = await git(next, 'rev-parse', 'HEAD');
    const [renewal] = parseApplyRecords(await git(origin.dir, 'notes', '--ref=refs/notes/cvex', 'show', nextHead));
    expect(renewal).toMatchObject({ range: { from: head, to: nextHead }, changes: [{ action: 'replace', name: 'pay-logs', result: 'succeeded' }] });
  });
});

describe('exceptions-renewals.yml', SLOW, () => {
  it('runs on a schedule, after every push to main and by hand; reads only, pushes with the App token', () => {
    const { renewals } = workflows;
    expect(Object.keys(renewals.on).sort()).toEqual(['push', 'schedule', 'workflow_dispatch']);
    expect(renewals.on.push).toEqual({ branches: ['main'], paths: ['policies/**', 'cvex.config.yaml'] });
    expect(renewals.permissions).toEqual({ contents: 'read' });
    expect(renewals.concurrency).toEqual({ group: 'cvex-renewals', 'cancel-in-progress': true });
    const steps = renewals.jobs.renewals.steps;
    expect(steps.find((step) => step.id === 'app')?.uses).toMatch(/^actions\/create-github-app-token@/);
    expect(steps.find((step) => step.id === 'renewals')?.env?.GITHUB_TOKEN).toBe('${{ steps.app.outputs.token }}');
  });

  it('opens one pull request per owner within the guards and one removing the expired; keeps them current; lets a closed one lapse', async () => {
    // The account first (the apply workflow), then an expired exception lands in the repository.
    expect((await runJob(workflows.apply, 'apply', await context(await checkout(), 'push'))).status).toBe('success');
    await author.git(['pull', '--quiet', 'origin', 'main']);
    await author.commit('An exception that already ended', { 'policies/old.yaml': EXPIRED });
    await author.git(['push', '--quiet', 'origin', 'main']);

    const first = await runJob(workflows.renewals, 'renewals', await context(await checkout(), 'schedule'));
    expect(first.status, describeRun(first)).toBe('success');
    const output = first.step('renewals').stdout;
    const pulls = () => [...github.pulls.values()];
    const openPull = (branch: string) => pulls().find((pull) => pull.head.ref === branch && pull.state === 'open');
    // maxDeletes 2, 50% of 5 managed: two renewals per pull request.
    expect(pulls().map((pull) => [pull.head.ref, pull.base.ref, pull.title])).toEqual([
      ['cvex/renew/payments-team', 'main', `Renew 2 exceptions of payments-team ending by ${daysFromToday(12)} (part 1 of 2)`],
      ['cvex/renew/payments-team-part-2', 'main', `Renew 1 exception of payments-team ending by ${daysFromToday(20)} (part 2 of 2)`],
      ['cvex/renew/platform-security', 'main', `Renew 1 exception of platform-security ending by ${daysFromToday(15)}`],
      ['cvex/remove-expired', 'main', 'Remove 1 expired exception from the repository'],
    ]);
    expect(output).toMatch(/^opened +cvex\/renew\/payments-team #\d+$/m);
    const payments = openPull('cvex/renew/payments-team')!;
    expect(payments.body).toContain(`| pay-logs | @&#8203;payments-team | SEC-8 | ${daysFromToday(10)} | 10 | ${daysFromToday(100)} |`);
    // What each exempts today, from `cvex report`: two CONNECTOR exceptions on one account and
    // control; the report counts the evaluations once, for the first by name.
    expect(payments.body).toMatch(/\| pay-cards \|.*\| [1-9]\d* evaluations? \(ACTIVE\) \| policies\/aws\.yaml:15 \|/);
    expect(payments.body).toMatch(/\| pay-logs \|.*\| nothing \(stale, ACTIVE\) \| policies\/aws\.yaml:7 \|/);
    expect(openPull('cvex/remove-expired')!.body).toContain('| old-bucket | storage |');

    // The branch holds exactly the renewal: two dates changed, nothing else in the file.
    await author.git(['fetch', '--quiet', 'origin', 'cvex/renew/payments-team']);
    const renewed = await author.git(['show', 'FETCH_HEAD:policies/aws.yaml']);
    expect(`${renewed}\n`).toBe(
      MANIFEST.replace(`endDate: "${daysFromToday(10)}"`, `endDate: "${daysFromToday(100)}"`).replace(`endDate: "${daysFromToday(12)}"`, `endDate: "${daysFromToday(102)}"`),
    );
    expect(await author.git(['log', '-1', '--format=%an <%ae>%n%s', 'FETCH_HEAD'])).toBe(
      `cvex renewals <cvex-renewals@users.noreply.github.com>\nRenew 2 exceptions of payments-team ending by ${daysFromToday(12)} (part 1 of 2)`,
    );
    await author.git(['fetch', '--quiet', 'origin', 'cvex/remove-expired']);
    expect(await author.git(['show', 'FETCH_HEAD:policies/old.yaml'])).toBe('version: 1\ndefaults:\n  cloudType: AWS\n  exceptionReason: Risk Accepted\nexceptions: []');

    // Nothing moved: nothing pushed, nothing edited.
    const branchHead = await git(origin.dir, 'rev-parse', 'refs/heads/cvex/renew/payments-team');
    const again = await runJob(workflows.renewals, 'renewals', await context(await checkout(), 'schedule'));
    expect(again.status, describeRun(again)).toBe('success');
    expect(again.step('renewals').stdout.match(/^unchanged /gm)).toHaveLength(4);
    expect(await git(origin.dir, 'rev-parse', 'refs/heads/cvex/renew/payments-team')).toBe(branchHead);

    // A reviewer merges part 1 (GitHub's merge commit), and closes the platform one to let it lapse.
    await author.git(['pull', '--quiet', 'origin', 'main']);
    await author.git(['fetch', '--quiet', 'origin', 'cvex/renew/payments-team']);
    await author.git(['merge', '--quiet', '--no-ff', '-m', `Merge pull request #${payments.number} from acme/cvex/renew/payments-team`, 'FETCH_HEAD']);
    await author.git(['push', '--quiet', 'origin', 'main']);
    Object.assign(payments, { state: 'closed', merged: true });
    Object.assign(openPull('cvex/renew/platform-security')!, { state: 'closed' });

    const afterMerge = await runJob(workflows.renewals, 'renewals', await context(await checkout(), 'push'));
    expect(afterMerge.status, describeRun(afterMerge)).toBe('success');
    const log = afterMerge.step('renewals').stdout;
    // pay-keys is all that is left for payments: part 1 now, on the part-1 branch, in a new pull request.
    expect(log).toMatch(/^opened +cvex\/renew\/payments-team #\d+$/m);
    expect(log).toMatch(/^closed +cvex\/renew\/payments-team-part-2 #\d+$/m);
    expect(log).toMatch(/^lapsed +cvex\/renew\/platform-security: a pull request for exactly these renewals was closed unmerged/m);
    const regenerated = openPull('cvex/renew/payments-team')!;
    expect(regenerated.number).not.toBe(payments.number);
    expect(regenerated.title).toBe(`Renew 1 exception of payments-team ending by ${daysFromToday(20)}`);
    expect(openPull('cvex/renew/payments-team-part-2')).toBeUndefined();
    expect(openPull('cvex/renew/platform-security')).toBeUndefined();
    await expect(git(origin.dir, 'rev-parse', '--verify', 'refs/heads/cvex/renew/payments-team-part-2')).rejects.toThrow();
    expect(afterMerge.summary).toMatch(/^### cvex renewals: succeeded\n/);
  });

  it('leaves a branch someone else pushed to alone', async () => {
    const first = await runJob(workflows.renewals, 'renewals', await context(await checkout(), 'schedule'));
    expect(first.status, describeRun(first)).toBe('success');
    await author.git(['fetch', '--quiet', 'origin', 'cvex/renew/platform-security']);
    await author.git(['checkout', '--quiet', '-b', 'edit', 'FETCH_HEAD']);
    await author.commit('Renew only until the audit', { 'policies/aws.yaml': (await readFile(path.join(author.dir, 'policies/aws.yaml'), 'utf8')).replace('# Payments', '# The payments') });
    await author.git(['push', '--quiet', 'origin', 'edit:cvex/renew/platform-security']);
    const edited = await git(origin.dir, 'rev-parse', 'refs/heads/cvex/renew/platform-security');
    const again = await runJob(workflows.renewals, 'renewals', await context(await checkout(), 'schedule'));
    expect(again.step('renewals').stdout).toMatch(/^edited-by-someone +cvex\/renew\/platform-security: someone else pushed/m);
    expect(await git(origin.dir, 'rev-parse', 'refs/heads/cvex/renew/platform-security')).toBe(edited);
  });
});
