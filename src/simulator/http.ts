// Wire helpers shared by the routes: error bodies of both shapes, the Spring page envelope,
// paging parameters, Qualys filter syntax, Java-style dates and regexes.
import type { EvaluationWorld } from './evaluations';
import type { SimulatorStore } from './store';
import type { RouteId, SimulatorQuirks } from './types';

/** What a route handler gets: the parsed request and the simulator's state. */
export interface RouteContext {
  params: string[];
  query: URLSearchParams;
  /** The parsed JSON body, undefined when there was none. */
  body: unknown;
  path: string;
  now: Date;
  user: string;
  store: SimulatorStore;
  world: EvaluationWorld;
  maxPageSize: number;
  routeId: RouteId;
  quirks: SimulatorQuirks;
  /** Longest explanation a create accepts; undefined: no limit. */
  maxExplanationLength?: number;
  /**
   * The exceptions list moves under this request (quirk `shiftingList`): -1 the first item has vanished,
   * +1 an item appeared before it. 0 or undefined: the list as stored.
   */
  listShift?: number;
}

export interface Reply {
  status: number;
  /** JSON-serialised unless undefined (then no body). */
  body?: unknown;
  headers?: Record<string, string>;
}

/** Thrown by a route to answer with an error; the server turns it into the reply. */
export class HttpError extends Error {
  constructor(readonly reply: Reply) {
    super(`HTTP ${reply.status}`);
  }
}

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Payload Too Large',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
};

/** Qualys's own error shape. */
export function qualysError(status: number, errorCode: string, message: string, headers?: Record<string, string>): Reply {
  return { status, body: { errorCode, message }, headers };
}

/** Spring Boot's default error shape. */
export function springError(status: number, message: string, path: string, now: Date, headers?: Record<string, string>): Reply {
  return { status, body: { timestamp: now.toISOString(), status, error: REASONS[status] ?? 'Error', message, path }, headers };
}

export const badRequest = (errorCode: string, message: string): HttpError => new HttpError(qualysError(400, errorCode, message));

export interface Paging {
  pageNo: number;
  /** Already capped at the server's maxPageSize. */
  pageSize: number;
}

/** Spring's default when the client sends no pageSize. */
export const DEFAULT_PAGE_SIZE = 20;

/** The v1 lists, whose page base the documentation leaves open (quirk `v1OneBasedPages`). */
export const V1_LIST_ROUTES: readonly RouteId[] = ['connectors.list', 'evaluations.summary', 'evaluations.resources'];

function integerParam(query: URLSearchParams, key: string, fallback: number, min: number): number {
  const raw = query.get(key);
  if (raw === null || raw === '') return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min || !Number.isSafeInteger(Number(raw))) {
    throw badRequest('INVALID_VALUE', `${key} must be an integer >= ${min}; got ${JSON.stringify(raw)}`);
  }
  return Number(raw);
}

export interface PagingRules {
  /** The route's own default page size when none is asked; served uncapped. Default 20. */
  defaultPageSize?: number;
  /** The cap on an asked pageSize; undefined: none (the regex evaluation list honours large pages). */
  cap?: number;
}

/** `pageNo` / `pageSize` of the request; a 1-based v1 list reads `pageNo=0` as its first page too. */
export function parsePaging(ctx: Pick<RouteContext, 'query' | 'routeId' | 'quirks'>, rules: PagingRules): Paging {
  const asked = integerParam(ctx.query, 'pageNo', 0, 0);
  const oneBased = ctx.quirks.v1OneBasedPages === true && V1_LIST_ROUTES.includes(ctx.routeId);
  const pageNo = oneBased ? Math.max(asked, 1) - 1 : asked;
  const askedSize = integerParam(ctx.query, 'pageSize', 0, 1);
  // The cap applies before offsets are computed: page n starts at n * cappedSize.
  const pageSize = askedSize === 0 ? (rules.defaultPageSize ?? DEFAULT_PAGE_SIZE) : Math.min(askedSize, rules.cap ?? askedSize);
  return { pageNo, pageSize };
}

/**
 * A Spring Data page over `items` (already filtered and sorted). The envelope says `sorted: false`
 * even when a `sort` was applied, as the documentation's sorted sample shows.
 */
export function springPage<T, R>(items: readonly T[], paging: Paging, map: (item: T) => R) {
  const { pageNo, pageSize } = paging;
  const offset = pageNo * pageSize;
  const content = items.slice(offset, offset + pageSize).map(map);
  const totalElements = items.length;
  const totalPages = Math.ceil(totalElements / pageSize);
  const sort = { sorted: false, empty: true, unsorted: true };
  return {
    content,
    pageable: { sort, pageSize, pageNumber: pageNo, offset, paged: true, unpaged: false },
    totalPages,
    totalElements,
    last: pageNo + 1 >= totalPages,
    number: pageNo,
    size: pageSize,
    numberOfElements: content.length,
    sort,
    first: pageNo === 0,
    empty: content.length === 0,
  };
}

export interface FilterTerm {
  token: string;
  value: string;
}

/**
 * Qualys query syntax as the wire contract fixes it: `token:value`, several joined by ` and `,
 * values optionally double-quoted (`\"` inside quotes is a quote). With `equalsToo`, `token=value`
 * as well: the connectors sample writes `state=SUCCESS` where the evaluation sample writes `cid:67`.
 */
export function parseFilter(text: string | null, allowedTokens: readonly string[], options: { equalsToo?: boolean } = {}): FilterTerm[] {
  if (text === null || text.trim() === '') return [];
  const terms: FilterTerm[] = [];
  let rest = text.trim();
  while (rest.length > 0) {
    const separator = options.equalsToo ? /[:=]/.exec(rest) : /:/.exec(rest);
    const colon = separator ? separator.index : -1;
    if (colon <= 0) throw badRequest('INVALID_FILTER', `filter must be token:value; got ${JSON.stringify(text)}`);
    const token = rest.slice(0, colon).trim();
    rest = rest.slice(colon + 1);
    let value: string;
    if (rest.startsWith('"')) {
      let end = 1;
      value = '';
      while (end < rest.length && rest[end] !== '"') {
        if (rest[end] === '\\' && end + 1 < rest.length) end += 1;
        value += rest[end];
        end += 1;
      }
      if (end >= rest.length) throw badRequest('INVALID_FILTER', `unterminated quote in filter ${JSON.stringify(text)}`);
      rest = rest.slice(end + 1).trim();
      if (rest.length > 0 && !/^and\s+/i.test(rest)) throw badRequest('INVALID_FILTER', `expected " and " after ${token}:"${value}"`);
      rest = rest.replace(/^and\s+/i, '');
    } else {
      const joiner = /\s+and\s+/i.exec(rest);
      value = (joiner ? rest.slice(0, joiner.index) : rest).trim();
      rest = joiner ? rest.slice(joiner.index + joiner[0].length) : '';
    }
    if (!allowedTokens.includes(token)) {
      throw badRequest('INVALID_FILTER', `unknown filter token ${JSON.stringify(token)}; known: ${allowedTokens.join(', ')}`);
    }
    terms.push({ token, value });
  }
  return terms;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Java's Date.toString() in UTC, as the connectors endpoint prints it: `Thu Nov 26 07:21:36 UTC 2020`. */
export function formatJavaDate(instant: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return `${DAYS[instant.getUTCDay()]} ${MONTHS[instant.getUTCMonth()]} ${two(instant.getUTCDate())} ${two(instant.getUTCHours())}:${two(
    instant.getUTCMinutes(),
  )}:${two(instant.getUTCSeconds())} UTC ${instant.getUTCFullYear()}`;
}

/**
 * The server is Java (inferred): a resource id "matches" as `String.matches` does, the whole id.
 * `\"` and `\/` (the documentation's escaping advice) are identity escapes in both dialects.
 */
export function compileJavaRegex(source: unknown, key = 'regex'): RegExp {
  if (typeof source !== 'string' || source === '') throw badRequest('MISSING_FIELD', `${key} is required`);
  // \Q...\E quoting is Java-only: turn it into escaped literals.
  const translated = source.replace(/\\Q([\s\S]*?)(?:\\E|$)/g, (_m, literal: string) => literal.replace(/[.*+?^${}()|[\]\\/"]/g, '\\$&'));
  try {
    return new RegExp(`^(?:${translated})$`);
  } catch (error) {
    throw badRequest('INVALID_REGEX', `${key} is not a valid regular expression: ${(error as Error).message}`);
  }
}
