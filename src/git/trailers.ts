// Reads commit-message trailers (`Key: value` lines at the end of a message, as `git interpret-trailers`
// understands them) over a commit range, with one `git log`. No shell: arguments go to git as they are.
import { execFile } from 'node:child_process';

export interface Trailer {
  /** Full commit id that carries the trailer. */
  commit: string;
  value: string;
}

/** git is missing, the range does not resolve (a shallow clone, a first push), or the folder is no repository. */
export class GitError extends Error {
  override name = 'GitError';
}

// A range as workflows pass it (`BEFORE..AFTER`, `A...B`, a ref): never an option, never a path.
const RANGE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._/@^~{}-]*(\.\.\.?[A-Za-z0-9][A-Za-z0-9._/@^~{}-]*)?$/;
const KEY_PATTERN = /^[A-Za-z0-9][A-Za-z0-9-]*$/;

const RECORD = '\u001e';
const FIELD = '\u0000';
const VALUE = '\u001f';

/** Every `key:` trailer of the commits in `range`, newest commit first. */
export function readTrailers(range: string, key: string, options: { cwd: string; timeoutMs?: number }): Promise<Trailer[]> {
  if (!RANGE_PATTERN.test(range)) return Promise.reject(new GitError(`not a commit range: ${JSON.stringify(range)} (expected e.g. BEFORE..AFTER)`));
  if (!KEY_PATTERN.test(key)) return Promise.reject(new GitError(`not a trailer key: ${JSON.stringify(key)}`));
  const format = `--format=%H%x00%(trailers:key=${key},valueonly,separator=%x1f)%x1e`;
  return new Promise((resolve, reject) => {
    execFile('git', ['log', format, range, '--'], { cwd: options.cwd, timeout: options.timeoutMs ?? 10_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) {
        const reason = String(stderr ?? '').trim().split('\n')[0] || error.message;
        reject(new GitError(`git log ${range}: ${reason}`));
        return;
      }
      const found: Trailer[] = [];
      for (const record of String(stdout).split(RECORD)) {
        const [commit, values] = record.replace(/^\n/, '').split(FIELD);
        if (!commit || values === undefined) continue;
        for (const value of values.split(VALUE)) {
          const trimmed = value.trim();
          if (trimmed !== '') found.push({ commit: commit.trim(), value: trimmed });
        }
      }
      resolve(found);
    });
  });
}
