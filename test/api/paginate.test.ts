import { describe, expect, it } from 'vitest';
import { ResponseShapeError } from '../../src/api/errors';
import { type ListingReport, type PaginateOptions, paginate } from '../../src/api/paginate';

function page(content: unknown, extra: Record<string, unknown>) {
  return { content, ...extra };
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

type Extra = Partial<Pick<PaginateOptions<unknown>, 'maxPages' | 'allowBareItem' | 'lookahead' | 'pageBase' | 'keyOf'>>;

function run(pages: (pageNo: number) => unknown, extra: Extra = {}) {
  const asked: number[] = [];
  const reports: ListingReport[] = [];
  const iterable = paginate({
    route: 'exceptions.list',
    mapItem: (item) => item,
    fetchPage: async (pageNo) => {
      asked.push(pageNo);
      return pages(pageNo);
    },
    onDone: (report) => reports.push(report),
    ...extra,
  });
  return { asked, iterable, reports };
}

/** A list of `total` items paged by `size` the way a minimal v1 envelope says it: no last, no totals. */
function minimal(total: number, size: number, base: 0 | 1) {
  return (pageNo: number) => {
    const index = Math.max(pageNo, base) - base;
    const content = Array.from({ length: total }, (_, i) => i).slice(index * size, index * size + size);
    return { content, numberOfElements: content.length, size, number: index };
  };
}

describe('paginate', () => {
  it('starts at 0 and stops on last', async () => {
    const { asked, iterable } = run((n) => page([n * 2, n * 2 + 1], { number: n, last: n === 2, totalPages: 3 }));
    expect(await collect(iterable)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(asked).toEqual([0, 1, 2]);
  });

  it('stops at totalPages when last never comes', async () => {
    const { asked, iterable } = run((n) => page([n], { last: false, totalPages: 2 }));
    expect(await collect(iterable)).toEqual([0, 1]);
    expect(asked).toEqual([0, 1]);
  });

  it('stops on an empty page', async () => {
    const { asked, iterable } = run((n) => page(n < 2 ? [n] : [], { last: false }));
    expect(await collect(iterable)).toEqual([0, 1]);
    expect(asked).toEqual([0, 1, 2]);
  });

  it('tolerates content as a single object and ignores a warning key', async () => {
    const { iterable } = run(() => page({ id: 'only' }, { last: true, warning: 'see https://x/list?pageNo=0' }));
    expect(await collect(iterable)).toEqual([{ id: 'only' }]);
  });

  it('reads a bare array as the whole answer, and a bare item when allowed', async () => {
    expect(await collect(run(() => [1, 2]).iterable)).toEqual([1, 2]);
    expect(await collect(run(() => ({ controlId: '1' }), { allowBareItem: true }).iterable)).toEqual([{ controlId: '1' }]);
    await expect(collect(run(() => ({ controlId: '1' })).iterable)).rejects.toThrow(/has no "content"/);
  });

  it('never loops forever on a server that always says there is more', async () => {
    const { asked, iterable } = run((n) => page([n], { last: false }), { maxPages: 50 });
    await expect(collect(iterable)).rejects.toThrow(/still no last page after 50 pages/);
    expect(asked.length).toBe(50);
  });

  it('stops a listing that passes its own totalElements, after a page or two of slack', async () => {
    const { asked, iterable } = run((n) => page([`fresh-${n}`], { last: false, totalElements: 3, size: 1 }));
    await expect(collect(iterable)).rejects.toThrow(/still no last page, although the server says it holds 3 items/);
    expect(asked).toEqual([0, 1, 2, 3, 4]);
  });

  it('refuses a server that ignores pageNo, and one that serves pages A, B, A, B', async () => {
    const same = run(() => page([1, 2], { last: false, totalPages: 9 }));
    await expect(collect(same.iterable)).rejects.toThrow(/page 1 repeats page 0; the server is not paging, so the listing stopped after 2 requests/);
    const cycling = run((n) => page(n % 2 === 0 ? ['a'] : ['b'], { last: false }));
    await expect(collect(cycling.iterable)).rejects.toThrow(/page 2 repeats page 0/);
    expect(cycling.asked).toEqual([0, 1, 2]);
  });

  it('does not trust `number`: a 0-based answer numbered otherwise still pages on', async () => {
    const { iterable } = run((n) => page([n], { number: n + 7, last: n === 2 }));
    expect(await collect(iterable)).toEqual([0, 1, 2]);
  });

  it("detects a 1-based v1 list from a repeat of page 0, drops the repeat and pages on", async () => {
    const { asked, iterable, reports } = run(minimal(5, 2, 1), { pageBase: 'detect' });
    expect(await collect(iterable)).toEqual([0, 1, 2, 3, 4]);
    expect(asked).toEqual([0, 1, 2, 3]);
    expect(reports[0]).toMatchObject({ pageBase: 1, items: 5, consistent: true });
  });

  it('reads a 0-based v1 list the same way without a wasted request', async () => {
    const { asked, iterable, reports } = run(minimal(5, 2, 0), { pageBase: 'detect' });
    expect(await collect(iterable)).toEqual([0, 1, 2, 3, 4]);
    expect(asked).toEqual([0, 1, 2]);
    expect(reports[0]).toMatchObject({ pageBase: 0 });
  });

  it('treats a 1-based server that answers page 0 empty as starting at 1, totals or not', async () => {
    const withTotals = (pageNo: number) => (pageNo === 0 ? page([], { totalElements: 3, size: 2 }) : minimal(3, 2, 1)(pageNo));
    const counted = run(withTotals, { pageBase: 'detect' });
    expect(await collect(counted.iterable)).toEqual([0, 1, 2]);
    expect(counted.reports[0].pageBase).toBe(1);
    const bare = run((pageNo: number) => (pageNo === 0 ? { content: [], numberOfElements: 0, size: 2, number: 0 } : minimal(3, 2, 1)(pageNo)), { pageBase: 'detect' });
    expect(await collect(bare.iterable)).toEqual([0, 1, 2]);
    // An empty v1 list costs one more request to be sure: page 1 is empty too.
    const empty = run(() => ({ content: [], numberOfElements: 0, size: 2, number: 0 }), { pageBase: 'detect' });
    expect(await collect(empty.iterable)).toEqual([]);
    expect(empty.asked).toEqual([0, 1]);
  });

  it('minimal envelope: a page short of the size the server reports ends it, never the size asked', async () => {
    // The server serves 3 per page whatever was asked: a page of 3 is full, one of 2 is the last.
    const { asked, iterable } = run(minimal(8, 3, 0));
    expect(await collect(iterable)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(asked).toEqual([0, 1, 2]);
    // Without a size, it pages on until an empty page.
    const bare = run((n) => ({ content: n < 2 ? [n] : [], number: n }));
    expect(await collect(bare.iterable)).toEqual([0, 1]);
    expect(bare.asked).toEqual([0, 1, 2]);
  });

  it('de-duplicates by key, and reports a listing whose totals moved or do not add up', async () => {
    const moved = run((n) => page(n === 0 ? [{ id: 'a' }, { id: 'b' }] : [{ id: 'b' }, { id: 'c' }], { size: 2, totalElements: n === 0 ? 3 : 4, last: n === 1 }), {
      keyOf: (item) => (item as { id: string }).id,
    });
    expect(await collect(moved.iterable)).toEqual([{ id: 'a' }, { id: 'b' }, { id: 'c' }]);
    expect(moved.reports[0]).toMatchObject({ items: 3, duplicates: 1, firstTotal: 3, lastTotal: 4, consistent: false });
    const steady = run((n) => page([n], { size: 1, totalElements: 2, last: n === 1 }));
    await collect(steady.iterable);
    expect(steady.reports[0]).toMatchObject({ consistent: true, items: 2 });
  });

  it('throws a shape error on a body that is no page', async () => {
    await expect(collect(run(() => 'nope').iterable)).rejects.toThrow(ResponseShapeError);
    await expect(collect(run(() => page(7, {})).iterable)).rejects.toThrow(/"content" is a number/);
  });

  it('requests ahead up to lookahead, never past totalPages', async () => {
    const { asked, iterable } = run((n) => page([n], { number: n, last: n === 3, totalPages: 4 }), { lookahead: 2 });
    expect(await collect(iterable)).toEqual([0, 1, 2, 3]);
    expect([...asked].sort()).toEqual([0, 1, 2, 3]);
  });
});
