// The command line as users meet it: generated help, "did you mean", version, completion, exit codes
// under --detailed-exitcode, signals, a closed pipe and a deleted working folder.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/cli/commands';
import { main } from '../../src/cli/main';
import { GLOBAL_FLAGS } from '../../src/command-line/define';
import type { CliIo } from '../../src/command-line/io';

const ROOT = path.resolve(__dirname, '../..');
const BIN = path.join(ROOT, 'bin/cvex.js');

async function run(argv: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = { stdout: { write: (text: string) => (stdout += text) }, stderr: { write: (text: string) => (stderr += text) }, env, cwd: mkdtempSync(path.join(tmpdir(), 'cvex-cli-')) };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}

describe('help comes from the one definition of each command', () => {
  it.each(Object.keys(COMMANDS))('cvex %s --help lists every flag it accepts, --debug and --help too', async (name) => {
    const { definition } = await COMMANDS[name].load();
    const { code, stdout } = await run([name, '--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(new RegExp(`^Usage: cvex ${name}`));
    for (const flag of [...Object.keys(definition.flags), ...Object.keys(GLOBAL_FLAGS)]) expect(stdout).toContain(`--${flag}`);
  });

  it('cvex help NAME is cvex NAME --help', async () => {
    expect((await run(['help', 'plan'])).stdout).toBe((await run(['plan', '--help'])).stdout);
  });
});

describe('mistakes get a suggestion and the right exit code', () => {
  it('an unknown command names the nearest one', async () => {
    const { code, stderr } = await run(['aply']);
    expect(code).toBe(2);
    expect(stderr).toContain("unknown command 'aply' (did you mean `cvex apply`?)");
  });

  it('an unknown flag names the nearest one', async () => {
    const { code, stderr } = await run(['apply', '--forse']);
    expect(code).toBe(2);
    expect(stderr).toContain('unknown flag --forse (did you mean --force?)');
  });

  it('a bad --format value names the nearest choice', async () => {
    const { code, stderr } = await run(['plan', '--format', 'jsno'], { QUALYS_API_URL: 'http://127.0.0.1:9', QUALYS_USERNAME: 'u', QUALYS_PASSWORD: 'p' });
    expect(code).toBe(2);
    expect(stderr).toContain('(did you mean json?)');
  });

  it('under --detailed-exitcode every failure is 1, usage errors and missing credentials too (2 means changes)', async () => {
    expect((await run(['plan', '--detailed-exitcode', '--bogus'])).code).toBe(1);
    expect((await run(['plan', '--detailed-exitcode'], {})).code).toBe(1);
    expect((await run(['plan'], {})).code).toBe(2);
  });
});

describe('version and completion', () => {
  const version = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

  it('cvex version and cvex --version print the package version', async () => {
    expect((await run(['version'])).stdout).toBe(`${version}\n`);
    expect((await run(['--version'])).stdout).toBe(`${version}\n`);
  });

  it('the bash script is valid bash and offers every command and its flags', async () => {
    const { code, stdout } = await run(['completion', 'bash']);
    expect(code).toBe(0);
    expect(spawnSync('bash', ['-n'], { input: stdout }).status).toBe(0);
    for (const name of Object.keys(COMMANDS)) expect(stdout).toContain(`    ${name}) flags="`);
    expect(stdout).toMatch(/apply\) flags="[^"]*--auto-approve/);
  });

  it('the zsh script registers itself and describes flags without breaking its own syntax', async () => {
    const { code, stdout } = await run(['completion', 'zsh']);
    expect(code).toBe(0);
    expect(stdout).toContain('compdef _cvex cvex');
    expect(stdout).toMatch(/'--format\[output [^\]]*\]:text\|json\|markdown: '/);
    expect((await run(['completion', 'fish'])).code).toBe(2);
  });
});

describe('the process: signals, pipes, a deleted folder', () => {
  let hung: Server;
  let hungUrl: string;
  beforeAll(async () => {
    // Accepts requests and never answers: `cvex plan` waits on it until stopped.
    hung = createServer(() => undefined);
    await new Promise<void>((resolve) => hung.listen(0, '127.0.0.1', resolve));
    hungUrl = `http://127.0.0.1:${(hung.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    hung.closeAllConnections();
    await new Promise((resolve) => hung.close(resolve));
  });

  it.each([
    ['SIGINT', 130, 'plan'],
    ['SIGTERM', 143, 'plan'],
    ['SIGTERM', 143, 'import'],
  ] as const)('%s stops %s waiting on a hung server at once, exit %i', async (signal, expected, command) => {
    const cwd = mkdtempSync(path.join(tmpdir(), 'cvex-signal-'));
    // One (empty) manifest: no manifests at all would stop the command before any request.
    mkdirSync(path.join(cwd, 'policies'));
    writeFileSync(path.join(cwd, 'policies', 'none.yaml'), 'exceptions: []\n');
    const child = spawn(process.execPath, [BIN, command, ...(command === 'plan' ? ['--skip-inventory'] : [])], {
      cwd,
      env: { ...process.env, QUALYS_API_URL: hungUrl, QUALYS_USERNAME: 'u', QUALYS_PASSWORD: 'p' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += String(chunk)));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    // Wait until the request is in flight (the server saw it), then stop.
    await new Promise<void>((resolve) => hung.once('request', () => resolve()));
    child.kill(signal);
    expect(await exited).toBe(expected);
    expect(stderr).toContain(`interrupted (${signal})`);
  });

  it('cvex simulate | head -1: the closed pipe ends the process quietly', async () => {
    const child = spawn(process.execPath, [BIN, 'simulate'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += String(chunk)));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    // The reader goes away before the first line: the startup lines may arrive as one chunk, after
    // which simulate writes nothing more, so closing after the first chunk could wait forever.
    child.stdout.destroy();
    // When the whole banner was already in the pipe, nothing more is written until the simulator
    // stops: interrupt it, and its last line ("simulator stopped") meets the closed pipe.
    const timer = setTimeout(() => child.kill('SIGINT'), 1_000);
    const code = await exited;
    clearTimeout(timer);
    expect([0, 130]).toContain(code);
    expect(stderr).not.toMatch(/EPIPE|at .*\.js:\d+/);
  });

  it('a working folder deleted under the shell is one clear line', () => {
    const parent = mkdtempSync(path.join(tmpdir(), 'cvex-gone-'));
    const result = spawnSync('sh', ['-c', `mkdir gone && cd gone && rmdir ../gone && "${process.execPath}" "${BIN}" validate`], { cwd: parent, encoding: 'utf8' });
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toBe('cvex: the current folder no longer exists (was it deleted?); cd into your repository and run cvex again.');
  });
});

describe('cvex demo --format json', () => {
  it('prints only the plan JSON on stdout; the narration goes to stderr', async () => {
    let stdout = '';
    let stderr = '';
    const code = await main(['demo', '--format', 'json'], { stdout: { write: (text: string) => (stdout += text) }, stderr: { write: (text: string) => (stderr += text) }, env: {}, cwd: path.join(ROOT, 'test', 'fixtures', 'example-repo') });
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ version: 1, summary: expect.any(Object) });
    expect(stderr).toContain('CloudView simulator listening');
  });
});
