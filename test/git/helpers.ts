// A scripted git history in a temporary folder: commits with chosen messages, no global config needed.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';

const GIT_ENV = { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' };

export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, env: GIT_ENV, encoding: 'utf8' }).trim();
}

/** Commits `add` as it is on disk, or else a change to file.txt, with this message; returns the commit id. */
export function commit(cwd: string, message: string, add?: string): string {
  if (add === undefined) writeFileSync(path.join(cwd, 'file.txt'), `${message}\n${Math.random()}\n`);
  git(cwd, 'add', add ?? 'file.txt');
  git(cwd, 'commit', '-q', '-m', message);
  return git(cwd, 'rev-parse', 'HEAD');
}

