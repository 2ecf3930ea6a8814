// Where cvex may look for manifests: inside the repository, which is the folder cvex runs in (where
// cvex.config.yaml is). A `manifests:` entry is repository text: it must not send cvex reading
// `../outside` or walking `/`, and a symbolic link must not lead a read out of the tree.
import { realpath } from 'node:fs/promises';
import * as path from 'node:path';

/** The folder cvex was started in is gone (deleted, or unmounted) while the shell still sits in it. */
export class WorkingFolderError extends Error {
  override name = 'WorkingFolderError';
  constructor() {
    super('the current folder no longer exists (was it deleted?); cd into your repository and run cvex again');
  }
}

/** The repository root: the real path of `cwd`. Throws WorkingFolderError when it no longer exists. */
export async function repositoryRoot(cwd: string): Promise<string> {
  try {
    return await realpath(cwd);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new WorkingFolderError();
    throw error;
  }
}

/** True when `candidate` (an absolute, real path) is `root` or below it. */
export function isInside(root: string, candidate: string): boolean {
  const relative = path.relative(root, candidate);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

/** Characters that make a path a glob (minimatch). */
export const GLOB_MAGIC = /[*?[\]{}()!]/;

/** The folder part of a glob before its first magic segment ('' for a glob that starts with one). */
export function staticBase(pattern: string): string {
  const segments = pattern.split('/');
  const firstMagic = segments.findIndex((segment) => GLOB_MAGIC.test(segment));
  return (firstMagic === -1 ? segments.slice(0, -1) : segments.slice(0, firstMagic)).join('/');
}

export interface PatternProblem {
  rule: 'manifests.outside-repository' | 'manifests.glob-invalid';
  message: string;
}

/**
 * What is wrong with a manifest path or glob before any folder is looked at. `fromConfig`: written in
 * cvex.config.yaml, where it must be relative and stay below the repository root; a PATH argument
 * may be absolute or use `..` and is checked once resolved (see load-files.ts).
 */
export function patternProblem(pattern: string, fromConfig: boolean): PatternProblem | undefined {
  const invalid = (message: string): PatternProblem => ({ rule: 'manifests.glob-invalid', message });
  if (pattern.trim() === '') return invalid('an empty pattern matches nothing');
  if (pattern.includes('\u0000')) return invalid('a NUL character cannot be in a path');
  const segments = pattern.split(/[\\/]/);
  if (fromConfig && (path.posix.isAbsolute(pattern) || path.win32.isAbsolute(pattern))) {
    return { rule: 'manifests.outside-repository', message: 'an absolute path: `manifests` globs are relative to the repository root and stay inside it' };
  }
  if (fromConfig && segments.includes('..')) {
    return { rule: 'manifests.outside-repository', message: '`..` leaves the repository: `manifests` globs stay inside it' };
  }
  if (pattern.startsWith('!')) return invalid('a negated pattern (`!`) is not supported: list what to read, not what to skip');
  if (segments.some((segment) => segment.includes('***'))) {
    return invalid('`***` is not a glob operator: use `**` for any number of folders, `*` within a name');
  }
  const range = reversedRange(pattern);
  if (range) return invalid(`the range [${range}] is reversed, so it matches nothing`);
  return undefined;
}

/** The first `z-a` style range inside a `[...]` class, which can never match. */
function reversedRange(pattern: string): string | undefined {
  for (let i = 0; i < pattern.length; i += 1) {
    if (pattern[i] === '\\') {
      i += 1;
      continue;
    }
    if (pattern[i] !== '[') continue;
    let j = i + 1;
    if (pattern[j] === '!' || pattern[j] === '^') j += 1;
    if (pattern[j] === ']') j += 1;
    const close = pattern.indexOf(']', j);
    if (close === -1) return undefined;
    const body = pattern.slice(j, close);
    for (let k = 0; k + 2 < body.length; k += 1) {
      if (body[k + 1] === '-' && body[k] !== '[' && body.codePointAt(k)! > body.codePointAt(k + 2)!) return `${body[k]}-${body[k + 2]}`;
    }
    i = close;
  }
  return undefined;
}
