// Regexes for `POST /rest/v1/{cloud}/evaluations/list/resources`. The server is Java (Spring envelopes),
// so the dialect is Java's (inferred: the release notes do not say). The notes add one rule of their own:
// a resource id holding `"` or `/` needs `\\` (one backslash in the decoded JSON string) before that
// character. Java accepts a backslash before any non-alphanumeric character as a literal, so escaping
// the metacharacters plus those two is safe; digits and letters are never escaped (`\1` is a backreference).

const JAVA_REGEX_SPECIALS = /[\\^$.|?*+()[\]{}"/]/g;

/** A resource id as a literal inside a Java regex. */
export function escapeJavaRegex(literal: string): string {
  return literal.replace(JAVA_REGEX_SPECIALS, (char) => `\\${char}`);
}

/**
 * Regex bodies are capped: nothing documents a limit, so each alternation stays under `maxLength`
 * characters (8 KiB by default, far below any servlet body limit) and long lists become a few regexes.
 */
export const DEFAULT_MAX_REGEX_LENGTH = 8_192;

export interface RegexChunk {
  /** `^(?:a|b|c)$` */
  regex: string;
  /** The (unescaped) ids it matches. */
  ids: string[];
}

/**
 * Anchored alternations covering every id exactly once, each at most `maxLength` long (an id longer
 * than that on its own still gets its own regex). Ids are deduplicated and sorted so the same set
 * always gives the same requests.
 */
export function alternationRegexes(ids: Iterable<string>, maxLength = DEFAULT_MAX_REGEX_LENGTH): RegexChunk[] {
  const chunks: RegexChunk[] = [];
  let current: string[] = [];
  let escaped: string[] = [];
  let length = '^(?:)$'.length;
  const flush = (): void => {
    chunks.push({ regex: `^(?:${escaped.join('|')})$`, ids: current });
    current = [];
    escaped = [];
    length = '^(?:)$'.length;
  };
  for (const id of [...new Set(ids)].sort()) {
    const literal = escapeJavaRegex(id);
    const added = literal.length + (escaped.length > 0 ? 1 : 0);
    if (escaped.length > 0 && length + added > maxLength) flush();
    length += literal.length + (escaped.length > 0 ? 1 : 0);
    current.push(id);
    escaped.push(literal);
  }
  if (escaped.length > 0) flush();
  return chunks;
}
