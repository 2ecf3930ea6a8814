// Adding exceptions to a manifest as text, when it is laid out as cvex writes it: a top-level
// `exceptions:` list whose items start `  - name: …`. Each item's lines are kept byte for byte and the
// new items go to their sorted places (sorted-tail.ts). Reading and rewriting a file through the
// `yaml` package's document model costs seconds per megabyte; a resumed import of 10,000 exceptions
// adds to 16 such files in every run. Anything laid out otherwise (a person's comments between items,
// another indentation, a flow list) is left to the document model: undefined here. Pure.
import { CORE_SCHEMA, load } from 'js-yaml';
import { insertIntoSortedTail } from './sorted-tail';

interface Item {
  name: string;
  lines: string[];
}

interface Split {
  head: string[];
  items: Item[];
  tail: string[];
}

const ITEM_START = /^ {2}- name: (.+)$/;

/** A plain scalar YAML reads as that very text (no number, boolean or null look-alike). */
const PLAIN_NAME = /^[A-Za-z_][A-Za-z0-9_./-]*$/;
const NOT_TEXT = new Set(['true', 'false', 'null', 'True', 'False', 'Null', 'TRUE', 'FALSE', 'NULL']);

function nameOf(scalar: string): string | undefined {
  if (PLAIN_NAME.test(scalar) && !NOT_TEXT.has(scalar)) return scalar;
  try {
    const value = load(`name: ${scalar}`, { schema: CORE_SCHEMA }) as { name?: unknown } | null;
    return typeof value?.name === 'string' ? value.name : undefined;
  } catch {
    return undefined;
  }
}

/** The lines before the list, its items, and the lines after; undefined when the layout is not cvex's. */
function splitItems(text: string): Split | undefined {
  const lines = text.split('\n');
  const start = lines.findIndex((line) => /^exceptions:\s*$/.test(line));
  if (start < 0) return undefined;
  const items: Item[] = [];
  let index = start + 1;
  for (; index < lines.length; index += 1) {
    const line = lines[index];
    const begins = ITEM_START.exec(line);
    if (begins) {
      const name = nameOf(begins[1]);
      if (name === undefined) return undefined;
      items.push({ name, lines: [line] });
    } else if (line.startsWith('    ') && items.length > 0) {
      items[items.length - 1].lines.push(line);
    } else if (line === '' || !line.startsWith(' ')) {
      break;
    } else {
      return undefined;
    }
  }
  return { head: lines.slice(0, start + 1), items, tail: lines.slice(index) };
}

/** The existing text with the fresh text's items it lacks added; undefined when either is not laid out as cvex writes it. */
export function mergeItemsAsText(existingText: string, freshText: string): { text: string; added: number; kept: number } | undefined {
  const existing = splitItems(existingText);
  const fresh = splitItems(freshText);
  if (!existing || !fresh || existing.items.length === 0) return undefined;
  const names = new Set(existing.items.map((item) => item.name));
  const added = fresh.items.filter((item) => !names.has(item.name));
  const merged = insertIntoSortedTail(existing.items, added, (item) => item.name);
  const text = [...existing.head, ...merged.flatMap((item) => item.lines), ...existing.tail].join('\n');
  // Read back: the same names in the same order, or the document model does it.
  try {
    const value = load(text, { schema: CORE_SCHEMA }) as { exceptions?: Array<{ name?: unknown }> } | null;
    const read = value?.exceptions?.map((item) => item?.name);
    if (!read || read.length !== merged.length || read.some((name, position) => name !== merged[position].name)) return undefined;
  } catch {
    return undefined;
  }
  return { text, added: added.length, kept: existing.items.length };
}
