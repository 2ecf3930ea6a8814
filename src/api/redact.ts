// Credentials out of every text that leaves the client, whatever form a server echoed them in: as
// sent, URL-encoded (any mix of %XX), as HTML entities (`&#112;`, `&#x70;`, `&amp;`, ...), JSON-escaped,
// in base64 (the Basic token, the password alone, or the password inside a longer base64 text).
// A password shorter than MIN_PLAIN_LENGTH would mangle ordinary text if removed everywhere ("a" is in
// most words), so it is removed only from text the server sent (`echoed`); the Basic token is always removed.

/** Shortest password removed from any text; shorter ones only from server-echoed text. */
export const MIN_PLAIN_LENGTH = 3;
/** Shortest fragment of a base64 text that could hold the password at another alignment worth looking for. */
const MIN_BASE64_CORE = 8;

export interface Secrets {
  /** Removed wherever they appear, whatever their length: the Basic token and its variants. */
  tokens: readonly string[];
  /** Removed in every encoded form; shorter than MIN_PLAIN_LENGTH only from server-echoed text. */
  plain: readonly string[];
}

export interface RedactOptions {
  /** The text came from the server (a message, an error code, a request id, a header): remove short secrets too. */
  echoed?: boolean;
}

function base64Variants(base64: string): string[] {
  const unpadded = base64.replace(/=+$/, '');
  const urlSafe = unpadded.replace(/\+/g, '-').replace(/\//g, '_');
  return [...new Set([base64, unpadded, urlSafe])].filter((form) => form !== '');
}

/** The secret's base64 at the three byte alignments, without the characters its neighbours would change. */
function base64Cores(secret: string): string[] {
  const bytes = Buffer.from(secret, 'utf8');
  const cores: string[] = [];
  for (let prefix = 0; prefix < 3; prefix += 1) {
    const encoded = Buffer.concat([Buffer.alloc(prefix), bytes]).toString('base64');
    const skip = [0, 2, 3][prefix];
    const trim = [0, 3, 2][(prefix + bytes.length) % 3];
    const core = encoded.slice(skip, encoded.length - trim);
    if (core.length >= MIN_BASE64_CORE) cores.push(core);
  }
  return cores;
}

/** Every literal form of a secret looked for in the text as it stands. */
function literalForms(secret: string): string[] {
  const uri = encodeURIComponent(secret);
  return [
    secret,
    uri,
    uri.replace(/%20/g, '+'),
    JSON.stringify(secret).slice(1, -1),
    ...base64Variants(Buffer.from(secret, 'utf8').toString('base64')),
    ...base64Cores(secret),
  ];
}

/** The Basic token of these credentials and every form the password may take. */
export function credentialSecrets(username: string, password: string): Secrets {
  return { tokens: base64Variants(Buffer.from(`${username}:${password}`, 'utf8').toString('base64')), plain: [password] };
}

// HTML's named references for the characters a password may hold (ASCII punctuation and the space).
const NAMED_ENTITIES: Record<string, string> = {
  amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0', excl: '!', num: '#', dollar: '$', percnt: '%', lpar: '(',
  rpar: ')', ast: '*', midast: '*', plus: '+', comma: ',', period: '.', sol: '/', colon: ':', semi: ';', equals: '=', quest: '?',
  commat: '@', lsqb: '[', lbrack: '[', bsol: '\\', rsqb: ']', rbrack: ']', Hat: '^', lowbar: '_', grave: '`', lcub: '{',
  lbrace: '{', verbar: '|', vert: '|', rcub: '}', rbrace: '}', tilde: '~', hyphen: '-', dash: '-',
};

interface Decoded {
  text: string;
  /** For each decoded UTF-16 unit, where it came from in the original text: [start, end). */
  start: number[];
  end: number[];
}

const UTF8 = new TextDecoder('utf-8');

/** HTML character references and %XX sequences decoded, remembering which original characters each came from. */
function decodeWithPositions(text: string): Decoded {
  const out: Decoded = { text: '', start: [], end: [] };
  const push = (chars: string, start: number, end: number) => {
    out.text += chars;
    for (let k = 0; k < chars.length; k += 1) {
      out.start.push(start);
      out.end.push(end);
    }
  };
  let i = 0;
  while (i < text.length) {
    if (text[i] === '&') {
      const match = /^&(?:#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6})|([A-Za-z]{2,8}));?/.exec(text.slice(i, i + 12));
      const named = match?.[3] !== undefined && match[0].endsWith(';') ? NAMED_ENTITIES[match[3]] : undefined;
      const code = match?.[1] !== undefined ? Number(match[1]) : match?.[2] !== undefined ? parseInt(match[2], 16) : undefined;
      if (match && (named !== undefined || (code !== undefined && code <= 0x10ffff))) {
        push(named ?? String.fromCodePoint(code!), i, i + match[0].length);
        i += match[0].length;
        continue;
      }
    }
    if (text[i] === '%' && /^%[0-9a-fA-F]{2}/.test(text.slice(i, i + 3))) {
      // A run of %XX is UTF-8 bytes: decode each character from its own bytes.
      let j = i;
      const bytes: number[] = [];
      const offsets: number[] = [];
      while (/^%[0-9a-fA-F]{2}/.test(text.slice(j, j + 3))) {
        bytes.push(parseInt(text.slice(j + 1, j + 3), 16));
        offsets.push(j);
        j += 3;
      }
      for (let b = 0; b < bytes.length; ) {
        const lead = bytes[b];
        const length = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
        const take = Math.min(length, bytes.length - b);
        push(UTF8.decode(Uint8Array.from(bytes.slice(b, b + take))), offsets[b], offsets[b + take - 1] + 3);
        b += take;
      }
      i = j;
      continue;
    }
    push(text[i], i, i + 1);
    i += 1;
  }
  return out;
}

function occurrences(haystack: string, needle: string): number[] {
  const found: number[] = [];
  for (let at = haystack.indexOf(needle); at !== -1; at = haystack.indexOf(needle, at + 1)) found.push(at);
  return found;
}

/**
 * Replaces every occurrence of the secrets, in any of the forms above, with `***`; then any other
 * `Basic` / `Bearer` credential. `secrets` as a plain list means passwords (MIN_PLAIN_LENGTH applies).
 */
export function redactSecrets(text: string, secrets: readonly string[] | Secrets, options: RedactOptions = {}): string {
  const { tokens, plain } = Array.isArray(secrets) ? { tokens: [] as string[], plain: secrets as readonly string[] } : (secrets as Secrets);
  const wanted = (form: string) => form !== '' && (options.echoed || form.length >= MIN_PLAIN_LENGTH);
  const literal = new Set<string>(tokens.filter((token) => token !== ''));
  const decodedNeedles = new Set<string>(literal);
  for (const secret of plain) {
    for (const form of literalForms(secret)) if (wanted(form)) literal.add(form);
    if (wanted(secret)) decodedNeedles.add(secret);
  }
  const spans: Array<[number, number]> = [];
  for (const form of literal) for (const at of occurrences(text, form)) spans.push([at, at + form.length]);
  if (/[&%]/.test(text) && decodedNeedles.size > 0) {
    const decoded = decodeWithPositions(text);
    for (const needle of decodedNeedles) {
      for (const at of occurrences(decoded.text, needle)) spans.push([decoded.start[at], decoded.end[at + needle.length - 1]]);
    }
  }
  let out = text;
  if (spans.length > 0) {
    spans.sort((a, b) => a[0] - b[0] || b[1] - a[1]);
    const merged: Array<[number, number]> = [];
    for (const span of spans) {
      const last = merged[merged.length - 1];
      if (last && span[0] <= last[1]) last[1] = Math.max(last[1], span[1]);
      else merged.push([...span]);
    }
    out = '';
    let cursor = 0;
    for (const [start, end] of merged) {
      out += `${text.slice(cursor, start)}***`;
      cursor = end;
    }
    out += text.slice(cursor);
  }
  return out.replace(/(Basic|Bearer)\s+[A-Za-z0-9+/=._-]{6,}/gi, '$1 ***');
}

/** Server text quoted inside our own messages (`"…"`, as shape errors quote values): redacted as echoed. */
export function redactQuoted(text: string, secrets: Secrets): string {
  return text.replace(/"(?:[^"\\]|\\.)*"/g, (quoted) => redactSecrets(quoted, secrets, { echoed: true }));
}
