// The fast way to read a manifest: js-yaml builds the value, and its `listener` (called around every
// node it composes) gives the offset where each node starts, so a field path still leads back to its
// line and column. It only serves documents that read cleanly and plainly; for anything else it
// returns undefined and parse-yaml.ts reads the text with the `yaml` package, which stays the
// authority for every error and warning.
import { CORE_SCHEMA, load, Type, type State } from 'js-yaml';
import type { ParsedYaml, PathSegment, Position } from './parse-yaml';

/**
 * YAML 1.2 core schema exactly as the `yaml` package resolves it. js-yaml's CORE_SCHEMA also reads
 * `0b101`, `-0x1f` and `+0o7` as integers and does not read `+.5` as a float; these two types
 * replace its int and float (same tag, so `extend` swaps them in place) so both readers agree.
 */
const INT_PATTERNS: ReadonlyArray<[RegExp, number, number]> = [
  [/^0o[0-7]+$/, 2, 8],
  [/^[-+]?[0-9]+$/, 0, 10],
  [/^0x[0-9a-fA-F]+$/, 2, 16],
];
const INT = /^(?:0o[0-7]+|[-+]?[0-9]+|0x[0-9a-fA-F]+)$/;
const FLOAT_SPECIAL = /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/;
const FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/;

/** Every number starts with a digit, a sign or a dot: a cheap test before the patterns. */
function mayBeNumber(data: unknown): data is string {
  if (typeof data !== 'string') return false;
  const ch = data.charCodeAt(0);
  return (ch >= 0x30 && ch <= 0x39) || ch === 0x2d || ch === 0x2b || ch === 0x2e;
}

// js-yaml passes the tag as a second argument only for an explicit `!!int`/`!!float`; refusing those
// makes load throw, and the `yaml` package reads the document.
const yaml12Int = new Type('tag:yaml.org,2002:int', {
  kind: 'scalar',
  resolve: (data: unknown, explicitTag?: unknown) => explicitTag === undefined && mayBeNumber(data) && INT.test(data),
  construct: (data: string) => {
    const [, skip, radix] = INT_PATTERNS.find(([pattern]) => pattern.test(data))!;
    return exact(parseInt(data.substring(skip), radix));
  },
});
const yaml12Float = new Type('tag:yaml.org,2002:float', {
  kind: 'scalar',
  resolve: (data: unknown, explicitTag?: unknown) =>
    explicitTag === undefined && mayBeNumber(data) && (FLOAT.test(data) || FLOAT_SPECIAL.test(data)),
  construct: (data: string) => {
    if (!FLOAT_SPECIAL.test(data)) return exact(parseFloat(data));
    if (data.slice(-3).toLowerCase() === 'nan') return NaN;
    return data[0] === '-' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  },
});
const MANIFEST_SCHEMA = CORE_SCHEMA.extend({ implicit: [yaml12Int, yaml12Float] });

/** An integral value beyond the range where every integer is exact; what both YAML readers refuse. */
export function isUnsafeInteger(value: number): boolean {
  return Number.isInteger(value) && !Number.isSafeInteger(value);
}

/** A number js-yaml would round (past 2^53 - 1): load throws, and the `yaml` package reports it. */
function exact(value: number): number {
  if (isUnsafeInteger(value)) throw new Unsupported();
  return value;
}

/**
 * Text the fast path leaves to the `yaml` package without trying:
 * - an alias (`*name`): js-yaml reuses the anchored object instead of copying it, but schema
 *   validation and defaults merging walk the value, so a billion-laughs document would still
 *   explode; the `yaml` package bounds alias expansion (MAX_ALIAS_COUNT) and reports it;
 * - an anchor (`&name`) or a tag (`!Sub`, `!!str`): the `yaml` package warns about unknown tags
 *   and places nodes with properties its own way;
 * - a directive (`%YAML`): it may change the YAML version;
 * - `---` or `...` at the start of a line followed by more text: js-yaml takes it for a document
 *   marker, the `yaml` package for the start of a plain scalar;
 * - a tab in a line's indentation: an error for the `yaml` package, and after a block scalar
 *   js-yaml ends the scalar where the `yaml` package reports it;
 * - a lone carriage return: js-yaml counts it as a line break, the `yaml` package's lines do not;
 * - a byte-order mark anywhere but at the start (see needsYamlPackage).
 * A number js-yaml would round (an integer past 2^53 - 1) also sends the document there (see exact).
 * A false alarm (a `*` or `!` in a plain string) only costs speed.
 */
const NEEDS_YAML_PACKAGE = /(?:^|[\s[{,:-])(?:\*[^\s,\]}]|[&!])|^\ufeff?(?:%|(?:---|\.\.\.)\S)|^ *\t|\r(?!\n)/m;

function needsYamlPackage(text: string): boolean {
  // Most manifests hold none of these characters: skip the regular expression's scan.
  const suspect =
    text.includes('*') || text.includes('&') || text.includes('!') || text.includes('%') || text.includes('\r') ||
    text.includes('\t') || text.includes('---') || text.includes('...');
  // A byte-order mark past the first character: the two libraries read it differently.
  return (suspect && NEEDS_YAML_PACKAGE.test(text)) || text.indexOf('\ufeff', 1) !== -1;
}

/** Where one composed node starts, and for collections the nodes inside it. */
interface Frame {
  /** Offset in js-yaml's input (BOM stripped) where composeNode was called; see `nodeStart`. */
  open: number;
  /** js-yaml's 0-based line at `open`. */
  line: number;
  kind: string | null;
  result: unknown;
  /** Sequence: the items. Mapping: key, value, key, value… */
  children: Frame[] | undefined;
}

/** Thrown from the listener when a node is not one the fast path can place; load's caller falls back. */
class Unsupported extends Error {}

const hasOwn = Object.prototype.hasOwnProperty;

/**
 * Reads `text` with js-yaml and returns the value and positions, or undefined when the document
 * should be read by the `yaml` package instead (see NEEDS_YAML_PACKAGE), including whenever js-yaml
 * throws: syntax errors, duplicate keys, unknown tags, several documents.
 */
export function loadWithPositions(text: string, file: string): ParsedYaml | undefined {
  if (needsYamlPackage(text)) return undefined;
  // js-yaml strips a byte-order mark, so its offsets are one short of the text's.
  const shift = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const top: Frame = { open: 0, line: 0, kind: null, result: undefined, children: undefined };
  const stack: Frame[] = [];
  let current = top;
  let value: unknown;
  try {
    value = load(text, {
      schema: MANIFEST_SCHEMA,
      json: false, // duplicate keys throw
      filename: file,
      listener(event: string, state: State) {
        if (event === 'open') {
          stack.push(current);
          current = { open: state.position, line: state.line, kind: null, result: undefined, children: undefined };
          return;
        }
        const frame = current;
        current = stack.pop()!;
        frame.kind = state.kind;
        frame.result = state.result;
        settle(frame, text, shift, state.position, state.line);
        (current.children ??= []).push(frame);
      },
    });
  } catch {
    return undefined;
  }
  // One document whose top is a mapping; anything else (empty, a list, a scalar) is an error the
  // `yaml` package words.
  const root = top.children?.length === 1 ? top.children[0] : undefined;
  if (!root || root.kind !== 'mapping' || root.result !== value) return undefined;

  let lineStarts: number[] | undefined;
  const positionAt = (offset: number): Position => {
    lineStarts ??= lineStartsOf(text);
    let low = 0;
    let high = lineStarts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (lineStarts[middle] <= offset) low = middle;
      else high = middle - 1;
    }
    return { line: low + 1, column: offset - lineStarts[low] + 1 };
  };
  return {
    value,
    findings: [],
    positionOf(path, key = false) {
      return positionAt(offsetOf(root, path, key, text, shift));
    },
  };
}

/**
 * Called when a node closes: unwraps the frame js-yaml leaves around a collection read in place of
 * an implicit key, drops the failed composeNode that ends a block mapping, and checks that the
 * frames account for every item and key (else the fast path gives up on the document).
 */
function settle(frame: Frame, text: string, shift: number, end: number, endLine: number): void {
  const { kind } = frame;
  const after = end + shift;
  // `'quoted'#comment`, `[a]#comment`: the `yaml` package wants a space before a comment.
  if (text.charCodeAt(after) === 0x23 && !isSpace(text.charCodeAt(after - 1))) throw new Unsupported();
  if (kind !== 'mapping' && kind !== 'sequence') {
    frame.children = undefined;
    if (kind === 'scalar' && endLine !== frame.line) {
      // A quoted or plain scalar over several lines: the `yaml` package is stricter about how its
      // lines are indented. Block scalars (`|`, `>`) are fine.
      const start = nodeStart(frame, text, shift);
      const first = text.charCodeAt(start);
      if (first !== 0x7c && first !== 0x3e) {
        const eol = text.indexOf('\n', start);
        if (eol !== -1 && eol < after) throw new Unsupported();
      } else if (/^[|>][-+]?[0-9]/.test(text.slice(start, start + 3))) {
        // `|2`: an explicit indentation indicator; the two read blank lines under it differently.
        throw new Unsupported();
      }
    }
    return;
  }
  let children = frame.children;
  // `key:\n  [a, b]` or `- {a: 1}`: js-yaml tries the collection as a mapping key, finds no `:`
  // and keeps it; the collection's own frame is the only child, with the same result.
  if (children?.length === 1 && children[0].result === frame.result && children[0].kind === kind) {
    children = children[0].children;
  }
  const start = nodeStart(frame, text, shift);
  const first = text.charCodeAt(start);
  // A flow collection over several lines: the `yaml` package warns when its end indicator is not
  // indented past its parent; leave the judgement to it.
  if ((first === 0x5b || first === 0x7b) && text.indexOf('\n', start) !== -1 && text.indexOf('\n', start) < end + shift) {
    throw new Unsupported();
  }
  if (kind === 'sequence') {
    // `-` with nothing after it is stored without a composeNode call.
    if ((children?.length ?? 0) !== (frame.result as unknown[]).length) throw new Unsupported();
  } else {
    const result = frame.result as Record<string, unknown>;
    let count = children?.length ?? 0;
    // A block mapping ends with one more composeNode for a key, which reads nothing.
    if (count % 2 === 1) {
      if (children![count - 1].kind !== null) throw new Unsupported();
      children = children!.slice(0, count - 1);
      count -= 1;
    }
    let keys = 0;
    for (const key in result) if (hasOwn.call(result, key)) keys += 1;
    if (count / 2 !== keys) throw new Unsupported();
    for (let i = 0; i < count; i += 2) {
      const key = children![i];
      const keyValue = key.result;
      // The `yaml` package refuses an implicit key whose `:` is more than 1024 characters on.
      if (children![i + 1].open - key.open > 1000) throw new Unsupported();
      // Null and collection keys: the two libraries turn them into different strings.
      if (key.kind !== 'scalar' || keyValue === null || typeof keyValue === 'object' || !hasOwn.call(result, String(keyValue))) {
        throw new Unsupported();
      }
    }
  }
  frame.children = children;
}

/**
 * The offset in `text` where the node starts, as the `yaml` package places it. js-yaml opens a node
 * before the spaces, line breaks and comments that precede it: skip those to its first character.
 * An empty node (`key:` with nothing after it) starts after the spaces on its own line.
 */
function nodeStart(frame: Frame, text: string, shift: number): number {
  let offset = frame.open + shift;
  const empty = frame.kind === null;
  for (;;) {
    const ch = text.charCodeAt(offset);
    if (ch === 0x20 || ch === 0x09) offset += 1;
    else if (empty) return offset;
    else if (ch === 0x0a || ch === 0x0d) offset += 1;
    else if (ch === 0x23 && (offset === 0 || isSpace(text.charCodeAt(offset - 1)))) {
      const eol = text.indexOf('\n', offset);
      if (eol === -1) return text.length;
      offset = eol + 1;
    } else return offset;
  }
}

function isSpace(ch: number): boolean {
  return ch === 0x20 || ch === 0x09 || ch === 0x0a || ch === 0x0d || ch === 0xfeff;
}

/** Same walk as the `yaml` package path: a missing step stops at the deepest node found. */
function offsetOf(root: Frame, path: readonly PathSegment[], wantKey: boolean, text: string, shift: number): number {
  let frame: Frame | undefined = root;
  let offset = nodeStart(root, text, shift);
  for (let i = 0; i < path.length; i += 1) {
    const segment = path[i];
    const last = i === path.length - 1;
    const children: Frame[] = frame.children ?? [];
    if (frame.kind === 'mapping') {
      let at = -1;
      for (let k = 0; k < children.length; k += 2) {
        if (String(children[k].result) === String(segment)) {
          at = k;
          break;
        }
      }
      if (at === -1) return offset;
      if (last && wantKey) return nodeStart(children[at], text, shift);
      frame = children[at + 1];
      offset = nodeStart(frame, text, shift);
    } else if (frame.kind === 'sequence') {
      const index = typeof segment === 'number' ? segment : Number(segment);
      const item = Number.isInteger(index) ? children[index] : undefined;
      if (!item) return offset;
      frame = item;
      offset = nodeStart(frame, text, shift);
    } else {
      return offset;
    }
  }
  return offset;
}

/** Offsets where each line starts; lines end at `\n` only, as the `yaml` package counts them. */
function lineStartsOf(text: string): number[] {
  const starts = [0];
  for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) starts.push(at + 1);
  return starts;
}
