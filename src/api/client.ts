// CloudViewApi over HTTP. One loop (`call`) sends, counts, asks retry.ts what to do and turns a final
// failure into one of the named errors (failures.ts); the endpoint methods only build requests and map
// bodies (wire.ts). Every answer is read up to its route's cap (limits.ts), every list paged under every
// reading the documentation allows (paginate.ts).
import { setMaxListeners } from 'node:events';
import type { CloudType, ExceptionSpec } from '../model/exception';
import { ConnectorAccounts } from './connector-accounts';
import { ApiError, NetworkError, ResponseShapeError, type RouteName } from './errors';
import { embeddedErrorStatus, failureError, type FailureReason, tooLargeError } from './failures';
import { HttpTransport, type HttpOptions, type HttpRequest, type HttpResult } from './http';
import { type BodyLimits, bodyLimitsOf, type ListRoute, pageSizeFor } from './limits';
import { type PageBase, type PageInfo, paginate } from './paginate';
import { normaliseApiUrl } from './platforms';
import { credentialSecrets, redactQuoted, redactSecrets, type Secrets } from './redact';
import { DEFAULT_RETRY_POLICY, type RetryClock, type RetryPolicy, decideRetry, isRateLimitResponse, readLimitHints, systemClock } from './retry';
import type {
  ApplyTagsResult,
  CloudViewApi,
  Connector,
  ControlResourceResult,
  ControlSummary,
  CreatedException,
  Evaluation,
  ListOptions,
  RemoteException,
  RemoteExceptionDetail,
} from './types';
import * as wire from './wire';

/** The transport's options (credentials, concurrency, timeout, CA, client name), plus paging and retry. */
export interface CloudViewClientOptions extends Omit<HttpOptions, 'baseUrl'> {
  /** The platform origin (`https://qualysguard.qualys.com`) or a URL ending in `/cloudview-api`. */
  baseUrl: string;
  /**
   * Page size asked on every list (the server may serve fewer). Default per route (limits.ts): 100, 300
   * for the per-account summary, 2,000 for the regex evaluation list; always lowered so a page's
   * expected body stays under half its route's body cap.
   */
  pageSize?: number;
  /** Largest body read per route, in bytes (limits.ts DEFAULT_BODY_LIMITS); past it the call fails. */
  maxBodyBytes?: Partial<Record<RouteName, number>>;
  retry?: Partial<RetryPolicy>;
  /** Injectable time (tests run retries in milliseconds). */
  clock?: Partial<RetryClock>;
  /** Pages per listing at most when the server gives no totals (paginate.ts PAGINATION_LIMITS). */
  maxPages?: number;
  /** Called once per page received (benchmarks report the page size the server used). */
  onPage?: (route: RouteName, info: PageInfo) => void;
}

/** The longest delay a Node timer holds (2^31 - 1 ms). */
const MAX_TIMER_MS = 2_147_483_647;

export interface ClientCounters {
  /** HTTP requests sent, retries included. */
  total: number;
  byRoute: Partial<Record<RouteName, number>>;
  /** Requests that were a retry of an earlier attempt. */
  retries: number;
  /** 409 / 429 limit answers received. */
  rateLimited: number;
}

export interface CloudViewClient extends CloudViewApi {
  /** `<origin>/cloudview-api`. */
  readonly baseUrl: string;
  /** HTTP requests sent so far, retries included. */
  requestCount(): number;
  counters(): ClientCounters;
  resetCounters(): void;
  /** Concurrency in force: lowered when the server's X-Concurrency-Limit-Limit says fewer. */
  concurrency(): number;
  /**
   * The exception with exactly this name, or undefined. Names are unique per subscription, so this
   * is how to settle an AmbiguousWriteError from createException before trying again.
   */
  findExceptionByName(name: string): Promise<RemoteException | undefined>;
  /** The exception's detail, or undefined on 404: settles an ambiguous delete. */
  findExceptionByUuid(uuid: string): Promise<RemoteExceptionDetail | undefined>;
  /** X-RateLimit-Remaining (and any wait asked with it) of the last answer that carried it; undefined before one did. */
  rateLimitState(): { remaining: number; waitMs?: number; atMs: number } | undefined;
  close(): Promise<void>;
}

interface CallOptions {
  /** Safe to send again after an ambiguous failure (GET, and POSTs that only read or re-tag). */
  idempotent: boolean;
  /** For ambiguous-write messages, e.g. `create of exception "x"`. */
  action?: string;
}

type OkResponse = Extract<HttpResult, { type: 'response' }>;

/** How each list is paged: the v1 lists' page base is open (paginate.ts); items are de-duplicated by key. */
const LISTS = {
  'exceptions.list': { pageBase: 0, keyOf: (item: RemoteException) => item.uuid },
  'evaluations.list': { pageBase: 0, keyOf: (item: Evaluation) => item.uuid || undefined },
  'evaluations.summary': { pageBase: 'detect', keyOf: (item: ControlSummary) => String(item.controlId) },
  'evaluations.resources': { pageBase: 'detect', keyOf: (item: ControlResourceResult) => `${item.resourceId}\u0000${item.region}` },
  'connectors.list': { pageBase: 'detect', keyOf: (item: Connector) => item.connectorId || undefined },
} satisfies Record<ListRoute, { pageBase: PageBase; keyOf: (item: never) => string | undefined }>;

export function createCloudViewClient(options: CloudViewClientOptions): CloudViewClient {
  return new HttpCloudViewClient(options);
}

class HttpCloudViewClient implements CloudViewClient {
  readonly baseUrl: string;
  private readonly transport: HttpTransport;
  private readonly policy: RetryPolicy;
  private readonly clock: RetryClock;
  private readonly secrets: Secrets;
  private readonly pageSize?: number;
  private readonly bodyLimits: BodyLimits;
  private readonly connectorAccounts = new ConnectorAccounts((cloudType) => this.listConnectors(cloudType));
  private readonly maxPages?: number;
  private readonly onPage?: CloudViewClientOptions['onPage'];
  private stats: ClientCounters = { total: 0, byRoute: {}, retries: 0, rateLimited: 0 };
  /** Shared pause after a rate-limit answer: every call waits until then. */
  private notBefore = 0;
  private lastRateLimit?: { remaining: number; waitMs?: number; atMs: number };
  /** Aborted by close(): waits end at once and nothing more is sent. */
  private readonly closing = new AbortController();

  constructor(options: CloudViewClientOptions) {
    if (!options.username || !options.password) throw new TypeError('CloudView client: username and password are required');
    this.baseUrl = normaliseApiUrl(options.baseUrl);
    this.policy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    this.clock = { ...systemClock, ...options.clock };
    this.pageSize = options.pageSize;
    this.bodyLimits = bodyLimitsOf(options.maxBodyBytes);
    // Node fires a longer timer after 1 ms (TimeoutOverflowWarning): every request would "time out".
    if (options.timeoutMs !== undefined && !(options.timeoutMs > 0 && options.timeoutMs <= MAX_TIMER_MS)) {
      throw new RangeError(`timeoutMs must be > 0 and at most ${MAX_TIMER_MS}`);
    }
    if (this.pageSize !== undefined && (!Number.isInteger(this.pageSize) || this.pageSize < 1)) throw new RangeError('pageSize must be a positive integer');
    this.maxPages = options.maxPages;
    this.onPage = options.onPage;
    // Every call sleeping out a backoff or a rate-limit wait listens on it.
    setMaxListeners(0, this.closing.signal);
    this.secrets = credentialSecrets(options.username, options.password);
    const { username, password, concurrency, timeoutMs, ca, clientName } = options;
    this.transport = new HttpTransport({ baseUrl: this.baseUrl, username, password, concurrency, timeoutMs, ca, clientName });
  }

  requestCount(): number {
    return this.stats.total;
  }

  counters(): ClientCounters {
    return { ...this.stats, byRoute: { ...this.stats.byRoute } };
  }

  resetCounters(): void {
    this.stats = { total: 0, byRoute: {}, retries: 0, rateLimited: 0 };
  }

  concurrency(): number {
    return this.transport.concurrency;
  }

  rateLimitState(): { remaining: number; waitMs?: number; atMs: number } | undefined {
    return this.lastRateLimit && { ...this.lastRateLimit };
  }

  close(): Promise<void> {
    this.closing.abort();
    return this.transport.close();
  }

  // ---- exceptions --------------------------------------------------------------------------------

  listExceptions(options: ListOptions = {}): AsyncIterable<RemoteException> {
    return this.pages('exceptions.list', wire.toRemoteException, (pageNo, pageSize) => ({
      method: 'GET',
      path: '/rest/v1/exceptions/list',
      query: { filter: options.filter, pageNo, pageSize, sort: options.sort },
    }), options);
  }

  getException(uuid: string): Promise<RemoteExceptionDetail> {
    return this.scrubbed(async () => {
      const response = await this.call('exceptions.get', { method: 'GET', path: `/rest/v1/exceptions/${encodeURIComponent(uuid)}` }, { idempotent: true });
      const { detail, connectorRefs } = wire.readExceptionDetail(wire.parseJsonBody('exceptions.get', response.text, response.status));
      if (connectorRefs.length > 0) detail.accountIds.push(...(await this.connectorAccounts.resolve(detail.name, connectorRefs, detail.cloudType)));
      return detail;
    });
  }

  createException(spec: ExceptionSpec): Promise<CreatedException> {
    return this.scrubbed(async () => {
      const response = await this.call(
      'exceptions.create',
      { method: 'POST', path: '/rest/v1/exceptions/create', body: wire.toCreateBody(spec) },
      { idempotent: false, action: `create of exception ${JSON.stringify(spec.name)}` },
    );
      try {
        return wire.toCreatedException(wire.parseJsonBody('exceptions.create', response.text, response.status));
      } catch (error) {
        // A 2xx means the server made it: whoever catches this must look it up, never send it again.
        if (!(error instanceof ResponseShapeError)) throw error;
        throw new ResponseShapeError(`${error.message}; the create was accepted (HTTP ${response.status}), look it up by name`, {
          route: 'exceptions.create',
          status: response.status,
          mayHaveHappened: true,
        });
      }
    });
  }

  deleteExceptions(uuids: readonly string[]): Promise<void> {
    if (uuids.length === 0) return Promise.resolve();
    return this.scrubbed(async () => {
      await this.call(
      'exceptions.delete',
      { method: 'DELETE', path: '/rest/v1/exceptions/delete', body: [...uuids] },
        { idempotent: false, action: `delete of ${uuids.length === 1 ? `exception ${uuids[0]}` : `${uuids.length} exceptions`}` },
      );
    });
  }

  async findExceptionByName(name: string): Promise<RemoteException | undefined> {
    // Filter values may be double-quoted. A name holding a quote or backslash might not survive the
    // server's query parser, so then read the whole list: correctness beats a few requests here.
    // The filter's exact semantics are unknown (a name with ` and ` may be split), so a miss is
    // confirmed by the whole list too: this runs only after an ambiguous create, where a wrong
    // "not created" would invite a duplicate.
    const scan = async (filter: string | undefined) => {
      for await (const exception of this.listExceptions({ filter })) {
        if (exception.name === name) return exception;
      }
      return undefined;
    };
    if (/["\\]/.test(name)) return scan(undefined);
    try {
      return (await scan(`exception.name:"${name}"`)) ?? (await scan(undefined));
    } catch (error) {
      // A server whose query parser rejects the quoted value still lets us read the whole list.
      if (error instanceof ApiError && error.status === 400) return scan(undefined);
      throw error;
    }
  }

  async findExceptionByUuid(uuid: string): Promise<RemoteExceptionDetail | undefined> {
    try {
      return await this.getException(uuid);
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) return undefined;
      throw error;
    }
  }

  // ---- evaluations -------------------------------------------------------------------------------

  listEvaluationsByRegex(cloudType: CloudType, regex: string, options: ListOptions = {}): AsyncIterable<Evaluation> {
    // A POST that only reads: safe to resend.
    return this.pages('evaluations.list', wire.toEvaluation, (pageNo, pageSize) => ({
      method: 'POST',
      path: `/rest/v1/${wire.cloudPathSegment(cloudType)}/evaluations/list/resources`,
      query: { filter: options.filter, pageNo, pageSize, sort: options.sort },
      body: { regex },
    }), options);
  }

  applyTags(cloudType: CloudType, tagNames: readonly string[], regex: string): Promise<ApplyTagsResult> {
    // Tagging the same evaluations twice leaves them as once: idempotent, so retried like a GET.
    return this.scrubbed(async () => {
      const response = await this.call(
      'evaluations.applyTags',
      { method: 'POST', path: `/rest/v1/${wire.cloudPathSegment(cloudType)}/evaluations/applyTags`, body: wire.toApplyTagsBody(tagNames, regex) },
      { idempotent: true },
    );
      return wire.toApplyTagsResult(wire.parseJsonBody('evaluations.applyTags', response.text, response.status));
    });
  }

  async getControlSummaries(cloudType: CloudType, accountId: string, filter?: string): Promise<ControlSummary[]> {
    const summaries: ControlSummary[] = [];
    const iterable = this.pages(
      'evaluations.summary',
      wire.toControlSummary,
      (pageNo, pageSize) => ({
        method: 'GET',
        path: `/rest/v1/${wire.cloudPathSegment(cloudType)}/evaluations/${encodeURIComponent(accountId)}`,
        query: { filter, pageNo, pageSize },
      }),
      {},
      true,
    );
    for await (const summary of iterable) summaries.push(summary);
    return summaries;
  }

  listControlResources(cloudType: CloudType, accountId: string, controlId: number, options: ListOptions = {}): AsyncIterable<ControlResourceResult> {
    return this.pages('evaluations.resources', wire.toControlResourceResult, (pageNo, pageSize) => ({
      method: 'GET',
      path: `/rest/v1/${wire.cloudPathSegment(cloudType)}/evaluations/${encodeURIComponent(accountId)}/resources/${controlId}`,
      query: { filter: options.filter, pageNo, pageSize, sort: options.sort },
    }), options);
  }

  listConnectors(cloudType: CloudType, options: ListOptions = {}): AsyncIterable<Connector> {
    return this.pages('connectors.list', (item) => wire.toConnector(item, cloudType), (pageNo, pageSize) => ({
      method: 'GET',
      path: `/rest/v1/${wire.cloudPathSegment(cloudType)}/connectors`,
      query: { filter: options.filter, pageNo, pageSize, sort: options.sort },
    }), options);
  }

  // ---- plumbing ----------------------------------------------------------------------------------

  private pages<T>(
    route: ListRoute,
    mapItem: (item: unknown) => T,
    build: (pageNo: number, pageSize: number) => HttpRequest,
    options: Pick<ListOptions, 'pageSize' | 'onListing' | 'firstPageOnly' | 'onPage'>,
    allowBareItem = false,
  ): AsyncIterable<T> {
    const client = this;
    const pageSize = pageSizeFor(route, this.bodyLimits, options.pageSize ?? this.pageSize);
    const list = LISTS[route] as { pageBase: PageBase; keyOf: (item: T) => string | undefined };
    const iterate = () =>
      paginate<T>({
        route,
        mapItem,
        allowBareItem,
        pageBase: list.pageBase,
        keyOf: list.keyOf,
        maxPages: this.maxPages,
        lookahead: this.transport.concurrency - 1,
        onPage:
          this.onPage || options.onPage
            ? (info) => {
                this.onPage?.(route, info);
                options.onPage?.(info);
              }
            : undefined,
        onDone: options.onListing,
        firstPageOnly: options.firstPageOnly,
        fetchPage: async (pageNo) => {
          const response = await this.call(route, build(pageNo, pageSize), { idempotent: true });
          return wire.parseJsonBody(route, response.text, response.status);
        },
      });
    return {
      async *[Symbol.asyncIterator]() {
        try {
          yield* iterate();
        } catch (error) {
          throw client.redact(error);
        }
      },
    };
  }

  private async scrubbed<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw this.redact(error);
    }
  }

  /**
   * Last line of defence: no message or stack leaving the client carries a credential, whatever the
   * server echoed. Quoted values (shape errors quote what the server sent) lose even a short password.
   */
  private redact(error: unknown): unknown {
    if (error instanceof Error) {
      const clean = (text: string) => redactSecrets(redactQuoted(text, this.secrets), this.secrets);
      error.message = clean(error.message);
      if (error.stack) error.stack = clean(error.stack);
    }
    return error;
  }

  private async call(route: RouteName, request: HttpRequest, options: CallOptions): Promise<OkResponse> {
    for (let attempt = 1; ; attempt += 1) {
      await this.pauseUntilAllowed();
      if (this.closing.signal.aborted) {
        // Closed while waiting to (re)send: nothing was sent, so the caller may safely try again elsewhere.
        const where = `${request.method} ${this.transport.pathOf({ ...request, query: undefined })}`;
        throw new NetworkError(`${where}: not sent, the client was closed`, { route, status: 0, kind: 'refused' });
      }
      if (attempt > 1) this.stats.retries += 1;
      this.stats.total += 1;
      this.stats.byRoute[route] = (this.stats.byRoute[route] ?? 0) + 1;
      // Calls that were already queued for a slot when a 409/429 set the pause wait it out there too.
      const maxBodyBytes = this.bodyLimits[route];
      const result = await this.transport.send({ ...request, maxBodyBytes }, () => this.pauseUntilAllowed());

      if (result.type === 'response') this.noteLimits(result);
      const decision = decideRetry(
        result.type === 'response' ? { type: 'response', status: result.status, headers: result.headers } : { type: 'network', kind: result.kind },
        { attempt, idempotent: options.idempotent, policy: this.policy, nowMs: this.clock.now(), random: this.clock.random },
      );
      if (decision.action === 'done' && result.type === 'response') {
        if (result.truncated) throw tooLargeError(this.failureContext(route, request, options, attempt), result, maxBodyBytes, !options.idempotent);
        const embedded = embeddedErrorStatus(result);
        if (embedded === undefined) return result;
        throw this.toError(route, request, { ...result, status: embedded, statusText: '' }, 'final', options, attempt);
      }
      if (decision.action === 'retry') {
        if (decision.rateLimited) this.notBefore = Math.max(this.notBefore, this.clock.now() + decision.delayMs);
        else await this.pause(decision.delayMs);
        continue;
      }
      throw this.toError(route, request, result, decision.action === 'fail' ? decision.reason : 'final', options, attempt);
    }
  }

  /** Waits out the shared pause a rate-limit answer set, if any. */
  private async pauseUntilAllowed(): Promise<void> {
    const wait = this.notBefore - this.clock.now();
    if (wait > 0) await this.pause(wait);
  }

  private async pause(ms: number): Promise<void> {
    if (!this.closing.signal.aborted) await this.clock.sleep(ms, this.closing.signal);
  }

  /** Rate-limit bookkeeping from any answer: fewer slots when the server says so; pause when the window is spent. */
  private noteLimits(result: OkResponse): void {
    const hints = readLimitHints(result.headers, this.clock.now());
    if (hints.remaining !== undefined) this.lastRateLimit = { remaining: hints.remaining, waitMs: hints.waitMs, atMs: this.clock.now() };
    if (result.status === 429 || result.status === 409) {
      if (hints.present && isRateLimitResponse(result.status, hints)) this.stats.rateLimited += 1;
      if (hints.concurrencyLimit !== undefined && hints.concurrencyLimit > 0) this.transport.lowerConcurrency(hints.concurrencyLimit);
    } else if (result.status < 400 && hints.remaining === 0 && hints.waitMs !== undefined && hints.waitMs <= this.policy.maxRetryAfterMs) {
      // The window is spent: wait before the next call instead of collecting a 409 first.
      this.notBefore = Math.max(this.notBefore, this.clock.now() + hints.waitMs);
    }
  }

  private failureContext(route: RouteName, request: HttpRequest, options: CallOptions, attempts: number) {
    const where = `${request.method} ${this.transport.pathOf({ ...request, query: undefined })}`;
    return { route, where, action: options.action, attempts, secrets: this.secrets, nowMs: this.clock.now() };
  }

  private toError(route: RouteName, request: HttpRequest, result: HttpResult, reason: FailureReason, options: CallOptions, attempts: number): ApiError {
    return failureError(this.failureContext(route, request, options, attempts), result, reason);
  }
}
