// The renewal workflow (exceptions-renewals.yml calling cvex-renewals.yml), run as the runner would
// in git checkouts of a bare `origin`, against the CloudView simulator and a fake GitHub: one pull
// request per owner within the removal guards, one removing the expired, kept current after every
// merge, a closed one left to lapse, a branch someone else pushed to left alone.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createBareRemote, createScriptedRepo, type ScriptedRepo } from '../git/scripted-repo';
import { loadWorkflow, runWorkflow, type RunContext } from './run-workflow';
import { daysFromToday, describeRun, everything, expectNoSecrets, gitContext, repository, SLOW, useWorld } from './steps-world';

const world = useWorld();
const git = async (cwd: string, ...args: string[]) => (await promisify(execFile)('git', args, { cwd })).stdout.trim();

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

let origin: { dir: string; close(): Promise<void> };
let author: ScriptedRepo;

beforeEach(async () => {
  origin = await createBareRemote();
  author = await createScriptedRepo({ bare: origin.dir });
  const files = repository();
  delete files['policies/aws.yaml'];
  await author.commit('Exceptions of payments and platform', {
    ...files,
    '.gitignore': 'node_modules/\n',
    'cvex.config.yaml': 'version: 1\nowner: team-a\nrepository: acme/exceptions\ntimezone: UTC\nmaxDeletes: 2\nmaxDeletePercent: 50\n',
    'policies/aws.yaml': MANIFEST,
  });
  await push();
});

afterEach(async () => {
  await author.close();
  await origin.close();
});

async function push(): Promise<void> {
  await author.git(['push', '--quiet', 'origin', 'main']);
}

/** A run at main's head: the App's secrets, and the installation token actions/create-github-app-token would mint. */
async function at(eventName: string): Promise<RunContext> {
  const run = gitContext(eventName, origin.dir, await git(origin.dir, 'rev-parse', 'refs/heads/main'));
  // The fake GitHub accepts one token: the App's installation token stands for it.
  return { ...run, secrets: { ...run.secrets, CVEX_APP_ID: '1', CVEX_APP_PRIVATE_KEY: 'unused' }, usesOutputs: { app: { token: world.github.token } } };
}

describe('exceptions-renewals.yml', SLOW, () => {
  it('runs on weekdays, after every push to main and by hand; the job reads only; the App token pushes; the read-only user reports', async () => {
    const { renewals } = world.workflows;
    expect(Object.keys(renewals.on).sort()).toEqual(['push', 'schedule', 'workflow_dispatch']);
    expect(renewals.on.push).toEqual({ branches: ['main'], paths: ['policies/**', 'cvex.config.yaml'] });
    expect(renewals.on.schedule[0].cron).toMatch(/^\d{1,2} 6 \* \* 1-5$/);
    expect(renewals.permissions).toEqual({ contents: 'read' });
    expect(Object.keys(renewals.jobs.renewals.secrets as Record<string, string>).sort()).toEqual(['CVEX_APP_ID', 'CVEX_APP_PRIVATE_KEY', 'QUALYS_READ_PASSWORD', 'QUALYS_READ_USERNAME']);
    const called = await loadWorkflow('cvex-renewals.yml');
    const job = called.jobs.renewals;
    expect(job.permissions).toEqual({ contents: 'read' });
    expect(job.concurrency).toEqual({ group: 'cvex-renewals', 'cancel-in-progress': true });
    expect(job.environment).toBeUndefined();
    const steps = job.steps ?? [];
    expect(steps.find((step) => step.id === 'app')?.uses).toMatch(/^actions\/create-github-app-token@[0-9a-f]{40}$/);
    expect(steps.find((step) => step.id === 'renewals')?.env?.GITHUB_TOKEN).toBe('${{ steps.app.outputs.token }}');
    expect(steps.find((step) => step.name === 'What each exception exempts today')?.env).toMatchObject({ QUALYS_USERNAME: '${{ secrets.QUALYS_READ_USERNAME }}' });
  });

  it('opens one pull request per owner within the guards and one removing the expired; keeps them current; lets a closed one lapse', async () => {
    // The account first (the apply workflow), then an expired exception lands in the repository.
    const applied = await runWorkflow(world.workflows.apply, await at('push'));
    expect(applied.status, describeRun(applied)).toBe('success');
    await author.commit('An exception that already ended', { 'policies/old.yaml': EXPIRED });
    await push();

    const first = await runWorkflow(world.workflows.renewals, await at('schedule'));
    expect(first.status, describeRun(first)).toBe('success');
    const job = first.job('renewals');
    expect(job.secretNames.sort()).toEqual(['CVEX_APP_ID', 'CVEX_APP_PRIVATE_KEY', 'QUALYS_READ_PASSWORD', 'QUALYS_READ_USERNAME']);
    expect(job.step('What each exception exempts today').outcome).toBe('success');
    const output = job.step('renewals').stdout;
    const pulls = () => [...world.github.pulls.values()];
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
    // What each exempts today, from `cvex report` with the read-only user: two CONNECTOR exceptions
    // on one account and control; the report counts the evaluations once, for the first by name.
    expect(payments.body).toMatch(/\| pay-cards \|.*\| [1-9]\d* evaluations? \(ACTIVE\) \| policies\/aws\.yaml:15 \|/);
    expect(payments.body).toMatch(/\| pay-logs \|.*\| nothing \(stale, ACTIVE\) \| policies\/aws\.yaml:7 \|/);
    expect(openPull('cvex/remove-expired')!.body).toContain('| old-bucket | storage |');
    expectNoSecrets(everything(first), ...pulls().map((pull) => pull.body));

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
    const again = await runWorkflow(world.workflows.renewals, await at('schedule'));
    expect(again.status, describeRun(again)).toBe('success');
    expect(again.job('renewals').step('renewals').stdout.match(/^unchanged /gm)).toHaveLength(4);
    expect(await git(origin.dir, 'rev-parse', 'refs/heads/cvex/renew/payments-team')).toBe(branchHead);

    // A reviewer merges part 1 (GitHub's merge commit), and closes the platform one to let it lapse.
    await author.git(['fetch', '--quiet', 'origin', 'cvex/renew/payments-team']);
    await author.git(['merge', '--quiet', '--no-ff', '-m', `Merge pull request #${payments.number} from acme/cvex/renew/payments-team`, 'FETCH_HEAD']);
    await push();
    Object.assign(payments, { state: 'closed', merged: true });
    Object.assign(openPull('cvex/renew/platform-security')!, { state: 'closed' });

    const afterMerge = await runWorkflow(world.workflows.renewals, await at('push'));
    expect(afterMerge.status, describeRun(afterMerge)).toBe('success');
    const log = afterMerge.job('renewals').step('renewals').stdout;
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
    expect(afterMerge.job('renewals').summary).toMatch(/^### cvex renewals: succeeded\n/);
  });

  it('leaves a branch someone else pushed to alone', async () => {
    const first = await runWorkflow(world.workflows.renewals, await at('schedule'));
    expect(first.status, describeRun(first)).toBe('success');
    await author.git(['fetch', '--quiet', 'origin', 'cvex/renew/platform-security']);
    await author.git(['checkout', '--quiet', '-b', 'edit', 'FETCH_HEAD']);
    await author.commit('Renew only until the audit', { 'policies/aws.yaml': (await readFile(path.join(author.dir, 'policies/aws.yaml'), 'utf8')).replace('# Payments', '# The payments') });
    await author.git(['push', '--quiet', 'origin', 'edit:cvex/renew/platform-security']);
    await author.git(['checkout', '--quiet', 'main']);
    const edited = await git(origin.dir, 'rev-parse', 'refs/heads/cvex/renew/platform-security');
    const again = await runWorkflow(world.workflows.renewals, await at('schedule'));
    expect(again.job('renewals').step('renewals').stdout).toMatch(/^edited-by-someone +cvex\/renew\/platform-security: someone else pushed/m);
    expect(await git(origin.dir, 'rev-parse', 'refs/heads/cvex/renew/platform-security')).toBe(edited);
  });

  it('a run by hand from another branch proposes nothing', async () => {
    const run = await runWorkflow(world.workflows.renewals, { ...(await at('workflow_dispatch')), ref: 'refs/heads/feature' });
    expect(run.job('renewals').status).toBe('skipped');
    expect(world.github.requests).toEqual([]);
  });
});
