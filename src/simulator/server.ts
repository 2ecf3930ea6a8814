// The HTTP face: routing, Basic auth, limits (409 rate, 429 concurrency), latency, fault injection,
// request counters, and the JSON / error envelopes. node:http only.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { EvaluationWorld } from './evaluations';
import { type FaultTable, type FiredFault } from './faults';
import { HttpError, qualysError, type Reply, type RouteContext, springError } from './http';
import { applyEnvelopeQuirks, brokenPage, DEFAULT_OVERSIZED_BYTES, hugeBodyChunks, pageBaseOf } from './quirks';
import * as exceptions from './routes-exceptions';
import * as evaluations from './routes-evaluations';
import type { SimulatorStore } from './store';
import type { RequestCounters, RouteId, SimulatorQuirks } from './types';
import { SimulatorValidationError } from './validate';

export const API_PREFIX = '/cloudview-api/rest/v1/';
const MAX_BODY_BYTES = 5 * 1024 * 1024;

interface Route {
  id: RouteId;
  method: string;
  pattern: RegExp;
  handle: (ctx: RouteContext) => Reply;
}

const CLOUD = '(aws|azure|gcp)';
const ROUTES: Route[] = [
  { id: 'exceptions.create', method: 'POST', pattern: /^exceptions\/create$/, handle: exceptions.createException },
  { id: 'exceptions.list', method: 'GET', pattern: /^exceptions\/list$/, handle: exceptions.listExceptions },
  { id: 'exceptions.delete', method: 'DELETE', pattern: /^exceptions\/delete$/, handle: exceptions.deleteExceptions },
  { id: 'exceptions.get', method: 'GET', pattern: /^exceptions\/([^/]+)$/, handle: exceptions.getException },
  { id: 'evaluations.list', method: 'POST', pattern: new RegExp(`^${CLOUD}/evaluations/list/resources$`), handle: evaluations.listEvaluationsByRegex },
  { id: 'evaluations.applyTags', method: 'POST', pattern: new RegExp(`^${CLOUD}/evaluations/applyTags$`), handle: evaluations.applyTags },
  { id: 'evaluations.summary', method: 'GET', pattern: new RegExp(`^${CLOUD}/evaluations/([^/]+)$`), handle: evaluations.controlSummaries },
  {
    id: 'evaluations.resources',
    method: 'GET',
    pattern: new RegExp(`^${CLOUD}/evaluations/([^/]+)/resources/([^/]+)$`),
    handle: evaluations.controlResources,
  },
  { id: 'connectors.list', method: 'GET', pattern: new RegExp(`^${CLOUD}/connectors$`), handle: evaluations.listConnectors },
];

/** Knobs that can change while the server runs. */
export interface ServerSettings {
  user: string;
  password: string;
  latencyMs: number;
  maxPageSize: number;
  concurrencyLimit?: number;
  rateLimit?: { limit: number; windowSec: number };
  quirks: SimulatorQuirks;
  maxExplanationLength?: number;
  now: () => Date;
}

export class SimulatorServer {
  readonly http: Server;
  private readonly sockets = new Set<Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private counters: RequestCounters = { total: 0, byRoute: {} };
  private inFlight = 0;
  private requestSeq = 0;
  private rateWindow = { startMs: 0, used: 0 };
  /** Exceptions listings begun (a request for pageNo=0), for the shiftingList quirk's `-once` modes. */
  private listingsBegun = 0;
  private closed = false;

  constructor(
    private readonly store: SimulatorStore,
    private readonly world: EvaluationWorld,
    private readonly faults: FaultTable,
    readonly settings: ServerSettings,
  ) {
    this.http = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        if (!res.headersSent && !res.destroyed) {
          this.send(res, springError(500, `simulator error: ${(error as Error).message}`, req.url ?? '', this.settings.now()));
        }
      });
    });
    this.http.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
  }

  listen(port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen(port, '127.0.0.1', () => {
        this.http.off('error', reject);
        const address = this.http.address();
        resolve(typeof address === 'object' && address ? address.port : port);
      });
    });
  }

  /** Stops listening and ends every socket, hanging ones included, so tests never leak handles. */
  close(): Promise<void> {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    return new Promise((resolve) => {
      this.http.close(() => resolve());
      this.http.closeAllConnections();
      for (const socket of this.sockets) socket.destroy();
    });
  }

  getCounters(): RequestCounters {
    return { total: this.counters.total, byRoute: { ...this.counters.byRoute } };
  }

  resetCounters(): void {
    this.counters = { total: 0, byRoute: {} };
  }

  setQuirks(quirks: SimulatorQuirks): void {
    this.settings.quirks = structuredClone(quirks);
    this.listingsBegun = 0;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve();
      }, ms);
      this.timers.add(timer);
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.counters.total += 1;
    this.requestSeq += 1;
    res.setHeader('X-Request-Id', `sim-${this.requestSeq}`);
    const now = this.settings.now();
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const path = url.pathname;
    const match = matchRoute(req.method ?? 'GET', path);
    if (match.kind === 'none') return this.send(res, springError(404, 'No handler found', path, now));
    if (match.kind === 'method') return this.send(res, springError(405, `Request method '${req.method}' is not supported`, path, now, { Allow: match.allow }));
    const { route, params } = match;
    this.counters.byRoute[route.id] = (this.counters.byRoute[route.id] ?? 0) + 1;

    if (!this.authorized(req)) {
      return this.sendLate(res, springError(401, 'Full authentication is required to access this resource', path, now, { 'WWW-Authenticate': 'Basic realm="CloudView"' }));
    }
    const rateHeaders = this.takeRateSlot(now.getTime());
    if (rateHeaders === 'exceeded') return this.sendLate(res, this.rateLimited(now.getTime()));
    for (const [key, value] of Object.entries(rateHeaders)) res.setHeader(key, value);
    const limit = this.settings.concurrencyLimit;
    if (limit !== undefined && this.inFlight >= limit) {
      return this.sendLate(res, qualysError(429, 'TOO_MANY_REQUESTS', `concurrency limit of ${limit} reached`, this.concurrencyHeaders(limit, this.inFlight, 1)));
    }
    this.inFlight += 1;
    res.once('close', () => {
      this.inFlight -= 1;
    });

    if (this.settings.latencyMs > 0) await this.sleep(this.settings.latencyMs);
    if (this.closed || res.destroyed) return;

    const fault = this.faults.draw(route.id);
    if (fault && !fault.kind.startsWith('commit-then-')) return this.failBeforeWork(req, res, fault, path, now);

    let reply: Reply;
    try {
      const body = await readJsonBody(req);
      const quirks = this.settings.quirks;
      const answer = (pageNo?: number): Reply => {
        const query = new URLSearchParams(url.searchParams);
        if (pageNo !== undefined) query.set('pageNo', String(pageNo));
        return route.handle({
          params,
          query,
          body,
          path,
          now,
          user: this.settings.user,
          store: this.store,
          world: this.world,
          maxPageSize: this.settings.maxPageSize,
          routeId: route.id,
          quirks,
          maxExplanationLength: this.settings.maxExplanationLength,
          listShift: this.listShiftOf(route.id, url),
        });
      };
      const broken = quirks.brokenPaging?.[route.id];
      reply = broken ? brokenPage(broken, pageBaseOf(quirks, route.id), Number(url.searchParams.get('pageNo')) || 0, answer) : answer();
    } catch (error) {
      reply = errorReply(error);
    }
    if (fault?.kind === 'commit-then-500') return this.send(res, springError(500, 'Internal Server Error', path, now));
    if (fault?.kind === 'commit-then-reset') return void req.socket.destroy();
    if (fault?.kind === 'commit-then-hang') return;
    if (reply.status !== 200) return this.send(res, reply);
    reply = applyEnvelopeQuirks(this.settings.quirks, route.id, reply, url);
    const huge = this.settings.quirks.hugeBody?.[route.id];
    if (huge) return this.stream(res, hugeBodyChunks(huge, reply.body, this.settings.quirks.oversizedBytes ?? DEFAULT_OVERSIZED_BYTES));
    this.send(res, reply);
  }

  /** Quirk shiftingList: how the exceptions list moved under this request (see RouteContext.listShift). */
  private listShiftOf(routeId: RouteId, url: URL): number {
    const mode = this.settings.quirks.shiftingList;
    if (routeId !== 'exceptions.list' || !mode) return 0;
    if ((Number(url.searchParams.get('pageNo')) || 0) === 0) {
      this.listingsBegun += 1;
      return 0;
    }
    if (mode.endsWith('-once') && this.listingsBegun > 1) return 0;
    return mode.startsWith('grow') ? 1 : -1;
  }

  /** A 200 body sent in chunks as the socket drains, until `next` has no more (or the client hangs up). */
  private stream(res: ServerResponse, next: (index: number) => string | undefined): void {
    if (res.destroyed || res.headersSent) return;
    res.writeHead(200, { 'Content-Type': 'application/json;charset=UTF-8' });
    let index = 0;
    const pump = (): void => {
      while (!res.destroyed && !this.closed) {
        const chunk = next(index++);
        if (chunk === undefined) return void res.end();
        if (!res.write(chunk)) return void res.once('drain', pump);
      }
    };
    pump();
  }

  /** Rejections pay the latency too (they cross the same network), without holding a concurrency slot. */
  private async sendLate(res: ServerResponse, reply: Reply): Promise<void> {
    if (this.settings.latencyMs > 0) await this.sleep(this.settings.latencyMs);
    this.send(res, reply);
  }

  private failBeforeWork(req: IncomingMessage, res: ServerResponse, fault: FiredFault, path: string, now: Date): void {
    switch (fault.kind) {
      case '500':
        return this.send(res, springError(500, 'Internal Server Error', path, now));
      case '429': {
        const limit = this.settings.concurrencyLimit ?? 2;
        return this.send(res, qualysError(429, 'TOO_MANY_REQUESTS', 'concurrency limit reached', this.concurrencyHeaders(limit, limit, fault.retryAfterSec)));
      }
      case 'reset':
        req.socket.destroy();
        return;
      default:
        // 'hang': keep the socket open and never answer; close() destroys it.
        return;
    }
  }

  private concurrencyHeaders(limit: number, running: number, retryAfterSec: number): Record<string, string> {
    return {
      'X-Concurrency-Limit-Limit': String(limit),
      'X-Concurrency-Limit-Running': String(running),
      'Retry-After': String(retryAfterSec),
    };
  }

  private authorized(req: IncomingMessage): boolean {
    const header = req.headers.authorization;
    if (!header || !/^basic /i.test(header)) return false;
    const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon >= 0 && decoded.slice(0, colon) === this.settings.user && decoded.slice(colon + 1) === this.settings.password;
  }

  /** A fixed window on the simulator's clock. Returns the headers to send, or 'exceeded'. */
  private takeRateSlot(nowMs: number): Record<string, string> | 'exceeded' {
    const rate = this.settings.rateLimit;
    if (!rate) return {};
    const windowMs = rate.windowSec * 1000;
    if (nowMs - this.rateWindow.startMs >= windowMs || nowMs < this.rateWindow.startMs) this.rateWindow = { startMs: nowMs, used: 0 };
    if (this.rateWindow.used >= rate.limit) return 'exceeded';
    this.rateWindow.used += 1;
    return {
      'X-RateLimit-Limit': String(rate.limit),
      'X-RateLimit-Window-Sec': String(rate.windowSec),
      'X-RateLimit-Remaining': String(rate.limit - this.rateWindow.used),
      'X-RateLimit-ToWait-Sec': '0',
    };
  }

  private rateLimited(nowMs: number): Reply {
    const rate = this.settings.rateLimit!;
    const toWait = Math.max(1, Math.ceil((this.rateWindow.startMs + rate.windowSec * 1000 - nowMs) / 1000));
    return qualysError(409, 'RATE_LIMIT_EXCEEDED', `rate limit of ${rate.limit} calls per ${rate.windowSec} s exceeded`, {
      'X-RateLimit-Limit': String(rate.limit),
      'X-RateLimit-Window-Sec': String(rate.windowSec),
      'X-RateLimit-Remaining': '0',
      'X-RateLimit-ToWait-Sec': String(toWait),
    });
  }

  private send(res: ServerResponse, reply: Reply): void {
    if (res.destroyed || res.headersSent) return;
    for (const [key, value] of Object.entries(reply.headers ?? {})) res.setHeader(key, value);
    if (reply.body === undefined) {
      res.writeHead(reply.status);
      res.end();
      return;
    }
    const text = JSON.stringify(reply.body);
    res.writeHead(reply.status, { 'Content-Type': 'application/json;charset=UTF-8', 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
  }
}

type RouteMatch = { kind: 'route'; route: Route; params: string[] } | { kind: 'method'; allow: string } | { kind: 'none' };

function matchRoute(method: string, path: string): RouteMatch {
  if (!path.startsWith(API_PREFIX)) return { kind: 'none' };
  const rest = path.slice(API_PREFIX.length);
  const allowed: string[] = [];
  for (const route of ROUTES) {
    const found = route.pattern.exec(rest);
    if (!found) continue;
    if (route.method !== method) {
      allowed.push(route.method);
      continue;
    }
    try {
      return { kind: 'route', route, params: found.slice(1).map((segment) => decodeURIComponent(segment)) };
    } catch {
      return { kind: 'none' };
    }
  }
  return allowed.length > 0 ? { kind: 'method', allow: [...new Set(allowed)].join(', ') } : { kind: 'none' };
}

class BodyError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: string,
    message: string,
  ) {
    super(message);
  }
}

async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new BodyError(413, 'PAYLOAD_TOO_LARGE', `the body is larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new BodyError(400, 'MALFORMED_JSON', `the body is not valid JSON: ${(error as Error).message}`);
  }
}

function errorReply(error: unknown): Reply {
  if (error instanceof HttpError) return error.reply;
  if (error instanceof SimulatorValidationError) return qualysError(400, error.errorCode, error.message);
  if (error instanceof BodyError) return qualysError(error.status, error.errorCode, error.message);
  throw error;
}
