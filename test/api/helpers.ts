// Tiny node:http servers on 127.0.0.1 port 0 for wire behaviours (retries, resets, hangs, headers),
// and a fake clock so backoff runs in milliseconds. Never stubs fetch or undici.
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import { expect } from 'vitest';
import { ApiError } from '../../src/api/errors';
import type { RetryClock } from '../../src/api/retry';

export interface Hit {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export type Handler = (req: http.IncomingMessage, res: http.ServerResponse, hit: Hit, index: number) => unknown;

export interface TestServer {
  url: string;
  hits: Hit[];
  /** Highest number of requests in flight at once. */
  maxInFlight(): number;
  close(): Promise<void>;
}

export async function serve(handler: Handler, tls?: { key: string | Buffer; cert: string | Buffer }): Promise<TestServer> {
  const hits: Hit[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const listener = (req: http.IncomingMessage, res: http.ServerResponse) => {
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    const done = () => {
      inFlight -= 1;
    };
    res.once('close', done);
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const hit = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      hits.push(hit);
      void handler(req, res, hit, hits.length - 1);
    });
  };
  const server = tls ? https.createServer(tls, listener) : http.createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    hits,
    maxInFlight: () => maxInFlight,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function json(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

export function springPage<T>(content: T[], pageNo: number, pageSize: number, total: number): Record<string, unknown> {
  const totalPages = Math.ceil(total / pageSize);
  return {
    content,
    pageable: { sort: { sorted: false, empty: true, unsorted: true }, pageSize, pageNumber: pageNo, offset: pageNo * pageSize, paged: true, unpaged: false },
    totalPages,
    totalElements: total,
    last: pageNo >= totalPages - 1,
    number: pageNo,
    size: pageSize,
    numberOfElements: content.length,
    first: pageNo === 0,
    empty: content.length === 0,
  };
}

export interface FakeClock extends RetryClock {
  sleeps: number[];
}

/** Sleeps return at once and move the fake time on, so retry waits can be asserted exactly. */
export function fakeClock(random = 0.5): FakeClock {
  let now = Date.parse('2026-11-23T12:00:00Z');
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms;
    },
    random: () => random,
  };
}

export const listItem = (n: number) => ({
  uuid: `uuid-${n}`,
  name: `exception-${n}`,
  description: 'why',
  reason: 'Other',
  state: 'ACTIVE',
  startingDate: '2026-01-01T00:00:00+0000',
  endingDate: '2026-12-31T23:59:59+0000',
  createdBy: 'u',
  updatedBy: 'u',
  createdOn: '2026-01-01T00:00:00+0000',
  updatedOn: '2026-01-01T00:00:00+0000',
  scope: 'CONNECTOR',
});

/** The ApiError a call fails with; the test fails if it succeeds or throws anything else. */
export async function failure(promise: Promise<unknown>): Promise<ApiError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(ApiError);
    return error as ApiError;
  }
  throw new Error('expected a failure');
}
