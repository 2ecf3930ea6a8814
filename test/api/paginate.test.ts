import { describe, expect, it } from 'vitest';
import { ResponseShapeError } from '../../src/api/errors';
import { paginate } from '../../src/api/paginate';

function page(content: unknown, extra: Record<string, unknown>) {
  return { content, ...extra };
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

function run(pages: (pageNo: number) => unknown, extra: { maxPages?: number; allowBareItem?: boolean; lookahead?: number } = {}) {
  const asked: number[] = [];
  const iterable = paginate({
    route: 'exceptions.list',
    mapItem: (item) => item,
    fetchPage: async (pageNo) => {
      asked.push(pageNo);
      return pages(pageNo);
    },
    ...extra,
  });
  return { asked, iterable };
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
    const { asked, iterable } = run((n) => page([n], { last: false, totalPages: 1e9 }), { maxPages: 50 });
    await expect(collect(iterable)).rejects.toThrow(/still no last page after 50 pages/);
    expect(asked.length).toBe(50);
  });

  it('refuses a server that ignores pageNo', async () => {
    await expect(collect(run(() => page([1, 2], { last: false, totalPages: 9 })).iterable)).rejects.toThrow(/repeats page 0/);
    await expect(collect(run(() => page([1], { number: 0, last: false, totalPages: 9 })).iterable)).rejects.toThrow(
      /asked for page 1 \(0-based\) and got page 0/,
    );
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
