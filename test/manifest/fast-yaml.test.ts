// The fast reader must never disagree with the `yaml` package: on every input it either bails out
// (undefined) or returns exactly what `yaml` returns, with the same top-level positions.
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseYamlFast } from '../../src/manifest/fast-yaml';
import { parseYaml, parseYamlFully } from '../../src/manifest/parse-yaml';

const ROOT = path.resolve(__dirname, '..', '..');

function yamlFilesUnder(folder: string): string[] {
  return readdirSync(folder, { recursive: true, encoding: 'utf8' })
    .filter((name) => /\.ya?ml$/.test(name))
    .map((name) => path.join(folder, name));
}

function expectAgreement(source: string): boolean {
  const fast = parseYamlFast(source);
  if (!fast) return false;
  const full = parseYamlFully(source, 'x.yaml');
  expect(full.findings, JSON.stringify(source)).toEqual([]);
  expect(fast.value, JSON.stringify(source)).toStrictEqual(full.value);
  const parsed = parseYaml(source, 'x.yaml');
  expect(parsed.positionOf([])).toEqual(full.positionOf([]));
  for (const [key, value] of Object.entries(fast.value)) {
    expect(parsed.positionOf([key], true), `${key} key`).toEqual(full.positionOf([key], true));
    expect(parsed.positionOf([key]), `${key} value`).toEqual(full.positionOf([key]));
    if (Array.isArray(value)) {
      value.forEach((_item, index) => expect(parsed.positionOf([key, index]), `${key}.${index}`).toEqual(full.positionOf([key, index])));
    }
  }
  // Deeper paths are answered by re-reading with `yaml`, so they agree by construction; check one anyway.
  expect(parsed.positionOf(['exceptions', 0, 'name'])).toEqual(full.positionOf(['exceptions', 0, 'name']));
  return true;
}

describe('fast YAML reader', () => {
  it('reads the example policies (so `cvex validate` stays fast on real manifests)', () => {
    for (const file of yamlFilesUnder(path.join(ROOT, 'policies'))) {
      expect(expectAgreement(readFileSync(file, 'utf8')), file).toBe(true);
    }
  });

  it('agrees with the yaml package on every fixture it accepts', () => {
    let accepted = 0;
    for (const file of yamlFilesUnder(path.join(ROOT, 'test', 'fixtures', 'manifests'))) {
      if (expectAgreement(readFileSync(file, 'utf8'))) accepted += 1;
    }
    expect(accepted).toBeGreaterThan(50);
  });

  it('agrees or bails on 3,000 random mutations of the example policies', () => {
    const sources = yamlFilesUnder(path.join(ROOT, 'policies')).map((file) => readFileSync(file, 'utf8'));
    const alphabet = [' ', '  ', ':', ': ', '-', '- ', '#', ' #', '"', "'", '[', ']', '{', '}', ',', '&a', '*a', '!', '|', '>', '\n', '\n  ', '1', '0', '.', 'e', '~', 'x', '\\', 'null', 'true'];
    let seed = 42;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    let accepted = 0;
    for (let round = 0; round < 3000; round += 1) {
      let text = sources[random(sources.length)];
      for (let edits = 1 + random(3); edits > 0; edits -= 1) {
        const at = random(text.length);
        const cut = random(3);
        text = text.slice(0, at) + alphabet[random(alphabet.length)] + text.slice(at + cut);
      }
      if (expectAgreement(text)) accepted += 1;
    }
    // Most mutations land in comments or plain text and keep the fast path; the rest must bail.
    expect(accepted).toBeGreaterThan(300);
  });

  const snippets: Array<[string, 'fast' | 'bail']> = [
    ['a: 1\n', 'fast'],
    ['a: 0\n', 'fast'],
    ['a: 123456789012\n', 'fast'],
    ['a: 1234567890123456789\n', 'bail'],
    ['a: -1\n', 'bail'],
    ['a: +1\n', 'bail'],
    ['a: 007\n', 'bail'],
    ['a: 1e3\n', 'bail'],
    ['a: 1.5\n', 'bail'],
    ['a: 0x1F\n', 'bail'],
    ['a: 0o17\n', 'bail'],
    ['a: .inf\n', 'bail'],
    ['a: .NaN\n', 'bail'],
    ['a: ~\n', 'fast'],
    ['a:\n', 'fast'],
    ['a: # nothing\n', 'fast'],
    ['a: Null\n', 'fast'],
    ['a: TRUE\n', 'fast'],
    ['a: False\n', 'fast'],
    ['a: yes\n', 'fast'],
    ['a: off\n', 'fast'],
    ['a: 2026-11-01\n', 'fast'],
    ['a: 12:30\n', 'fast'],
    ['a: x#y\n', 'fast'],
    ['a: x # comment\n', 'fast'],
    ['a:   spaced out   \n', 'fast'],
    ['a: arn:aws:s3:::bucket\n', 'fast'],
    ['a: ciso@acme.example\n', 'fast'],
    ['a: "tab\\tquote\\"slash\\/back\\\\"\n', 'fast'],
    ['a: "\\u00e9t\\u00e9"\n', 'fast'],
    ['a: "\\x41"\n', 'bail'],
    ['a: "\\e"\n', 'bail'],
    ["a: 'it''s'\n", 'fast'],
    ["a: 'back\\slash'\n", 'fast'],
    ['a: "x" # c\n', 'fast'],
    ['a: "x" y\n', 'bail'],
    ['a: "multi\n  line"\n', 'bail'],
    ['a: [a, "b, c", \'d\', 1, true, ~]\n', 'fast'],
    ['a: [ ]\n', 'fast'],
    ['a: []\n', 'fast'],
    ['a: [a, b, ]\n', 'bail'],
    ['a: [a, [b]]\n', 'bail'],
    ['a: [x: 1]\n', 'bail'],
    ['a: [a:b]\n', 'bail'],
    ['a: [1,\n  2]\n', 'bail'],
    ['a: [-1]\n', 'bail'],
    ['a: {b: 1}\n', 'bail'],
    ['a: b: c\n', 'bail'],
    ['a: x:\n', 'bail'],
    ['a: :x\n', 'bail'],
    ['a: -\n', 'bail'],
    ['a: - b\n', 'bail'],
    ['a: -b\n', 'bail'],
    ['a: @x\n', 'bail'],
    ['a: `x\n', 'bail'],
    ['a: %x\n', 'bail'],
    ['a: |\n  x\n', 'bail'],
    ['a: >-\n  x\n', 'bail'],
    ['a: &x 1\nb: *x\n', 'bail'],
    ['a: !!str 1\n', 'bail'],
    ['? a\n: b\n', 'bail'],
    ['"a": 1\n', 'bail'],
    ['a b: 1\n', 'bail'],
    ['true: 1\n', 'bail'],
    ['__proto__: 1\n', 'bail'],
    ['a: 1\na: 2\n', 'bail'],
    ['a:\n  b: 1\n c: 2\n', 'bail'],
    ['a: x\n  y\n', 'bail'],
    ['a:\n  - x\n    y\n', 'bail'],
    ['- a\n', 'bail'],
    ['', 'bail'],
    ['# only a comment\n', 'bail'],
    ['---\na: 1\n', 'bail'],
    ['a: 1\n...\n', 'bail'],
    ['a: 1\r\n', 'bail'],
    ['a:\t1\n', 'bail'],
    ['\ufeffa: 1\n', 'bail'],
    ['a:\n- 1\n- 2\nb: 3\n', 'fast'],
    ['a:\n  - x: 1\n    y: [2]\n  - z\nb:\n  c:\n    d: e\n', 'fast'],
    ['a:\n  -   x: 1\n      y: 2\n', 'fast'],
    ['a:\n  - - x\n', 'bail'],
    ['a:\n  -\n    b: 1\n', 'bail'],
    ['key.with-dots_ok: 1\n', 'fast'],
    ['a:\n\n  # comment between\n  b: 1   \n\n', 'fast'],
    ['exceptions:\n  - name: a\n    resources:\n      - resourceId: r\n        accountId: "1"\n  - name: b\n', 'fast'],
  ];

  it.each(snippets)('%j → %s', (source, expected) => {
    const fast = parseYamlFast(source);
    if (expected === 'bail') {
      expect(fast).toBeUndefined();
    } else {
      expect(fast).toBeDefined();
      expectAgreement(source);
    }
  });
});
