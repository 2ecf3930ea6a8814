// Every form a server may echo the password in, removed; ordinary text left alone.
import { describe, expect, it } from 'vitest';
import { credentialSecrets, redactQuoted, redactSecrets } from '../../src/api/redact';

const USER = 'acme_ab12';
const PASSWORD = 'p&ss<W0rd>"x y';
const secrets = credentialSecrets(USER, PASSWORD);
const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
const entities = (text: string, radix: 10 | 16) => [...text].map((char) => `&#${radix === 16 ? 'x' : ''}${char.codePointAt(0)!.toString(radix)};`).join('');

describe('redactSecrets: the forms of the password', () => {
  it.each([
    ['as sent', PASSWORD],
    ['URL-encoded', encodeURIComponent(PASSWORD)],
    ['form-encoded', encodeURIComponent(PASSWORD).replace(/%20/g, '+')],
    ['URL-encoded in part', 'p%26ss%3CW0rd%3E"x%20y'],
    ['lower-case percent escapes', encodeURIComponent(PASSWORD).replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase())],
    ['HTML entities, decimal', entities(PASSWORD, 10)],
    ['HTML entities, hex', entities(PASSWORD, 16)],
    ['HTML-escaped special characters', 'p&amp;ss&lt;W0rd&gt;&quot;x y'],
    ['named and numeric references mixed', 'p&amp;s&#115;&lt;W&#x30;rd&gt;&#34;x&nbsp;y'.replace('&nbsp;', ' ')],
    ['JSON-escaped', JSON.stringify(PASSWORD).slice(1, -1)],
    ['base64 of the password', b64(PASSWORD)],
    ['base64url, unpadded', b64(PASSWORD).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_')],
    ['the Basic token', b64(`${USER}:${PASSWORD}`)],
    ['inside a longer base64 text', b64(`prefix-${PASSWORD}-suffix`)],
    ['inside a longer base64 text, shifted by one byte', b64(`xprefix-${PASSWORD}-suffix`)],
    ['inside a longer base64 text, shifted by two bytes', b64(`xxprefix-${PASSWORD}-suffix`)],
  ])('%s', (_form, echoed) => {
    const text = `server said: [${echoed}] (GET /cloudview-api/rest/v1/exceptions/list)`;
    const clean = redactSecrets(text, secrets);
    expect(clean).toContain('***');
    expect(clean).toContain('(GET /cloudview-api/rest/v1/exceptions/list)');
    expect(clean).not.toContain('W0rd');
    // Nothing of the encoded form survives that still decodes to the password.
    const decoded = decodeURIComponent(clean.replace(/\+/g, ' ').replace(/%(?![0-9a-fA-F]{2})/g, '%25'));
    expect(decoded).not.toContain(PASSWORD);
  });

  it('removes any Basic / Bearer credential, and a short Basic token whatever its length', () => {
    const short = credentialSecrets('u', 'p');
    const token = b64('u:p');
    expect(token).toHaveLength(4);
    expect(redactSecrets(`Authorization: Basic ${token} then ${token}`, short)).toBe('Authorization: Basic *** then ***');
    expect(redactSecrets('Authorization: Bearer abc.def.ghi', [])).toBe('Authorization: Bearer ***');
  });

  it('removes a short password only from server-echoed text, so ordinary output stays readable', () => {
    const short = credentialSecrets('u', 'ex');
    const ours = 'GET /cloudview-api/rest/v1/exceptions/list: next page';
    expect(redactSecrets(ours, short)).toBe(ours);
    expect(redactSecrets('bad password ex', short, { echoed: true })).toBe('bad password ***');
    expect(redactSecrets('as entities &#101;&#120; and encoded %65%78', short, { echoed: true })).toBe('as entities *** and encoded ***');
    // Quoted values inside our messages are server text (shape errors quote what the server sent).
    expect(redactQuoted('exception.name is the string "ex", expected ...', short)).toBe('exception.name is the string "***", expected ...');
    const single = credentialSecrets('u', 'Z');
    expect(redactSecrets('Zulu', single, { echoed: true })).toBe('***ulu');
    expect(redactSecrets('Zulu', single)).toBe('Zulu');
  });

  it('leaves text without a secret as it is, entities and escapes included', () => {
    const text = 'a &amp; b %41 &#65; c';
    expect(redactSecrets(text, secrets)).toBe(text);
    expect(redactSecrets(text, secrets, { echoed: true })).toBe(text);
  });
});
