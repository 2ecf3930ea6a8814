// The password must never reach stdout/stderr, an error message, a stack or an inspected error,
// even when a hostile or broken server echoes the credentials back in every failure it can produce.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { inspect } from 'node:util';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createCloudViewClient } from '../../src/api/client';
import { main } from '../../src/cli/main';
import { resolveTarget } from '../../src/command-line/target';
import type { ExceptionSpec } from '../../src/model/exception';
import { DEFAULT_SIM_USER, startSimulator } from '../../src/simulator';
import { type TestServer, fakeClock, json, serve } from './helpers';

const PASSWORD = 'Pw-ZEBRA-9f3c!secret&<x>';
const USER = 'leak-test-user';
const entities = (text: string) => [...text].map((char) => `&#${char.codePointAt(0)};`).join('');
const htmlEscaped = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const base64 = (text: string) => Buffer.from(text).toString('base64');
/** Every form the hostile server echoes; none may come out of the client. */
const formsOf = (password: string, user = USER) => [
  password,
  base64(`${user}:${password}`),
  encodeURIComponent(password),
  base64(password),
  entities(password),
  htmlEscaped(password),
];
const FORBIDDEN = formsOf(PASSWORD);

const spec: ExceptionSpec = {
  name: 'x', cloudType: 'AWS', exceptionScope: 'CONNECTOR', explanation: 'x', exceptionReason: 'Other',
  startDate: '2026-01-01', endDate: '2026-02-01', controlIds: [1], accountIds: ['1'],
};

let captured = '';
beforeEach(() => {
  captured = '';
  for (const stream of [process.stdout, process.stderr]) {
    const original = stream.write.bind(stream);
    vi.spyOn(stream, 'write').mockImplementation(((chunk: unknown, ...rest: unknown[]) => {
      captured += String(chunk);
      return (original as (...args: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof stream.write);
  }
});

const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  vi.restoreAllMocks();
  expectClean(captured, 'process output');
  await Promise.all(open.splice(0).map((thing) => thing.close()));
});

function expectClean(text: string, where: string): void {
  for (const secret of FORBIDDEN) {
    if (text.includes(secret)) throw new Error(`credential leaked into ${where}: ${text.slice(0, 500)}`);
  }
}

function expectCleanError(error: unknown): void {
  expect(error).toBeInstanceOf(Error);
  const err = error as Error;
  expectClean(err.message, 'message');
  expectClean(String(err.stack), 'stack');
  expectClean(inspect(err, { depth: 10 }), 'inspected error');
  expectClean(JSON.stringify(err), 'JSON of the error');
}

/** A server that echoes the Authorization header and the decoded password in everything it sends. */
async function hostile(): Promise<TestServer> {
  const server = await serve((req, res, hit) => {
    const auth = String(hit.headers.authorization ?? '');
    const decoded = Buffer.from(auth.replace(/^Basic /, ''), 'base64').toString('utf8');
    const password = decoded.slice(decoded.indexOf(':') + 1);
    const echo = `you sent Authorization: ${auth} (${decoded}) ${encodeURIComponent(decoded)} ${base64(password)} ${entities(password)} ${htmlEscaped(password)}`;
    const url = hit.url;
    if (url.includes('/reset')) return req.socket.destroy();
    if (url.includes('/hang')) return undefined;
    if (url.includes('/s500') || hit.method === 'POST') return json(res, 500, { errorCode: echo, message: echo }, { 'x-request-id': auth });
    if (url.includes('/s400')) return json(res, 400, { timestamp: 'x', status: 400, error: echo, message: echo, path: decoded });
    if (url.includes('/s429')) return json(res, 429, { message: echo }, { 'retry-after': '99999' });
    if (url.includes('/html')) {
      res.writeHead(200, { 'content-type': 'text/html' });
      return res.end(`<html>${echo}</html>`);
    }
    if (url.includes('/shape')) return json(res, 200, { uuid: decoded, name: { auth }, state: auth });
    if (hit.method === 'DELETE') {
      res.writeHead(502);
      return res.end(echo);
    }
    return json(res, 401, { timestamp: 'x', status: 401, error: 'Unauthorized', message: echo, path: '/x' });
  });
  open.push(server);
  return server;
}

describe('the password never leaks', () => {
  it('from any client failure against a server that echoes credentials', async () => {
    const server = await hostile();
    const client = createCloudViewClient({ baseUrl: server.url, username: USER, password: PASSWORD, timeoutMs: 100, clock: fakeClock(), retry: { maxAttempts: 2 } });
    open.push(client);
    const failures: Array<Promise<unknown>> = [
      client.getException('s500'),
      client.getException('s400'),
      client.getException('s429'),
      client.getException('html'),
      client.getException('shape'),
      client.getException('reset'),
      client.getException('hang'),
      client.getException('anything'),
      client.createException(spec),
      client.deleteExceptions(['u']),
      client.applyTags('AWS', ['t'], '.*'),
      client.findExceptionByName('x'),
      (async () => {
        for await (const _ of client.listConnectors('AWS')) {
          /* drain */
        }
      })(),
    ];
    const outcomes = await Promise.allSettled(failures);
    expect(outcomes.every((outcome) => outcome.status === 'rejected')).toBe(true);
    for (const outcome of outcomes) expectCleanError((outcome as PromiseRejectedResult).reason);
  });

  it('a password of one or two characters, from the server text of every failure', async () => {
    for (const password of ['Z', 'Zx']) {
      const server = await hostile();
      const client = createCloudViewClient({ baseUrl: server.url, username: USER, password, timeoutMs: 5_000, clock: fakeClock(), retry: { maxAttempts: 1 } });
      open.push(client);
      const outcomes = await Promise.allSettled([client.getException('s500'), client.getException('s400'), client.getException('html'), client.createException(spec)]);
      for (const outcome of outcomes) {
        const error = (outcome as PromiseRejectedResult).reason as Error & { errorCode?: string; requestId?: string };
        // The server's own words (after "you sent") hold no form of the password, nor the token.
        const echoed = error.message.slice(error.message.indexOf('you sent'));
        expect(error.message).toContain('you sent');
        for (const form of formsOf(password)) {
          expect(echoed).not.toContain(form);
          expect(error.errorCode ?? '').not.toContain(form);
        }
        expect(error.message).not.toContain(base64(`${USER}:${password}`));
        expect(String(error.requestId ?? '')).not.toContain(base64(`${USER}:${password}`));
      }
    }
  });

  it('from an auth failure against the simulator', async () => {
    const sim = await startSimulator();
    open.push(sim);
    const client = createCloudViewClient({ baseUrl: sim.url, username: DEFAULT_SIM_USER, password: PASSWORD });
    open.push(client);
    const error = await client.getException('x').catch((e: unknown) => e);
    expectCleanError(error);
    expect((error as Error).name).toBe('AuthError');
  });

  it('from target errors', () => {
    const env = { QUALYS_USERNAME: USER, QUALYS_PASSWORD: PASSWORD };
    for (const url of [`https://${USER}:${PASSWORD}@host`, `http://${USER}:${PASSWORD}@10.0.0.1`, `not-a-url-${PASSWORD}`]) {
      let thrown: unknown;
      try {
        resolveTarget({ 'api-url': url }, env);
      } catch (error) {
        thrown = error;
      }
      expectCleanError(thrown);
    }
  });

  it('from the CLI: stdout and stderr of failing commands, --debug stacks included', async () => {
    const server = await hostile();
    const sim = await startSimulator();
    open.push(sim);
    const cwd = mkdtempSync(path.join(tmpdir(), 'cvex-secrets-'));
    mkdirSync(path.join(cwd, 'policies'));
    // One (empty) manifest: with none, plan stops before it talks to the server.
    writeFileSync(path.join(cwd, 'policies', 'none.yaml'), 'exceptions: []\n');
    let output = '';
    const io = {
      stdout: { write: (text: string) => (output += text) },
      stderr: { write: (text: string) => (output += text) },
      env: { QUALYS_USERNAME: USER, QUALYS_PASSWORD: PASSWORD },
      cwd,
    };
    const runs = [
      ['plan', '--api-url', server.url, '--timeout', '200ms'],
      ['plan', '--api-url', server.url, '--debug'],
      ['plan', '--api-url', sim.url, '--debug'],
      ['plan', '--api-url', `https://${USER}:${PASSWORD}@qualysguard.qualys.com`],
      ['plan', '--api-url', `http://${PASSWORD}.example.com`],
    ];
    for (const argv of runs) {
      const code = await main(argv, io);
      expect(code).not.toBe(0);
    }
    expect(output).toMatch(/AuthError/);
    expectClean(output, 'CLI output');
  });
});
