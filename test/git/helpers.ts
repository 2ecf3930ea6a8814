// A scripted git history in a temporary folder: git run with a fixed identity, no user or system config needed.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';

const GIT_ENV = { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com', GIT_CONFIG_NOSYSTEM: '1' };

export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, env: GIT_ENV, encoding: 'utf8' }).trim();
}

/** One commit of everything in the folder; returns the commit. */
export function commitAll(cwd: string, message: string): string {
  git(cwd, 'add', '-A');
  git(cwd, 'commit', '-q', '--allow-empty', '-m', message);
  return git(cwd, 'rev-parse', 'HEAD');
}

/** Commits `add` as it is on disk, or else a change to file.txt, with this message; returns the commit id. */
export function commit(cwd: string, message: string, add?: string): string {
  if (add === undefined) writeFileSync(path.join(cwd, 'file.txt'), `${message}\n${Math.random()}\n`);
  git(cwd, 'add', add ?? 'file.txt');
  git(cwd, 'commit', '-q', '-m', message);
  return git(cwd, 'rev-parse', 'HEAD');
}
