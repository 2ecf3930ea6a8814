// The readings the documentation leaves open and the hostile answers, as the simulator plays them on
// the wire (plain fetch over loopback): what a client must survive, before any client is involved.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECT_NAMES, dialectQuirks, startSimulator } from '../../src/simulator';
import type { Simulator } from '../../src/simulator/types';
import { basicAuth, createBody, spec, wire, API, type Wire } from './helpers';

const AWS_PROD = '123456789012';

let sim: Simulator;
let api: Wire;
beforeAll(async () => {
  sim = await startSimulator({ now: () => new Date('2026-06-15T12:00:00Z'), maxPageSize: 2 });
  api = wire(sim.url);
  sim.seedExceptions(Array.from({ length: 5 }, (_, i) => spec({ name: `seeded-${i}` })));
});
afterAll(() => sim.close());

type Item = Record<string, unknown>;
const names = (page: { content: Item[] }) => page.content.map((item) => item.name);

describe('dialects', () => {
  it('name sets of quirks; an unknown name is refused with the list', async () => {
    expect(DIALECT_NAMES).toContain('documented');
    expect(dialectQuirks('v1-one-based')).toEqual({ v1OneBasedPages: true });
    expect(() => dialectQuirks('nope')).toThrow(/unknown simulator dialect "nope"; known: documented, /);
    await expect(startSimulator({ dialect: 'nope' as never })).rejects.toThrow(/unknown simulator dialect/);
    const scripted = await startSimulator({ dialect: 'scripts', quirks: { warningKey: false } });
    expect(scripted.quirks()).toEqual({ singleObjectContent: true, warningKey: false, summaryShape: 'array' });
    await scripted.close();
  });
});

describe('v1 page base and envelope', () => {
  it('counts v1 pages from 1 when asked to: page 0 is page 1, `number` reads pageNo - 1', async () => {
    sim.setQuirks({ v1OneBasedPages: true });
    const zero = (await api.get('aws/connectors?pageNo=0&pageSize=2')).body;
    const one = (await api.get('aws/connectors?pageNo=1&pageSize=2')).body;
    const two = (await api.get('aws/connectors?pageNo=2&pageSize=2')).body;
    expect(names(zero)).toEqual(['aws-prod', 'aws-staging']);
    expect(names(one)).toEqual(names(zero));
    expect(one.number).toBe(0);
    expect(names(two)).toEqual(['aws-sandbox']);
    expect(two).toMatchObject({ number: 1, last: true });
    // The v2 lists stay 0-based.
    expect((await api.get('exceptions/list?pageNo=1&pageSize=2')).body.content.map((e: Item) => e.name)).toEqual(['seeded-2', 'seeded-3']);
    sim.setQuirks({});
  });

  it('sends the minimal v1 envelope the v1 samples show', async () => {
    sim.setQuirks({ minimalV1Envelope: true });
    const page = (await api.get(`aws/evaluations/${AWS_PROD}/resources/1?pageNo=0&pageSize=2`)).body;
    expect(Object.keys(page).sort()).toEqual(['content', 'number', 'numberOfElements', 'size']);
    expect(page).toMatchObject({ numberOfElements: 2, size: 2, number: 0 });
    expect(Object.keys((await api.get(`aws/evaluations/${AWS_PROD}`)).body).sort()).toEqual(['content', 'number', 'numberOfElements', 'size']);
    expect((await api.get('exceptions/list')).body).toHaveProperty('totalElements', 5);
    sim.setQuirks({});
  });
});

describe('the exception detail', () => {
  it('puts provider at the top, inside exceptionSummary, or nowhere; connectors with accountId, account or neither', async () => {
    const uuid = (await api.post('exceptions/create', createBody({ name: 'shapes' }))).body.uuid;
    const detail = async () => (await api.get(`exceptions/${uuid}`)).body;
    expect((await detail()).provider).toBe('AWS');
    sim.setQuirks({ detailProvider: 'summary', detailConnectors: 'account' });
    let body = await detail();
    expect(body).not.toHaveProperty('provider');
    expect(body.exceptionSummary).toMatchObject({ provider: 'AWS', connectors: [{ uuid: expect.any(String), name: 'aws-prod', account: AWS_PROD }] });
    sim.setQuirks({ detailProvider: 'none', detailConnectors: 'uuid-name' });
    body = await detail();
    expect(body).not.toHaveProperty('provider');
    expect(body.exceptionSummary).not.toHaveProperty('provider');
    expect(body.exceptionSummary.connectors).toEqual([{ uuid: expect.any(String), name: 'aws-prod' }]);
    sim.setQuirks({});
    await api.del('exceptions/delete', [uuid]);
  });

  it('leaves the account ids out of connector items when asked to', async () => {
    sim.setQuirks({ connectorsWithoutAccountIds: true });
    const item = (await api.get('aws/connectors')).body.content[0];
    for (const key of ['awsAccountId', 'baseAccountId', 'arn', 'subscriptionId', 'projectId']) expect(item).not.toHaveProperty(key);
    expect((await api.get('azure/connectors')).body.content[0]).not.toHaveProperty('subscriptionId');
    sim.setQuirks({});
  });
});

describe('paging that never ends', () => {
  it('repeat: pages A, B, A, B with last false and no totals', async () => {
    sim.setQuirks({ brokenPaging: { 'exceptions.list': 'repeat' } });
    const pages = await Promise.all([0, 1, 2, 3].map(async (n) => (await api.get(`exceptions/list?pageNo=${n}&pageSize=2`)).body));
    expect(pages.map((page) => names(page))).toEqual([
      ['seeded-0', 'seeded-1'],
      ['seeded-2', 'seeded-3'],
      ['seeded-0', 'seeded-1'],
      ['seeded-2', 'seeded-3'],
    ]);
    expect(pages.every((page) => page.last === false && !('totalElements' in page) && !('totalPages' in page))).toBe(true);
    sim.setQuirks({});
  });

  it('endless: fresh ids on every page, keeping the real totalElements (or none: endless-bare)', async () => {
    sim.setQuirks({ brokenPaging: { 'exceptions.list': 'endless', 'connectors.list': 'endless-bare' } });
    const page = (await api.get('exceptions/list?pageNo=57&pageSize=2')).body;
    expect(page).toMatchObject({ last: false, totalElements: 5, number: 57 });
    expect(names(page)).toEqual(['seeded-0~57', 'seeded-1~57']);
    const connectors = (await api.get('aws/connectors?pageNo=3')).body;
    expect(connectors).not.toHaveProperty('totalElements');
    expect(connectors.content[0].connectorId).toMatch(/~3$/);
    sim.setQuirks({});
  });
});

describe('bodies too large to read', () => {
  it('oversized: the real answer padded with whitespace to the size asked, still JSON', async () => {
    sim.setQuirks({ hugeBody: { 'exceptions.list': 'oversized' }, oversizedBytes: 300_000 });
    const response = await fetch(`${sim.url}${API}exceptions/list`, { headers: { authorization: basicAuth() } });
    const text = await response.text();
    expect(text.length).toBeGreaterThanOrEqual(300_000);
    expect(JSON.parse(text).totalElements).toBe(5);
    sim.setQuirks({});
  });

  it('endless: a body that never ends, until the client hangs up', async () => {
    sim.setQuirks({ hugeBody: { 'connectors.list': 'endless' } });
    const controller = new AbortController();
    const response = await fetch(`${sim.url}${API}aws/connectors`, { headers: { authorization: basicAuth() }, signal: controller.signal });
    const reader = response.body!.getReader();
    let received = 0;
    while (received < 2_000_000) received += (await reader.read()).value!.length;
    controller.abort();
    expect(received).toBeGreaterThanOrEqual(2_000_000);
    sim.setQuirks({});
    // The server is still fine afterwards.
    expect((await api.get('aws/connectors')).status).toBe(200);
  });
});

describe('a list that changes between pages', () => {
  const listing = async () => {
    const pages = [];
    for (let n = 0; n < 3; n += 1) pages.push((await api.get(`exceptions/list?pageNo=${n}&pageSize=2`)).body);
    return pages;
  };

  it('shrink-once: during the first listing one exception slides past the pages read, and the count drops', async () => {
    sim.setQuirks({ shiftingList: 'shrink-once' });
    const first = await listing();
    expect(first.map((page) => page.totalElements)).toEqual([5, 4, 4]);
    expect(first.flatMap((page) => names(page))).toEqual(['seeded-0', 'seeded-1', 'seeded-3', 'seeded-4']);
    const second = await listing();
    expect(second.flatMap((page) => names(page))).toEqual(['seeded-0', 'seeded-1', 'seeded-2', 'seeded-3', 'seeded-4']);
    sim.setQuirks({});
  });

  it('grow-once: the last item of page 0 comes again on page 1; shrink-always never settles', async () => {
    sim.setQuirks({ shiftingList: 'grow-once' });
    const grown = await listing();
    expect(grown.flatMap((page) => names(page))).toEqual(['seeded-0', 'seeded-1', 'seeded-1', 'seeded-2', 'seeded-3', 'seeded-4']);
    expect(grown.map((page) => page.totalElements)).toEqual([5, 6, 6]);
    sim.setQuirks({ shiftingList: 'shrink-always' });
    await listing();
    expect((await listing()).map((page) => page.totalElements)).toEqual([5, 4, 4]);
    sim.setQuirks({});
  });
});

describe('a maximum explanation length', () => {
  it('rejects a longer explanation with a clear 400; no limit by default', async () => {
    const long = 'x'.repeat(401);
    const accepted = await api.post('exceptions/create', createBody({ name: 'long-ok', explanation: long }));
    expect(accepted.status).toBe(200);
    sim.setLimits({ maxExplanationLength: 400 });
    const refused = await api.post('exceptions/create', createBody({ name: 'long-refused', explanation: long }));
    expect(refused.status).toBe(400);
    expect(refused.body).toEqual({ errorCode: 'INVALID_VALUE', message: 'explanation is 401 characters long; at most 400 are allowed' });
    expect((await api.post('exceptions/create', createBody({ name: 'just-fits', explanation: 'x'.repeat(400) }))).status).toBe(200);
    sim.setLimits({ maxExplanationLength: null });
    expect((await api.post('exceptions/create', createBody({ name: 'long-again', explanation: long }))).status).toBe(200);
    await expect(startSimulator({ maxExplanationLength: 0 })).rejects.toThrow(/maxExplanationLength/);
    const names = new Set(['long-ok', 'just-fits', 'long-again']);
    await api.del('exceptions/delete', sim.exceptions().filter((e) => names.has(e.name)).map((e) => e.uuid));
  });
});
