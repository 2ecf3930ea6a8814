// The simulator's programmatic face, used by tests, benchmarks, `cvex simulate` and `npm start`.
import type { RouteId } from '../api/routes';
import type { ExceptionSpec } from '../model/exception';
import type { DialectName } from './dialects';
import type { SeedFile } from './fixture';

/** Stable route ids, shared with the client: request counters and fault rules are keyed by them. */
export type { RouteId };

export type FaultKind =
  | '500'
  | '429'
  /** Destroy the socket before answering. */
  | 'reset'
  /** Never answer (the client's timeout must fire). */
  | 'hang'
  /** Do the work (create/delete really happens), then answer 500. */
  | 'commit-then-500'
  /** Do the work, then destroy the socket: the classic ambiguous failure. */
  | 'commit-then-reset'
  /** Do the work, then never answer: a timed-out create or delete that did happen. */
  | 'commit-then-hang';

export interface FaultRule {
  route: RouteId | '*';
  kind: FaultKind;
  /** Chance per matching request, drawn from the seeded random source. Default 1. */
  probability?: number;
  /** Fire at most this many times, then the rule retires. Default: unlimited. */
  times?: number;
  /** For kind '429': the Retry-After header, in seconds. Default 1. */
  retryAfterSec?: number;
}

export interface SimulatorOptions {
  /** 0 (default) picks a free port. Always binds 127.0.0.1. */
  port?: number;
  /** The subscription's IANA time zone: dates are stamped as its local midnight / 23:59:59 in UTC. Default UTC. */
  timezone?: string;
  /** Basic auth the server accepts. Defaults: DEFAULT_SIM_USER / DEFAULT_SIM_PASSWORD. */
  user?: string;
  password?: string;
  /** Path of a JSON file to load state from and persist to (atomic rename) after every change. */
  stateFile?: string;
  /** Path of a seed fixture (connectors, evaluations). Default: the one shipped in src/simulator/seed.json. */
  seedFile?: string;
  /** A seed given as data instead (see synthetic-seed.ts); wins over seedFile. */
  seed?: SeedFile;
  /** Fixed clock for tests; default the real clock. */
  now?: () => Date;
  /** Seed of the random source used for faults and jitter. Default 1. */
  randomSeed?: number;
  /** Added to every response, in ms. Default 0. */
  latencyMs?: number;
  /**
   * Largest page the server will serve whatever the client asks. Default 100 (inferred; tolerate any).
   * The regex evaluation list is not capped (the documentation's sample asks 100,000), and a route's own
   * default (20; 300 for the per-account summary) applies uncapped when no `pageSize` is sent.
   */
  maxPageSize?: number;
  /** Requests in flight past this answer 429 with X-Concurrency-Limit-* headers. Default: unlimited. */
  concurrencyLimit?: number;
  /** Calls per window past which the server answers 409 with X-RateLimit-* headers. Default: unlimited. */
  rateLimit?: { limit: number; windowSec: number };
  /** Readings and hostile answers, off by default, for client tolerance tests. Merged over the dialect's. */
  quirks?: SimulatorQuirks;
  /** A named set of quirks (dialects.ts): `documented` (default), `v1-one-based`, `scripts`, ... */
  dialect?: DialectName;
  /** Longest `explanation` the create endpoint accepts (400 INVALID_VALUE past it). Default: no limit. */
  maxExplanationLength?: number;
}

/**
 * Readings of the API the documentation leaves open, and hostile answers, each off by default (the
 * default simulator follows the documentation). `dialect` names common sets of them (dialects.ts).
 */
export interface SimulatorQuirks {
  /** A page holding exactly one item carries it as `content: {...}` instead of `content: [{...}]`. */
  singleObjectContent?: boolean;
  /** Pages carry a `warning` key whose URL drops the filter (clients must keep paging their own URL). */
  warningKey?: boolean;
  /** Shape of the per-account control summary: a Spring page (default), a bare array, or a single object when one control matches. */
  summaryShape?: 'page' | 'array' | 'object';
  /**
   * The v1 lists (connectors, per-account summary, per-control resources) count pages from 1: `pageNo=0`
   * is answered as page 1, and `number` reads `pageNo - 1` (the connectors sample sends `pageNo=1` and
   * gets `"number": 0`).
   */
  v1OneBasedPages?: boolean;
  /** v1 pages carry only `content`, `numberOfElements`, `size` and `number`, as the v1 samples show. */
  minimalV1Envelope?: boolean;
  /** Where the exception detail names its cloud: top-level `provider` (default), inside `exceptionSummary`, or nowhere. */
  detailProvider?: 'top' | 'summary' | 'none';
  /** The detail's `exceptionSummary.connectors[]` items: `{uuid, name, accountId}` (default), `{uuid, name, account}`, or `{uuid, name}` only. */
  detailConnectors?: 'accountId' | 'account' | 'uuid-name';
  /** Connector items carry no `awsAccountId` / `subscriptionId` / `projectId`. */
  connectorsWithoutAccountIds?: boolean;
  /**
   * Paging that never ends on these routes: `repeat` serves the first two pages A, B, A, B, … and
   * `endless` ever-new items (fresh ids), both with `last: false`; `endless` keeps the real
   * `totalElements`, `endless-bare` sends no totals at all.
   */
  brokenPaging?: Partial<Record<RouteId, 'repeat' | 'endless' | 'endless-bare'>>;
  /** Bodies on these routes: `oversized` pads the real answer to `oversizedBytes`; `endless` never ends (until the client hangs up). */
  hugeBody?: Partial<Record<RouteId, 'oversized' | 'endless'>>;
  /** Size of an `oversized` body. Default 64 MiB. */
  oversizedBytes?: number;
  /**
   * The exceptions list changes while it is paged. `shrink-once` / `shrink-always`: from page 1 on, the
   * first exception has vanished (deleted in the UI between two pages), so one item slides onto an
   * earlier page and is never served, and `totalElements` drops by one; `grow-once`: one exception
   * appears before the offset, so the last item of page 0 comes again at the top of page 1.
   * `-once` plays it during the first listing only (a listing starts with `pageNo=0`).
   */
  shiftingList?: 'shrink-once' | 'shrink-always' | 'grow-once';
  /** `createdBy` / `updatedBy` name the user (the documentation's samples show `""`). */
  namedUsers?: boolean;
}

export const DEFAULT_SIM_USER = 'cvex-demo';
export const DEFAULT_SIM_PASSWORD = 'cvex-demo-password';

export interface RequestCounters {
  total: number;
  byRoute: Partial<Record<RouteId, number>>;
}

/** Fields the Qualys UI lets a user edit in place on an ACTIVE exception. */
export type UiEdit = Partial<
  Pick<ExceptionSpec, 'startDate' | 'endDate' | 'explanation' | 'controlIds' | 'informationSecurityPolicy' | 'informationSecurityProcedure'>
>;

export interface Simulator {
  /** Origin, e.g. `http://127.0.0.1:41234` (the client adds /cloudview-api/...). */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;

  counters(): RequestCounters;
  resetCounters(): void;

  injectFault(rule: FaultRule): void;
  clearFaults(): void;
  setLatency(ms: number): void;
  setNow(now: () => Date): void;

  /** As a user in the Qualys UI would: creates an exception that the repository does not own. Returns its uuid. */
  createExceptionAsUi(spec: ExceptionSpec): string;
  /** Edit in place as the UI does: same uuid, `updatedOn` moves. Throws if not ACTIVE. */
  editExceptionAsUi(uuid: string, edit: UiEdit): void;
  /** A snapshot of all exceptions as create-API specs with their uuids (for assertions). */
  exceptions(): Array<ExceptionSpec & { uuid: string; createdOn: string; updatedOn: string }>;

  /** The subscription time zone the server stamps dates with. */
  readonly timezone: string;
  /**
   * Bulk create without HTTP (benchmarks, big fixtures): same validation as the create endpoint,
   * throws SimulatorValidationError on the first bad spec (nothing is created then). Returns the uuids in order.
   */
  seedExceptions(specs: readonly ExceptionSpec[]): string[];
  /** As a user in the Qualys UI would: delete an exception the repository may own. Throws if unknown. */
  deleteExceptionAsUi(uuid: string): void;
  /** Change limits while running (undefined leaves a knob as it is; null removes a limit). */
  setLimits(limits: SimulatorLimits): void;
  /** Replace the quirks while running (a dialect's quirks included: pass `dialectQuirks(name)` to keep them). */
  setQuirks(quirks: SimulatorQuirks): void;
  /** The quirks in force. */
  quirks(): SimulatorQuirks;
}

export interface SimulatorLimits {
  maxPageSize?: number;
  /** `null` lifts the limit. */
  maxExplanationLength?: number | null;
  concurrencyLimit?: number | null;
  rateLimit?: { limit: number; windowSec: number } | null;
}
