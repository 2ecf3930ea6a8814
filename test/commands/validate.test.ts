// `cvex validate` run in process through the real entry point, with a captured io.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import Ajv from 'ajv';
import { afterAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/command-line/io';
import { main } from '../../src/cli/main';

const ROOT = path.resolve(__dirname, '..', '..');
const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'manifests');
const EXAMPLE_REPO = path.join(ROOT, 'test', 'fixtures', 'example-repo');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(argv: string[], cwd: string, env: NodeJS.ProcessEnv = { NO_COLOR: '1' }): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env,
    cwd,
  };
  const code = await main(['validate', ...argv], io);
  return { code, stdout, stderr };
}

const temporary: string[] = [];
function tempFolder(files: Record<string, string | Buffer>): string {
  const folder = mkdtempSync(path.join(tmpdir(), 'cvex-validate-'));
  temporary.push(folder);
  for (const [name, content] of Object.entries(files)) writeFileSync(path.join(folder, name), content);
  return folder;
}
afterAll(() => {
  for (const folder of temporary) rmSync(folder, { recursive: true, force: true });
});

const VALID_CONNECTOR = readFileSync(path.join(FIXTURES, 'valid', 'connector-azure.yaml'), 'utf8');

describe('cvex validate', () => {
  it('reads governance rules from --config FILE and reports them at the exception', async () => {
    const folder = tempFolder({ 'a.yaml': VALID_CONNECTOR, 'strict.yaml': 'governance:\n  requiredMetadata: [ticket-that-nobody-has]\n' });
    const plain = await run(['a.yaml'], folder);
    expect(plain.code).toBe(0);
    const governed = await run(['a.yaml', '--config', 'strict.yaml', '--format', 'json'], folder);
    expect(governed.code).toBe(1);
    const result = JSON.parse(governed.stdout);
    expect(result.errors.map((error: { rule: string }) => error.rule)).toContain('governance.required-metadata');
    expect(result.errors.every((error: { file: string; line: number }) => error.file === 'a.yaml' && error.line > 0)).toBe(true);
    expect((await run(['a.yaml', '--config', 'missing.yaml'], folder)).code).toBe(1);
  });

  it('validates policies/ by default and exits 0', async () => {
    const { code, stdout, stderr } = await run([], EXAMPLE_REPO);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toBe('0 errors, 0 warnings in 3 files (10 exceptions)\n');
  });

  it('prints file:line:column: error: message [path] and a summary, and exits 1', async () => {
    const { code, stdout } = await run(['invalid/date-order.yaml', 'invalid/scope-connector-with-resources.yaml'], FIXTURES);
    expect(code).toBe(1);
    expect(stdout.split('\n')).toEqual([
      'invalid/date-order.yaml:9:14: error: `endDate` 2026-10-31 is before `startDate` 2026-11-01 [exceptions.0.endDate]',
      expect.stringMatching(/^invalid\/date-order\.yaml:9:14: warning: `endDate` 2026-10-31 is in the past .* \[exceptions\.0\.endDate\]$/),
      'invalid/scope-connector-with-resources.yaml:12:5: error: `resources` does not apply to CONNECTOR exceptions [exceptions.0.resources]',
      '2 errors, 1 warning in 2 files (2 exceptions)',
      '',
    ]);
  });

  it('exits 0 when there are only warnings', async () => {
    const { code, stdout } = await run(['valid/date-past-warning.yaml'], FIXTURES);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^valid\/date-past-warning\.yaml:9:14: warning: .*\[exceptions\.0\.endDate\]\n0 errors, 1 warning in 1 file \(1 exception\)\n$/);
  });

  it('reports every error of every file in one run', async () => {
    const { code, stdout } = await run(['invalid'], FIXTURES);
    expect(code).toBe(1);
    const lines = stdout.trimEnd().split('\n');
    const files = new Set(lines.slice(0, -1).map((line) => line.split(':')[0]));
    const count = readdirSync(path.join(FIXTURES, 'invalid')).filter((name) => name.endsWith('.yaml')).length;
    expect(count).toBeGreaterThanOrEqual(81);
    expect(files.size).toBe(count);
    expect(lines.at(-1)).toMatch(new RegExp(`^\\d+ errors, \\d+ warnings? in ${count} files \\(\\d+ exceptions\\)$`));
  });

  it('accepts globs', async () => {
    const { code, stdout } = await run(['valid/overlap-*.yaml'], FIXTURES);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^0 errors, 5 warnings in 4 files \(8 exceptions\)\n$/m);
  });

  it('--format json follows schemas/validate-result.schema.json', async () => {
    const { code, stdout } = await run(['--format', 'json', 'invalid/every-error-reported.yaml', 'valid/date-past-warning.yaml'], FIXTURES);
    expect(code).toBe(1);
    const result = JSON.parse(stdout);
    const schema = JSON.parse(readFileSync(path.join(ROOT, 'schemas', 'validate-result.schema.json'), 'utf8'));
    const validate = new Ajv({ strict: true, allErrors: true }).compile(schema);
    expect(validate(result), JSON.stringify(validate.errors)).toBe(true);
    expect(result.valid).toBe(false);
    expect(result.files).toBe(2);
    expect(result.exceptions).toBe(4);
    expect(result.errors.map((e: { rule: string; path: string; line: number }) => [e.rule, e.path, e.line])).toEqual([
      ['schema.enum', 'exceptions.0.cloudType', 4],
      ['date.calendar', 'exceptions.1.endDate', 20],
      ['schema.uniqueItems', 'exceptions.2.controlIds.1', 32],
      ['regex.invalid', 'applyTags.0.regex', 36],
    ]);
    expect(result.errors[0]).toEqual({
      file: 'invalid/every-error-reported.yaml',
      line: 4,
      column: 16,
      path: 'exceptions.0.cloudType',
      message: '`cloudType` must be one of "AWS", "AZURE", "GCP"; got "Aws"',
      rule: 'schema.enum',
    });
    expect(result.warnings).toEqual([expect.objectContaining({ file: 'valid/date-past-warning.yaml', rule: 'date.past', line: 9 })]);
  });

  it('--format json on a clean run', async () => {
    const { code, stdout } = await run(['--format=json'], EXAMPLE_REPO);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({ valid: true, files: 3, exceptions: 10, errors: [], warnings: [] });
  });

  it('--format github prints workflow commands', async () => {
    const { code, stdout } = await run(['-f', 'github', 'invalid/date-order.yaml', 'invalid/empty.yaml'], FIXTURES);
    expect(code).toBe(1);
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(
      '::error file=invalid/date-order.yaml,line=9,col=14,title=date.order::`endDate` 2026-10-31 is before `startDate` 2026-11-01 [exceptions.0.endDate]',
    );
    expect(lines[1]).toMatch(/^::warning file=invalid\/date-order\.yaml,line=9,col=14,title=date\.past::`endDate` 2026-10-31 is in the past/);
    expect(lines[2]).toMatch(/^::error file=invalid\/empty\.yaml,line=1,col=1,title=file\.not-yaml::not a manifest/);
    expect(lines[3]).toBe('2 errors, 1 warning in 2 files (1 exception)');
  });

  it('--format github escapes file names and messages', async () => {
    const folder = tempFolder({ 'odd,name:100%.yaml': 'exceptions:\n  - name: "a"\n    cloudType: AWS\n' });
    const { code, stdout } = await run(['--format', 'github', 'odd,name:100%.yaml'], folder);
    expect(code).toBe(1);
    for (const line of stdout.trimEnd().split('\n').slice(0, -1)) {
      expect(line).toMatch(/^::error file=odd%2Cname%3A100%25\.yaml,line=\d+,col=\d+,title=schema\.required::/);
    }
  });

  it('refuses files that are too large, binary or not UTF-8, and paths that do not exist', async () => {
    const folder = tempFolder({
      'big.yaml': `exceptions: []\n${'# padding line to get past the limit\n'.repeat(30_000)}`,
      'binary.yaml': Buffer.from([0x65, 0x78, 0x00, 0x01, 0x02, 0xff]),
      'latin1.yaml': Buffer.from('exceptions: []\n# caf\u00e9\n', 'latin1'),
      'ok.yaml': VALID_CONNECTOR,
    });
    const { code, stdout } = await run(['--format', 'json', '.', 'missing.yaml'], folder);
    expect(code).toBe(1);
    const result = JSON.parse(stdout);
    expect(result.files).toBe(4);
    expect(result.exceptions).toBe(1);
    expect(result.errors.map((e: { file: string; rule: string; line: number }) => [e.file, e.rule, e.line])).toEqual([
      ['big.yaml', 'file.too-large', 0],
      ['binary.yaml', 'file.not-yaml', 0],
      ['latin1.yaml', 'file.not-yaml', 0],
      ['missing.yaml', 'file.unreadable', 0],
    ]);
  });

  it('prints whole-file findings without a position in text', async () => {
    const folder = tempFolder({ 'binary.yml': Buffer.from([0, 1, 2]) });
    const explicit = await run(['binary.yml'], folder);
    expect(explicit.code).toBe(1);
    expect(explicit.stdout.split('\n')[0]).toBe('binary.yml: error: binary file (contains NUL bytes), not a YAML manifest');
  });

  it('fails when there are no manifests to read: a folder without any, or the wrong folder', async () => {
    const folder = tempFolder({ 'README.md': '# nothing here\n' });
    const empty = await run(['.'], folder);
    expect(empty.code).toBe(1);
    expect(empty.stdout).toBe(
      '.: error: no *.yaml or *.yml manifests in this folder, and no other pattern matches one either: no manifests to read\n1 error, 0 warnings in 0 files (0 exceptions)\n',
    );
    // Run from the wrong folder: the default glob's folder is missing, which is an error, not "0 files".
    const wrongFolder = await run([], folder);
    expect(wrongFolder.code).toBe(1);
    expect(wrongFolder.stdout).toBe(
      `policies/**/*.{yaml,yml}: error: no policies/ folder here (${folder}): run cvex from the repository root, or list your manifest globs under \`manifests:\` in cvex.config.yaml\n1 error, 0 warnings in 0 files (0 exceptions)\n`,
    );
  });

  it('colours the severity only when asked', async () => {
    const plain = await run(['invalid/date-order.yaml'], FIXTURES, { NO_COLOR: '1' });
    expect(plain.stdout).not.toContain('\u001b[');
    const coloured = await run(['invalid/date-order.yaml'], FIXTURES, { FORCE_COLOR: '1' });
    expect(coloured.stdout).toContain('\u001b[31merror\u001b[0m');
    expect(coloured.stdout).toContain('\u001b[33mwarning\u001b[0m');
  });

  it('uses cvex.config.yaml: manifests globs, time zone and governance rules', async () => {
    const folder = tempFolder({
      'cvex.config.yaml': 'timezone: Pacific/Kiritimati\nmanifests: ["*.yml"]\ngovernance:\n  requiredMetadata: [owner]\n',
      'ignored.yaml': 'not: a manifest\n',
      'team.yml': VALID_CONNECTOR.replace('startDate: 2026-11-01', 'startDate: 2026-01-01').replace('endDate: 2027-05-31', 'endDate: 2026-06-30'),
    });
    const { code, stdout } = await run(['--format', 'json'], folder);
    expect(code).toBe(1);
    const result = JSON.parse(stdout);
    expect(result.files).toBe(1);
    expect(result.errors.map((e: { rule: string; path: string }) => [e.rule, e.path])).toEqual([['governance.required-metadata', 'exceptions.0.metadata.owner']]);
    expect(result.warnings.map((e: { rule: string }) => e.rule)).toEqual(['date.past']);
    // Governance findings are part of the documented output too.
    const schema = JSON.parse(readFileSync(path.join(ROOT, 'schemas', 'validate-result.schema.json'), 'utf8'));
    const validateResult = new Ajv({ strict: true, allErrors: true }).compile(schema);
    expect(validateResult(result), JSON.stringify(validateResult.errors)).toBe(true);
  });

  it('fails with one line on a broken cvex.config.yaml', async () => {
    const folder = tempFolder({ 'cvex.config.yaml': 'timezone: [not, a, zone]\n' });
    const { code, stdout, stderr } = await run([], folder);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^cvex validate: ConfigError: .*cvex\.config\.yaml/);
  });

  it.each([
    [['--format', 'xml'], /--format: expected text, json, github, got 'xml'/],
    [['--bogus'], /unknown flag --bogus; see `cvex validate --help`/],
    [['--formt', 'json'], /unknown flag --formt \(did you mean --format\?\)/],
    [['--format'], /--format needs a value/],
  ])('exits 2 on usage errors: %j', async (argv, message) => {
    const { code, stdout, stderr } = await run(argv, FIXTURES);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(message);
  });

  it('--help prints usage and exits 0', async () => {
    const { code, stdout } = await run(['--help'], FIXTURES);
    expect(code).toBe(0);
    expect(stdout).toContain('Usage: cvex validate [PATH...] [options]');
    expect(stdout).toContain('--debug');
  });
});

describe('findings renderers', () => {
  it('escape GitHub workflow command data and properties', async () => {
    const { escapeData, escapeProperty, renderFindingsGithub } = await import('../../src/render/findings');
    expect(escapeData('50% done\r\nnext')).toBe('50%25 done%0D%0Anext');
    expect(escapeProperty('a,b:c%\n')).toBe('a%2Cb%3Ac%25%0A');
    const rendered = renderFindingsGithub(
      [{ severity: 'warning', rule: 'file.none', message: 'line one\nline two', file: 'x,y.yaml', line: 0, column: 0, path: '' }],
      { files: 0, exceptions: 0 },
    );
    expect(rendered).toBe('::warning file=x%2Cy.yaml,title=file.none::line one%0Aline two\n0 errors, 1 warning in 0 files (0 exceptions)\n');
  });
});
