// A fast reader for the plain block-style YAML that manifests are written in (and that `cvex import`
// writes). The `yaml` package's parser costs about 1 s of CPU per 4 MB; this reader is ~20x faster.
// It is deliberately narrow: on anything it does not fully understand (anchors, tags, block or
// multi-line scalars, flow mappings, quoted keys, duplicate keys, tabs, CR, document markers,
// numbers other than plain decimal integers, ...) it returns undefined and the caller falls back to
// the `yaml` package, which stays the authority for every error message. A differential test
// (test/manifest/fast-yaml.test.ts) holds its output equal to `yaml`'s on every fixture.

/** Positions (string offsets) of the top level: each key, its value, and the items of top-level lists. */
export interface FastPositions {
  root: number;
  keys: Map<string, { key: number; value: number }>;
  items: Map<string, number[]>;
}

export interface FastYaml {
  value: Record<string, unknown>;
  positions: FastPositions;
  lineStarts: number[];
}

interface Line {
  /** Offset of the first non-space character. */
  at: number;
  indent: number;
  content: string;
}

class Bail extends Error {}
const bail = (): never => {
  throw new Bail();
};

const KEY = /^([A-Za-z_][A-Za-z0-9_.-]*):(?: +|$)/;
const NON_STRING_KEYS = new Set(['true', 'True', 'TRUE', 'false', 'False', 'FALSE', 'null', 'Null', 'NULL']);
const SIMPLE_INT = /^-?(?:0|[1-9][0-9]{0,14})$/;
// Everything else the YAML 1.2 core schema would read as a number: left to the real parser.
const OTHER_NUMBER = /^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+|[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;
const INDICATOR_START = /^[-?:,[\]{}#&*!|>'"%@`]/;

export function parseYamlFast(text: string): FastYaml | undefined {
  if (text.includes('\r') || text.includes('\t')) return undefined;
  try {
    return new FastReader(text).read();
  } catch (error) {
    // RangeError: nesting deep enough to exhaust the stack; the yaml package reports it properly.
    if (error instanceof Bail || error instanceof RangeError) return undefined;
    throw error;
  }
}

class FastReader {
  private readonly lines: Line[] = [];
  readonly lineStarts: number[] = [];
  private readonly positions: FastPositions = { root: 0, keys: new Map(), items: new Map() };
  private depth = 0;

  constructor(private readonly text: string) {}

  read(): FastYaml {
    this.splitLines();
    if (this.lines.length === 0 || this.lines[0].indent !== 0 || isSeqEntry(this.lines[0].content)) bail();
    this.positions.root = this.lines[0].at;
    const [value, next] = this.mapping(0, 0);
    if (next !== this.lines.length) bail();
    return { value, positions: this.positions, lineStarts: this.lineStarts };
  }

  private splitLines(): void {
    const { text } = this;
    let start = 0;
    while (start <= text.length) {
      let end = text.indexOf('\n', start);
      if (end === -1) end = text.length;
      this.lineStarts.push(start);
      let indent = 0;
      while (text.charCodeAt(start + indent) === 32) indent += 1;
      const content = text.slice(start + indent, end);
      if (content !== '' && content[0] !== '#') {
        if (content.startsWith('---') || content.startsWith('...')) bail();
        this.lines.push({ at: start + indent, indent, content: content.trimEnd() });
      }
      start = end + 1;
    }
  }

  /** A block mapping whose keys sit at `indent`, from line `index`. Returns the value and the next line. */
  private mapping(index: number, indent: number): [Record<string, unknown>, number] {
    const { lines } = this;
    const result: Record<string, unknown> = {};
    const top = this.depth === 0;
    this.depth += 1;
    let i = index;
    while (i < lines.length && lines[i].indent === indent) {
      const line = lines[i];
      if (isSeqEntry(line.content)) bail();
      const match = KEY.exec(line.content);
      if (!match) return bail();
      const key = match[1];
      if (NON_STRING_KEYS.has(key) || Object.hasOwn(result, key) || key === '__proto__') bail();
      const rest = line.content.slice(match[0].length);
      const restAt = line.at + match[0].length;
      let value: unknown;
      let valueAt = line.at;
      if (rest === '' || rest[0] === '#') {
        const nested = lines[i + 1];
        if (nested && nested.indent > indent) {
          valueAt = nested.at;
          [value, i] = this.block(i + 1, nested.indent, top ? key : undefined);
        } else if (nested && nested.indent === indent && isSeqEntry(nested.content)) {
          valueAt = nested.at;
          [value, i] = this.sequence(i + 1, indent, top ? key : undefined);
        } else {
          // `key:` alone is null; yaml places that empty value right after the colon and its spaces.
          valueAt = restAt;
          value = null;
          i += 1;
        }
      } else {
        valueAt = restAt;
        value = inlineValue(rest);
        i += 1;
        if (i < lines.length && lines[i].indent > indent) bail();
      }
      if (top) this.positions.keys.set(key, { key: line.at, value: valueAt });
      result[key] = value;
    }
    this.depth -= 1;
    if (i < lines.length && lines[i].indent > indent) bail();
    return [result, i];
  }

  private block(index: number, indent: number, record: string | undefined): [unknown, number] {
    return isSeqEntry(this.lines[index].content) ? this.sequence(index, indent, record) : this.mapping(index, indent);
  }

  /** A block sequence whose dashes sit at `indent`. `record` names a top-level key to keep item offsets for. */
  private sequence(index: number, indent: number, record: string | undefined): [unknown[], number] {
    const { lines } = this;
    const result: unknown[] = [];
    const offsets: number[] = [];
    this.depth += 1;
    let i = index;
    while (i < lines.length && lines[i].indent === indent && isSeqEntry(lines[i].content)) {
      const line = lines[i];
      const afterDash = line.content.slice(1);
      const spaces = afterDash.length - afterDash.trimStart().length;
      const rest = afterDash.slice(spaces);
      if (rest === '' || rest[0] === '#' || isSeqEntry(rest)) bail();
      const innerIndent = indent + 1 + spaces;
      const innerAt = line.at + 1 + spaces;
      offsets.push(innerAt);
      if (KEY.test(rest)) {
        // `- key: value`: a mapping whose keys sit at the column after the dash.
        lines[i] = { at: innerAt, indent: innerIndent, content: rest };
        const [value, next] = this.mapping(i, innerIndent);
        lines[i] = line;
        result.push(value);
        i = next;
      } else {
        result.push(inlineValue(rest));
        i += 1;
        if (i < lines.length && lines[i].indent > indent) bail();
      }
    }
    this.depth -= 1;
    if (i < lines.length && lines[i].indent > indent) bail();
    if (record !== undefined) this.positions.items.set(record, offsets);
    return [result, i];
  }
}

function isSeqEntry(content: string): boolean {
  return content[0] === '-' && (content.length === 1 || content[1] === ' ');
}

/** A value on the same line as its key or dash: a quoted or plain scalar, or a flow list of scalars. */
function inlineValue(rest: string): unknown {
  const first = rest[0];
  if (first === '"' || first === "'") {
    const [value, end] = quoted(rest, 0);
    expectOnlyComment(rest, end);
    return value;
  }
  if (first === '[') {
    const [value, end] = flowList(rest);
    expectOnlyComment(rest, end);
    return value;
  }
  if (INDICATOR_START.test(rest)) bail();
  return plainScalar(stripComment(rest));
}

function stripComment(text: string): string {
  const hash = text.indexOf(' #');
  return (hash === -1 ? text : text.slice(0, hash)).trimEnd();
}

function expectOnlyComment(text: string, end: number): void {
  const tail = text.slice(end);
  if (tail.trim() !== '' && !/^ +#/.test(tail)) bail();
}

function plainScalar(value: string): unknown {
  if (value.includes(': ') || value.endsWith(':') || value.includes(' #')) bail();
  switch (value) {
    case '':
    case '~':
    case 'null':
    case 'Null':
    case 'NULL':
      return null;
    case 'true':
    case 'True':
    case 'TRUE':
      return true;
    case 'false':
    case 'False':
    case 'FALSE':
      return false;
  }
  if (SIMPLE_INT.test(value)) return Number(value);
  if (OTHER_NUMBER.test(value)) bail();
  return value;
}

const ESCAPES: Record<string, string> = { '\\': '\\', '"': '"', '/': '/', n: '\n', t: '\t', r: '\r' };

/** A single- or double-quoted scalar that closes on the same line. Returns the value and the index after it. */
function quoted(text: string, start: number): [string, number] {
  const quote = text[start];
  let out = '';
  let i = start + 1;
  while (i < text.length) {
    const char = text[i];
    if (quote === "'") {
      if (char === "'") {
        if (text[i + 1] === "'") {
          out += "'";
          i += 2;
          continue;
        }
        return [out, i + 1];
      }
    } else if (char === '"') {
      return [out, i + 1];
    } else if (char === '\\') {
      const next = text[i + 1];
      if (next === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) {
        out += String.fromCharCode(parseInt(text.slice(i + 2, i + 6), 16));
        i += 6;
        continue;
      }
      const escaped = ESCAPES[next];
      if (escaped === undefined) bail();
      out += escaped;
      i += 2;
      continue;
    }
    out += char;
    i += 1;
  }
  return bail();
}

/** `[a, "b", 3]`: scalars only, on one line. */
function flowList(text: string): [unknown[], number] {
  const items: unknown[] = [];
  let i = 1;
  const skipSpaces = (): void => {
    while (text[i] === ' ') i += 1;
  };
  skipSpaces();
  if (text[i] === ']') return [items, i + 1];
  for (;;) {
    skipSpaces();
    const char = text[i];
    if (char === '"' || char === "'") {
      const [value, end] = quoted(text, i);
      items.push(value);
      i = end;
    } else {
      let end = i;
      while (end < text.length && !',[]{}#'.includes(text[end])) end += 1;
      const raw = text.slice(i, end).trimEnd();
      if (raw === '' || INDICATOR_START.test(raw) || raw.includes(':')) bail();
      items.push(plainScalar(raw));
      i = end;
    }
    skipSpaces();
    if (text[i] === ',') {
      i += 1;
      skipSpaces();
      if (text[i] === ']') bail();
      continue;
    }
    if (text[i] === ']') return [items, i + 1];
    return bail();
  }
}
