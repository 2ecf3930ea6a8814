// Wire behaviour against real node:http(s) servers on loopback: headers, retries and backoff,
// no blind resend of writes, timeouts, hangs, resets, rate limits, concurrency, TLS.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createCloudViewClient, type CloudViewClient, type CloudViewClientOptions } from '../../src/api/client';
import { AmbiguousWriteError, ApiError, AuthError, NetworkError, RateLimitError, ResponseShapeError } from '../../src/api/errors';
import { TargetError } from '../../src/api/platforms';
import type { ExceptionSpec } from '../../src/model/exception';
import { type TestServer, failure, fakeClock, json, listItem, serve, springPage } from './helpers';

const spec: ExceptionSpec = {
  name: 'team-a-bucket',
  cloudType: 'AWS',
  exceptionScope: 'CONNECTOR',
  explanation: 'accepted',
  exceptionReason: 'Risk Accepted',
  startDate: '2026-01-01',
  endDate: '2026-06-30',
  controlIds: [1],
  accountIds: ['123456789012'],
};
const detailBody = {
  uuid: 'u1', name: 'n', description: 'd', reason: 'Other', startDate: '2026-01-01T00:00:00+0000', endDate: '2026-01-31T23:59:59+0000',
  createdOn: '2026-01-01T00:00:00+0000', updatedOn: '2026-01-01T00:00:00+0000', state: 'ACTIVE', provider: 'AWS',
  exceptionSummary: { exceptionScope: 'CONNECTOR', connectors: ['1'], resources: [], controls: [{ id: '1' }] },
};

const open: Array<TestServer | CloudViewClient> = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((thing) => thing.close()));
});

async function setup(handler: Parameters<typeof serve>[0], extra: Partial<CloudViewClientOptions> = {}) {
  const server = await serve(handler);
  const clock = fakeClock();
  const client = createCloudViewClient({ baseUrl: server.url, username: 'alice', password: 'pw', timeoutMs: 2_000, clock, ...extra });
  open.push(server, client);
  return { server, client, clock };
}

describe('requests', () => {
  it('sends Basic auth, Accept, X-Requested-With and JSON under /cloudview-api/rest/v1', async () => {
    const { server, client } = await setup((_req, res, hit) =>
      hit.method === 'POST' ? json(res, 200, { uuid: 'u1', exceptionName: 'team-a-bucket', state: 'ACTIVE' }) : json(res, 200, springPage([listItem(1)], 0, 100, 1)),
    );
    expect(await client.createException(spec)).toEqual({ uuid: 'u1', name: 'team-a-bucket', state: 'ACTIVE' });
    const names: string[] = [];
    for await (const exception of client.listExceptions({ filter: 'exception.scope:CONNECTOR', sort: 'updatedOn:desc' })) names.push(exception.name);
    expect(names).toEqual(['exception-1']);
    const [create, list] = server.hits;
    expect(create.url).toBe('/cloudview-api/rest/v1/exceptions/create');
    expect(create.headers.authorization).toBe(`Basic ${Buffer.from('alice:pw').toString('base64')}`);
    expect(create.headers.accept).toBe('application/json');
    expect(create.headers['x-requested-with']).toBe('cvex');
    expect(create.headers['content-type']).toBe('application/json');
    expect(JSON.parse(create.body)).toMatchObject({ name: 'team-a-bucket', accountIds: ['123456789012'], exceptionScope: 'CONNECTOR' });
    expect(list.url).toBe('/cloudview-api/rest/v1/exceptions/list?filter=exception.scope%3ACONNECTOR&pageNo=0&pageSize=100&sort=updatedOn%3Adesc');
    expect(client.requestCount()).toBe(2);
    expect(client.counters().byRoute).toEqual({ 'exceptions.create': 1, 'exceptions.list': 1 });
  });

  it('accepts a base URL already ending in /cloudview-api and refuses http to a non-loopback host', async () => {
    const server = await serve((_req, res) => json(res, 200, detailBody));
    open.push(server);
    const client = createCloudViewClient({ baseUrl: `${server.url}/cloudview-api/`, username: 'a', password: 'b' });
    open.push(client);
    await client.getException('u1');
    expect(server.hits[0].url).toBe('/cloudview-api/rest/v1/exceptions/u1');
    expect(() => createCloudViewClient({ baseUrl: 'http://qualysguard.qualys.com', username: 'a', password: 'b' })).toThrow(TargetError);
  });

  it('sends one DELETE with a JSON array of uuids and accepts 204', async () => {
    const { server, client } = await setup((_req, res) => {
      res.writeHead(204);
      res.end();
    });
    await client.deleteExceptions(['a', 'b']);
    await client.deleteExceptions([]);
    expect(server.hits.map((hit) => [hit.method, hit.url, hit.body])).toEqual([['DELETE', '/cloudview-api/rest/v1/exceptions/delete', '["a","b"]']]);
  });
});

describe('timeout', () => {
  it('refuses a timeout a timer cannot hold (Node would fire it after 1 ms and fail every request)', async () => {
    const server = await serve((_req, res) => setTimeout(() => json(res, 200, detailBody), 20));
    open.push(server);
    expect(() => createCloudViewClient({ baseUrl: server.url, username: 'a', password: 'b', timeoutMs: 2_400_000_000 })).toThrow(RangeError);
    const client = createCloudViewClient({ baseUrl: server.url, username: 'a', password: 'b', timeoutMs: 2_147_483_647, retry: { maxAttempts: 1 } });
    open.push(client);
    expect((await client.getException('u1')).uuid).toBe('u1');
  });
});

describe('GET retries', () => {
  it('retries 5xx with exponential backoff and jitter, then succeeds', async () => {
    const { server, client, clock } = await setup((_req, res, _hit, index) => (index < 3 ? json(res, 503, { message: 'busy' }) : json(res, 200, detailBody)));
    expect((await client.getException('u1')).uuid).toBe('u1');
    expect(server.hits.length).toBe(4);
    // base 250 ms doubling, "equal jitter" with random() = 0.5 → 3/4 of each step
    expect(clock.sleeps).toEqual([188, 375, 750]);
    expect(client.counters()).toMatchObject({ total: 4, retries: 3 });
  });

  it('retries a connection reset', async () => {
    const { server, client } = await setup((req, res, _hit, index) => (index === 0 ? req.socket.destroy() : json(res, 200, detailBody)));
    expect((await client.getException('u1')).uuid).toBe('u1');
    expect(server.hits.length).toBe(2);
  });

  it('times out a hung request, retries, and gives up with a NetworkError after maxAttempts', async () => {
    const { server, client } = await setup(() => undefined, { timeoutMs: 80, retry: { maxAttempts: 3 } });
    const started = Date.now();
    const error = await failure(client.getException('u1'));
    expect(error).toBeInstanceOf(NetworkError);
    expect((error as NetworkError).kind).toBe('timeout');
    expect(error.message).toMatch(/GET \/cloudview-api\/rest\/v1\/exceptions\/u1: timed out after 3 attempts/);
    expect(server.hits.length).toBe(3);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('does not retry 4xx and reads the Spring 404 body into one line', async () => {
    const { server, client } = await setup((_req, res) =>
      json(res, 404, { timestamp: 'x', status: 404, error: 'Not Found', message: 'Exception not found', path: '/cloudview-api/rest/v1/exceptions/zz' }, { 'x-request-id': 'req-9' }),
    );
    const error = await failure(client.getException('zz'));
    expect(error.constructor).toBe(ApiError);
    expect(error).toMatchObject({ status: 404, route: 'exceptions.get', requestId: 'req-9' });
    expect(error.message).toBe(
      'GET /cloudview-api/rest/v1/exceptions/zz: HTTP 404: Not Found: Exception not found (path /cloudview-api/rest/v1/exceptions/zz) (request id req-9)',
    );
    expect(server.hits.length).toBe(1);
    expect(await client.findExceptionByUuid('zz')).toBeUndefined();
  });

  it('turns 401 into an AuthError at once', async () => {
    const { server, client } = await setup((_req, res) => json(res, 401, { timestamp: 'x', status: 401, error: 'Unauthorized', message: 'Bad credentials', path: '/x' }));
    const error = await failure(client.getException('u1'));
    expect(error).toBeInstanceOf(AuthError);
    expect(error.message).toMatch(/HTTP 401: Unauthorized: Bad credentials .*check QUALYS_USERNAME \/ QUALYS_PASSWORD/);
    expect(server.hits.length).toBe(1);
  });

  it('reports a 200 with an unexpected body as a ResponseShapeError', async () => {
    const { client } = await setup((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html>login page</html>');
    });
    const error = await failure(client.getException('u1'));
    expect(error).toBeInstanceOf(ResponseShapeError);
    expect(error.message).toMatch(/unexpected response shape from exceptions\.get: not JSON/);
    const shape = await failure((async () => { for await (const _ of client.listExceptions()) { /* drain */ } })());
    expect(shape.message).toMatch(/exceptions\.list/);
  });
});

describe('errors inside a 2xx', () => {
  it.each([
    ['a delete', 'DELETE', (client: CloudViewClient) => client.deleteExceptions(['a'])],
    ['a list', 'GET', (client: CloudViewClient) => (async () => { for await (const _ of client.listExceptions()) { /* drain */ } })()],
  ])('%s answered 200 {errorCode, message} fails with the server\'s message, not success or a shape error', async (_label, method, run) => {
    const { server, client } = await setup((_req, res) => json(res, 200, { errorCode: 'NOT_FOUND', message: 'Exception not found' }));
    const error = await failure(run(client));
    expect(error.constructor).toBe(ApiError);
    expect(error).toMatchObject({ status: 200, errorCode: 'NOT_FOUND' });
    expect(error.message).toMatch(new RegExp(`^${method} /cloudview-api/rest/v1/exceptions/\\S+: HTTP 200: Exception not found \\[NOT_FOUND\\]`));
    expect(server.hits.length).toBe(1);
  });

  it('a Spring error body inside a 200 keeps its status: 401 is an AuthError', async () => {
    const { client } = await setup((_req, res) => json(res, 200, { timestamp: 'x', status: 401, error: 'Unauthorized', message: 'Bad credentials', path: '/x' }));
    const error = await failure(client.getException('u1'));
    expect(error).toBeInstanceOf(AuthError);
    expect(error.status).toBe(401);
  });
});

describe('timestamps without a zone', () => {
  it('are a shape error, not read in whatever time zone the runner happens to be in', async () => {
    const previous = process.env.TZ;
    process.env.TZ = 'Asia/Kolkata';
    try {
      const zoneless = { ...listItem(1), startingDate: '2026-01-01T00:00:00', createdOn: '2026-01-01T10:00:00' };
      const { client } = await setup((_req, res, hit) =>
        json(res, 200, springPage([hit.url.includes('filter=') ? { ...listItem(2), createdOn: '2026-01-01T10:00:00' } : zoneless], 0, 100, 1)),
      );
      const error = await failure((async () => { for await (const _ of client.listExceptions()) { /* drain */ } })());
      expect(error).toBeInstanceOf(ResponseShapeError);
      expect(error.message).toMatch(/exception\.startingDate is the string "2026-01-01T00:00:00", expected a timestamp/);
      // Bookkeeping timestamps are kept as sent rather than shifted.
      const [item] = await (async () => { const all = []; for await (const e of client.listExceptions({ filter: 'x:y' })) all.push(e); return all; })();
      expect(item.createdOn).toBe('2026-01-01T10:00:00');
    } finally {
      if (previous === undefined) delete process.env.TZ;
      else process.env.TZ = previous;
    }
  });
});

describe('odd answers', () => {
  it('does not follow a redirect (a login page is not data)', async () => {
    const { server, client } = await setup((_req, res) => {
      res.writeHead(302, { location: 'https://sso.example/login' });
      res.end();
    });
    const error = await failure(client.getException('u1'));
    expect(error.message).toBe('GET /cloudview-api/rest/v1/exceptions/u1: HTTP 302 redirect to https://sso.example/login; check --platform / --api-url');
    expect(server.hits.length).toBe(1);
  });

  it('finds a name by reading the whole list when the server rejects the quoted filter', async () => {
    const { server, client } = await setup((_req, res, hit) =>
      hit.url.includes('filter=')
        ? json(res, 400, { errorCode: 'INVALID_FILTER', message: 'bad filter' })
        : json(res, 200, springPage([listItem(1), listItem(2)], 0, 100, 2)),
    );
    expect((await client.findExceptionByName('exception-2'))?.uuid).toBe('uuid-2');
    expect(server.hits.length).toBe(2);
  });
});

describe('writes are never resent blindly', () => {
  it.each([
    ['a reset', (req: import('node:http').IncomingMessage) => req.socket.destroy()],
    ['a 500', (_req: unknown, res: import('node:http').ServerResponse) => json(res, 500, { errorCode: 'INTERNAL', message: 'oops' })],
    ['a 502 HTML page', (_req: unknown, res: import('node:http').ServerResponse) => { res.writeHead(502); res.end('<h1>Bad Gateway</h1>'); }],
    ['a hang', () => undefined],
  ])('create after %s: one request, AmbiguousWriteError', async (_label, handler) => {
    const { server, client } = await setup(handler as never, { timeoutMs: 100 });
    const error = await failure(client.createException(spec));
    expect(error).toBeInstanceOf(AmbiguousWriteError);
    expect(error.mayHaveHappened).toBe(true);
    expect(error.route).toBe('exceptions.create');
    expect(error.message).toMatch(/^create of exception "team-a-bucket" may have happened: .*look it up by name before trying again$/);
    expect(server.hits.length).toBe(1);
  });

  it.each([
    ['a reset', (req: import('node:http').IncomingMessage) => req.socket.destroy()],
    ['a 503', (_req: unknown, res: import('node:http').ServerResponse) => json(res, 503, { message: 'down' })],
  ])('delete after %s: one request, AmbiguousWriteError', async (_label, handler) => {
    const { server, client } = await setup(handler as never);
    const error = await failure(client.deleteExceptions(['a']));
    expect(error).toBeInstanceOf(AmbiguousWriteError);
    expect(error.message).toMatch(/^delete of exception a may have happened: .*check by uuid/);
    expect(server.hits.length).toBe(1);
  });

  it.each([
    ['not JSON', 'OK'],
    ['JSON without a uuid', JSON.stringify({ exceptionName: 'team-a-bucket', state: 'ACTIVE' })],
  ])('a create answered 200 with a body that is %s did happen: ResponseShapeError with mayHaveHappened', async (_label, body) => {
    const { server, client } = await setup((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(body);
    });
    const error = await failure(client.createException(spec));
    expect(error).toBeInstanceOf(ResponseShapeError);
    expect(error).toMatchObject({ route: 'exceptions.create', status: 200, mayHaveHappened: true });
    expect(error.message).toMatch(/^unexpected response shape from exceptions\.create: .*; the create was accepted \(HTTP 200\), look it up by name$/);
    expect(server.hits.length).toBe(1);
  });

  it('a rejected create (400) is a plain ApiError that did not happen', async () => {
    const { server, client } = await setup((_req, res) => json(res, 400, { errorCode: 'DUPLICATE_NAME', message: 'Exception name already exists' }));
    const error = await failure(client.createException(spec));
    expect(error.constructor).toBe(ApiError);
    expect(error).toMatchObject({ status: 400, errorCode: 'DUPLICATE_NAME', mayHaveHappened: false });
    expect(error.message).toBe('POST /cloudview-api/rest/v1/exceptions/create: HTTP 400: Exception name already exists [DUPLICATE_NAME]');
    expect(server.hits.length).toBe(1);
  });

  it('retries a create that could not connect at all (nothing was sent)', async () => {
    const server = await serve(() => undefined);
    const url = server.url;
    await server.close();
    const clock = fakeClock();
    const client = createCloudViewClient({ baseUrl: url, username: 'a', password: 'b', clock, retry: { maxAttempts: 3 } });
    open.push(client);
    const error = await failure(client.createException(spec));
    expect(error).toBeInstanceOf(NetworkError);
    expect((error as NetworkError).kind).toBe('refused');
    expect(error.mayHaveHappened).toBe(false);
    expect(client.requestCount()).toBe(3);
  });
});

describe('rate and concurrency limits', () => {
  it('a create refused with 429 + Retry-After is retried after the wait', async () => {
    const { server, client, clock } = await setup((_req, res, _hit, index) =>
      index === 0
        ? json(res, 429, { message: 'too many' }, { 'retry-after': '2', 'x-concurrency-limit-limit': '1', 'x-concurrency-limit-running': '1' })
        : json(res, 200, { uuid: 'u1', exceptionName: spec.name, state: 'ACTIVE' }),
    );
    expect((await client.createException(spec)).uuid).toBe('u1');
    expect(server.hits.length).toBe(2);
    expect(clock.sleeps).toEqual([2_000 + Math.round(0.5 * 250)]);
    expect(client.concurrency()).toBe(1);
    expect(client.counters().rateLimited).toBe(1);
  });

  it('a 409 with X-RateLimit-ToWait-Sec pauses every call until the window reopens', async () => {
    const { server, client, clock } = await setup((_req, res, _hit, index) =>
      index === 0
        ? json(res, 409, { errorCode: 'RATE_LIMIT', message: 'limit' }, { 'x-ratelimit-limit': '300', 'x-ratelimit-window-sec': '3600', 'x-ratelimit-remaining': '0', 'x-ratelimit-towait-sec': '5' })
        : json(res, 200, detailBody),
    );
    await client.getException('u1');
    expect(server.hits.length).toBe(2);
    expect(clock.sleeps[0]).toBeGreaterThanOrEqual(5_000);
  });

  it('holds calls already queued for a connection slot until the pause ends, instead of collecting a 409 each', async () => {
    // The real clock: the server refuses everything for 1 s after its first 409.
    let closedUntil = 0;
    const server = await serve((_req, res) => {
      if (closedUntil === 0) closedUntil = Date.now() + 1_000;
      if (Date.now() < closedUntil) return json(res, 409, { errorCode: 'RATE_LIMIT', message: 'limit' }, { 'x-ratelimit-remaining': '0', 'x-ratelimit-towait-sec': '1' });
      return json(res, 200, detailBody);
    });
    open.push(server);
    const client = createCloudViewClient({ baseUrl: server.url, username: 'a', password: 'b', concurrency: 1 });
    open.push(client);
    await Promise.all([client.getException('u1'), client.getException('u2'), client.getException('u3')]);
    expect(server.hits.length).toBe(4);
    expect(client.counters().rateLimited).toBe(1);
  });

  it('a 409 whose rate headers show budget left is a real conflict: not retried, not a RateLimitError', async () => {
    // Classic Qualys APIs put X-RateLimit-* on every answer, so their mere presence proves nothing.
    const { server, client } = await setup((_req, res) =>
      json(res, 409, { errorCode: 'CONFLICT', message: 'exception is being modified' }, {
        'x-ratelimit-limit': '300', 'x-ratelimit-window-sec': '3600', 'x-ratelimit-remaining': '250', 'x-ratelimit-towait-sec': '0',
      }),
    );
    const error = await failure(client.createException(spec));
    expect(error.constructor).toBe(ApiError);
    expect(error).toMatchObject({ status: 409, errorCode: 'CONFLICT', mayHaveHappened: false });
    expect(server.hits.length).toBe(1);
    expect(client.counters().rateLimited).toBe(0);
  });

  it('fails fast with RateLimitError when the wait is longer than the cap', async () => {
    const { server, client, clock } = await setup((_req, res) =>
      json(res, 409, { message: 'limit' }, { 'x-ratelimit-remaining': '0', 'x-ratelimit-towait-sec': '1800' }),
    );
    const error = await failure(client.deleteExceptions(['a']));
    expect(error).toBeInstanceOf(RateLimitError);
    expect((error as RateLimitError).retryAfterMs).toBe(1_800_000);
    expect(error.mayHaveHappened).toBe(false);
    expect(error.message).toMatch(/rate or concurrency limit .*the server asks to wait 1800 s/);
    expect(server.hits.length).toBe(1);
    expect(clock.sleeps).toEqual([]);
  });

  it('waits before the next call when a success says the window is spent', async () => {
    const { client, clock } = await setup((_req, res) => json(res, 200, detailBody, { 'x-ratelimit-remaining': '0', 'x-ratelimit-towait-sec': '3' }));
    await client.getException('u1');
    expect(clock.sleeps).toEqual([]);
    await client.getException('u1');
    expect(clock.sleeps).toEqual([3_000]);
  });

  it('keeps at most `concurrency` requests in flight', async () => {
    const { server, client } = await setup((_req, res) => setTimeout(() => json(res, 200, detailBody), 30), { concurrency: 2 });
    await Promise.all(Array.from({ length: 8 }, () => client.getException('u1')));
    expect(server.maxInFlight()).toBe(2);
  });

  it('pages ahead within the concurrency bound and never past totalPages', async () => {
    const total = 450;
    const { server, client } = await setup((_req, res, hit) => {
      const url = new URL(hit.url, 'http://x');
      const pageNo = Number(url.searchParams.get('pageNo'));
      const size = Math.min(100, Number(url.searchParams.get('pageSize')));
      const items = Array.from({ length: Math.max(0, Math.min(size, total - pageNo * size)) }, (_, i) => listItem(pageNo * size + i));
      setTimeout(() => json(res, 200, springPage(items, pageNo, size, total)), 10);
    }, { pageSize: 500 });
    const names = new Set<string>();
    for await (const exception of client.listExceptions()) names.add(exception.name);
    expect(names.size).toBe(total);
    expect(server.hits.length).toBe(5);
    expect(server.hits.every((hit) => hit.url.includes('pageSize=500'))).toBe(true);
    expect(server.maxInFlight()).toBeLessThanOrEqual(2);
  });
});

describe('TLS', () => {
  const fixtures = path.join(__dirname, 'fixtures');
  const tls = { key: readFileSync(path.join(fixtures, 'localhost-key.pem')), cert: readFileSync(path.join(fixtures, 'localhost-cert.pem')) };

  it('verifies certificates: an unknown CA is a NetworkError (tls), not retried; --ca-file makes it work', async () => {
    const server = await serve((_req, res) => json(res, 200, detailBody), tls);
    open.push(server);
    const strict = createCloudViewClient({ baseUrl: server.url, username: 'a', password: 'b', clock: fakeClock() });
    open.push(strict);
    const error = await failure(strict.getException('u1'));
    expect(error).toBeInstanceOf(NetworkError);
    expect((error as NetworkError).kind).toBe('tls');
    expect(error.message).toMatch(/TLS verification failed \(use --ca-file for a private CA\)/);
    expect(strict.requestCount()).toBe(1);
    expect(server.hits.length).toBe(0);

    const trusting = createCloudViewClient({ baseUrl: server.url, username: 'a', password: 'b', ca: tls.cert });
    open.push(trusting);
    expect((await trusting.getException('u1')).uuid).toBe('u1');
  });
});

describe('close', () => {
  const settle = (promise: Promise<unknown>) => promise.then(() => undefined, (error: unknown) => error as ApiError);

  it('ends calls waiting out a backoff or a Retry-After at once, without sending them again', async () => {
    // The real clock: a pending retry must neither keep the process alive nor retry on after close().
    const server = await serve((_req, res, hit) => json(res, hit.method === 'POST' ? 429 : 503, { message: 'later' }, { 'retry-after': '30' }));
    open.push(server);
    const client = createCloudViewClient({ baseUrl: server.url, username: 'a', password: 'b' });
    const pending = [settle(client.getException('u1')), settle(client.createException(spec))];
    await new Promise((resolve) => setTimeout(resolve, 200));
    const started = Date.now();
    await client.close();
    const errors = await Promise.all(pending);
    expect(Date.now() - started).toBeLessThan(1_000);
    for (const error of errors) {
      expect(error).toBeInstanceOf(NetworkError);
      expect(error?.mayHaveHappened).toBe(false);
      expect(error?.message).toMatch(/not sent, the client was closed/);
    }
    expect(server.hits.map((hit) => hit.method)).toEqual(['GET', 'POST']);
  });

  it('never sends a write that was still queued for a connection slot', async () => {
    const server = await serve(() => undefined);
    open.push(server);
    const client = createCloudViewClient({ baseUrl: server.url, username: 'a', password: 'b', concurrency: 1, clock: fakeClock() });
    const hung = settle(client.getException('hung'));
    const queued = settle(client.createException(spec));
    await new Promise((resolve) => setTimeout(resolve, 100));
    await client.close();
    const [, error] = await Promise.all([hung, queued]);
    expect(error).toBeInstanceOf(NetworkError);
    expect(error?.mayHaveHappened).toBe(false);
    expect(error?.message).toMatch(/not sent, the client was closed/);
    expect(server.hits.map((hit) => hit.method)).toEqual(['GET']);
  });
});
