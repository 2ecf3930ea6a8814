import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator } from '../../src/simulator';
import type { Simulator, SimulatorOptions } from '../../src/simulator/types';
import { createBody, movableClock, spec, wire } from './helpers';

let sim: Simulator | undefined;
async function start(options: SimulatorOptions = {}) {
  sim = await startSimulator(options);
  return { sim, api: wire(sim.url) };
}
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

describe('latency', () => {
  it('delays every response by the configured latency, adjustable while running', async () => {
    const { sim, api } = await start({ latencyMs: 400 });
    let started = performance.now();
    await api.get('exceptions/list');
    expect(performance.now() - started).toBeGreaterThanOrEqual(395);
    sim.setLatency(0);
    started = performance.now();
    await api.get('exceptions/list');
    // Loose: the machine is shared; only "no longer 400 ms" matters.
    expect(performance.now() - started).toBeLessThan(350);
  });
});

describe('concurrency limit', () => {
  it('answers 429 with X-Concurrency-Limit-* and Retry-After past the limit', async () => {
    const { api } = await start({ concurrencyLimit: 2, latencyMs: 150 });
    const responses = await Promise.all(Array.from({ length: 4 }, () => api.get('exceptions/list')));
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 200, 429, 429]);
    const limited = responses.find((r) => r.status === 429)!;
    expect(limited.headers.get('x-concurrency-limit-limit')).toBe('2');
    expect(limited.headers.get('x-concurrency-limit-running')).toBe('2');
    expect(limited.headers.get('retry-after')).toBe('1');
    expect(limited.body.errorCode).toBe('TOO_MANY_REQUESTS');
    // The slots free up once the answers are out.
    expect((await api.get('exceptions/list')).status).toBe(200);
  });
});

describe('rate limit', () => {
  it('answers 409 with X-RateLimit-* once the window is used up, until the window passes', async () => {
    const clock = movableClock('2026-06-15T12:00:00Z');
    const { api } = await start({ rateLimit: { limit: 3, windowSec: 60 }, now: clock.now });
    const remaining: Array<string | null> = [];
    for (let i = 0; i < 3; i += 1) {
      const response = await api.get('exceptions/list');
      expect(response.status).toBe(200);
      remaining.push(response.headers.get('x-ratelimit-remaining'));
    }
    expect(remaining).toEqual(['2', '1', '0']);
    clock.advance(20_000);
    const limited = await api.get('exceptions/list');
    expect(limited.status).toBe(409);
    expect(limited.body.errorCode).toBe('RATE_LIMIT_EXCEEDED');
    expect(Object.fromEntries(['limit', 'window-sec', 'remaining', 'towait-sec'].map((h) => [h, limited.headers.get(`x-ratelimit-${h}`)]))).toEqual({
      limit: '3',
      'window-sec': '60',
      remaining: '0',
      'towait-sec': '40',
    });
    clock.advance(40_000);
    expect((await api.get('exceptions/list')).status).toBe(200);
  });

  it('can be changed or lifted while running', async () => {
    const { sim, api } = await start();
    sim.setLimits({ rateLimit: { limit: 1, windowSec: 3600 } });
    expect((await api.get('exceptions/list')).status).toBe(200);
    expect((await api.get('exceptions/list')).status).toBe(409);
    sim.setLimits({ rateLimit: null, maxPageSize: 5 });
    expect((await api.get('exceptions/list?pageSize=50')).body.size).toBe(5);
  });
});

describe('faults', () => {
  it('500: answers a Spring 500 without doing the work, `times` times', async () => {
    const { sim, api } = await start();
    sim.injectFault({ route: 'exceptions.create', kind: '500', times: 1 });
    const failed = await api.post('exceptions/create', createBody());
    expect(failed.status).toBe(500);
    expect(failed.body).toMatchObject({ status: 500, error: 'Internal Server Error' });
    expect(sim.exceptions()).toHaveLength(0);
    expect((await api.post('exceptions/create', createBody())).status).toBe(200);
  });

  it('429: answers 429 with Retry-After from the rule', async () => {
    const { sim, api } = await start();
    sim.injectFault({ route: 'exceptions.list', kind: '429', times: 1, retryAfterSec: 3 });
    const limited = await api.get('exceptions/list');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('3');
    expect(limited.headers.get('x-concurrency-limit-limit')).toBe('2');
    expect((await api.get('exceptions/list')).status).toBe(200);
  });

  it('reset: destroys the socket before doing the work', async () => {
    const { sim, api } = await start();
    sim.injectFault({ route: 'exceptions.create', kind: 'reset', times: 1 });
    await expect(api.post('exceptions/create', createBody())).rejects.toThrow();
    expect(sim.exceptions()).toHaveLength(0);
  });

  it('hang: never answers; close() still ends the socket at once', async () => {
    const { sim, api } = await start();
    sim.injectFault({ route: 'exceptions.list', kind: 'hang' });
    await expect(api.get('exceptions/list', { signal: AbortSignal.timeout(150) })).rejects.toThrow();
    const pending = api.get('exceptions/list');
    const outcome = pending.then(
      () => 'answered',
      () => 'failed',
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = performance.now();
    await sim.close();
    expect(performance.now() - started).toBeLessThan(1000);
    expect(await outcome).toBe('failed');
  });

  it('commit-then-500: the create happens, the answer is a 500', async () => {
    const { sim, api } = await start();
    sim.injectFault({ route: 'exceptions.create', kind: 'commit-then-500', times: 1 });
    expect((await api.post('exceptions/create', createBody())).status).toBe(500);
    expect(sim.exceptions().map((e) => e.name)).toEqual(['ex-connector']);
    // A blind resend now meets the unique name.
    expect((await api.post('exceptions/create', createBody())).body.errorCode).toBe('DUPLICATE_NAME');
  });

  it('commit-then-reset: the delete happens, the socket dies', async () => {
    const { sim, api } = await start();
    const [uuid] = sim.seedExceptions([spec()]);
    sim.injectFault({ route: 'exceptions.delete', kind: 'commit-then-reset', times: 1 });
    await expect(api.del('exceptions/delete', [uuid])).rejects.toThrow();
    expect(sim.exceptions()).toHaveLength(0);
    expect((await api.get(`exceptions/${uuid}`)).status).toBe(404);
  });

  it('commit-then-hang: the create happens, the answer never comes', async () => {
    const { sim, api } = await start();
    sim.injectFault({ route: 'exceptions.create', kind: 'commit-then-hang', times: 1 });
    await expect(api.post('exceptions/create', createBody(), { signal: AbortSignal.timeout(200) })).rejects.toThrow();
    expect(sim.exceptions().map((e) => e.name)).toEqual(['ex-connector']);
  });

  it('draws probabilities from the seeded random source: the same seed replays the same failures', async () => {
    const pattern = async (randomSeed: number) => {
      const { sim, api } = await start({ randomSeed });
      sim.injectFault({ route: '*', kind: '500', probability: 0.5 });
      const statuses: number[] = [];
      for (let i = 0; i < 24; i += 1) statuses.push((await api.get('aws/connectors')).status);
      await sim.close();
      return statuses;
    };
    const first = await pattern(7);
    expect(await pattern(7)).toEqual(first);
    expect(first).toContain(500);
    expect(first).toContain(200);
    expect(await pattern(8)).not.toEqual(first);
  });

  it('clearFaults removes every rule; route "*" matches every route', async () => {
    const { sim, api } = await start();
    sim.injectFault({ route: '*', kind: '500' });
    expect((await api.get('aws/connectors')).status).toBe(500);
    expect((await api.get('exceptions/list')).status).toBe(500);
    sim.clearFaults();
    expect((await api.get('exceptions/list')).status).toBe(200);
    expect(() => sim.injectFault({ route: '*', kind: 'explode' as never })).toThrow(/unknown fault kind/);
  });
});

describe('request counters', () => {
  it('counts requests by route, rejected ones included, and resets', async () => {
    const { sim, api } = await start();
    await api.get('exceptions/list');
    await api.get('exceptions/list');
    await api.post('exceptions/create', createBody());
    await wire(sim.url, null).get('aws/connectors');
    await api.get('not/a/route');
    expect(sim.counters()).toEqual({ total: 5, byRoute: { 'exceptions.list': 2, 'exceptions.create': 1, 'connectors.list': 1 } });
    sim.resetCounters();
    expect(sim.counters()).toEqual({ total: 0, byRoute: {} });
  });
});

describe('options', () => {
  it('rejects a bad time zone and bad limits', async () => {
    await expect(startSimulator({ timezone: 'Mars/Olympus' })).rejects.toThrow(/time zone/);
    await expect(startSimulator({ maxPageSize: 0 })).rejects.toThrow(/maxPageSize/);
    await expect(startSimulator({ rateLimit: { limit: 1, windowSec: 0 } })).rejects.toThrow(/windowSec/);
    // Past 2^31 - 1 ms Node fires a timer after 1 ms: a huge latency would silently become none.
    await expect(startSimulator({ latencyMs: 3_000_000_000 })).rejects.toThrow(/latencyMs/);
    const { sim } = await start();
    expect(() => sim.setLatency(3_000_000_000)).toThrow(RangeError);
  });

  it('accepts the user and password it is given, and only those', async () => {
    const { sim } = await start({ user: 'alice', password: 'p:ss word' });
    expect((await wire(sim.url).get('exceptions/list')).status).toBe(401);
    const alice = `Basic ${Buffer.from('alice:p:ss word').toString('base64')}`;
    expect((await wire(sim.url, alice).get('exceptions/list')).status).toBe(200);
  });
});

describe('quirks', () => {
  it('single-object content and a warning key whose URL drops the filter', async () => {
    const { sim, api } = await start({ quirks: { singleObjectContent: true, warningKey: true } });
    const page = await api.get('aws/connectors?filter=state:ERROR&pageNo=0&pageSize=10');
    expect(page.body.content).toMatchObject({ name: 'aws-sandbox' });
    expect(page.body.warning).toContain('/cloudview-api/rest/v1/aws/connectors?pageNo=0&pageSize=10');
    expect(page.body.warning).not.toContain('filter');
    sim.setQuirks({});
    expect(Array.isArray((await api.get('aws/connectors?filter=state:ERROR')).body.content)).toBe(true);
  });

  it('per-account summary as a bare array or a single object', async () => {
    const { sim, api } = await start({ quirks: { summaryShape: 'array' } });
    const array = await api.get('aws/evaluations/123456789012?filter=cid:67');
    expect(array.body).toEqual([expect.objectContaining({ controlId: '67' })]);
    sim.setQuirks({ summaryShape: 'object' });
    expect((await api.get('aws/evaluations/123456789012?filter=cid:67')).body).toMatchObject({ controlId: '67', failedResources: 1 });
  });
});
