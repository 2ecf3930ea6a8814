// src/git against a real temporary repository: commits, an origin remote, files at old commits.
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listTree, readBlobs, remoteRepository, repositoryOfUrl, revParse } from '../../src/git';
import { git } from './helpers';

let repo: string;
let outside: string;
let first: string;
let second: string;

beforeAll(async () => {
  repo = await mkdtemp(path.join(tmpdir(), 'cvex-git-'));
  outside = await mkdtemp(path.join(tmpdir(), 'cvex-nogit-'));
  git(repo, 'init', '-q', '-b', 'main');
  await mkdir(path.join(repo, 'policies', 'team'), { recursive: true });
  await writeFile(path.join(repo, 'policies', 'a.yaml'), 'first\n');
  await writeFile(path.join(repo, 'policies', 'team', 'b c.yaml'), 'with a space\n');
  git(repo, 'add', '.');
  git(repo, 'commit', '-q', '-m', 'first');
  first = git(repo, 'rev-parse', 'HEAD');
  await writeFile(path.join(repo, 'policies', 'a.yaml'), 'second\n');
  git(repo, 'commit', '-q', '-am', 'second');
  second = git(repo, 'rev-parse', 'HEAD');
});

afterAll(async () => {
  await rm(repo, { recursive: true, force: true });
  await rm(outside, { recursive: true, force: true });
});

describe('revParse', () => {
  it('resolves HEAD and abbreviations to full commits, and nothing else', async () => {
    expect(await revParse(repo, 'HEAD')).toBe(second);
    expect(await revParse(repo, first.slice(0, 12))).toBe(first);
    expect(await revParse(repo, '0000000000ab')).toBeUndefined();
    expect(await revParse(repo, '--all')).toBeUndefined();
    expect(await revParse(outside, 'HEAD')).toBeUndefined();
  });
});

describe('remoteRepository', () => {
  it('reads org/name from the origin URL in its usual forms', async () => {
    expect(await remoteRepository(repo)).toBeUndefined();
    git(repo, 'remote', 'add', 'origin', 'git@github.com:acme/policies.git');
    expect(await remoteRepository(repo)).toBe('acme/policies');
    expect(await remoteRepository(outside)).toBeUndefined();
    expect(repositoryOfUrl('https://github.com/acme/policies')).toBe('acme/policies');
    expect(repositoryOfUrl('https://x-access-token:secret@github.com/acme/policies.git')).toBe('acme/policies');
    expect(repositoryOfUrl('ssh://git@github.com/acme/policies.git')).toBe('acme/policies');
    expect(repositoryOfUrl('/srv/git/policies.git')).toBeUndefined();
    expect(repositoryOfUrl('https://gitlab.com/group/sub/policies.git')).toBeUndefined();
  });
});

describe('listTree and readBlobs', () => {
  it('lists every file of an old commit, and reads many files of many commits in one batch', async () => {
    expect(await listTree(repo, first.slice(0, 12))).toEqual(['policies/a.yaml', 'policies/team/b c.yaml']);
    expect(await listTree(repo, 'ffffffffffff')).toBeUndefined();
    expect(await listTree(outside, first)).toBeUndefined();
    const blobs = await readBlobs(repo, [`${first}:policies/a.yaml`, `${second}:policies/a.yaml`, `${first}:policies/team/b c.yaml`, `${first}:missing.yaml`, `${first}:policies`, 'bad\nname']);
    expect(blobs.get(`${first}:policies/a.yaml`)?.toString()).toBe('first\n');
    expect(blobs.get(`${second}:policies/a.yaml`)?.toString()).toBe('second\n');
    expect(blobs.get(`${first}:policies/team/b c.yaml`)?.toString()).toBe('with a space\n');
    expect(blobs.get(`${first}:missing.yaml`)).toBeUndefined();
    // A folder is a tree, not a file.
    expect(blobs.get(`${first}:policies`)).toBeUndefined();
    expect(blobs.get('bad\nname')).toBeUndefined();
  });
});
