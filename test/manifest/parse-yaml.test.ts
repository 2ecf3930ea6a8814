// Differential test of the two manifest readers: js-yaml with positions from its listener (the fast
// path) against the `yaml` package (the fallback and the authority). For every fixture, every policy
// file and a set of tricky snippets: the same value, and the same line and column for every path
// in it, key and value; and a document the `yaml` package finds anything wrong with never goes
// through the fast path.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadWithPositions } from '../../src/manifest/js-yaml-positions';
import { parseYaml, parseYamlWithYamlPackage, type ParsedYaml, type PathSegment } from '../../src/manifest/parse-yaml';

const ROOT = path.resolve(__dirname, '..', '..');

function yamlFilesUnder(folder: string): string[] {
  return readdirSync(folder)
    .sort()
    .flatMap((name) => {
      const full = path.join(folder, name);
      if (statSync(full).isDirectory()) return yamlFilesUnder(full);
      return /\.ya?ml$/.test(name) ? [full] : [];
    });
}

/** Every path in the value, plus one missing child of each (resolves to its deepest ancestor). */
function pathsOf(value: unknown, prefix: PathSegment[] = []): PathSegment[][] {
  const paths: PathSegment[][] = [prefix];
  if (Array.isArray(value)) {
    value.forEach((item, index) => paths.push(...pathsOf(item, [...prefix, index])));
    paths.push([...prefix, value.length], [...prefix, 'x']);
  } else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) paths.push(...pathsOf(item, [...prefix, key]));
    paths.push([...prefix, 'no-such-key'], [...prefix, 'no-such-key', 0]);
  }
  return paths;
}

function positionsOf(parsed: ParsedYaml): string[] {
  return pathsOf(parsed.value).map((p) => {
    const value = parsed.positionOf(p);
    const key = parsed.positionOf(p, true);
    return `${JSON.stringify(p)} value ${value.line}:${value.column} key ${key.line}:${key.column}`;
  });
}

/** Both readers agree; `fast` says whether the fast path must serve this text. */
function expectSame(text: string, fast: boolean): void {
  const reference = parseYamlWithYamlPackage(text, 'test.yaml');
  const quick = loadWithPositions(text, 'test.yaml');
  if (fast) expect(quick, 'the fast path declined this document').toBeDefined();
  if (!quick) return;
  expect(reference.findings).toEqual([]);
  expect(quick.value).toEqual(reference.value);
  expect(positionsOf(quick)).toEqual(positionsOf(reference));
}

const SNIPPETS: Record<string, string> = {
  'flow lists': 'version: 1\nexceptions:\n  - controlIds: [1, 2,   3]\n    accountIds: ["a", \'b\', c d]\n    empty: []\n    map: {a: 1, "b": [x, y], c: {}}\n',
  'flow list on its own line': 'a:\n  [1, 2]\nb:\n  {c: d}\nc:\n  - [x]\n  - {y: z}\n',
  'quoted keys': '"version": 1\n\'exceptions\':\n  - "name": "a: b"\n    \'it\'\'s\': "x\\ty\\u00e9"\n    "": empty key\n',
  'empty values': 'a:\nb:   \nc: # comment\nd:\n  e:\n  f: ~\n  g: null\nlist:\n  - x:\n    y:\n',
  'empty values in flow': 'a: {b: , c: 1}\n',
  'comments between keys': '# head\nversion: 1 # trailing\n\n# between\n\n   # indented\nexceptions: # on the key\n  # before the item\n  - name: a # after\n    # between fields\n    cloudType: AWS\n# tail\n',
  'value on the next line': 'a:\n  plain value\nb:\n\n  # comment\n  "quoted"\nc: >-\n  folded\n',
  'nested sequences of mappings': 'exceptions:\n- name: a\n  resources:\n  - resourceId: r1\n    accountId: "1"\n  -   resourceId: r2\n      accountId: "2"\n- name: b\n  nested:\n    - - deep: 1\n        deeper: [1]\n      - 2\n    -\n      - 3\n',
  'sequence at the key indent': 'a:\n- 1\n- 2\nb: 3\n',
  'block scalars': 'a: |\n  line 1\n\n  line 3\nb: >\n  folded\n  text\n\nc: |+\n  keep\n\nd: |-\n  strip\nf:\n  - |\n    in a list\n  - >-\n    folded in a list\n',
  'CRLF line endings': 'version: 1\r\nexceptions:\r\n  - name: a\r\n    controlIds: [1, 2]\r\n    text: |\r\n      block\r\n    empty:\r\n    quoted: "x"\r\n',
  BOM: '\ufeffversion: 1\nexceptions:\n  - name: a\n',
  'BOM and comment': '\ufeff# comment\nversion: 1\n',
  'tabs inside values': 'a: "tab\there"\nb: plain\twith tab\nc:\t"after tab"\nd: x\t# comment after tab\n',
  unicode: 'name: "déjà vu 🚀"\nkey🚀: ✓\n日本: 語\nlist:\n  - ünïcödé\n  - "\\u263A"\n',
  'multi-line plain and quoted scalars': 'a: one\n  two\n\n  three\nb: "one\n  two"\nc: \'one\n\n  two\'\n',
  'numbers and booleans as YAML 1.2 core': 'i: [0, -0, +12, 012, 0o17, 0x1F, -0x1F, 0b101, 1_000, 9007199254740991, -9007199254740991]\nf: [1.5, .5, +.5, -.5, 1., 1e3, 1.5E-3, -1e+2, .inf, -.Inf, +.INF, .nan, .NaN, 1_0.5]\nb: [true, True, TRUE, false, yes, no, on, off, y, n]\nn: [null, Null, NULL, ~, nULL]\nd: [2026-11-01, 2026-11-01T10:00:00Z, "12:30", 12:30]\n',
  'numeric and boolean keys': '1: a\n0x10: b\n1.5: c\ntrue: d\n.inf: e\n',
  'merge key is a plain key': 'a:\n  <<: {b: 1}\n  c: 2\n',
  'proto key': '__proto__: {polluted: true}\nconstructor: 1\n',
  'document markers': '---\nversion: 1\n...\n',
  'document start with comment': '--- # comment\nversion: 1\n',
  'deep nesting': 'a:\n  b:\n    c:\n      d:\n        - e:\n            - f: [g, {h: i}]\n',
  'long lines and odd spacing': `a:     spaced\nb:\n      - x\n      -    y\nc: ${'x'.repeat(2000)}\n`,
  'key with spaces and colons': 'key with spaces: v\n"k: v": w\nurl: http://example.com/a?b=c\ntime: 12:30:45\n',
  'special characters in plain scalars': 'a: a-b_c.d/e@f\nb: -x\nc: ?y\nd: :z\ne: x#y\nf: x # y\ng: "#z"\n',
  'no final newline': 'version: 1\nexceptions: []',
  'empty sequence item': 'a:\n  -\n  - b\n',
  'explicit keys': '? a\n: 1\n? b\n',
  'flow mapping in a list': 'a: [b: 1, c]\n',
  'multi-line flow collection': 'a: [\n  1,\n  2\n]\nb: {\n  c: 1 }\n',
  'multi-line quoted scalar under-indented': 'a:\n  b: "one\ntwo"\n',
  'comment glued to a flow list': 'a: [b]#c\n',
  'comment glued to a quoted scalar': "a: 'b'#c\n",
  'document marker glued to text': '---a: 1\n',
};

/** Snippets the fast path declines on purpose (the `yaml` package reads them). */
const DECLINED = [
  'empty sequence item',
  'explicit keys',
  'flow mapping in a list',
  'multi-line flow collection',
  'multi-line plain and quoted scalars',
  'multi-line quoted scalar under-indented',
  'comment glued to a flow list',
  'comment glued to a quoted scalar',
  'document marker glued to text',
];

describe('parseYaml: js-yaml fast path against the yaml package', () => {
  const files = [
    ...yamlFilesUnder(path.join(ROOT, 'test', 'fixtures', 'manifests')),
    ...yamlFilesUnder(path.join(ROOT, 'test', 'fixtures', 'example-repo', 'policies')),
  ];

  it('finds the fixtures and policies', () => {
    expect(files.length).toBeGreaterThan(100);
  });

  for (const file of files) {
    const name = path.relative(ROOT, file);
    it(`same value and positions: ${name}`, () => {
      const text = readFileSync(file, 'utf8');
      const reference = parseYamlWithYamlPackage(text, file);
      // Only documents the `yaml` package reads cleanly, with a mapping at the top, must be fast.
      const clean = reference.findings.length === 0 && reference.value !== null && typeof reference.value === 'object' && !Array.isArray(reference.value);
      const plain = !/(?:^|[\s[{,:-])(?:\*[^\s,\]}]|[&!])/m.test(text);
      expectSame(text, clean && plain);
    });
  }

  for (const [name, text] of Object.entries(SNIPPETS)) {
    it(`same value and positions: ${name}`, () => {
      expectSame(text, !DECLINED.includes(name));
    });
  }

  it('leaves every document with yaml.* findings to the yaml package', () => {
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      const reference = parseYamlWithYamlPackage(text, file);
      if (reference.findings.length === 0) continue;
      expect(loadWithPositions(text, file), path.relative(ROOT, file)).toBeUndefined();
      expect(parseYaml(text, file).findings).toEqual(reference.findings);
    }
  });

  it('leaves aliases, anchors, tags, directives and several documents to the yaml package', () => {
    const texts = [
      'a: &x 1\nb: *x\n',
      'a: &x 1\n',
      'a: !Sub "${x}"\n',
      'a: !!str 1\n',
      'a: !!int "0b1"\n',
      '%YAML 1.2\n---\na: 1\n',
      'a: 1\n---\nb: 2\n',
      'a: 1\rb: 2\n',
      '\n\ufeffa: 1\n',
      '\ufeff---a: 1\n',
      'a: |\n  x\n\t\n',
      'a: >1\n  \n',
      'a: |2-\n   x\n',
      `${'k'.repeat(1100)}: 1\n`,
      'a: 1\na: 2\n',
      '- a\n- b\n',
      'just text\n',
      '',
      '# only a comment\n',
    ];
    for (const text of texts) {
      expect(loadWithPositions(text, 'x.yaml'), JSON.stringify(text)).toBeUndefined();
      const reference = parseYamlWithYamlPackage(text, 'x.yaml');
      const parsed = parseYaml(text, 'x.yaml');
      expect(parsed.value).toEqual(reference.value);
      expect(parsed.findings).toEqual(reference.findings);
    }
  });

  it('refuses integers a JavaScript number would round, in both readers, at the number', () => {
    const text = 'a: 1\nids: [9007199254740991, 9007199254740993]\nbig: 99999999999999999999999\nhex: 0x1FFFFFFFFFFFFF1\nfloat: 1e23\nquoted: "9007199254740993"\n';
    // js-yaml declines the document, and the yaml package reports each number where it is written.
    expect(loadWithPositions(text, 'n.yaml')).toBeUndefined();
    const parsed = parseYaml(text, 'n.yaml');
    expect(parsed.findings.map((f) => [f.rule, f.line, f.column])).toEqual([
      ['yaml.number-precision', 2, 25],
      ['yaml.number-precision', 3, 6],
      ['yaml.number-precision', 4, 6],
      ['yaml.number-precision', 5, 8],
    ]);
    expect(parsed.findings[0].message).toBe(
      'the number 9007199254740993 cannot be read exactly (it would become 9007199254740992): integers must be at most 9007199254740991',
    );
    expect(parsed.findings[1].message).toContain('99999999999999999999999 cannot be read exactly (it would become 1e+23)');
    // The largest exact integer, and digits in quotes, read as written.
    const fine = parseYaml('a: 9007199254740991\nb: "9007199254740993"\n', 'n.yaml');
    expect(fine.findings).toEqual([]);
    expect(fine.value).toEqual({ a: 9007199254740991, b: '9007199254740993' });
    expect(loadWithPositions('a: 9007199254740991\n', 'n.yaml')).toBeDefined();
  });

  it('bounds alias expansion (billion laughs) through the yaml package', () => {
    const lines = ['a: &a ["x", "x", "x", "x", "x", "x", "x", "x", "x", "x"]'];
    for (let i = 1; i < 10; i += 1) {
      const prev = String.fromCharCode(96 + i);
      const next = String.fromCharCode(97 + i);
      lines.push(`${next}: &${next} [${Array(10).fill(`*${prev}`).join(', ')}]`);
    }
    const parsed = parseYaml(`${lines.join('\n')}\n`, 'bomb.yaml');
    expect(parsed.value).toBeUndefined();
    expect(parsed.findings.map((f) => f.rule)).toEqual(['yaml.alias-limit']);
  });

  it('serves a plain manifest from the fast path', () => {
    const text = readFileSync(path.join(ROOT, 'test', 'fixtures', 'example-repo', 'policies', 'aws.yaml'), 'utf8');
    expect(loadWithPositions(text, 'aws.yaml')).toBeDefined();
  });

  it('agrees on mutated fixtures: a document the yaml package faults is never fast', () => {
    // Deterministic mutations of the valid fixtures: delete, duplicate or swap characters and
    // lines. Either the fast path declines, or it matches the yaml package on value and positions.
    let seed = 12345;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const sources = files.filter((file) => file.includes(`${path.sep}valid${path.sep}`) || file.includes(`${path.sep}policies${path.sep}`));
    const inserts = [' ', '\n', '\t', ':', '-', '#', '"', "'", '[', ']', '{', '}', ',', '?', '|', '>', '  ', '- ', ': ', '@', '`', '%', '\r\n'];
    let fast = 0;
    let checked = 0;
    for (const file of sources) {
      const original = readFileSync(file, 'utf8');
      for (let round = 0; round < 40; round += 1) {
        let text = original;
        const at = random(text.length);
        switch (random(5)) {
          case 0:
            text = text.slice(0, at) + text.slice(at + 1 + random(3));
            break;
          case 1:
            text = text.slice(0, at) + inserts[random(inserts.length)] + text.slice(at);
            break;
          case 2: {
            const lines = text.split('\n');
            const line = random(lines.length);
            lines.splice(line, 0, lines[random(lines.length)]);
            text = lines.join('\n');
            break;
          }
          case 3: {
            const lines = text.split('\n');
            const line = random(lines.length);
            lines[line] = ' '.repeat(random(4)) + lines[line].trimStart();
            text = lines.join('\n');
            break;
          }
          default:
            text = text.slice(0, at) + text.slice(at, at + 1).repeat(2) + text.slice(at + 1);
        }
        const quick = loadWithPositions(text, 'm.yaml');
        checked += 1;
        if (!quick) continue;
        fast += 1;
        const reference = parseYamlWithYamlPackage(text, 'm.yaml');
        expect(reference.findings, JSON.stringify(text)).toEqual([]);
        expect(quick.value, JSON.stringify(text)).toEqual(reference.value);
        expect(positionsOf(quick), JSON.stringify(text)).toEqual(positionsOf(reference));
      }
    }
    expect(checked).toBeGreaterThan(500);
    expect(fast).toBeGreaterThan(checked / 4);
  });
});
