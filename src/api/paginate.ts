// Lazy paging through CloudView's Spring Data pages. pageNo is 0-based; the client keeps asking the
// same pageSize (the server caps it and computes offsets with the capped size) and stops on `last`,
// at `totalPages`, or on an empty page. Quirks tolerated (../shared/cloudview-api.md): `content` as a
// single object, a bare array instead of a page, a `warning` key (ignored: we keep paging our own URL).
// A server that never says "last" cannot loop us forever: an absolute page cap, and a page number or
// content that does not move, are errors.
import { shapeError } from './wire';
import type { RouteName } from './errors';

export const PAGINATION_LIMITS = {
  /** 1,000,000 items at the default page size of 100: far beyond any real subscription. */
  maxPages: 10_000,
} as const satisfies Record<string, number>;

export interface PageInfo {
  pageNo: number;
  items: number;
  /** The page size the server says it used (`size` / `pageable.pageSize`), when it says. */
  serverPageSize?: number;
  totalElements?: number;
  totalPages?: number;
}

export interface PaginateOptions<T> {
  route: RouteName;
  /** Fetches one page and returns its parsed JSON body. */
  fetchPage(pageNo: number): Promise<unknown>;
  mapItem(item: unknown): T;
  maxPages?: number;
  /** The body may also be one bare item (no `content`): the per-account control summary does that. */
  allowBareItem?: boolean;
  /**
   * Pages to request ahead once `totalPages` is known (never past it), so a concurrency of 2 keeps two
   * calls busy. 0 (default) pages strictly one after another. Adds no requests beyond `totalPages`.
   */
  lookahead?: number;
  onPage?(info: PageInfo): void;
}

function numberField(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

export async function* paginate<T>(options: PaginateOptions<T>): AsyncGenerator<T, void, undefined> {
  const { route } = options;
  const maxPages = options.maxPages ?? PAGINATION_LIMITS.maxPages;
  let seen = 0;
  let previousPage: string | undefined;
  const lookahead = Math.max(0, options.lookahead ?? 0);
  const pending = new Map<number, Promise<unknown>>();
  const request = (pageNo: number): Promise<unknown> => {
    let promise = pending.get(pageNo);
    if (!promise) {
      promise = options.fetchPage(pageNo);
      // A prefetched page nobody reads (the consumer stopped early) must not become an unhandled rejection.
      promise.catch(() => undefined);
      pending.set(pageNo, promise);
    }
    return promise;
  };
  for (let pageNo = 0; ; pageNo += 1) {
    if (pageNo >= maxPages) {
      throw shapeError(route, `still no last page after ${maxPages} pages (${seen} items); refusing to page on`);
    }
    const body = await request(pageNo);
    pending.delete(pageNo);
    if (Array.isArray(body)) {
      // A bare array is the whole answer: there is no envelope to ask for more.
      options.onPage?.({ pageNo, items: body.length });
      for (const item of body) yield options.mapItem(item);
      return;
    }
    if (body === null || typeof body !== 'object') throw shapeError(route, `page ${pageNo} is ${body === null ? 'null' : typeof body}, expected a page object`);
    const page = body as Record<string, unknown>;
    if (!('content' in page)) {
      if (options.allowBareItem) {
        options.onPage?.({ pageNo, items: 1 });
        yield options.mapItem(page);
        return;
      }
      throw shapeError(route, `page ${pageNo} has no "content"`);
    }
    const raw = page.content;
    let content: unknown[];
    if (raw === null || raw === undefined) content = [];
    else if (Array.isArray(raw)) content = raw;
    else if (typeof raw === 'object') content = [raw];
    else throw shapeError(route, `page ${pageNo} "content" is a ${typeof raw}, expected an array`);

    const number = numberField(page.number);
    if (number !== undefined && number !== pageNo) {
      throw shapeError(route, `asked for page ${pageNo} (0-based) and got page ${number}`);
    }
    const fingerprint = content.length > 0 ? JSON.stringify(content) : undefined;
    if (fingerprint !== undefined && fingerprint === previousPage) {
      throw shapeError(route, `page ${pageNo} repeats page ${pageNo - 1}; the server is not paging`);
    }
    previousPage = fingerprint;

    const pageable = page.pageable !== null && typeof page.pageable === 'object' ? (page.pageable as Record<string, unknown>) : {};
    const totalPages = numberField(page.totalPages);
    const totalElements = numberField(page.totalElements);
    options.onPage?.({
      pageNo,
      items: content.length,
      serverPageSize: numberField(page.size) ?? numberField(pageable.pageSize),
      totalElements,
      totalPages,
    });
    seen += content.length;
    const done = isLastPage(page, pageNo, content.length, seen);
    if (!done && totalPages !== undefined) {
      for (let next = pageNo + 1; next <= pageNo + 1 + lookahead && next < totalPages && next < maxPages; next += 1) request(next);
    }
    for (const item of content) yield options.mapItem(item);
    if (done) return;
  }
}

function isLastPage(page: Record<string, unknown>, pageNo: number, items: number, seen: number): boolean {
  const totalPages = numberField(page.totalPages);
  const totalElements = numberField(page.totalElements);
  if (page.last === true || items === 0) return true;
  if (totalPages !== undefined && pageNo + 1 >= totalPages) return true;
  if (typeof page.last !== 'boolean') {
    if (totalElements !== undefined && seen >= totalElements) return true;
    // No paging information at all: this was the whole answer.
    if (totalPages === undefined && totalElements === undefined) return true;
  }
  return false;
}
