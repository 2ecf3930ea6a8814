// The one place user text is made safe for where it is shown: a terminal line, a Markdown comment
// posted by a bot, a JSON document a reviewer reads. Names, explanations, regexes and messages come
// from manifests anyone with write access edits, and from remote exceptions anyone with UI access
// edits; neither may move the cursor, forge a line, inject markup, or reorder what a reviewer reads.

/**
 * Characters that change how text is displayed without being seen: bidi embeddings, overrides and
 * isolates (U+202A–U+202E, U+2066–U+2069), marks (U+200E/F, U+061C), zero-width characters
 * (U+200B–U+200D, U+2060–U+2064, U+FEFF) and every other Unicode "format" character (Cf: soft
 * hyphen, tag characters, ...), plus the line and paragraph separators U+2028/U+2029.
 * `safe\u202Egnp.exe` would show as `safeexe.png`.
 */
const INVISIBLE = /[\p{Cf}\u2028\u2029]/gu;

/** C0 and C1 controls except tab and line breaks (handled by each form). */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

const LINE_BREAK = /\r\n?|\n/g;

/** `\u202E`: the invisible character written as its code point, so a reviewer sees it is there. */
function codePointEscape(char: string): string {
  const code = char.codePointAt(0)!;
  return code > 0xffff ? `\\u{${code.toString(16).toUpperCase()}}` : `\\u${code.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** Format characters (bidi controls, zero-width, ...) made visible as `\u202E`; everything else kept. */
export function showInvisible(text: string): string {
  return text.replace(INVISIBLE, codePointEscape);
}

/**
 * One line for a terminal: line breaks become spaces (a remote name cannot forge a line of the plan,
 * or a CI workflow command such as `::error` in the job log), control characters become `?` (no
 * cursor moves, no colours), format characters become visible (`\u202E`).
 */
export function terminalSafe(text: string): string {
  return showInvisible(text.replace(LINE_BREAK, ' ').replace(CONTROL, '?'));
}

/** Several lines for a terminal (an error listing one problem per line): as terminalSafe, line breaks kept. */
export function terminalSafeLines(text: string): string {
  return text.split(LINE_BREAK).map(terminalSafe).join('\n');
}

/**
 * A JSON document with every format character inside its strings written as a `\uXXXX` escape:
 * the same data once parsed, but a reviewer reading the file sees the character. JSON.stringify
 * writes these characters raw, and only inside strings, so a plain replace is exact.
 */
export function jsonSafe(json: string): string {
  return json.replace(INVISIBLE, (char) => {
    const code = char.codePointAt(0)!;
    if (code <= 0xffff) return `\\u${code.toString(16).padStart(4, '0')}`;
    // An astral character (a tag character) is a surrogate pair in JSON.
    const offset = code - 0x10000;
    const high = 0xd800 + (offset >> 10);
    const low = 0xdc00 + (offset & 0x3ff);
    return `\\u${high.toString(16)}\\u${low.toString(16)}`;
  });
}

/** Longest text put in one Markdown cell; the rest is cut with `…`. */
export const MAX_MARKDOWN_CELL = 300;

/**
 * Inline user text for Markdown that a bot posts (pull-request comments, issues, job summaries),
 * safe in a table cell: one line, no HTML, no Markdown syntax, no pipes, no @mentions, no issue
 * links, no autolinked URLs, no LaTeX, and format characters visible.
 */
export function escapeMarkdown(text: string, maxLength = MAX_MARKDOWN_CELL): string {
  const flat = text.replace(LINE_BREAK, ' ').replace(CONTROL, ' ').replace(/\t/g, ' ');
  const clipped = flat.length > maxLength ? `${flat.slice(0, maxLength - 1)}…` : flat;
  return (
    showInvisible(clipped)
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      // `$` too: GitHub renders $...$ as LaTeX math (sizes, colours: markup by another name).
      .replace(/[\\`*_{}[\]()+!|~$]/g, '\\$&')
      // A zero-width space (as an entity, so the text itself stays visible) after `@` stops GitHub
      // from notifying a user or team, after `#` from linking an issue or starting a heading.
      .replace(/[@#]/g, '$&&#8203;')
      // Bare URLs would be autolinked; break the scheme, and `www.` which GitHub links without one.
      .replace(/:\/\//g, ':&#8203;//')
      .replace(/(www)\./gi, '$1&#8203;.')
  );
}

/** A Markdown code span for text of ours (uuids, dates, commits); a backtick cannot close it early. */
export function markdownCode(text: string): string {
  return `\`${showInvisible(text.replace(/`/g, "'").replace(LINE_BREAK, ' ').replace(CONTROL, ' '))}\``;
}
