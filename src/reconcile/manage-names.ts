// The config's `manage:` globs, compiled once: exact names (what `cvex import` writes, escaped)
// go into a Set, real globs are compiled to one matcher each. A name is then classified with one
// Set lookup and one pass over the real globs, instead of minimatch parsing every glob per call.
import { Minimatch, minimatch } from 'minimatch';

const MATCH_OPTIONS = { dot: true, nocomment: true, nonegate: true } as const;
/** Characters that may make a pattern more than a plain name (`/` splits path segments in minimatch). */
const MAYBE_MAGIC = /[*?[\]{}()!+@#\\/]/;

export interface ManageNames {
  /** True when an exact (non-glob) entry names it: what legacy markers and adoption by import rely on. */
  isExact(name: string): boolean;
  /** True when any entry, exact or glob, claims it. */
  claims(name: string): boolean;
  /** The entries as written, for the plan JSON. */
  readonly patterns: readonly string[];
}

export function compileManageNames(patterns: readonly string[]): ManageNames {
  const exact = new Set<string>();
  const globs: Minimatch[] = [];
  for (const pattern of patterns) {
    if (!MAYBE_MAGIC.test(pattern)) {
      exact.add(pattern);
      continue;
    }
    const compiled = new Minimatch(pattern, MATCH_OPTIONS);
    if (!compiled.hasMagic() && !pattern.includes('/')) exact.add(minimatch.unescape(pattern));
    else globs.push(compiled);
  }
  return {
    patterns: [...patterns],
    isExact: (name) => exact.has(name),
    claims: (name) => exact.has(name) || globs.some((glob) => glob.match(name)),
  };
}

/** One-off check (import's adoption): prefer compileManageNames when asking about many names. */
export function matchesManageGlobs(name: string, globs: readonly string[]): boolean {
  return compileManageNames(globs).claims(name);
}
