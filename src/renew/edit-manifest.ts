// Sets fields of named exceptions in a manifest's text, changing nothing else: no re-serialisation
// (which would reflow the file and drop its layout), only the bytes of the value, or one new line.
// - the exception's own value is replaced in place, in its own quoting style;
// - an alias (`endDate: *q1`) is replaced by the value: the anchor's other users keep theirs;
// - a value inherited from `defaults:` gets an override on the exception (a new `key: value` line
//   after its name), so the other exceptions keep the shared value;
// - a value that is an anchor other places use is refused: changing it would change them too.
// Pure: text in, text out (or the reason it cannot be done).
import { Alias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, Scalar, visit, type Document, type Node, type Pair, type YAMLMap } from 'yaml';

export type FieldValues = Record<string, string>;

export interface FieldEdit {
  name: string;
  fields: FieldValues;
}

export interface AppliedEdit {
  name: string;
  field: string;
  /** `replaced` the exception's own value, replaced an `alias`, or `added` an override. */
  how: 'replaced' | 'alias' | 'added';
}

export type EditResult = { ok: true; text: string; applied: AppliedEdit[] } | { ok: false; reason: string };

interface Splice {
  start: number;
  end: number;
  text: string;
}

type ScalarStyle = 'PLAIN' | 'QUOTE_DOUBLE' | 'QUOTE_SINGLE';

function formatScalar(value: string, style: ScalarStyle): string {
  if (style === 'QUOTE_SINGLE') return `'${value.replace(/'/g, "''")}'`;
  if (style === 'PLAIN' && /^[0-9A-Za-z][0-9A-Za-z .:_/-]*$/.test(value) && !/:\s|\s$/.test(value)) return value;
  return JSON.stringify(value);
}

function styleOf(node: unknown): ScalarStyle {
  const type = isScalar(node) ? node.type : undefined;
  return type === 'QUOTE_SINGLE' || type === 'PLAIN' ? type : 'QUOTE_DOUBLE';
}

function pairOf(map: YAMLMap, key: string): Pair | undefined {
  return map.items.find((item) => isPair(item) && isScalar(item.key) && String(item.key.value) === key) as Pair | undefined;
}

function aliasUsers(doc: Document, anchor: string): number {
  let count = 0;
  visit(doc, {
    Alias(_key, node) {
      if (node.source === anchor) count += 1;
    },
  });
  return count;
}

export function editExceptionFields(text: string, edits: readonly FieldEdit[]): EditResult {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, version: '1.2', schema: 'core', merge: false, uniqueKeys: false, keepSourceTokens: false });
  if (doc.errors.length > 0) return { ok: false, reason: `the file does not read as YAML: ${doc.errors[0].message.split('\n')[0]}` };
  if (!isMap(doc.contents)) return { ok: false, reason: 'the top level is not a mapping' };
  const exceptions = pairOf(doc.contents, 'exceptions')?.value;
  if (!isSeq(exceptions)) return { ok: false, reason: 'no `exceptions:` list' };
  const defaults = pairOf(doc.contents, 'defaults')?.value;
  const newline = text.includes('\r\n') ? '\r\n' : '\n';

  const splices: Splice[] = [];
  const applied: AppliedEdit[] = [];
  for (const edit of edits) {
    const item = exceptions.items.find((candidate) => isMap(candidate) && isScalar(pairOf(candidate, 'name')?.value) && (pairOf(candidate, 'name')!.value as Scalar).value === edit.name);
    if (!item || !isMap(item)) return { ok: false, reason: `no exception named ${JSON.stringify(edit.name)} written as a mapping in this file` };
    const namePair = pairOf(item, 'name')!;
    const nameValue = namePair.value as Scalar;
    for (const [field, value] of Object.entries(edit.fields)) {
      const own = pairOf(item, field);
      if (own && own.value instanceof Alias) {
        const [start, end] = own.value.range ?? [];
        if (start === undefined || end === undefined) return { ok: false, reason: `cannot locate ${field} of ${edit.name}` };
        const source = own.value.resolve(doc);
        splices.push({ start, end, text: formatScalar(value, styleOf(source)) });
        applied.push({ name: edit.name, field, how: 'alias' });
      } else if (own && isScalar(own.value)) {
        const node = own.value as Scalar;
        if (node.anchor && aliasUsers(doc, node.anchor) > 0) {
          return { ok: false, reason: `${field} of ${edit.name} is the anchor &${node.anchor}, which ${aliasUsers(doc, node.anchor)} other place(s) use: changing it would change them too; edit the file by hand` };
        }
        const [start, end] = node.range ?? [];
        if (start === undefined || end === undefined) return { ok: false, reason: `cannot locate ${field} of ${edit.name}` };
        // The range is the value's alone: an anchor written before it (`&end 2026-12-31`) stays.
        splices.push({ start, end, text: formatScalar(value, styleOf(node)) });
        applied.push({ name: edit.name, field, how: 'replaced' });
      } else if (own) {
        return { ok: false, reason: `${field} of ${edit.name} is not a plain value` };
      } else {
        const inherited = isMap(defaults) ? pairOf(defaults, field)?.value : undefined;
        const style = styleOf(inherited instanceof Alias ? inherited.resolve(doc) : inherited);
        const valueEnd = nameValue.range?.[1];
        if (valueEnd === undefined) return { ok: false, reason: `cannot locate the name of ${edit.name}` };
        if (item.flow) {
          splices.push({ start: valueEnd, end: valueEnd, text: `, ${field}: ${formatScalar(value, style)}` });
        } else {
          const keyStart = (namePair.key as Node).range?.[0] ?? 0;
          const column = lineCounter.linePos(keyStart).col - 1;
          const lineEnd = text.indexOf('\n', Math.max(valueEnd - 1, keyStart));
          const at = lineEnd < 0 ? text.length : text[lineEnd - 1] === '\r' ? lineEnd - 1 : lineEnd;
          splices.push({ start: at, end: at, text: `${newline}${' '.repeat(column)}${field}: ${formatScalar(value, style)}` });
        }
        applied.push({ name: edit.name, field, how: 'added' });
      }
    }
  }
  let edited = text;
  // From the end backwards, so earlier offsets stay valid; at one offset the last first, so the
  // lines come out in the order asked.
  const ordered = splices.map((splice, index) => ({ ...splice, index })).sort((a, b) => b.start - a.start || b.index - a.index);
  for (const splice of ordered) edited = `${edited.slice(0, splice.start)}${splice.text}${edited.slice(splice.end)}`;
  return { ok: true, text: edited, applied };
}
