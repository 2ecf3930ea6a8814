// The files `cvex init` writes, as text. Pure: the answers in, the files out.
import type { PackageIdentity } from './package-identity';
import { callerWorkflows, publishedReusable } from './workflows';

export interface InitAnswers {
  owner: string;
  /** `org/name` on GitHub. */
  repository: string;
  timezone: string;
  /** Qualys platform id (US2, EU1, ...), when known. */
  platform?: string;
  /** GitHub users or teams who review exceptions, e.g. `@acme/security`; empty: a suggestion only. */
  reviewers: string[];
}

/** A schema of the installed package (after `npm ci`), as a relative path from the folder `from`. */
export function installedSchemaPath(identity: PackageIdentity, file: string, from: string): string {
  const up = from.split('/').filter(Boolean).map(() => '..');
  return [...up, 'node_modules', ...identity.name.split('/'), 'schemas', file].join('/');
}

export function packageJsonText(answers: InitAnswers, identity: PackageIdentity): string {
  const name = answers.repository.split('/')[1].toLowerCase().replace(/[^a-z0-9._-]/g, '-');
  const json = {
    name,
    private: true,
    description: `Qualys CloudView exceptions of ${answers.repository}, kept as code with cvex`,
    // One exact version: the reusable workflows check that the installed cvex is theirs, and
    // Dependabot bumps both in one pull request.
    devDependencies: { [identity.name]: identity.version },
  };
  return `${JSON.stringify(json, null, 2)}\n`;
}

export function configText(answers: InitAnswers, identity: PackageIdentity): string {
  return [
    `# yaml-language-server: $schema=${installedSchemaPath(identity, 'config.schema.json', '')}`,
    '# cvex settings of this repository; every key is described in the schema above.',
    'version: 1',
    '# In the marker of every exception this repository creates: two repositories, two owners.',
    `owner: ${answers.owner}`,
    `repository: ${answers.repository}`,
    "# The subscription's time zone (Qualys Administration module): dates are compared in it.",
    `timezone: ${answers.timezone}`,
    answers.platform ? `platform: ${answers.platform}` : '# platform: US2    # or the repository variable QUALYS_PLATFORM or QUALYS_API_URL',
    'manifests: ["policies/**/*.yaml"]',
    'maxDeletes: 10',
    'maxDeletePercent: 25',
    '',
  ].join('\n');
}

export function exampleManifestText(identity: PackageIdentity): string {
  return [
    `# yaml-language-server: $schema=${installedSchemaPath(identity, 'exception-manifest.schema.json', 'policies')}`,
    '# One file per team or cloud; every *.yaml under policies/ is read. This one declares no exception,',
    '# so the first push plans "No changes". To add some, replace `exceptions: []` with a list like the',
    '# commented one below. Every field: docs/manifests.md of cvex.',
    'version: 1',
    'defaults:',
    '  cloudType: AWS',
    '  exceptionReason: Risk Accepted',
    'exceptions: []',
    '# exceptions:',
    '#   - name: aws-prod-bastion-ssh',
    '#     exceptionScope: RESOURCE',
    '#     explanation: Bastion SSH stays reachable until the client VPN replaces it.',
    '#     startDate: 2026-11-01',
    '#     endDate: 2027-02-28',
    '#     controlIds: [67]',
    '#     resources:',
    '#       - { resourceId: "arn:aws:ec2:us-east-1:123456789012:security-group/sg-0a1b2c3d4e5f60718", accountId: "123456789012" }',
    '#     metadata: { owner: platform-security, ticket: SEC-1042 }',
    '',
  ].join('\n');
}

export function dependabotText(): string {
  return [
    '# cvex is two things here: the npm package and its reusable workflows, at one version. One',
    '# multi-ecosystem group bumps both in one pull request, so they never disagree (the reusable',
    '# workflows refuse a cvex of another version). The callers use no other action.',
    'version: 2',
    'multi-ecosystem-groups:',
    '  cvex:',
    '    schedule:',
    '      interval: weekly',
    'updates:',
    '  - package-ecosystem: npm',
    '    directory: /',
    '    patterns: ["*"]',
    '    multi-ecosystem-group: cvex',
    '  - package-ecosystem: github-actions',
    '    directory: /',
    '    patterns: ["*"]',
    '    multi-ecosystem-group: cvex',
    '',
  ].join('\n');
}

export function codeownersText(answers: InitAnswers): string {
  const paths = ['/policies/', '/cvex.config.yaml', '/.github/', '/package.json', '/package-lock.json'];
  const header = [
    '# Who must approve a change. A push to main is an apply: every file that decides what reaches',
    '# Qualys (the manifests, the config, the workflows, the pinned cvex) needs the reviewers.',
    '# Turn on "Require review from Code Owners" in the branch ruleset of main.',
  ];
  if (answers.reviewers.length === 0) {
    return [...header, '# Replace @your-org/security-team and remove the "# " below.', ...paths.map((p) => `# ${p.padEnd(20)} @your-org/security-team`), ''].join('\n');
  }
  return [...header, ...paths.map((p) => `${p.padEnd(20)} ${answers.reviewers.join(' ')}`), ''].join('\n');
}

export function gitignoreText(): string {
  return [
    'node_modules/',
    '# what the workflows and a local run leave behind',
    'plan.json',
    'plan.md',
    'drift.json',
    'drift.md',
    'apply.txt',
    'apply-report.json',
    'audit.jsonl',
    'coverage.json',
    'renewals.txt',
    '.cvex/',
    '',
  ].join('\n');
}

/** Every file `cvex init` writes, by path relative to the repository root. */
export function initFiles(answers: InitAnswers, identity: PackageIdentity): Record<string, string> {
  return {
    'package.json': packageJsonText(answers, identity),
    'cvex.config.yaml': configText(answers, identity),
    'policies/example.yaml': exampleManifestText(identity),
    ...callerWorkflows({ owner: answers.owner, reusable: publishedReusable(identity.repository, identity.version) }),
    '.github/dependabot.yml': dependabotText(),
    '.github/CODEOWNERS': codeownersText(answers),
    '.gitignore': gitignoreText(),
  };
}
