// Which files are manifests: globs and paths confined to the repository (the folder cvex runs in),
// symbolic links followed only inside it, and no manifests at all an error, never an empty state.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { WorkingFolderError } from '../../src/files/repository-paths';
import { loadAndValidate, type ManifestPattern } from '../../src/manifest';
import { findManifestFiles } from '../../src/manifest/load-files';
import { hasErrors } from '../../src/model/findings';

const NOW = new Date('2026-11-23T12:00:00Z');
const SECRET = 'TOPSECRET-TOKEN-abc';
const MANIFEST = (name: string) => `exceptions:
  - name: ${name}
    cloudType: AWS
    exceptionScope: CONNECTOR
    explanation: x
    exceptionReason: Other
    startDate: 2026-11-01
    endDate: 2027-05-31
    controlIds: [2]
    accountIds: ["${name.length}55566667777"]
`;

const folders: string[] = [];
/** A repository in `repo/`, and beside it `outside/` with a manifest-shaped file holding a secret. */
function world(files: Record<string, string>): { repo: string; outside: string } {
  const parent = mkdtempSync(path.join(tmpdir(), 'cvex-files-'));
  folders.push(parent);
  const repo = path.join(parent, 'repo');
  const outside = path.join(parent, 'outside');
  mkdirSync(outside);
  writeFileSync(path.join(outside, 'secret.yaml'), `exceptions:\n  - name: ${SECRET}\n    cloudType: [${SECRET}]\n`);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(repo, name)), { recursive: true });
    writeFileSync(path.join(repo, name), text);
  }
  mkdirSync(repo, { recursive: true });
  return { repo, outside };
}
afterAll(() => {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

/** As cvex.config.yaml's `manifests:` hands them over: each with its line. */
function fromConfig(...patterns: string[]): ManifestPattern[] {
  return patterns.map((pattern, index) => ({ pattern, source: { file: 'cvex.config.yaml', line: 3 + index, column: 5, path: `manifests.${index}` } }));
}

const summary = (findings: Array<{ rule: string; severity: string; file: string; line: number; path: string }>) =>
  findings.map(({ rule, severity, file, line, path: fieldPath }) => [rule, severity, file, line, fieldPath]);

describe('manifest globs stay inside the repository', () => {
  it.each([
    ['../outside/*.yaml', 'manifests.outside-repository', '`..` leaves the repository'],
    ['policies/../../outside/secret.yaml', 'manifests.outside-repository', '`..` leaves the repository'],
    ['/', 'manifests.outside-repository', 'an absolute path'],
    ['/etc/**/*.yaml', 'manifests.outside-repository', 'an absolute path'],
    ['C:\\policies\\*.yaml', 'manifests.outside-repository', 'an absolute path'],
  ])('refuses %j from the config at its line, and reads nothing', async (pattern, rule, message) => {
    const { repo } = world({ 'policies/ok.yaml': MANIFEST('ok') });
    const result = await loadAndValidate([...fromConfig(pattern), ...fromConfig('policies/*.yaml').map((p) => ({ ...p, source: { ...p.source!, line: 9 } }))], { cwd: repo, now: NOW });
    expect(summary(result.findings)).toEqual([[rule, 'error', 'cvex.config.yaml', 3, 'manifests.0']]);
    expect(result.findings[0].message).toContain(message);
    expect(result.findings[0].message).toContain(`\`${pattern}\``);
    expect(JSON.stringify(result)).not.toContain(SECRET);
    expect(result.manifests.files).toEqual(['policies/ok.yaml']);
  });

  it('a PATH argument may be absolute or use .. while it resolves inside; outside it is refused unread', async () => {
    const { repo, outside } = world({ 'policies/ok.yaml': MANIFEST('ok') });
    const inside = await loadAndValidate([path.join(repo, 'policies', 'ok.yaml'), `../repo/policies/*.yaml`], { cwd: repo, now: NOW });
    expect(inside.findings).toEqual([]);
    expect(inside.manifests.files).toEqual(['policies/ok.yaml']);
    for (const pattern of [path.join(outside, 'secret.yaml'), '../outside/secret.yaml', '../outside/*.yaml', '/']) {
      const result = await loadAndValidate([pattern], { cwd: repo, now: NOW });
      expect(result.findings.map((f) => [f.rule, f.file])).toEqual([['manifests.outside-repository', pattern]]);
      expect(JSON.stringify(result)).not.toContain(SECRET);
    }
  });
});

describe('globs that cannot match, folders that do not exist', () => {
  it.each([
    ['policies/***/*.yaml', '`***` is not a glob operator'],
    ['policies/[z-a].yaml', 'the range [z-a] is reversed'],
    ['[z-a]', 'the range [z-a] is reversed'],
    ['!policies/old.yaml', 'a negated pattern'],
  ])('%j is an error at its config line, even beside a glob that matches', async (pattern, message) => {
    const { repo } = world({ 'policies/a/ok.yaml': MANIFEST('ok') });
    const result = await loadAndValidate(fromConfig('policies/**/*.yaml', pattern), { cwd: repo, now: NOW });
    expect(summary(result.findings)).toEqual([['manifests.glob-invalid', 'error', 'cvex.config.yaml', 4, 'manifests.1']]);
    expect(result.findings[0].message).toContain(message);
  });

  it('a glob whose folder is missing is an error with the config line and a suggestion', async () => {
    const { repo } = world({ 'policies/ok.yaml': MANIFEST('ok') });
    const result = await loadAndValidate(fromConfig('polices/**/*.yaml'), { cwd: repo, now: NOW });
    expect(summary(result.findings)).toEqual([['manifests.base-missing', 'error', 'cvex.config.yaml', 3, 'manifests.0']]);
    expect(result.findings[0].message).toBe('`polices/**/*.yaml`: the folder polices does not exist (did you mean policies?)');
    // Also when another glob matches: a typo must not silently drop a folder's exceptions.
    const beside = await loadAndValidate(fromConfig('policies/*.yaml', 'polices/**/*.yaml'), { cwd: repo, now: NOW });
    expect(summary(beside.findings)).toEqual([['manifests.base-missing', 'error', 'cvex.config.yaml', 4, 'manifests.1']]);
  });

  it('the default glob from the wrong folder is an error, not "0 files"', async () => {
    const { repo } = world({ 'README.md': '# not the repository root\n' });
    const result = await loadAndValidate([], { cwd: repo, now: NOW });
    expect(hasErrors(result.findings)).toBe(true);
    expect(result.findings.map((f) => [f.rule, f.file])).toEqual([['manifests.base-missing', 'policies/**/*.{yaml,yml}']]);
    expect(result.findings[0].message).toContain('run cvex from the repository root');
  });

  it('a valid glob that matches nothing is a warning beside others that match, an error when none does', async () => {
    const { repo } = world({ 'policies/ok.yaml': MANIFEST('ok'), 'legacy/README.md': 'moved\n' });
    const beside = await loadAndValidate(fromConfig('policies/*.yaml', 'legacy/**/*.yaml'), { cwd: repo, now: NOW });
    expect(summary(beside.findings)).toEqual([['file.none', 'warning', 'cvex.config.yaml', 4, 'manifests.1']]);
    const alone = await loadAndValidate(fromConfig('legacy/**/*.yaml', 'policies/*.yml'), { cwd: repo, now: NOW });
    expect(summary(alone.findings)).toEqual([
      ['manifests.none', 'error', 'cvex.config.yaml', 3, 'manifests.0'],
      ['manifests.none', 'error', 'cvex.config.yaml', 4, 'manifests.1'],
    ]);
    expect(alone.findings[0].message).toContain('no manifests to read');
  });

  it('a working folder deleted under the run is one clear error', async () => {
    const { repo } = world({});
    rmSync(repo, { recursive: true });
    await expect(findManifestFiles([], repo)).rejects.toThrow(WorkingFolderError);
    await expect(findManifestFiles([], repo)).rejects.toThrow('the current folder no longer exists (was it deleted?)');
  });
});

describe('symbolic links', () => {
  it('are followed inside the repository: a linked manifest, a linked folder, a loop ends', async () => {
    const { repo } = world({ 'shared/team.yaml': MANIFEST('linked-file'), 'shared/more/b.yaml': MANIFEST('linked-folder') });
    mkdirSync(path.join(repo, 'policies'));
    symlinkSync('../shared/team.yaml', path.join(repo, 'policies', 'team.yaml'));
    symlinkSync('../shared/more', path.join(repo, 'policies', 'more'));
    symlinkSync('..', path.join(repo, 'policies', 'loop'));
    const result = await loadAndValidate([], { cwd: repo, now: NOW });
    expect(result.findings).toEqual([]);
    // Each file once, under its shortest way in; the loop back to the root ends.
    expect(result.manifests.files).toEqual(['policies/more/b.yaml', 'policies/team.yaml']);
    expect(result.manifests.exceptions.map((e) => e.spec.name).sort()).toEqual(['linked-file', 'linked-folder']);
    // A link given as a PATH is followed too.
    expect((await loadAndValidate(['policies/team.yaml'], { cwd: repo, now: NOW })).manifests.files).toEqual(['policies/team.yaml']);
  });

  it('one whose real path leaves the repository is an error and is never read', async () => {
    const { repo, outside } = world({ 'policies/ok.yaml': MANIFEST('ok') });
    symlinkSync(path.join(outside, 'secret.yaml'), path.join(repo, 'policies', 'secret.yaml'));
    symlinkSync(outside, path.join(repo, 'policies', 'elsewhere'));
    symlinkSync(path.join(repo, 'nothing-here.yaml'), path.join(repo, 'policies', 'dangling.yaml'));
    const result = await loadAndValidate([], { cwd: repo, now: NOW });
    expect(result.findings.map((f) => [f.rule, f.file, f.message])).toEqual([
      ['file.unreadable', 'policies/dangling.yaml', 'a symbolic link to nothing (its target does not exist)'],
      ['file.outside-repository', 'policies/elsewhere', 'a symbolic link to a folder outside the repository; not read'],
      ['file.outside-repository', 'policies/secret.yaml', 'a symbolic link to a file outside the repository; not read'],
    ]);
    expect(JSON.stringify(result)).not.toContain(SECRET);
    expect(result.manifests.files).toEqual(['policies/ok.yaml']);
    const named = await loadAndValidate(['policies/secret.yaml'], { cwd: repo, now: NOW });
    expect(named.findings.map((f) => [f.rule, f.message])).toEqual([['manifests.outside-repository', 'a symbolic link whose real path is outside the repository (' + repo + '); not read']]);
    expect(JSON.stringify(named)).not.toContain(SECRET);
  });
});
