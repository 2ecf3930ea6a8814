// The one escaper: bidi and other format characters are made visible wherever user text is shown
// (terminal, Markdown, JSON), on top of the control-character and Markdown rules.
import { describe, expect, it } from 'vitest';
import { escapeMarkdown, jsonSafe, markdownCode, showInvisible, terminalSafe, terminalSafeLines } from '../../src/render/escape';
import { renderFindingsGithub, renderFindingsJson, renderFindingsText } from '../../src/render/findings';

/** Every character the rule covers, by name. */
const INVISIBLE: Record<string, string> = {
  LRE: '\u202A',
  RLE: '\u202B',
  PDF: '\u202C',
  LRO: '\u202D',
  RLO: '\u202E',
  LRI: '\u2066',
  RLI: '\u2067',
  FSI: '\u2068',
  PDI: '\u2069',
  LRM: '\u200E',
  RLM: '\u200F',
  ALM: '\u061C',
  ZWSP: '\u200B',
  ZWNJ: '\u200C',
  ZWJ: '\u200D',
  'WORD JOINER': '\u2060',
  'INVISIBLE SEPARATOR': '\u2063',
  BOM: '\uFEFF',
  'SOFT HYPHEN': '\u00AD',
  'LINE SEPARATOR': '\u2028',
  'PARAGRAPH SEPARATOR': '\u2029',
  'TAG LATIN SMALL A': '\u{E0061}',
};
const ANY_INVISIBLE = /[\p{Cf}\u2028\u2029]/u;
const SPOOF = 'safe\u202Egnp.exe';

describe('format characters are made visible', () => {
  it.each(Object.entries(INVISIBLE))('%s', (_name, char) => {
    for (const shown of [terminalSafe(`a${char}b`), showInvisible(`a${char}b`), escapeMarkdown(`a${char}b`), markdownCode(`a${char}b`), jsonSafe(JSON.stringify(`a${char}b`))]) {
      expect(shown).not.toMatch(ANY_INVISIBLE);
      expect(shown).toMatch(/\\u/);
    }
  });

  it('a right-to-left override no longer turns safe…gnp.exe into safeexe.png', () => {
    expect(terminalSafe(SPOOF)).toBe('safe\\u202Egnp.exe');
    expect(escapeMarkdown(SPOOF)).toBe('safe\\\\u202Egnp.exe');
    expect(terminalSafe('tag\u{E0061}')).toBe('tag\\u{E0061}');
  });

  it('JSON keeps the data exactly and shows the character as an escape', () => {
    const value = { name: SPOOF, tag: 'x\u{E0061}', plain: 'déjà vu 🚀' };
    const text = jsonSafe(JSON.stringify(value, null, 2));
    expect(text).toContain('safe\\u202egnp.exe');
    expect(text).toContain('x\\udb40\\udc61');
    expect(text).toContain('déjà vu 🚀');
    expect(JSON.parse(text)).toEqual(value);
  });

  it('keeps the control-character rules: one line, no escape sequences', () => {
    expect(terminalSafe('evil\u001b[2Jname\r\nnext\u0085')).toBe('evil?[2Jname next?');
    expect(terminalSafeLines('line one\nline \u202Etwo')).toBe('line one\nline \\u202Etwo');
  });

  it('findings renderers show them too, in text, JSON and GitHub commands', () => {
    const finding = { severity: 'error' as const, rule: 'governance.name-pattern', message: `name '${SPOOF}' does not match`, file: 'p\u202E.yaml', line: 3, column: 5, path: 'exceptions.0.name' };
    const summary = { files: 1, exceptions: 1 };
    const text = renderFindingsText([finding], summary);
    expect(text).toContain("p\\u202E.yaml:3:5: error: name 'safe\\u202Egnp.exe' does not match");
    expect(renderFindingsJson([finding], summary)).not.toMatch(ANY_INVISIBLE);
    expect(JSON.parse(renderFindingsJson([finding], summary)).errors[0].message).toBe(finding.message);
    const github = renderFindingsGithub([finding], summary);
    expect(github).toContain("name 'safe\\u202Egnp.exe' does not match");
    // The file property stays the real path, so GitHub can attach the annotation to it.
    expect(github).toContain('file=p\u202E.yaml');
  });
});

describe('escapeMarkdown (the one Markdown escaper)', () => {
  it('neutralises markup, mentions, issue links, URLs, math and pipes', () => {
    expect(escapeMarkdown('@org/team <b>x</b> `c` a|b #12 https://e.example www.e.example $x$ ~~s~~ **b**')).toBe(
      '@&#8203;org/team &lt;b&gt;x&lt;/b&gt; \\`c\\` a\\|b #&#8203;12 https:&#8203;//e.example www&#8203;.e.example \\$x\\$ \\~\\~s\\~\\~ \\*\\*b\\*\\*',
    );
  });

  it('is one line without control characters, and cuts long text', () => {
    expect(escapeMarkdown('a\nb\r\nc\u0000d\u001be\tf')).toBe('a b c d e f');
    const long = escapeMarkdown('x'.repeat(1000));
    expect(long).toHaveLength(300);
    expect(long.endsWith('…')).toBe(true);
  });

  it('a `#` at the start of a cell cannot make a heading', () => {
    expect(escapeMarkdown('# title')).toBe('#&#8203; title');
  });
});
