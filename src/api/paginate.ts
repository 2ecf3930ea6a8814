// Lazy paging through CloudView's Spring Data pages, under every reading the documentation leaves open.
// - Page base: the v2 lists count from 0. The v1 lists may count from 1 (and answer page 0 as page 1),
//   so they are read with `pageBase: 'detect'`: ask 0, then 1; when page 1 repeats page 0 the server
//   counts from 1, and the repeat is dropped. The `number` in an answer is never trusted for this (the
//   connectors sample sends `pageNo=1` and gets `"number": 0`).
// - End: `last: true`, `totalPages` reached, `totalElements` read, an empty page, or a page shorter than
//   the `size` the server says it used (never the size asked: the server may cap it). A page that names
//   no size pages on until an empty one; an object without any paging field is the whole answer.
// - Hostile answers: a page that repeats an earlier one, pages past what `totalElements` allows, or more
//   than `maxPages` pages stop the listing with a ResponseShapeError that says so.
// - Moving lists: items are de-duplicated by key, and the listing reports whether `totalElements` held
//   still and the items add up to it (`onDone`), so a caller can re-read or distrust the result.
// Quirks tolerated: `content` as a single object, a bare array, a `warning` key (ignored: we keep paging our own URL).
import { shapeError } from './wire';
import type { RouteName } from './errors';

export const PAGINATION_LIMITS = {
  /** Pages per listing when the server gives no totals: 100,000 items at 100 per page. */
  maxPages: 1_000,
  /** Pages past what the server's own totalElements allows before giving up (a list may grow meanwhile). */
  pagesPastTotal: 2,
} as const satisfies Record<string, number>;

export type PageBase = 0 | 1 | 'detect';

export interface PageInfo {
  pageNo: number;
  items: number;
  /** The page size the server says it used (`size` / `pageable.pageSize`), when it says. */
  serverPageSize?: number;
  totalElements?: number;
  totalPages?: number;
}

/** How a listing went, reported once when it completes. */
export interface ListingReport {
  route: RouteName;
  /** Requests made for pages (prefetches a completed listing did not need included). */
  pages: number;
  /** Items yielded, each key once. */
  items: number;
  /** Items dropped because their key came earlier in the listing. */
  duplicates: number;
  /** The page number the server counts from (1 when detected so). */
  pageBase: 0 | 1;
  /** `totalElements` of the first and of the last page, when the server said. */
  firstTotal?: number;
  lastTotal?: number;
  /**
   * False when the list moved while it was read: `totalElements` changed, the items read do not add up
   * to it, or (without totals) one came twice. Items may then be missing or stale.
   */
  consistent: boolean;
}

export interface PaginateOptions<T> {
  route: RouteName;
  /** Fetches one page and returns its parsed JSON body. */
  fetchPage(pageNo: number): Promise<unknown>;
  mapItem(item: unknown): T;
  maxPages?: number;
  /** Default 0. */
  pageBase?: PageBase;
  /** Identity of an item (its uuid): an item whose key came earlier in the listing is dropped. */
  keyOf?(item: T): string | undefined;
  /** The body may also be one bare item (no `content`): the per-account control summary does that. */
  allowBareItem?: boolean;
  /**
   * Pages to request ahead once `totalPages` is known (never past it), so a concurrency of 2 keeps two
   * calls busy. 0 (default) pages strictly one after another. Adds no requests beyond `totalPages`.
   */
  lookahead?: number;
  onPage?(info: PageInfo): void;
  onDone?(report: ListingReport): void;
  /** Read the first page only (no look-ahead): a look-up by name costs one request whatever the server does with the filter. */
  firstPageOnly?: boolean;
}

function numberField(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

const PAGING_FIELDS = ['size', 'number', 'numberOfElements', 'totalElements', 'totalPages', 'last', 'first', 'pageable'];

interface ReadPage {
  content: unknown[];
  /** Undefined for an answer that is no page (a bare array or item): it is the whole answer. */
  page?: Record<string, unknown>;
}

function readPage(body: unknown, pageNo: number, route: RouteName, allowBareItem: boolean): ReadPage {
  if (Array.isArray(body)) return { content: body };
  if (body === null || typeof body !== 'object') throw shapeError(route, `page ${pageNo} is ${body === null ? 'null' : typeof body}, expected a page object`);
  const page = body as Record<string, unknown>;
  if (!('content' in page)) {
    if (allowBareItem) return { content: [page] };
    throw shapeError(route, `page ${pageNo} has no "content"`);
  }
  const raw = page.content;
  if (raw === null || raw === undefined) return { content: [], page };
  if (Array.isArray(raw)) return { content: raw, page };
  if (typeof raw === 'object') return { content: [raw], page };
  throw shapeError(route, `page ${pageNo} "content" is a ${typeof raw}, expected an array`);
}

export async function* paginate<T>(options: PaginateOptions<T>): AsyncGenerator<T, void, undefined> {
  const { route } = options;
  const maxPages = options.maxPages ?? PAGINATION_LIMITS.maxPages;
  const lookahead = Math.max(0, options.lookahead ?? 0);
  let detecting = options.pageBase === 'detect';
  let base: 0 | 1 = options.pageBase === 1 ? 1 : 0;
  const pending = new Map<number, Promise<unknown>>();
  let requested = 0;
  const request = (pageNo: number): Promise<unknown> => {
    let promise = pending.get(pageNo);
    if (!promise) {
      requested += 1;
      promise = options.fetchPage(pageNo);
      // A prefetched page nobody reads (the consumer stopped early) must not become an unhandled rejection.
      promise.catch(() => undefined);
      pending.set(pageNo, promise);
    }
    return promise;
  };

  const seenPages = new Map<string, number>();
  const seenKeys = new Set<string>();
  let raw = 0;
  let yielded = 0;
  let duplicates = 0;
  let firstTotal: number | undefined;
  let lastTotal: number | undefined;
  let maxTotal: number | undefined;
  let totalsMoved = false;
  let pageZero: string | undefined;
  const finish = (consistent: boolean) =>
    options.onDone?.({ route, pages: requested, items: yielded, duplicates, pageBase: base, firstTotal, lastTotal, consistent });

  for (let pageNo = base; ; pageNo += 1) {
    if (pageNo - base >= maxPages) {
      throw shapeError(route, `still no last page after ${maxPages} pages (${raw} items); the server never says where its list ends, so the listing stopped`);
    }
    const body = await request(pageNo);
    pending.delete(pageNo);
    const { content, page } = readPage(body, pageNo, route, options.allowBareItem === true);
    if (!page || !PAGING_FIELDS.some((field) => field in page)) {
      // Not a page (a bare array or item, or `content` alone): the whole answer.
      options.onPage?.({ pageNo, items: content.length });
      for (const item of content) yield options.mapItem(item);
      yielded += content.length;
      finish(true);
      return;
    }

    // Which page this is, for telling a repeat: its size and its first and last items (a page serialised
    // whole would cost as much as reading it).
    const fingerprint = content.length > 0 ? JSON.stringify([content.length, content[0], content[content.length - 1]]) : undefined;
    if (detecting && pageNo === 0) pageZero = fingerprint;
    if (detecting && pageNo === 1) {
      detecting = false;
      if (fingerprint !== undefined && fingerprint === pageZero) {
        // A server counting from 1 answered page 0 as its page 1: this is the same page again.
        base = 1;
        continue;
      }
      // An empty page 0 and items on page 1: the server counts from 1 and this is its first page.
      if (pageZero === undefined && fingerprint !== undefined) base = 1;
    }
    const earlier = fingerprint === undefined ? undefined : seenPages.get(fingerprint);
    if (earlier !== undefined) {
      throw shapeError(route, `page ${pageNo} repeats page ${earlier}; the server is not paging, so the listing stopped after ${requested} requests`);
    }
    if (fingerprint !== undefined) seenPages.set(fingerprint, pageNo);

    const pageable = page.pageable !== null && typeof page.pageable === 'object' ? (page.pageable as Record<string, unknown>) : {};
    const size = numberField(page.size) ?? numberField(pageable.pageSize);
    const totalPages = numberField(page.totalPages);
    const totalElements = numberField(page.totalElements);
    if (totalElements !== undefined) {
      firstTotal ??= totalElements;
      if (totalElements !== firstTotal) totalsMoved = true;
      lastTotal = totalElements;
      maxTotal = Math.max(maxTotal ?? 0, totalElements);
    }
    options.onPage?.({ pageNo, items: content.length, serverPageSize: size, totalElements, totalPages });
    raw += content.length;
    const index = pageNo - base;
    // An empty page 0 of a v1 list may be a 1-based server's nothing-before-page-1: only page 1 can tell.
    const done = options.firstPageOnly === true || (isLastPage(page, index, content.length, size, raw) && !(detecting && content.length === 0));
    if (!done && !detecting && maxTotal !== undefined) {
      const perPage = Math.max(1, size ?? content.length);
      const allowed = Math.ceil(maxTotal / perPage) + PAGINATION_LIMITS.pagesPastTotal;
      if (index + 1 >= allowed) {
        throw shapeError(route, `${index + 1} pages of ${perPage} and still no last page, although the server says it holds ${maxTotal} items; the listing stopped`);
      }
    }
    if (!done && totalPages !== undefined) {
      const ahead = detecting ? 0 : lookahead;
      for (let next = pageNo + 1; next <= pageNo + 1 + ahead && next - base < totalPages && next - base < maxPages; next += 1) request(next);
    }
    for (const item of content) {
      const mapped = options.mapItem(item);
      const key = options.keyOf?.(mapped);
      if (key !== undefined) {
        if (seenKeys.has(key)) {
          duplicates += 1;
          continue;
        }
        seenKeys.add(key);
      }
      yielded += 1;
      yield mapped;
    }
    if (done) {
      // With totals: they held still and the distinct items add up to them. Without: nothing came twice.
      finish(lastTotal === undefined ? duplicates === 0 : !totalsMoved && yielded === lastTotal);
      return;
    }
  }
}

/** The listing's end, from what the page itself says (see the header comment). */
function isLastPage(page: Record<string, unknown>, index: number, items: number, size: number | undefined, seen: number): boolean {
  if (page.last === true || items === 0) return true;
  const totalPages = numberField(page.totalPages);
  if (totalPages !== undefined && index + 1 >= totalPages) return true;
  if (page.last === false) return false;
  const totalElements = numberField(page.totalElements);
  if (totalElements !== undefined && seen >= totalElements) return true;
  const numberOfElements = numberField(page.numberOfElements) ?? items;
  return size !== undefined && numberOfElements < size;
}
