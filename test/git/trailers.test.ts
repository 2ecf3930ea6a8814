// readTrailers against a real temporary git repository with a scripted history.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GitError, readTrailers } from '../../src/git/trailers';
import { commit, git } from './helpers';

let repo: string;
let base: string;
let withTrailer: string;
let head: string;
beforeAll(() => {
  repo = mkdtempSync(path.join(tmpdir(), 'cvex-git-'));
  git(repo, 'init', '-q', '-b', 'main');
  base = commit(repo, 'first');
  withTrailer = commit(repo, 'Renew every exception\n\nReviewed with the security team.\n\nCvex-Allow-Removals: 12\nSigned-off-by: t <t@example.com>');
  head = commit(repo, 'Lower case key\n\ncvex-allow-removals: 3');
});
afterAll(() => rmSync(repo, { recursive: true, force: true }));

describe('readTrailers', () => {
  it('returns the values of one key over a range, newest first, matching the key in any case', async () => {
    expect(await readTrailers(`${base}..${head}`, 'Cvex-Allow-Removals', { cwd: repo })).toEqual([
      { commit: head, value: '3' },
      { commit: withTrailer, value: '12' },
    ]);
    expect(await readTrailers(`${withTrailer}..${head}`, 'Cvex-Allow-Removals', { cwd: repo })).toEqual([{ commit: head, value: '3' }]);
    expect(await readTrailers(`${base}..${base}`, 'Cvex-Allow-Removals', { cwd: repo })).toEqual([]);
  });

  it('a trailer-looking line in the body is not a trailer', async () => {
    const body = commit(repo, 'Explain\n\nCvex-Allow-Removals: 99\n\nThis paragraph ends the message.');
    expect(await readTrailers(`${head}..${body}`, 'Cvex-Allow-Removals', { cwd: repo })).toEqual([]);
  });

  it('refuses a range that would be an option, and says why a range does not resolve', async () => {
    await expect(readTrailers('--output=/tmp/x', 'Cvex-Allow-Removals', { cwd: repo })).rejects.toThrow(GitError);
    await expect(readTrailers(`0000000000000000000000000000000000000000..${head}`, 'Cvex-Allow-Removals', { cwd: repo })).rejects.toThrow(/git log .*: fatal/);
  });
});
