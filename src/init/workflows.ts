// The four caller workflows of a policy repository: each calls one reusable workflow of cvex
// (plan, apply, drift, renewals) at the version the repository pins. The tool's own repository runs the very
// same text with local references, so what `cvex init` writes is what this repository runs.
import { driftCron, renewalsCron } from './schedule';

export type ReusableWorkflow = 'cvex-plan.yml' | 'cvex-apply.yml' | 'cvex-drift.yml' | 'cvex-tag.yml' | 'cvex-renewals.yml';

export interface CallerOptions {
  /** How `uses:` names a reusable workflow, e.g. `org/repo/.github/workflows/cvex-plan.yml@v1.2.3`. */
  reusable: (file: ReusableWorkflow) => string;
  /** Owner slug: the drift schedule's minute is derived from it. */
  owner: string;
}

export const CALLER_FILES = {
  plan: '.github/workflows/exceptions-plan.yml',
  apply: '.github/workflows/exceptions-apply.yml',
  drift: '.github/workflows/exceptions-drift.yml',
  renewals: '.github/workflows/exceptions-renewals.yml',
} as const;

/** `uses:` of a reusable workflow of the published cvex at `version`. */
export function publishedReusable(repository: string, version: string): (file: ReusableWorkflow) => string {
  return (file) => `${repository}/.github/workflows/${file}@v${version}`;
}

/** `uses:` of a reusable workflow in the same repository and commit (cvex's own repository). */
export function localReusable(file: ReusableWorkflow): string {
  return `./.github/workflows/${file}`;
}

const TRIGGER_PATHS = ['      - "policies/**"', '      - "cvex.config.yaml"'];

export function planCaller({ reusable }: CallerOptions): string {
  return [
    '# Pull requests that change the exceptions: validate them, plan them against Qualys with the',
    '# read-only credentials, and keep one comment on the pull request up to date. The steps are in',
    '# the reusable workflow; the tool comes from the base branch, never from the pull request.',
    'name: exceptions-plan',
    '',
    'on:',
    '  pull_request:',
    '    paths:',
    ...TRIGGER_PATHS,
    '',
    'permissions:',
    '  contents: read',
    '  pull-requests: write',
    '',
    'jobs:',
    '  plan:',
    `    uses: ${reusable('cvex-plan.yml')}`,
    '    # Read-only credentials only: a pull request never gets the ones that write.',
    '    secrets:',
    '      QUALYS_READ_USERNAME: ${{ secrets.QUALYS_READ_USERNAME }}',
    '      QUALYS_READ_PASSWORD: ${{ secrets.QUALYS_READ_PASSWORD }}',
    '',
  ].join('\n');
}

export function applyCaller({ reusable }: CallerOptions): string {
  return [
    '# A merge to main applies the repository to Qualys, in the environment qualys-production (which',
    '# alone holds the write credentials and the signing key), records the apply as a git note on the',
    '# applied commit, and reports to every pull request the run applied. One apply at a time; a run',
    '# by hand applies main only.',
    'name: exceptions-apply',
    '',
    'on:',
    '  push:',
    '    branches: [main]',
    '    paths:',
    ...TRIGGER_PATHS,
    '  workflow_dispatch:',
    '',
    'permissions:',
    '  contents: read',
    '',
    'jobs:',
    '  apply:',
    "    if: ${{ github.ref == 'refs/heads/main' }}",
    `    uses: ${reusable('cvex-apply.yml')}`,
    '    # contents: write pushes the apply records (refs/notes/cvex; main stays protected);',
    '    # pull-requests: write comments the result on the pull requests applied.',
    '    permissions:',
    '      contents: write',
    '      pull-requests: write',
    '    # The write credentials are secrets of the environment qualys-production, which the reusable',
    '    # job runs in; nothing here passes them.',
    '',
  ].join('\n');
}

export function driftCaller({ reusable, owner }: CallerOptions): string {
  return [
    '# Every day: plan against the live account with the read-only credentials. Drift opens or',
    '# updates one issue labelled cvex-drift, a clean plan closes it. Skipped while an apply is queued',
    '# or running. Then the tag stage, a job of its own in qualys-production (the write credentials),',
    '# after a plan that answered: 0 clean or 2 drift.',
    'name: exceptions-drift',
    '',
    'on:',
    '  schedule:',
    `    # The minute comes from a hash of the owner, so repositories sharing a subscription spread out.`,
    `    - cron: "${driftCron(owner)}"`,
    '  workflow_dispatch:',
    '',
    'permissions:',
    '  contents: read',
    '  issues: write',
    '  actions: read',
    '',
    'jobs:',
    '  drift:',
    "    if: ${{ github.ref == 'refs/heads/main' }}",
    `    uses: ${reusable('cvex-drift.yml')}`,
    '    with:',
    '      apply-workflow: exceptions-apply.yml',
    '      # Opt in to mentions on drift comments: handles listed in .github/CODEOWNERS only.',
    '      mention: ""',
    '    secrets:',
    '      QUALYS_READ_USERNAME: ${{ secrets.QUALYS_READ_USERNAME }}',
    '      QUALYS_READ_PASSWORD: ${{ secrets.QUALYS_READ_PASSWORD }}',
    '  tag:',
    '    needs: drift',
    "    if: ${{ github.ref == 'refs/heads/main' && (needs.drift.outputs.plan-exitcode == '0' || needs.drift.outputs.plan-exitcode == '2') }}",
    `    uses: ${reusable('cvex-tag.yml')}`,
    '',
  ].join('\n');
}

export function renewalsCaller({ reusable, owner }: CallerOptions): string {
  return [
    '# Renewal pull requests, as Dependabot opens them for dependencies: every weekday and after every',
    '# push to main (so they never conflict), one pull request per metadata.owner for the exceptions',
    '# ending within the window, and one that removes those already expired. A GitHub App opens them',
    '# (CVEX_APP_ID, CVEX_APP_PRIVATE_KEY), so they get their plan like any other pull request.',
    'name: exceptions-renewals',
    '',
    'on:',
    '  schedule:',
    `    # The minute comes from a hash of the owner, so repositories sharing a subscription spread out.`,
    `    - cron: "${renewalsCron(owner)}"`,
    '  push:',
    '    branches: [main]',
    '    paths:',
    ...TRIGGER_PATHS,
    '  workflow_dispatch:',
    '',
    'permissions:',
    '  contents: read',
    '',
    'jobs:',
    '  renewals:',
    "    if: ${{ github.ref == 'refs/heads/main' }}",
    `    uses: ${reusable('cvex-renewals.yml')}`,
    '    with:',
    '      # Exceptions ending within this window are renewed by this much (days d, weeks w).',
    '      within: 30d',
    '      by: 90d',
    '    # The App that opens the pull requests, and the read-only credentials for what each exempts today.',
    '    secrets:',
    '      CVEX_APP_ID: ${{ secrets.CVEX_APP_ID }}',
    '      CVEX_APP_PRIVATE_KEY: ${{ secrets.CVEX_APP_PRIVATE_KEY }}',
    '      QUALYS_READ_USERNAME: ${{ secrets.QUALYS_READ_USERNAME }}',
    '      QUALYS_READ_PASSWORD: ${{ secrets.QUALYS_READ_PASSWORD }}',
    '',
  ].join('\n');
}

export function callerWorkflows(options: CallerOptions): Record<string, string> {
  return {
    [CALLER_FILES.plan]: planCaller(options),
    [CALLER_FILES.apply]: applyCaller(options),
    [CALLER_FILES.drift]: driftCaller(options),
    [CALLER_FILES.renewals]: renewalsCaller(options),
  };
}
