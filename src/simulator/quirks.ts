// Quirks applied to an answer the route already computed: other envelope shapes, paging that never
// ends, bodies too large to read. The routes themselves only know the page base, the detail's shapes
// and the shifting list (they need the stored data for those).
import { V1_LIST_ROUTES, type Reply } from './http';
import type { RouteId, SimulatorQuirks } from './types';

const PAGED_ROUTES: readonly RouteId[] = ['exceptions.list', 'evaluations.list', 'evaluations.summary', 'evaluations.resources', 'connectors.list'];

type Page = { content: unknown[] } & Record<string, unknown>;

/** Envelope quirks: a one-item `content` as an object, a `warning` key, the summary's shape, the minimal v1 envelope. */
export function applyEnvelopeQuirks(quirks: SimulatorQuirks, routeId: RouteId, reply: Reply, url: URL): Reply {
  if (!PAGED_ROUTES.includes(routeId) || reply.status !== 200) return reply;
  const page = reply.body as Page;
  if (routeId === 'evaluations.summary' && quirks.summaryShape && quirks.summaryShape !== 'page') {
    if (quirks.summaryShape === 'array') return { ...reply, body: page.content };
    if (page.content.length === 1) return { ...reply, body: page.content[0] };
    return { ...reply, body: page.content };
  }
  let body: Record<string, unknown> = page;
  if (quirks.minimalV1Envelope && V1_LIST_ROUTES.includes(routeId)) {
    body = { content: page.content, numberOfElements: page.numberOfElements, size: page.size, number: page.number };
  }
  if (quirks.singleObjectContent && page.content.length === 1) body = { ...body, content: page.content[0] };
  if (quirks.warningKey) {
    const unfiltered = new URL(url.href);
    unfiltered.searchParams.delete('filter');
    body = { ...body, warning: `More results may be available at ${unfiltered.pathname}${unfiltered.search}` };
  }
  return { ...reply, body };
}

/** The first page number the route's server counts from. */
export function pageBaseOf(quirks: SimulatorQuirks, routeId: RouteId): 0 | 1 {
  return quirks.v1OneBasedPages && V1_LIST_ROUTES.includes(routeId) ? 1 : 0;
}

/**
 * Paging that never ends. `answer(pageNo)` runs the route for a page number as the client would send it.
 * `repeat` serves the first two pages again and again; `endless` page 0 with fresh ids on every later
 * page. Both say `last: false`; only `endless` keeps the real `totalElements`.
 */
export function brokenPage(mode: 'repeat' | 'endless' | 'endless-bare', base: 0 | 1, pageNo: number, answer: (pageNo: number) => Reply): Reply {
  const index = Math.max(pageNo, base) - base;
  const source = answer(base + (mode === 'repeat' ? index % 2 : 0));
  if (source.status !== 200) return source;
  const page = { ...(source.body as Page) };
  if (mode !== 'repeat' && index > 0) page.content = page.content.map((item) => freshIdentity(item, index));
  page.last = false;
  page.number = index;
  page.first = index === 0;
  delete page.totalPages;
  if (mode !== 'endless') delete page.totalElements;
  return { ...source, body: page };
}

/** The same item under new ids, so a client that de-duplicates still sees it as new. */
function freshIdentity(item: unknown, index: number): unknown {
  if (item === null || typeof item !== 'object') return item;
  const copy: Record<string, unknown> = { ...(item as Record<string, unknown>) };
  for (const key of ['uuid', 'connectorId', 'resourceId', 'name']) {
    if (typeof copy[key] === 'string') copy[key] = `${copy[key] as string}~${index}`;
  }
  if (copy.controlId !== undefined) copy.controlId = String(Number(copy.controlId) + 1_000_000 * index);
  return copy;
}

const CHUNK_BYTES = 64 * 1024;
export const DEFAULT_OVERSIZED_BYTES = 64 * 1024 * 1024;

/**
 * The chunks of a body too large to read: `oversized` is the real JSON followed by whitespace up to
 * `bytes` (still valid JSON); `endless` opens a page and repeats its first item forever. Returns
 * undefined when there is nothing more to send.
 */
export function hugeBodyChunks(mode: 'oversized' | 'endless', body: unknown, bytes: number): (index: number) => string | undefined {
  const text = JSON.stringify(body);
  if (mode === 'oversized') {
    const padding = ' '.repeat(CHUNK_BYTES);
    const chunks = Math.max(0, Math.ceil((bytes - text.length) / CHUNK_BYTES));
    return (index) => (index === 0 ? text : index <= chunks ? padding : undefined);
  }
  const first = Array.isArray((body as Page | undefined)?.content) ? (body as Page).content[0] : undefined;
  const item = JSON.stringify(first ?? { uuid: '00000000-0000-5000-a000-000000000000', name: 'endless' });
  const repeated = `${item},`.repeat(Math.max(1, Math.floor(CHUNK_BYTES / (item.length + 1))));
  return (index) => (index === 0 ? '{"content":[' : repeated);
}
