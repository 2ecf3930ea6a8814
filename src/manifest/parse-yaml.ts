// YAML text → plain data plus a way back from a field path to its line and column.
// Safety: duplicate keys are errors, alias expansion is bounded (`maxAliasCount`), numbers are exact
// or an error, YAML 1.2 core schema only, so `2026-11-01` stays a string and `yes` is not a boolean.
// Manifests and cvex.config.yaml are both read here.
import type { Document, Node } from 'yaml';
import type { Finding } from '../model/findings';
import { isUnsafeInteger, loadWithPositions } from './js-yaml-positions';

export type PathSegment = string | number;

export interface Position {
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
}

export interface ParsedYaml {
  /** The document as plain data; undefined when the YAML could not be read. */
  value: unknown;
  /** `yaml.*` findings: syntax errors, duplicate keys, too many aliases, inexact numbers, unknown tags. */
  findings: Finding[];
  /**
   * Where the node at `path` starts: its key when `key` is true and the node is a mapping value,
   * else its value. A path that does not exist resolves to its deepest existing ancestor.
   */
  positionOf(path: readonly PathSegment[], key?: boolean): Position;
}

const MAY_BE_INEXACT = /\d{16}|\d[eE][-+]?\d|0[xXoO][0-9a-fA-F]{13}/;

/** Aliases a document may expand; beyond this it is refused as a resource-exhaustion attempt. */
export const MAX_ALIAS_COUNT = 100;

const FIRST_POSITION: Position = { line: 1, column: 1 };

type YamlPackage = typeof import('yaml');
let yamlPackage: YamlPackage | undefined;

/** The `yaml` package, loaded on first use: clean manifests never need it, and loading it is a good part of start-up. */
function yamlLib(): YamlPackage {
  return (yamlPackage ??= require('yaml') as YamlPackage);
}

/**
 * Reads a manifest. Documents that read cleanly go through js-yaml (about 13x faster than the
 * `yaml` package; positions come from its listener, see js-yaml-positions.ts); anything else, and
 * every error or warning, goes through the `yaml` package: syntax errors, duplicate keys, unknown
 * tags, several documents, and every document with an alias, whose expansion only the `yaml`
 * package bounds (MAX_ALIAS_COUNT). Both readers give the same value and the same positions; see
 * test/manifest/parse-yaml.test.ts.
 */
export function parseYaml(text: string, file: string): ParsedYaml {
  return loadWithPositions(text, file) ?? parseYamlWithYamlPackage(text, file);
}

/**
 * The `yaml` package's reading: the whole YAML language, exact errors, positions of every node.
 * Exported for the differential test and the benchmark only; callers use parseYaml.
 * @internal
 */
export function parseYamlWithYamlPackage(text: string, file: string): ParsedYaml {
  const { LineCounter, parseDocument } = yamlLib();
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, {
    lineCounter,
    prettyErrors: false,
    // Duplicate keys are found by duplicateKeys below, in linear time: the package's own check
    // compares each key with every earlier one of its mapping (a 1 MiB mapping took 30 s).
    uniqueKeys: false,
    version: '1.2',
    schema: 'core',
    merge: false,
  });
  const positionAt = (offset: number): Position => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  const findings: Finding[] = [];
  const issue = (rule: string, message: string, offset: number, severity: Finding['severity'] = 'error'): void => {
    findings.push({ severity, rule, message, file, ...positionAt(offset), path: '' });
  };

  let fatal = false;
  for (const error of doc.errors) {
    if (error.code === 'MULTIPLE_DOCS') {
      fatal = true;
      issue('yaml.syntax', 'a manifest holds one YAML document: split the `---` documents into separate files', error.pos[0]);
    } else {
      fatal = true;
      issue('yaml.syntax', `YAML syntax error: ${firstLine(error.message)}`, error.pos[0]);
    }
  }
  for (const duplicate of duplicateKeys(doc)) {
    const key = String(duplicate.path[duplicate.path.length - 1]);
    issue('yaml.duplicate-key', `duplicate key ${JSON.stringify(key)}: a second value would silently replace the first`, duplicate.offset);
    findings[findings.length - 1].path = duplicate.path.join('.');
  }
  // Only 16 or more digits, an exponent or a long hex or octal number can be past 2^53: skip the walk otherwise.
  for (const inexact of MAY_BE_INEXACT.test(text) ? inexactNumbers(doc) : []) {
    issue('yaml.number-precision', inexact.message, inexact.offset);
    findings[findings.length - 1].path = inexact.path.join('.');
  }
  for (const warning of doc.warnings) {
    const message = firstLine(warning.message);
    const tag = /^Unresolved tag: (\S+)/.exec(message)?.[1];
    issue('yaml.warning', tag ? `unknown YAML tag ${tag}: the value is read as plain text` : message, warning.pos[0], 'warning');
  }

  let value: unknown;
  if (!fatal) {
    try {
      value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (error) {
      if (!(error instanceof ReferenceError)) throw error;
      // yaml throws ReferenceError for both "excessive alias count" and unresolvable aliases.
      const aliasOffset = firstAliasOffset(doc);
      if (/alias count/i.test(error.message)) {
        issue('yaml.alias-limit', `aliases expand to too many nodes (limit ${MAX_ALIAS_COUNT}): refused as a resource-exhaustion attempt`, aliasOffset);
      } else {
        issue('yaml.syntax', `YAML error: ${firstLine(error.message)}`, aliasOffset);
      }
      value = undefined;
    }
  }

  return {
    value,
    findings,
    positionOf(path, key = false) {
      const offset = offsetOf(doc, path, key);
      return offset === undefined ? FIRST_POSITION : positionAt(offset);
    },
  };
}

/**
 * Numbers a JavaScript number cannot hold exactly: an integer past 2^53 - 1 (9007199254740991) is
 * rounded (`9007199254740993` becomes 9007199254740992, `99999999999999999999999` becomes 1e+23),
 * and sending the rounded value would be a silent rewrite. The source digits are compared with the
 * value read; js-yaml-positions.ts refuses the same numbers, so both readers agree.
 */
function inexactNumbers(doc: Document): Array<{ offset: number; path: PathSegment[]; message: string }> {
  const found: Array<{ offset: number; path: PathSegment[]; message: string }> = [];
  const { visit } = yamlLib();
  visit(doc, {
    Scalar(_key, node, ancestors) {
      if (typeof node.value !== 'number' || !isUnsafeInteger(node.value)) return;
      const written = (node as { source?: string }).source ?? String(node.value);
      found.push({
        offset: node.range?.[0] ?? 0,
        path: fieldPathOf(ancestors, node),
        message: `the number ${written} cannot be read exactly (it would become ${String(node.value)}): integers must be at most ${Number.MAX_SAFE_INTEGER}`,
      });
    },
  });
  return found;
}

/** The field path of a node from the ancestors `visit` passes (mapping keys and list indices). */
function fieldPathOf(ancestors: readonly unknown[], node: unknown): PathSegment[] {
  const segments: PathSegment[] = [];
  const { isPair, isScalar, isSeq } = yamlLib();
  ancestors.forEach((ancestor, index) => {
    const child = ancestors[index + 1] ?? node;
    if (isPair(ancestor) && ancestor.value === child) segments.push(isScalar(ancestor.key) ? String(ancestor.key.value) : '?');
    else if (isSeq(ancestor)) segments.push(ancestor.items.indexOf(child as never));
  });
  return segments;
}

function firstLine(message: string): string {
  return message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
}

function firstAliasOffset(doc: Document): number {
  let offset = 0;
  const { visit } = yamlLib();
  visit(doc, {
    Alias(_key, node) {
      offset = node.range?.[0] ?? 0;
      return visit.BREAK;
    },
  });
  return offset;
}

/**
 * Keys written twice in one mapping, with their paths. Two keys are the same when they become the
 * same property once read: `1` and "1", `~` and "" are different scalars, but the second would
 * silently replace the first. One pass over the AST with an explicit stack (no recursion, so no
 * depth the parser accepted can overflow it), a set of keys per mapping: linear in the document.
 */
function duplicateKeys(doc: Document): Array<{ offset: number; path: PathSegment[] }> {
  const found: Array<{ offset: number; path: PathSegment[] }> = [];
  const { isMap, isScalar, isSeq } = yamlLib();
  const stack: Array<{ node: unknown; path: PathSegment[] }> = [{ node: doc.contents, path: [] }];
  const isCollection = (node: unknown): boolean => isMap(node) || isSeq(node);
  while (stack.length > 0) {
    const { node, path } = stack.pop()!;
    if (isMap(node)) {
      const seen = new Set<string>();
      for (const pair of node.items) {
        const key = pair.key as Node | null;
        const segment = isScalar(key) ? String(key.value) : '?';
        if (isScalar(key)) {
          const asRead = key.value === null || key.value === undefined ? '' : String(key.value);
          if (seen.has(asRead)) found.push({ offset: key.range?.[0] ?? 0, path: [...path, segment] });
          else seen.add(asRead);
        } else if (isCollection(key)) {
          stack.push({ node: key, path });
        }
        if (isCollection(pair.value)) stack.push({ node: pair.value, path: [...path, segment] });
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, index) => {
        if (isCollection(item)) stack.push({ node: item, path: [...path, index] });
      });
    }
  }
  return found.sort((a, b) => a.offset - b.offset);
}

function resolve(doc: Document, node: unknown): unknown {
  return node instanceof yamlLib().Alias ? (node as InstanceType<YamlPackage['Alias']>).resolve(doc) : node;
}

function keyMatches(key: unknown, segment: PathSegment): boolean {
  if (yamlLib().isScalar(key)) return String(key.value) === String(segment);
  return false;
}

/**
 * Walks the AST: a handful of keys per level, so an error costs O(depth × width), never O(file).
 * Past an alias (`*base`) every position is the alias's own: the anchored node is reported where it
 * is written, its second use where the alias is (else both places of a duplicate name are one).
 */
function offsetOf(doc: Document, path: readonly PathSegment[], wantKey: boolean): number | undefined {
  const { Alias, isMap, isPair, isSeq } = yamlLib();
  let node = resolve(doc, doc.contents) as Node | null | undefined;
  let offset = node?.range?.[0];
  let aliasOffset: number | undefined;
  for (let i = 0; i < path.length; i += 1) {
    const segment = path[i];
    const last = i === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((item) => isPair(item) && keyMatches(item.key, segment));
      if (!pair) return aliasOffset ?? offset;
      const keyNode = pair.key as Node | null;
      const valueNode = resolve(doc, pair.value) as Node | null;
      const keyOffset = keyNode?.range?.[0];
      if (aliasOffset === undefined && last && wantKey && keyOffset !== undefined) return keyOffset;
      // `key:` with no value has no value node: point at the key.
      offset = valueNode?.range?.[0] ?? keyOffset ?? offset;
      if (pair.value instanceof Alias) aliasOffset ??= pair.value.range?.[0];
      node = valueNode;
    } else if (isSeq(node)) {
      const index = typeof segment === 'number' ? segment : Number(segment);
      const raw = Number.isInteger(index) ? node.items[index] : undefined;
      const item = raw === undefined ? undefined : (resolve(doc, raw) as Node | null | undefined);
      if (!item) return aliasOffset ?? offset;
      offset = item.range?.[0] ?? offset;
      if (raw instanceof Alias) aliasOffset ??= raw.range?.[0];
      node = item;
    } else {
      return aliasOffset ?? offset;
    }
  }
  return aliasOffset ?? offset;
}
