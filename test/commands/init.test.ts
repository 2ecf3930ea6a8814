// `cvex init`: what it asks, what it refuses, what it writes; and the $schema line import writes.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { main } from '../../src/cli/main';
import type { CliIo } from '../../src/command-line/io';
import { parseConfig } from '../../src/config';
import { manifestSchemaReference } from '../../src/import/schema-reference';
import { ownerFromRepository, repositoryFromRemote } from '../../src/init/answers';
import { packageIdentity } from '../../src/init/package-identity';
import { driftCron, renewalsCron, scheduleMinute } from '../../src/init/schedule';
import { loadAndValidate } from '../../src/manifest';

async function init(argv: string[], options: { cwd?: string; answers?: string[]; env?: NodeJS.ProcessEnv } = {}) {
  let stdout = '';
  let stderr = '';
  const questions: string[] = [];
  const answers = [...(options.answers ?? [])];
  const io: CliIo = {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env: options.env ?? {},
    cwd: options.cwd ?? mkdtempSync(path.join(tmpdir(), 'cvex-init-')),
    prompt: options.answers ? async (question) => (questions.push(question), answers.shift() ?? '') : undefined,
  };
  const code = await main(['init', ...argv], io);
  return { code, stdout, stderr, questions, cwd: io.cwd };
}

const FLAGS = ['--repository', 'acme/cloud-exceptions', '--timezone', 'Asia/Kolkata'];

describe('cvex init', () => {
  it('writes a policy repository whose config, manifest and workflows are valid and pinned to this version', async () => {
    const { code, stdout, cwd } = await init(['repo', ...FLAGS, '--platform', 'eu1', '--reviewer', '@acme/security']);
    expect(code).toBe(0);
    const dir = path.join(cwd, 'repo');
    const identity = packageIdentity();
    expect(stdout.split('\n').filter((line) => line.startsWith('wrote ')).map((line) => line.slice(6)).sort()).toEqual(
      [
        '.github/CODEOWNERS',
        '.github/dependabot.yml',
        '.github/workflows/exceptions-apply.yml',
        '.github/workflows/exceptions-drift.yml',
        '.github/workflows/exceptions-plan.yml',
        '.github/workflows/exceptions-renewals.yml',
        '.gitignore',
        'cvex.config.yaml',
        'package.json',
        'policies/example.yaml',
      ].sort(),
    );
    // The next steps name every secret the workflows read, and the key that signs the markers; no key is made.
    for (const name of ['QUALYS_READ_USERNAME', 'QUALYS_USERNAME', 'CVEX_APP_ID', 'CVEX_APP_PRIVATE_KEY']) expect(stdout).toContain(name);
    expect(stdout).toContain('npx --no-install cvex keygen | gh secret set CVEX_SIGNING_KEY --env qualys-production');
    expect(JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')).devDependencies).toEqual({ [identity.name]: identity.version });
    const config = parseConfig(readFileSync(path.join(dir, 'cvex.config.yaml'), 'utf8'), 'cvex.config.yaml');
    expect(config).toMatchObject({ owner: 'cloud-exceptions', repository: 'acme/cloud-exceptions', timezone: 'Asia/Kolkata', platform: 'EU1' });
    // The example declares nothing: the first plan has nothing to do.
    const loaded = await loadAndValidate([], { cwd: dir });
    expect(loaded.findings).toEqual([]);
    expect(loaded.manifests.exceptions).toEqual([]);
    expect(readFileSync(path.join(dir, '.github/CODEOWNERS'), 'utf8')).toMatch(/^\/cvex\.config\.yaml\s+@acme\/security$/m);
    for (const covered of ['/policies/', '/.github/', '/package.json', '/package-lock.json']) expect(readFileSync(path.join(dir, '.github/CODEOWNERS'), 'utf8')).toContain(`${covered} `);
    const dependabot = parse(readFileSync(path.join(dir, '.github/dependabot.yml'), 'utf8'));
    expect(dependabot.updates.map((update: { 'package-ecosystem': string; 'multi-ecosystem-group': string }) => [update['package-ecosystem'], update['multi-ecosystem-group']])).toEqual([
      ['npm', 'cvex'],
      ['github-actions', 'cvex'],
    ]);
    const drift = parse(readFileSync(path.join(dir, '.github/workflows/exceptions-drift.yml'), 'utf8'));
    expect(drift.on.schedule).toEqual([{ cron: driftCron('cloud-exceptions') }]);
    const renewals = parse(readFileSync(path.join(dir, '.github/workflows/exceptions-renewals.yml'), 'utf8'));
    expect(renewals.on.schedule).toEqual([{ cron: renewalsCron('cloud-exceptions') }]);
    expect(config.markerKeys).toBeUndefined();
    expect(readFileSync(path.join(dir, '.gitignore'), 'utf8')).toContain('node_modules/');
  });

  it('spreads the drift schedule by owner: the minute comes from a hash of it', () => {
    const minutes = new Set(['team-a', 'team-b', 'platform', 'payments', 'security', 'data'].map(scheduleMinute));
    expect(minutes.size).toBeGreaterThan(3);
    expect(scheduleMinute('team-a')).toBe(scheduleMinute('team-a'));
    expect(driftCron('team-a')).toMatch(/^([0-9]|[1-5][0-9]) 5 \* \* \*$/);
  });

  it('asks on a terminal, offering what it can know (the git remote)', async () => {
    const cwd = mkdtempSync(path.join(tmpdir(), 'cvex-init-'));
    execFileSync('git', ['init', '-q', cwd]);
    execFileSync('git', ['-C', cwd, 'remote', 'add', 'origin', 'git@github.com:acme/Team_Exceptions.git']);
    const { code, questions } = await init([], { cwd, answers: ['', '', 'Europe/Berlin', '', '@acme/sec'] });
    expect(code).toBe(0);
    expect(questions[0]).toContain('[acme/Team_Exceptions]');
    expect(questions[1]).toContain('[team-exceptions]');
    expect(parseConfig(readFileSync(path.join(cwd, 'cvex.config.yaml'), 'utf8'), 'c')).toMatchObject({ repository: 'acme/Team_Exceptions', owner: 'team-exceptions', timezone: 'Europe/Berlin' });
  });

  it('without a terminal, names the flags it needs and writes nothing', async () => {
    const { code, stderr, cwd } = await init(['--repository', 'acme/x']);
    expect(code).toBe(2);
    expect(stderr).toBe('cvex init: cannot ask without a terminal: pass --timezone ZONE\n');
    expect(existsSync(path.join(cwd, 'package.json'))).toBe(false);
  });

  it('refuses bad answers with the rule', async () => {
    expect((await init(['--repository', 'acme/x', '--timezone', 'Mars/Olympus'])).stderr).toContain("--timezone 'Mars/Olympus': not an IANA time zone");
    expect((await init(['--repository', 'acme/x', '--timezone', 'UTC', '--owner', 'Team A'])).stderr).toContain("--owner 'Team A': expected a slug");
    expect((await init(['--repository', 'acme', '--timezone', 'UTC'])).stderr).toContain("--repository 'acme': expected org/name");
  });

  it('never overwrites: one existing file and nothing is written', async () => {
    const cwd = mkdtempSync(path.join(tmpdir(), 'cvex-init-'));
    mkdirSync(path.join(cwd, 'policies'));
    writeFileSync(path.join(cwd, 'policies', 'example.yaml'), 'mine\n');
    const { code, stderr } = await init([...FLAGS], { cwd });
    expect(code).toBe(1);
    expect(stderr).toContain('policies/example.yaml already exists');
    expect(readFileSync(path.join(cwd, 'policies', 'example.yaml'), 'utf8')).toBe('mine\n');
    expect(existsSync(path.join(cwd, 'package.json'))).toBe(false);
  });

  it('reads owner suggestions and remotes as documented', () => {
    expect(ownerFromRepository('acme/Cloud_Exceptions')).toBe('cloud-exceptions');
    expect(ownerFromRepository(`acme/${'x'.repeat(40)}`)).toHaveLength(32);
    expect(repositoryFromRemote('https://github.com/acme/exceptions.git\n')).toBe('acme/exceptions');
    expect(repositoryFromRemote('git@github.com:acme/exceptions')).toBe('acme/exceptions');
    expect(repositoryFromRemote('https://gitlab.com/acme/exceptions')).toBeUndefined();
  });
});

describe('the $schema line of written manifests', () => {
  const name = packageIdentity().name;
  it('points at the installed package inside the repository, or where npm ci will put it; never outside', () => {
    const repo = '/work/team-repo';
    // Installed in the repository: its own copy.
    expect(manifestSchemaReference(`${repo}/policies`, repo, `${repo}/node_modules/${name}/schemas/exception-manifest.schema.json`)).toBe(`../node_modules/${name}/schemas/exception-manifest.schema.json`);
    // cvex's own checkout: its schemas/ folder.
    expect(manifestSchemaReference(`${repo}/policies`, repo, `${repo}/schemas/exception-manifest.schema.json`)).toBe('../schemas/exception-manifest.schema.json');
    // A global install or the npx cache: where the pinned package will be.
    expect(manifestSchemaReference(`${repo}/policies/team`, repo, '/home/me/.npm/_npx/1/node_modules/x/schemas/exception-manifest.schema.json')).toBe(
      `../../node_modules/${name}/schemas/exception-manifest.schema.json`,
    );
  });
});
