// The config's `manage:` globs, compiled once: exact names (what `cvex import` writes, escaped)
// go into a Set, real globs are compiled to one matcher each. A name is then classified with one
// Set lookup and at most one pass over the real globs per name, instead of minimatch parsing every
// glob per call.
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
  // Each name against the globs once, however often it is asked (the plan, its change prospects).
  const byGlobs = new Map<string, boolean>();
  return {
    patterns: [...patterns],
    isExact: (name) => exact.has(name),
    claims: (name) => {
      if (exact.has(name)) return true;
      if (globs.length === 0) return false;
      let claimed = byGlobs.get(name);
      if (claimed === undefined) {
        claimed = globs.some((glob) => glob.match(name));
        byGlobs.set(name, claimed);
      }
      return claimed;
    },
  };
}

/** One-off check (import's adoption): prefer compileManageNames when asking about many names. */
export function matchesManageGlobs(name: string, globs: readonly string[]): boolean {
  return compileManageNames(globs).claims(name);
}
