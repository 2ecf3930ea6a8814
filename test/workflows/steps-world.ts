// What the workflow step tests (steps-plan, steps-apply, steps-drift) share: a policy repository
// shaped as `cvex init` writes it, a CloudView simulator and a fake GitHub per test, the context
// the runner gives a job, and what to look for in the results. Each caller workflow runs with the
// reusable workflows it calls, as the runner would (same commands, same env, parsed from the YAML).
import { afterEach, beforeAll, beforeEach, expect } from 'vitest';
import { localDateOf } from '../../src/model/dates';
import { DEFAULT_SIM_PASSWORD, DEFAULT_SIM_USER, type Simulator, startSimulator } from '../../src/simulator';
import { type FakeGitHub, startFakeGitHub } from './fake-github';
import { assertBuilt, type JobRun, loadWorkflow, type RunContext, type Workflow, type WorkflowRun } from './run-workflow';

export const BASE_SHA = 'ba5e000000000000000000000000000000000001';
export const SHA = 'c0ffee0000000000000000000000000000000042';
export const PLAN_MARKER = '<!-- cvex-plan -->';
export const DRIFT_MARKER = '<!-- cvex-drift -->';
// Repository-level secrets a team might have left from an older setup: plan and drift never get them.
export const STRAY_WRITE_PASSWORD = 'repository-level-write-password';

export function daysFromToday(days: number): string {
  return localDateOf(new Date(Date.now() + days * 86_400_000), 'UTC');
}

export interface ManifestOptions {
  extra?: boolean;
  invalid?: boolean;
}

export function manifest({ extra = false, invalid = false }: ManifestOptions = {}): string {
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
export function repository(options: ManifestOptions & { config?: string } = {}): Record<string, string> {
  return {
    'package.json': '{ "name": "exceptions", "private": true, "devDependencies": { "@cloudview-exceptions/cvex": "0.0.0-test" } }\n',
    'package-lock.json': '{}\n',
    'cvex.config.yaml': options.config ?? 'version: 1\nowner: team-a\nrepository: acme/exceptions\ntimezone: UTC\n',
    '.github/CODEOWNERS': '/policies/ @acme/security\n/cvex.config.yaml @acme/security\n',
    'policies/aws.yaml': manifest(options),
  };
}

/** The simulator, fake GitHub and workflows of the running test; `useWorld()` sets them up. */
export const world = {} as { simulator: Simulator; github: FakeGitHub; workflows: Record<'plan' | 'apply' | 'drift' | 'renewals', Workflow> };

/** Registers the hooks: the workflows once, a fresh simulator and fake GitHub for every test. */
export function useWorld(): typeof world {
  beforeAll(async () => {
    assertBuilt();
    world.workflows = {
      plan: await loadWorkflow('exceptions-plan.yml'),
      apply: await loadWorkflow('exceptions-apply.yml'),
      drift: await loadWorkflow('exceptions-drift.yml'),
      renewals: await loadWorkflow('exceptions-renewals.yml'),
    };
  });
  beforeEach(async () => {
    world.simulator = await startSimulator();
    world.github = await startFakeGitHub();
  });
  afterEach(async () => {
    await world.simulator.close();
    await world.github.close();
  });
  return world;
}

export function context(eventName: string, commits: Record<string, Record<string, string>>, event: Record<string, unknown> = {}): RunContext {
  return {
    eventName,
    event,
    ref: eventName === 'pull_request' ? 'refs/pull/7/merge' : 'refs/heads/main',
    token: world.github.token,
    // As docs/gitops.md tells a team to set them up.
    secrets: {
      QUALYS_READ_USERNAME: DEFAULT_SIM_USER,
      QUALYS_READ_PASSWORD: DEFAULT_SIM_PASSWORD,
      QUALYS_USERNAME: 'stray-writer',
      QUALYS_PASSWORD: STRAY_WRITE_PASSWORD,
    },
    environments: { 'qualys-production': { QUALYS_USERNAME: DEFAULT_SIM_USER, QUALYS_PASSWORD: DEFAULT_SIM_PASSWORD } },
    vars: { QUALYS_API_URL: world.simulator.url },
    commits,
    runnerEnv: {
      GITHUB_REPOSITORY: world.github.repository,
      GITHUB_API_URL: world.github.url,
      GITHUB_SERVER_URL: 'https://github.example',
      GITHUB_SHA: SHA,
      GITHUB_RUN_ID: '4242',
      GITHUB_RUN_ATTEMPT: '1',
      GITHUB_ACTOR: 'octo-reviewer',
    },
  };
}

/**
 * The context of a run whose `actions/checkout` clones the git repository `origin` (bare, as GitHub
 * holds it) at `sha`: for the steps that read the history, the trailers or the git notes.
 */
export function gitContext(eventName: string, origin: string, sha: string, event: Record<string, unknown> = {}): RunContext {
  const base = context(eventName, {}, event);
  return { ...base, origin, runnerEnv: { ...base.runnerEnv, GITHUB_SHA: sha } };
}

export function pullRequestEvent(number: number, { fork = false, user = 'octo-author' } = {}) {
  return { pull_request: { number, head: { repo: { fork } }, base: { sha: BASE_SHA, ref: 'main' }, user: { login: user } } };
}

export function describeRun(run: WorkflowRun | JobRun): string {
  const jobs = 'jobs' in run ? Object.entries(run.jobs) : [['job', run] as const];
  return jobs
    .map(([name, job]) => `[${name}: ${job.status}]\n${job.steps.map((s) => `${s.outcome.padEnd(7)} ${s.id ?? s.name}${s.exitCode ? ` (exit ${s.exitCode})` : ''}\n${s.stdout}${s.stderr}`).join('\n')}`)
    .join('\n');
}

export function everything(run: WorkflowRun): string {
  return Object.values(run.jobs)
    .flatMap((job) => [job.summary, ...job.steps.flatMap((s) => [s.stdout, s.stderr])])
    .join('\n');
}

/** The drift caller with `mention:` set, as a team opting in would write it. */
export function mentioning(workflow: Workflow, mention: string): Workflow {
  return { ...workflow, jobs: { ...workflow.jobs, drift: { ...workflow.jobs.drift, with: { ...workflow.jobs.drift.with, mention } } } };
}

export function withoutTag(workflow: Workflow): Workflow {
  const { tag: _tag, ...jobs } = workflow.jobs;
  return { ...workflow, jobs };
}

export function expectNoSecrets(...texts: string[]): void {
  for (const text of texts) {
    expect(text).not.toContain(DEFAULT_SIM_PASSWORD);
    expect(text).not.toContain(STRAY_WRITE_PASSWORD);
  }
}

// Each case spawns dozens of `node` processes; leave room on a loaded two-core machine.
export const SLOW = { timeout: 240_000 };

