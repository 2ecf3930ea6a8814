// Adding entries to a list a person may have edited, so that the result depends only on what was
// added, never on in how many runs: the longest ascending tail of the list (what cvex wrote, sorted)
// takes the new entries at their sorted places; everything before it keeps its order. Adding A then
// B gives the same list as adding A and B at once, which makes a resumed import write the same bytes
// as one run. Pure.

/** `items` with `added` merged into its ascending tail by `key`; `added` need not be sorted. */
export function insertIntoSortedTail<T>(items: readonly T[], added: readonly T[], key: (item: T) => string): T[] {
  if (added.length === 0) return [...items];
  let start = items.length;
  while (start > 0 && (start === items.length || key(items[start - 1]) < key(items[start]))) start -= 1;
  const head = items.slice(0, start);
  const tail = items.slice(start);
  const incoming = [...added].sort((a, b) => compare(key(a), key(b)));
  const merged: T[] = [];
  let i = 0;
  let j = 0;
  while (i < tail.length || j < incoming.length) {
    if (j >= incoming.length || (i < tail.length && compare(key(tail[i]), key(incoming[j])) <= 0)) merged.push(tail[i++]);
    else merged.push(incoming[j++]);
  }
  return [...head, ...merged];
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
