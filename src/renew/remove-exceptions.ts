// Removes named exceptions from a manifest's text, line by line: the item's lines (from its `- `
// to its last line) and the comment lines right above it, nothing else. A list left empty becomes
// `[]`. Pure: text in, text out, or why not (a flow-style list is refused: edit it by hand).
import { isMap, isPair, isScalar, isSeq, parseDocument, type Pair, type YAMLMap } from 'yaml';

export type RemoveResult = { ok: true; text: string; removed: string[] } | { ok: false; reason: string };

function pairOf(map: YAMLMap, key: string): Pair | undefined {
  return map.items.find((item) => isPair(item) && isScalar(item.key) && String(item.key.value) === key) as Pair | undefined;
}

function lineStart(text: string, offset: number): number {
  return text.lastIndexOf('\n', offset - 1) + 1;
}

function lineEndAfter(text: string, offset: number): number {
  const end = text.indexOf('\n', offset);
  return end < 0 ? text.length : end + 1;
}

export function removeExceptions(text: string, names: ReadonlySet<string>): RemoveResult {
  const doc = parseDocument(text, { version: '1.2', schema: 'core', merge: false, uniqueKeys: false });
  if (doc.errors.length > 0) return { ok: false, reason: `the file does not read as YAML: ${doc.errors[0].message.split('\n')[0]}` };
  if (!isMap(doc.contents)) return { ok: false, reason: 'the top level is not a mapping' };
  const exceptionsPair = pairOf(doc.contents, 'exceptions');
  const list = exceptionsPair?.value;
  if (!isSeq(list)) return { ok: false, reason: 'no `exceptions:` list' };
  if (list.flow) return { ok: false, reason: 'the exceptions are a flow-style list ([...]): remove them by hand' };

  const cuts: Array<{ start: number; end: number }> = [];
  const removed: string[] = [];
  for (const item of list.items) {
    if (!isMap(item)) continue;
    const name = pairOf(item, 'name')?.value;
    if (!isScalar(name) || !names.has(String(name.value))) continue;
    const [itemStart, valueEnd] = item.range ?? [];
    if (itemStart === undefined || valueEnd === undefined) return { ok: false, reason: `cannot locate ${String(name.value)}` };
    let start = lineStart(text, itemStart);
    // The comment lines right above belong to the item (`# why this exception`).
    for (let above = start; above > 0; ) {
      const previous = lineStart(text, above - 1);
      if (!/^\s*#/.test(text.slice(previous, above))) break;
      start = previous;
      above = previous;
    }
    cuts.push({ start, end: lineEndAfter(text, Math.max(itemStart, valueEnd - 1)) });
    removed.push(String(name.value));
  }
  let edited = text;
  for (const cut of cuts.sort((a, b) => b.start - a.start)) edited = `${edited.slice(0, cut.start)}${edited.slice(cut.end)}`;
  if (removed.length > 0 && removed.length === list.items.length) {
    const keyEnd = (exceptionsPair!.key as { range?: [number, number, number] }).range?.[1] ?? 0;
    const colon = edited.indexOf(':', keyEnd);
    edited = `${edited.slice(0, colon + 1)} []${edited.slice(colon + 1)}`;
  }
  return { ok: true, text: edited, removed };
}
