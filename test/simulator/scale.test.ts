import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator } from '../../src/simulator';
import type { Simulator } from '../../src/simulator/types';
import { createBody, spec, wire, type Wire } from './helpers';

// No wall-clock assertions (shared, loaded cores): the test's own time limit catches an O(n) step
// per request, which at this size takes minutes.
let sim: Simulator;
let api: Wire;
beforeAll(async () => {
  sim = await startSimulator({ now: () => new Date('2026-06-15T12:00:00Z') });
  api = wire(sim.url);
});
afterAll(() => sim.close());

describe('10,000 exceptions', () => {
  it('seeds in bulk, pages through all of them and creates more over HTTP cheaply', async () => {
    let started = performance.now();
    const uuids = sim.seedExceptions(
      Array.from({ length: 10_000 }, (_, i) => spec({ name: `bulk-${String(i).padStart(5, '0')}`, endDate: `2026-12-${String((i % 28) + 1).padStart(2, '0')}` })),
    );
    const seedMs = performance.now() - started;
    expect(uuids).toHaveLength(10_000);

    started = performance.now();
    const seen = new Set<string>();
    for (let pageNo = 0; ; pageNo += 1) {
      const page = (await api.get(`exceptions/list?pageNo=${pageNo}&pageSize=100&sort=endingDate:asc`)).body;
      for (const item of page.content) seen.add(item.uuid);
      if (page.last) break;
    }
    const pagingMs = performance.now() - started;
    expect(seen.size).toBe(10_000);

    started = performance.now();
    for (let i = 0; i < 500; i += 1) {
      expect((await api.post('exceptions/create', createBody({ name: `http-${i}` }))).status).toBe(200);
    }
    const createMs = performance.now() - started;
    console.log(`seed 10,000: ${seedMs.toFixed(0)} ms; 100 pages: ${pagingMs.toFixed(0)} ms; 500 HTTP creates: ${createMs.toFixed(0)} ms`);
  }, 60_000);
});
