// Regular expressions from the config run with a time bound. JavaScript's engine backtracks: a
// pattern such as `^(a+)+$` takes exponential time on a name of 35 `a`s and one other character, and
// the config is repository text. Node's vm timeout interrupts a script stuck in such a match, so every
// name is tested in ONE bounded run (one vm call per name would cost a context switch per name).
import { createContext, Script } from 'node:vm';

/** Time one pattern may take over every name of a run. A sane pattern needs a few ms for 10,000 names. */
export const REGEX_TIME_LIMIT_MS = 1_000;

// A function scope, so the same context can run it again (top-level `const`s would stay declared).
const MATCH_ALL = new Script(
  `(() => {
    'use strict';
    const pattern = new RegExp(source);
    const matched = new Uint8Array(texts.length);
    for (let i = 0; i < texts.length; i += 1) matched[i] = pattern.test(texts[i]) ? 1 : 0;
    return matched;
  })()`,
  { filename: 'cvex-bounded-regex.js' },
);

interface Sandbox {
  source: string;
  texts: readonly string[];
}

let shared: Sandbox | undefined;

export type BoundedMatch = { matched: boolean[] } | { timedOut: true; timeLimitMs: number };

/**
 * Tests each text against `source` (compiled without flags), all in one run stopped after
 * `timeLimitMs`. The pattern must compile (the config loader checks that).
 */
export function matchAllBounded(source: string, texts: readonly string[], timeLimitMs = REGEX_TIME_LIMIT_MS): BoundedMatch {
  if (texts.length === 0) return { matched: [] };
  // One context for the process: creating one costs more than testing 10,000 names.
  const sandbox: Sandbox = (shared ??= createContext({ source: '', texts: [] }) as Sandbox);
  sandbox.source = source;
  sandbox.texts = texts;
  try {
    const matched = MATCH_ALL.runInContext(sandbox, { timeout: timeLimitMs }) as Uint8Array;
    return { matched: Array.from(matched, (value) => value === 1) };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') return { timedOut: true, timeLimitMs };
    throw error;
  } finally {
    sandbox.texts = [];
  }
}
