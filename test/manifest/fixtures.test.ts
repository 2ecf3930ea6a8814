// Every fixture under test/fixtures/manifests/ carries its own expectations as comments:
//   `# expect: <rule> <path>`        on the line the finding must point at (path `-` means none)
//   `# expect: <rule> <path> @<n>`   anywhere, for a finding on line n (0: the whole file)
// invalid/ files must have errors, valid/ files must not; either way the findings (rule, path,
// line) must be exactly the expected ones, so a new or a missing finding fails the test.
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import Ajv from 'ajv';
import { describe, expect, it } from 'vitest';
import { loadAndValidate } from '../../src/manifest';
import { loadManifestSchema } from '../../src/manifest/schema';
import { hasErrors } from '../../src/model/findings';

const FIXTURES = path.resolve(__dirname, '..', 'fixtures', 'manifests');
const NOW = new Date('2026-11-23T12:00:00Z');

interface Expected {
  rule: string;
  path: string;
  line: number;
}

function expectationsOf(text: string): Expected[] {
  const expected: Expected[] = [];
  text.split('\n').forEach((line, index) => {
    const match = /#\s*expect:\s*(\S+)\s+(\S+)(?:\s+@(\d+))?\s*$/.exec(line);
    if (!match) return;
    expected.push({ rule: match[1], path: match[2] === '-' ? '' : match[2], line: match[3] === undefined ? index + 1 : Number(match[3]) });
  });
  return expected;
}

const byPosition = (a: Expected, b: Expected): number => a.line - b.line || a.rule.localeCompare(b.rule) || a.path.localeCompare(b.path);

function fixtureFiles(folder: string): string[] {
  return readdirSync(path.join(FIXTURES, folder))
    .filter((name) => /\.ya?ml$/.test(name))
    .sort()
    .map((name) => `${folder}/${name}`);
}

describe('manifest fixtures', () => {
  const invalid = fixtureFiles('invalid');
  const valid = fixtureFiles('valid');

  it('has a corpus of at least 40 invalid manifests and valid ones for every scope', () => {
    expect(invalid.length).toBeGreaterThanOrEqual(40);
    const scopes = new Set(valid.flatMap((file) => [...readFileSync(path.join(FIXTURES, file), 'utf8').matchAll(/exceptionScope: (\w+)/g)].map((m) => m[1])));
    expect([...scopes].sort()).toEqual(['CONNECTOR', 'QUALYSTAG', 'RESOURCE']);
  });

  it('covers every rule code with at least one invalid fixture', () => {
    const rules = new Set(invalid.flatMap((file) => expectationsOf(readFileSync(path.join(FIXTURES, file), 'utf8')).map((e) => e.rule)));
    for (const rule of [
      'schema.required',
      'schema.additionalProperties',
      'schema.enum',
      'schema.type',
      'schema.const',
      'schema.pattern',
      'schema.minItems',
      'schema.uniqueItems',
      'schema.minimum',
      'schema.minLength',
      'schema.blank',
      'schema.maximum',
      'schema.scope',
      'date.calendar',
      'date.order',
      'date.past',
      'name.duplicate',
      'regex.invalid',
      'yaml.syntax',
      'yaml.duplicate-key',
      'yaml.alias-limit',
      'yaml.number-precision',
      'file.not-yaml',
    ]) {
      expect(rules, rule).toContain(rule);
    }
  });

  it.each([...invalid, ...valid])('%s', async (file) => {
    const text = readFileSync(path.join(FIXTURES, file), 'utf8');
    const expected = expectationsOf(text).sort(byPosition);
    const result = await loadAndValidate([file], { cwd: FIXTURES, now: NOW });
    const actual = result.findings.map(({ rule, path: fieldPath, line }) => ({ rule, path: fieldPath, line })).sort(byPosition);
    expect(actual).toEqual(expected);
    expect(hasErrors(result.findings)).toBe(file.startsWith('invalid/'));
    for (const finding of result.findings) {
      expect(finding.file).toBe(file);
      expect(finding.message.length).toBeGreaterThan(0);
      if (finding.line > 0) expect(finding.column).toBeGreaterThan(0);
    }
  });

  it('reports a name used in two files at both places', async () => {
    const files = fixtureFiles('cross-file');
    const expected = files.flatMap((file) => expectationsOf(readFileSync(path.join(FIXTURES, file), 'utf8')).map((e) => ({ ...e, file })));
    const result = await loadAndValidate(['cross-file'], { cwd: FIXTURES, now: NOW });
    expect(result.findings.map(({ file, rule, path: p, line }) => ({ file, rule, path: p, line }))).toEqual(expected);
    const [first, second] = result.findings;
    expect(first.message).toContain(`${second.file}:${second.line}:`);
    expect(second.message).toContain(`${first.file}:${first.line}:`);
  });

  it('validates the whole corpus in one run, reporting every error of every file', async () => {
    const result = await loadAndValidate(['invalid', 'valid'], { cwd: FIXTURES, now: NOW });
    expect(result.fileCount).toBe(invalid.length + valid.length);
    const key = (f: { file: string; rule: string; path: string; line: number }) => `${f.file}:${f.line}:${f.rule}:${f.path}`;
    const all = new Set(result.findings.map(key));
    for (const file of invalid) {
      const single = await loadAndValidate([file], { cwd: FIXTURES, now: NOW });
      for (const finding of single.findings) expect(all, key(finding)).toContain(key(finding));
    }
    expect(result.findings).toEqual([...result.findings].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) || a.line - b.line || a.column - b.column));
  });
});

describe('exception-manifest.schema.json', () => {
  it('compiles in ajv strict mode', () => {
    const ajv = new Ajv({ strict: true, allErrors: true });
    expect(() => ajv.compile(loadManifestSchema())).not.toThrow();
  });

  it('accepts the example policies as an editor sees them (defaults not merged)', async () => {
    const validate = new Ajv({ strict: true, allErrors: true }).compile(loadManifestSchema());
    const { parse } = await import('yaml');
    const policies = path.resolve(__dirname, '..', 'fixtures', 'example-repo', 'policies');
    const files = readdirSync(policies).filter((name) => name.endsWith('.yaml'));
    expect(files.length).toBeGreaterThanOrEqual(3);
    for (const file of files) {
      expect(validate(parse(readFileSync(path.join(policies, file), 'utf8'))), `${file}: ${JSON.stringify(validate.errors)}`).toBe(true);
    }
  });

  it('gives the same verdict as cvex on every fixture that is valid YAML and free of semantic rules', async () => {
    const validate = new Ajv({ strict: true, allErrors: true }).compile(loadManifestSchema());
    const { parse } = await import('yaml');
    const semanticOnly = new Set(['date.calendar', 'date.order', 'date.past', 'name.duplicate', 'regex.invalid', 'overlap']);
    for (const file of [...fixtureFiles('invalid'), ...fixtureFiles('valid')]) {
      const text = readFileSync(path.join(FIXTURES, file), 'utf8');
      const rules = expectationsOf(text).map((e) => e.rule);
      if (rules.some((rule) => rule.startsWith('yaml.') || rule.startsWith('file.'))) continue;
      // An editor cannot apply scope rules to a scope that comes from defaults; cvex merges first.
      if (/^ {2}exceptionScope:/m.test(text)) continue;
      const schemaErrors = rules.filter((rule) => rule.startsWith('schema.'));
      const onlySemantic = rules.every((rule) => semanticOnly.has(rule));
      expect(validate(parse(text)), file).toBe(schemaErrors.length === 0 || onlySemantic);
    }
  });
});
