// Plain fetch against a real simulator over loopback: what the tests see is what a client sees.
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';
import { startSimulator } from '../../src/simulator';
import { DEFAULT_SIM_PASSWORD, DEFAULT_SIM_USER, type Simulator } from '../../src/simulator/types';
import type { ExceptionSpec } from '../../src/model/exception';

export const API = '/cloudview-api/rest/v1/';

export interface WireResponse {
  status: number;
  headers: Headers;
  /** Parsed JSON, or the raw text when the body is not JSON, or undefined when empty. */
  body: any;
}

export function basicAuth(user = DEFAULT_SIM_USER, password = DEFAULT_SIM_PASSWORD): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

export interface Wire {
  get(path: string, init?: RequestInit): Promise<WireResponse>;
  post(path: string, body: unknown, init?: RequestInit): Promise<WireResponse>;
  del(path: string, body: unknown): Promise<WireResponse>;
  raw(path: string, init: RequestInit): Promise<WireResponse>;
}

/** auth: null sends no Authorization header. */
export function wire(origin: string, auth: string | null = basicAuth()): Wire {
  const raw = async (path: string, init: RequestInit): Promise<WireResponse> => {
    const headers = new Headers(init.headers);
    if (auth !== null && !headers.has('authorization')) headers.set('authorization', auth);
    headers.set('accept', 'application/json');
    const response = await fetch(`${origin}${API}${path}`, { ...init, headers });
    const text = await response.text();
    let body: unknown = undefined;
    if (text !== '') {
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
    }
    return { status: response.status, headers: response.headers, body };
  };
  const json = (method: string, body: unknown, init?: RequestInit): RequestInit => ({
    ...init,
    method,
    headers: { 'content-type': 'application/json', ...(init?.headers as Record<string, string>) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return {
    raw,
    get: (path, init) => raw(path, { ...init, method: 'GET' }),
    post: (path, body, init) => raw(path, json('POST', body, init)),
    del: (path, body) => raw(path, json('DELETE', body)),
  };
}

/** A create body as the wire takes it (isAllConnector as a string). */
export function createBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    cloudType: 'AWS',
    exceptionScope: 'CONNECTOR',
    name: 'ex-connector',
    explanation: 'sandbox is throwaway',
    exceptionReason: 'Risk Accepted',
    startDate: '2026-01-01',
    endDate: '2026-12-31',
    controlIds: [1, 2],
    accountIds: ['123456789012'],
    ...overrides,
  };
}

export function spec(overrides: Partial<ExceptionSpec> = {}): ExceptionSpec {
  return {
    name: 'spec',
    cloudType: 'AWS',
    exceptionScope: 'CONNECTOR',
    explanation: 'because',
    exceptionReason: 'Other',
    startDate: '2026-01-01',
    endDate: '2026-12-31',
    controlIds: [1],
    accountIds: ['123456789012'],
    ...overrides,
  };
}

/** A clock the test can move. */
export function movableClock(iso: string): { now: () => Date; set(iso: string): void; advance(ms: number): void } {
  let current = Date.parse(iso);
  return {
    now: () => new Date(current),
    set: (next) => {
      current = Date.parse(next);
    },
    advance: (ms) => {
      current += ms;
    },
  };
}

/**
 * One simulator for a whole test file, on a clock that every test starts at `startIso`; after each
 * test every exception is deleted over the wire and faults are cleared, so tests stay independent.
 */
export function useSharedSimulator(startIso: string): { clock: ReturnType<typeof movableClock>; readonly sim: Simulator; readonly api: Wire } {
  const clock = movableClock(startIso);
  let sim: Simulator | undefined;
  let api: Wire | undefined;
  beforeAll(async () => {
    sim = await startSimulator({ now: clock.now });
    api = wire(sim.url);
  });
  afterAll(() => sim?.close());
  beforeEach(() => clock.set(startIso));
  afterEach(async () => {
    const uuids = sim!.exceptions().map((e) => e.uuid);
    if (uuids.length > 0) expect((await api!.del('exceptions/delete', uuids)).status).toBe(204);
    sim!.clearFaults();
    sim!.setQuirks({});
  });
  return {
    clock,
    get sim() {
      return sim!;
    },
    get api() {
      return api!;
    },
  };
}
