// The package as a policy repository gets it: `npm pack` (what `npm publish` uploads), installed
// from the .tgz, never from this folder; `cvex init` from the installed bin; then in the new
// repository `npm ci --ignore-scripts` (what the workflows run) and `npx --no-install cvex`
// validate, plan and apply against the simulator.
//
// No registry is reached: the policy repository's lock file resolves the package to the tarball and
// its dependencies to the exact versions (and integrity) of this repository's own lock file, so
// `npm ci --offline` takes them from the npm cache. Without a lock file npm would ask the registry
// for package metadata.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SIM_PASSWORD, DEFAULT_SIM_USER, type Simulator, startSimulator } from '../../src/simulator';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '../..');
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string; dependencies: Record<string, string>; bin: Record<string, string> };

interface Packed {
  filename: string;
  size: number;
  files: { path: string }[];
}

let work: string;
let tarball: string;
let packed: Packed;
let simulator: Simulator;

const NPM_ENV = { ...process.env, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' };

async function sh(file: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = NPM_ENV): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(file, args, { cwd, env, maxBuffer: 16 * 1024 * 1024, timeout: 120_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof failed.code === 'number' ? failed.code : 1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? String(error) };
  }
}

/** The lock file `npm install` writes for the pinned package, with its `resolved` pointing at the tarball. */
async function writeLock(dir: string, dependencyField: 'dependencies' | 'devDependencies'): Promise<void> {
  const own = JSON.parse(readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean }> };
  const manifest = JSON.parse(await readFile(path.join(dir, 'package.json'), 'utf8')) as Record<string, unknown>;
  const dev = dependencyField === 'devDependencies';
  const integrity = `sha512-${createHash('sha512').update(readFileSync(tarball)).digest('base64')}`;
  const packages: Record<string, unknown> = {
    '': { name: manifest.name, [dependencyField]: { [pkg.name]: pkg.version } },
    [`node_modules/${pkg.name}`]: {
      version: pkg.version,
      resolved: `file:${path.relative(dir, tarball)}`,
      integrity,
      ...(dev ? { dev: true } : {}),
      license: 'MIT',
      dependencies: pkg.dependencies,
      bin: pkg.bin,
    },
  };
  for (const [key, entry] of Object.entries(own.packages)) {
    if (key !== '' && !entry.dev) packages[key] = { ...entry, ...(dev ? { dev: true } : {}) };
  }
  await writeFile(path.join(dir, 'package-lock.json'), `${JSON.stringify({ name: manifest.name, lockfileVersion: 3, requires: true, packages }, null, 2)}\n`);
}

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'cvex-pack-'));
  // dist/ is built by `npm test`; --ignore-scripts: prepack would build it again.
  const result = await sh('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], ROOT);
  expect(result.code, result.stderr).toBe(0);
  [packed] = JSON.parse(result.stdout) as Packed[];
  tarball = path.join(work, packed.filename);
  simulator = await startSimulator();
}, 120_000);

afterAll(async () => {
  await simulator?.close();
});

describe('npm pack', () => {
  it('ships the built CLI, the schemas, the workflow scripts and the license, and no source, tests, benchmarks or example policies', () => {
    const files = packed.files.map((file) => file.path).sort();
    for (const needed of ['bin/cvex.js', 'dist/cli/main.js', 'dist/commands/init.js', 'dist/simulator/seed.json',
      // Every module folder of src/, built: the audit trail, git access, renewals, GitHub calls, bounded reads.
      'dist/audit/apply-record.js', 'dist/git/notes-sync.js', 'dist/renew/edit-manifest.js', 'dist/renewals/publish.js', 'dist/github/rest-client.js', 'dist/files/read-bounded.js',
      'schemas/apply-report.schema.json', 'schemas/exception-manifest.schema.json', 'schemas/config.schema.json', 'scripts/gh-sticky.js', 'scripts/gh-gitops.js', 'scripts/github-api.js', 'LICENSE', 'README.md', 'CHANGELOG.md', 'package.json']) {
      expect(files).toContain(needed);
    }
    expect(files.filter((file) => /^(src|test|bench|policies|docs|\.github)\/|\.map$|\.ts$|tsconfig|vitest/.test(file))).toEqual([]);
    // Each folder of src/ has its compiled modules in the tarball.
    const folders = readdirSync(path.join(ROOT, 'src'), { withFileTypes: true }).filter((entry) => entry.isDirectory()).map((entry) => entry.name);
    for (const folder of folders) expect(files.some((file) => file.startsWith(`dist/${folder}/`) && file.endsWith('.js')), folder).toBe(true);
    expect(packed.filename).toBe(`cloudview-exceptions-cvex-${pkg.version}.tgz`);
  });
});

describe('a policy repository installs the .tgz and runs it', () => {
  it('init, npm ci --ignore-scripts, validate, plan (No changes), apply, plan again', async () => {
    // `npx --yes @cloudview-exceptions/cvex@X.Y.Z init`: the package installed somewhere else, run once.
    const tool = path.join(work, 'tool');
    await sh('mkdir', ['-p', tool], work);
    await writeFile(path.join(tool, 'package.json'), `${JSON.stringify({ name: 'tool', private: true, dependencies: { [pkg.name]: pkg.version } })}\n`);
    await writeLock(tool, 'dependencies');
    const toolInstall = await sh('npm', ['ci', '--offline', '--ignore-scripts'], tool);
    expect(toolInstall.code, toolInstall.stderr).toBe(0);

    const repo = path.join(work, 'exceptions');
    const init = await sh(path.join(tool, 'node_modules', '.bin', 'cvex'), ['init', repo, '--repository', 'acme/exceptions', '--owner', 'team-a', '--timezone', 'UTC'], work);
    expect(init.code, init.stderr).toBe(0);
    const manifest = JSON.parse(await readFile(path.join(repo, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };
    expect(manifest.devDependencies).toEqual({ [pkg.name]: pkg.version });
    for (const workflow of ['exceptions-plan.yml', 'exceptions-apply.yml', 'exceptions-drift.yml', 'exceptions-renewals.yml']) {
      const text = await readFile(path.join(repo, '.github', 'workflows', workflow), 'utf8');
      expect(text).toMatch(new RegExp(`uses: cloudview-exceptions/cloudview-exceptions/\\.github/workflows/cvex-[a-z]+\\.yml@v${pkg.version.replace(/\./g, '\\.')}\\n`));
    }

    // What every workflow job runs first.
    await writeLock(repo, 'devDependencies');
    const install = await sh('npm', ['ci', '--offline', '--ignore-scripts'], repo);
    expect(install.code, install.stderr).toBe(0);
    const installed = path.join(repo, 'node_modules', ...pkg.name.split('/'));
    expect(existsSync(path.join(installed, 'src'))).toBe(false);
    expect(existsSync(path.join(installed, 'dist', 'cli', 'main.js'))).toBe(true);

    // The $schema lines resolve inside the repository.
    for (const [file, from] of [['policies/example.yaml', 'policies'], ['cvex.config.yaml', '.']]) {
      const schema = /\$schema=(\S+)/.exec(await readFile(path.join(repo, file), 'utf8'))![1];
      expect(path.resolve(repo, from, schema).startsWith(installed), file).toBe(true);
      expect(existsSync(path.resolve(repo, from, schema)), file).toBe(true);
    }

    const env = { ...NPM_ENV, QUALYS_USERNAME: DEFAULT_SIM_USER, QUALYS_PASSWORD: DEFAULT_SIM_PASSWORD, NO_COLOR: '1' };
    // Where nothing is installed, the documented invocation fails instead of fetching a package.
    const nowhere = await sh('npx', ['--no-install', 'cvex', 'version'], work, { ...NPM_ENV, npm_config_offline: 'true' });
    expect(nowhere.code).not.toBe(0);
    const cvex = (...args: string[]) => sh('npx', ['--no-install', 'cvex', ...args], repo, env);
    expect((await cvex('version')).stdout).toBe(`${pkg.version}\n`);
    const validate = await cvex('validate');
    expect(validate, validate.stderr).toMatchObject({ code: 0, stdout: '0 errors, 0 warnings in 1 file (0 exceptions)\n' });
    const first = await cvex('plan', '--api-url', simulator.url, '--detailed-exitcode');
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain('No changes');

    // The first real exception.
    const example = await readFile(path.join(repo, 'policies', 'example.yaml'), 'utf8');
    const start = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    const end = new Date(Date.now() + 90 * 86_400_000).toISOString().slice(0, 10);
    await writeFile(
      path.join(repo, 'policies', 'example.yaml'),
      example.replace(
        /^exceptions: \[\]$/m,
        ['exceptions:', '  - name: team-a-sandbox', '    exceptionScope: CONNECTOR', '    exceptionReason: Other', '    explanation: the sandbox is rebuilt nightly', `    startDate: "${start}"`, `    endDate: "${end}"`, '    controlIds: [2]', '    accountIds: ["123456789012"]'].join('\n'),
      ),
    );
    const planned = await cvex('plan', '--api-url', simulator.url, '--detailed-exitcode');
    expect(planned.code, planned.stderr).toBe(2);
    expect(planned.stdout).toMatch(/\+\s+team-a-sandbox/);
    // The markers signed, as the apply job does it: keygen adds the public key, the private key goes to a pipe.
    const keygen = await cvex('keygen');
    expect(keygen.code, keygen.stderr).toBe(0);
    expect(keygen.stdout).toMatch(/^ed25519:[A-Za-z0-9_-]{43}\n?$/);
    expect(await readFile(path.join(repo, 'cvex.config.yaml'), 'utf8')).toMatch(/^markerKeys:\n {2}- ed25519:[A-Za-z0-9_-]{43}$/m);
    // A git repository, as the workflows check it out: the apply is recorded in git notes.
    const git = (...args: string[]) => sh('git', args, repo, { ...NPM_ENV, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' });
    for (const args of [['init', '-q', '-b', 'main'], ['add', '-A'], ['commit', '-q', '-m', 'cvex init and the first exception']]) expect((await git(...args)).code).toBe(0);
    const applied = await sh('npx', ['--no-install', 'cvex', 'apply', '--api-url', simulator.url, '--auto-approve'], repo, { ...env, CVEX_SIGNING_KEY: keygen.stdout.trim() });
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toContain('Recorded in git: a note on');
    expect(simulator.exceptions().map((exception) => exception.name)).toEqual(['team-a-sandbox']);
    expect(simulator.exceptions()[0].explanation).toMatch(/\[cvex:team-a [0-9a-f]{16} [0-9a-f]{12} [0-9a-f]{8}\.[A-Za-z0-9_-]{86}\]$/);
    expect((await cvex('plan', '--api-url', simulator.url, '--detailed-exitcode')).code).toBe(0);
    // The audit commands of the installed package: the timeline, renewals planned, a renewal edited in place.
    const log = await cvex('log', 'team-a-sandbox', '--offline', '--format', 'json');
    expect(log.code, log.stderr).toBe(0);
    expect(log.stdout).toContain('team-a-sandbox');
    const renewals = await cvex('renewals', '--within', '120d', '--format', 'json');
    expect(renewals.code, renewals.stderr).toBe(0);
    expect(renewals.stdout).toContain('team-a-sandbox');
    const renew = await cvex('renew', 'team-a-sandbox', '--by', '30d');
    expect(renew.code, renew.stderr).toBe(0);
    expect(await readFile(path.join(repo, 'policies', 'example.yaml'), 'utf8')).not.toContain(`endDate: "${end}"`);
    const notes = await cvex('notes', 'push');
    expect(notes.code).not.toBe(0);
    expect(notes.stderr).toContain('origin');

    // The workflow scripts run from the installed package, with its dependencies.
    const target = await sh('node', [path.join(installed, 'scripts', 'gh-gitops.js'), 'target', '--base', '.'], repo, { ...env, QUALYS_API_URL_VARIABLE: simulator.url });
    expect(target, target.stderr).toMatchObject({ code: 0, stdout: `target --api-url=${simulator.url}\n` });
  }, 240_000);
});
