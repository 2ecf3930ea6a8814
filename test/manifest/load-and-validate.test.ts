// What loadAndValidate hands to the rest of the pipeline: merged specs, metadata, locations, tag rules.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadAndValidate, MAX_EXCEPTIONS_PER_FILE } from '../../src/manifest';
import { hasErrors } from '../../src/model/findings';

const ROOT = path.resolve(__dirname, '..', '..');
const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'manifests');
const NOW = new Date('2026-11-23T12:00:00Z');

const folders: string[] = [];
function tempTree(files: Record<string, string>): string {
  const root = mkdtempSync(path.join(tmpdir(), 'cvex-manifest-'));
  folders.push(root);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    writeFileSync(path.join(root, name), text);
  }
  return root;
}
afterAll(() => {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

const CONNECTOR = (name: string, endDate = '2027-05-31') => `exceptions:
  - name: ${name}
    cloudType: AWS
    exceptionScope: CONNECTOR
    explanation: x
    exceptionReason: Other
    startDate: 2026-11-01
    endDate: ${endDate}
    controlIds: [2]
    accountIds: ["555566667777"]
`;

describe('loadAndValidate', () => {
  it('refuses a file with more exceptions than a manifest may hold, at once, and still checks the others', async () => {
    const tooMany = `exceptions:\n${'- {}\n'.repeat(MAX_EXCEPTIONS_PER_FILE + 1)}`;
    const dir = tempTree({ 'policies/huge.yaml': tooMany, 'policies/ok.yaml': CONNECTOR('fine-one') });
    const result = await loadAndValidate([], { cwd: dir, now: NOW });
    expect(result.findings.map((f) => [f.rule, f.file, f.line, f.path])).toEqual([['file.too-many-exceptions', 'policies/huge.yaml', 1, 'exceptions']]);
    expect(result.manifests.exceptions.map((e) => e.spec.name)).toEqual(['fine-one']);
  });

  it('reports every error of a file holding thousands of broken exceptions without overflowing the stack', async () => {
    const dir = tempTree({ 'policies/broken.yaml': `exceptions:\n${'- {}\n'.repeat(MAX_EXCEPTIONS_PER_FILE)}` });
    const result = await loadAndValidate([], { cwd: dir, now: NOW });
    expect(result.findings.length).toBeGreaterThan(MAX_EXCEPTIONS_PER_FILE);
    expect(new Set(result.findings.map((f) => f.rule))).toContain('schema.required');
  });

  it('returns the example policies as specs in file order, with defaults and metadata merged', async () => {
    const result = await loadAndValidate([], { cwd: path.join(ROOT, 'test', 'fixtures', 'example-repo'), now: NOW });
    expect(result.findings).toEqual([]);
    expect(result.fileCount).toBe(3);
    expect(result.manifests.files).toEqual(['policies/aws.yaml', 'policies/azure.yaml', 'policies/gcp.yaml']);
    expect(result.manifests.exceptions).toHaveLength(10);
    const [first] = result.manifests.exceptions;
    expect(first).toEqual({
      spec: {
        name: 'aws-prod-public-assets-bucket',
        cloudType: 'AWS',
        exceptionScope: 'RESOURCE',
        explanation: 'The public-assets bucket serves www.acme.example; public read is intended.',
        exceptionReason: 'False Positive',
        startDate: '2026-11-01',
        endDate: '2027-05-31',
        controlIds: [1],
        resources: [{ resourceId: 'arn:aws:s3:::acme-prod-public-assets', accountId: '123456789012', region: 'us-east-1' }],
      },
      metadata: { owner: 'platform-security', ticket: 'SEC-1042', approvedBy: 'ciso@acme.example' },
      location: { file: 'policies/aws.yaml', line: 14, column: 5 },
      path: 'exceptions.0',
      // Each field where it is written; cloudType and startDate come from defaults.
      fieldLocations: expect.objectContaining({
        name: { file: 'policies/aws.yaml', line: 14, column: 5 },
        cloudType: { file: 'policies/aws.yaml', line: 6, column: 3 },
        startDate: { file: 'policies/aws.yaml', line: 7, column: 3 },
        endDate: { file: 'policies/aws.yaml', line: 18, column: 5 },
        resources: { file: 'policies/aws.yaml', line: 20, column: 5 },
      }),
    });
    expect(Object.keys(first.spec)).toEqual(['name', 'cloudType', 'exceptionScope', 'explanation', 'exceptionReason', 'startDate', 'endDate', 'controlIds', 'resources']);
    const scopes = new Set(result.manifests.exceptions.map((e) => `${e.spec.cloudType}/${e.spec.exceptionScope}`));
    expect(scopes.size).toBe(9);
    expect(result.manifests.applyTags).toEqual([
      {
        cloudType: 'AWS',
        regex: '^arn:aws:ssm:us-east-1:123456789012:parameter\\/app\\/\\"legacy\\"\\/.*$',
        tagNames: ['legacy'],
        location: { file: 'policies/aws.yaml', line: 69, column: 5 },
      },
      expect.objectContaining({ cloudType: 'GCP', tagNames: ['data-pii-orders'], location: expect.objectContaining({ file: 'policies/gcp.yaml' }) }),
    ]);
  });

  it('the example applyTags regexes match the resource ids they are written for', async () => {
    const result = await loadAndValidate([], { cwd: path.join(ROOT, 'test', 'fixtures', 'example-repo'), now: NOW });
    const [aws, gcp] = result.manifests.applyTags;
    expect(new RegExp(aws.regex).test('arn:aws:ssm:us-east-1:123456789012:parameter/app/"legacy"/db-password')).toBe(true);
    expect(new RegExp(gcp.regex).test('//sqladmin.googleapis.com/projects/acme-prod-1234/instances/orders-db')).toBe(true);
  });

  it('leaves exceptions that failed a rule out of the manifests, keeps the rest', async () => {
    const result = await loadAndValidate(['invalid/every-error-reported.yaml'], { cwd: FIXTURES, now: NOW });
    expect(hasErrors(result.findings)).toBe(true);
    expect(result.exceptionCount).toBe(3);
    expect(result.manifests.exceptions).toEqual([]);
    const partial = await loadAndValidate(['valid/defaults-merged.yaml', 'invalid/date-calendar-feb-30.yaml'], { cwd: FIXTURES, now: NOW });
    expect(partial.manifests.exceptions.map((e) => e.spec.name)).toEqual(['uses-defaults', 'overrides-defaults']);
  });

  it('merges defaults: own values win, metadata merges key by key', async () => {
    const result = await loadAndValidate(['valid/defaults-merged.yaml'], { cwd: FIXTURES, now: NOW });
    const [usesDefaults, overrides] = result.manifests.exceptions;
    expect(usesDefaults.spec).toMatchObject({ cloudType: 'AWS', exceptionReason: 'Risk Accepted', startDate: '2026-11-01', endDate: '2027-05-31' });
    expect(usesDefaults.metadata).toEqual({ owner: 'platform-security', ticket: 'SEC-2' });
    expect(overrides.spec).toMatchObject({ cloudType: 'GCP', exceptionReason: 'Other', endDate: '2027-12-31' });
    expect(overrides.metadata).toEqual({ owner: 'platform-security' });
  });

  it('decides "past" in the subscription time zone', async () => {
    const root = tempTree({ 'policies/a.yaml': CONNECTOR('ends-today-utc', '2026-11-23') });
    const evening = new Date('2026-11-23T20:00:00Z');
    const utc = await loadAndValidate([], { cwd: root, now: evening });
    expect(utc.findings).toEqual([]);
    const kolkata = await loadAndValidate([], { cwd: root, now: evening, timeZone: 'Asia/Kolkata' });
    expect(kolkata.findings.map((f) => [f.rule, f.severity])).toEqual([['date.past', 'warning']]);
    expect(kolkata.findings[0].message).toContain('today is 2026-11-24');
  });

  it('finds manifests by folder and glob, skipping dot folders and other extensions', async () => {
    const root = tempTree({
      'policies/a.yaml': CONNECTOR('a'),
      'policies/team/b.yml': CONNECTOR('b'),
      'policies/.hidden/c.yaml': CONNECTOR('c'),
      'policies/notes.txt': 'not yaml',
      'other/d.yaml': CONNECTOR('d'),
    });
    expect((await loadAndValidate([], { cwd: root, now: NOW })).manifests.files).toEqual(['policies/a.yaml', 'policies/team/b.yml']);
    expect((await loadAndValidate(['other'], { cwd: root, now: NOW })).manifests.files).toEqual(['other/d.yaml']);
    expect((await loadAndValidate(['**/*.yaml'], { cwd: root, now: NOW })).manifests.files).toEqual(['other/d.yaml', 'policies/a.yaml']);
    const both = await loadAndValidate(['policies', 'policies/a.yaml'], { cwd: root, now: NOW });
    expect(both.manifests.files).toEqual(['policies/a.yaml', 'policies/team/b.yml']);
    const none = await loadAndValidate(['policies/*.json', 'policies'], { cwd: root, now: NOW });
    expect(none.findings.filter((f) => f.rule.startsWith('file.')).map((f) => [f.rule, f.severity, f.file])).toEqual([['file.none', 'warning', 'policies/*.json']]);
  });

  it('checks names across every file and reports each place', async () => {
    const root = tempTree({ 'policies/a.yaml': CONNECTOR('same'), 'policies/b/c.yaml': CONNECTOR('same'), 'policies/d.yaml': CONNECTOR('same') });
    const result = await loadAndValidate([], { cwd: root, now: NOW });
    const duplicates = result.findings.filter((f) => f.rule === 'name.duplicate');
    expect(duplicates.map((f) => `${f.file}:${f.line}`)).toEqual(['policies/a.yaml:2', 'policies/b/c.yaml:2', 'policies/d.yaml:2']);
    expect(duplicates[0].message).toContain('policies/b/c.yaml:2:11, policies/d.yaml:2:11');
  });

  it('warns once per overlapping exception, without quadratic work on a crowded target', async () => {
    const items = Array.from({ length: 2_000 }, (_v, i) => CONNECTOR(`same-target-${i}`).split('\n').slice(1).join('\n')).join('');
    const root = tempTree({ 'policies/crowded.yaml': `exceptions:\n${items}` });
    const result = await loadAndValidate([], { cwd: root, now: NOW });
    const overlaps = result.findings.filter((f) => f.rule === 'overlap');
    expect(overlaps).toHaveLength(1_999);
    expect(overlaps.every((f) => f.severity === 'warning')).toBe(true);
    expect(overlaps[0]).toMatchObject({ path: 'exceptions.1', line: 11 });
    expect(overlaps[0].message).toBe(
      'overlaps exception "same-target-0" (policies/crowded.yaml:2): both cover control 2 on AWS account 555566667777',
    );
    expect(overlaps[1].message).toContain('(and 1 more exception)');
    expect(hasErrors(result.findings)).toBe(false);
  });

  it('handles 10,000 exceptions in one pass without quadratic work', async () => {
    const files: Record<string, string> = {};
    for (let file = 0; file < 10; file += 1) {
      const items = Array.from({ length: 1_000 }, (_v, i) => {
        const n = file * 1_000 + i;
        return CONNECTOR(`bulk-${n}`).split('\n').slice(1).join('\n').replace('"555566667777"', `"${100000000000 + n}"`);
      });
      files[`policies/bulk-${file}.yaml`] = `exceptions:\n${items.join('')}`;
    }
    const root = tempTree(files);
    // Speed is the validate bench's to measure; quadratic work here would outrun the test's time limit.
    const result = await loadAndValidate([], { cwd: root, now: NOW });
    expect(result.findings).toEqual([]);
    expect(result.manifests.exceptions).toHaveLength(10_000);
    expect(result.manifests.exceptions[9_999].location).toEqual({ file: 'policies/bulk-9.yaml', line: 2 + 999 * 9, column: 5 });
  }, 20_000);

  it('refuses a path that is not a regular file (a FIFO, a device) without reading it', async () => {
    // `manifests:` in cvex.config.yaml is repository text: it may name a FIFO or a symlink to
    // /dev/zero, which stat() reports as 0 bytes and reading never ends.
    const root = tempTree({ 'policies/ok.yaml': CONNECTOR('ok') });
    execFileSync('mkfifo', [path.join(root, 'policies', 'pipe.yaml')]);
    symlinkSync('/dev/zero', path.join(root, 'policies', 'zero.yaml'));
    const result = await loadAndValidate(['policies/pipe.yaml', 'policies/zero.yaml', 'policies/ok.yaml'], { cwd: root, now: NOW });
    expect(result.findings.map((f) => [f.file, f.rule])).toEqual([
      ['policies/pipe.yaml', 'file.unreadable'],
      // /dev/zero is outside the repository: refused before any read is tried.
      ['policies/zero.yaml', 'manifests.outside-repository'],
    ]);
    expect(result.findings[0].message).toMatch(/not a regular file/);
    expect(result.manifests.exceptions).toHaveLength(1);
    // Found by a glob, the FIFO is refused the same way (not skipped in silence, not waited on).
    const globbed = await loadAndValidate([], { cwd: root, now: NOW });
    expect(globbed.findings.map((f) => [f.file, f.rule])).toEqual([
      ['policies/pipe.yaml', 'file.unreadable'],
      ['policies/zero.yaml', 'file.outside-repository'],
    ]);
    // A read of the FIFO would wait for a writer forever: the time limit is the assertion.
  }, 10_000);

  it('reads a 1 MiB mapping through the yaml package in linear time (duplicate keys included)', async () => {
    // A `*` in a comment sends the file to the yaml package; 60,000 keys in one mapping.
    const keys = Array.from({ length: 60_000 }, (_v, i) => `      k${i}: v\n`).join('');
    const text = `# *not an alias\n${CONNECTOR('wide').trimEnd()}\n    metadata:\n${keys}      k7: again\n`;
    expect(text.length).toBeLessThan(1024 * 1024);
    const root = tempTree({ 'policies/wide.yaml': text });
    // The quadratic duplicate-key check took 30 s on such a file: the test's time limit catches it.
    const result = await loadAndValidate([], { cwd: root, now: NOW });
    expect(result.findings.map((f) => [f.rule, f.path, f.line])).toEqual([['yaml.duplicate-key', 'exceptions.0.metadata.k7', 13 + 60_000]]);
  }, 20_000);
});

