import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/command-line/io';
import { main } from '../../src/cli/main';
import { simulateCommand } from '../../src/commands/simulate';
import { basicAuth, createBody, wire } from './helpers';

const root = resolve(__dirname, '../..');

function memoryIo(interrupted: Promise<void>) {
  const out: string[] = [];
  const err: string[] = [];
  return {
    io: { stdout: { write: (t: string) => out.push(t) }, stderr: { write: (t: string) => err.push(t) }, env: {}, cwd: root, interrupted },
    out,
    err,
  };
}

describe('cvex simulate', () => {
  it('runs as a process: the first line is `listening http://127.0.0.1:PORT`, the password is never printed', async () => {
    const started = performance.now();
    const child = spawn(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', '-e', "require('./src/cli/main').runCli()", 'cvex', 'simulate', '--port', '0', '--password', 'TopSecret-42'],
      { cwd: root, env: { ...process.env, TS_NODE_PROJECT: resolve(root, 'tsconfig.json') }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const output: string[] = [];
    const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
    try {
      const lines = createInterface({ input: child.stdout });
      const first = await new Promise<string>((done, fail) => {
        lines.once('line', done);
        child.once('exit', () => fail(new Error('exited before listening')));
      });
      lines.on('line', (line) => output.push(line));
      child.stderr.on('data', (chunk) => output.push(String(chunk)));
      // ts-node compiles on the fly here; from dist/ it is faster still.
      expect(performance.now() - started).toBeLessThan(10_000);
      expect(first).toMatch(/^listening http:\/\/127\.0\.0\.1:\d+$/);
      const origin = first.slice('listening '.length);
      expect((await wire(origin, basicAuth('cvex-demo', 'TopSecret-42')).get('exceptions/list?pageNo=0&pageSize=50')).status).toBe(200);
      expect((await wire(origin).get('exceptions/list')).status).toBe(401);
    } finally {
      child.kill('SIGTERM');
    }
    // Stopped by a signal: 128 + 15, as for every command.
    expect(await exited).toBe(143);
    expect(output.join('\n')).not.toContain('TopSecret-42');
    expect(output.join('\n')).toContain('simulator stopped');
  }, 20_000);

  it('runs in process until interrupted, then closes and returns 0', async () => {
    let interrupt!: () => void;
    const { io, out } = memoryIo(new Promise<void>((done) => (interrupt = done)));
    const running = simulateCommand(['--port', '0', '--timezone', 'Asia/Kolkata', '--max-page-size', '7', '--latency', '0'], io);
    await expect.poll(() => out.length).toBeGreaterThan(0);
    const origin = out[0].trim().slice('listening '.length);
    const page = await wire(origin).get('exceptions/list?pageSize=50');
    expect(page.body.size).toBe(7);
    expect(out.join('')).not.toContain('cvex-demo-password');
    interrupt();
    expect(await running).toBe(0);
    await expect(fetch(`${origin}/cloudview-api/rest/v1/exceptions/list`)).rejects.toThrow();
  });

  it.each([
    [['--bogus']],
    [['--port', 'abc']],
    [['--port', '70000']],
    [['--timezone', 'Mars/Olympus']],
    [['--latency', '-5']],
    [['--latency', '3000000000']],
    [['--max-page-size', '0']],
    [['--user', '']],
    [['--dialect', 'klingon']],
    [['--max-explanation-length', '0']],
    [['extra']],
  ])('throws UsageError for %j', async (argv) => {
    const { io } = memoryIo(Promise.resolve());
    await expect(simulateCommand(argv, io)).rejects.toBeInstanceOf(UsageError);
  });

  it('plays a dialect and an explanation limit given as flags', async () => {
    let interrupt!: () => void;
    const { io, out } = memoryIo(new Promise<void>((done) => (interrupt = done)));
    const running = simulateCommand(['--dialect', 'v1-minimal', '--max-explanation-length', '10'], io);
    await expect.poll(() => out.length).toBeGreaterThan(1);
    expect(out.join('')).toContain('; dialect v1-minimal');
    const api = wire(out[0].trim().slice('listening '.length));
    expect(Object.keys((await api.get('aws/connectors')).body).sort()).toEqual(['content', 'number', 'numberOfElements', 'size']);
    expect((await api.post('exceptions/create', createBody({ explanation: 'eleven char' }))).body.errorCode).toBe('INVALID_VALUE');
    interrupt();
    expect(await running).toBe(0);
  });

  it('prints help', async () => {
    const { io, out } = memoryIo(Promise.resolve());
    expect(await main(['simulate', '--help'], io)).toBe(0);
    expect(out.join('')).toContain('--max-page-size');
    expect(out.join('')).toMatch(/--dialect NAME[\s\S]*documented, v1-one-based/);
  });
});
