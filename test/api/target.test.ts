import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/command-line/io';
import { parseCommandLine } from '../../src/command-line/define';
import { parseDuration, resolveTarget, TARGET_FLAGS } from '../../src/command-line/target';

const creds = { QUALYS_USERNAME: 'user', QUALYS_PASSWORD: 'pw-Zebra-42' };

function values(args: string[]) {
  const spec = { name: 'test', usage: [], description: '', positionals: false, flags: { ...TARGET_FLAGS, verbose: { type: 'boolean', description: '' } } } as const;
  return parseCommandLine(spec, args).values;
}

describe('resolveTarget', () => {
  it('resolves a platform with defaults', () => {
    const target = resolveTarget(values(['--platform', 'us2']), creds);
    expect(target).toEqual({
      client: { baseUrl: 'https://qualysguard.qg2.apps.qualys.com/cloudview-api', username: 'user', password: 'pw-Zebra-42', concurrency: 2, timeoutMs: 30_000 },
      timeZone: 'UTC',
      platform: 'US2',
    });
  });

  it('takes --api-url over QUALYS_API_URL, and the env when no flag is given', () => {
    expect(resolveTarget(values(['--api-url', 'http://127.0.0.1:9']), { ...creds, QUALYS_API_URL: 'https://other.example' }).client.baseUrl).toBe(
      'http://127.0.0.1:9/cloudview-api',
    );
    expect(resolveTarget(values([]), { ...creds, QUALYS_API_URL: 'https://q.example.corp/cloudview-api' }).client.baseUrl).toBe(
      'https://q.example.corp/cloudview-api',
    );
  });

  it('reads timezone, concurrency and timeout', () => {
    const target = resolveTarget(values(['--platform', 'EU1', '--timezone', 'Asia/Kolkata', '--concurrency', '4', '--timeout', '500ms']), creds);
    expect(target.timeZone).toBe('Asia/Kolkata');
    expect(target.client).toMatchObject({ concurrency: 4, timeoutMs: 500 });
    expect(parseDuration('2m')).toBe(120_000);
    expect(parseDuration('45')).toBe(45_000);
    expect(parseDuration('fast')).toBeUndefined();
  });

  it.each([
    [[], {}, /no CloudView target: pass --platform/],
    [['--platform', 'US1', '--api-url', 'https://x'], {}, /either --platform or --api-url/],
    [['--platform', 'XX9'], {}, /--platform: unknown platform 'XX9'/],
    [['--api-url', 'http://qualysguard.qualys.com'], {}, /--api-url: plain http:\/\/ is refused/],
    [[], { QUALYS_API_URL: 'http://10.1.1.1' }, /QUALYS_API_URL: plain http/],
    [['--platform', 'US1', '--timezone', 'Mars/Olympus'], {}, /not an IANA time zone/],
    [['--platform', 'US1', '--concurrency', '0'], {}, /--concurrency: expected a whole number from 1 to 16/],
    [['--platform', 'US1', '--concurrency', 'two'], {}, /--concurrency/],
    [['--platform', 'US1', '--timeout=0'], {}, /--timeout/],
    [['--platform', 'US1', '--timeout', '40000m'], {}, /--timeout: at most 24 hours/],
    [['--platform', 'US1', '--ca-file', 'nope.pem'], {}, /--ca-file: cannot read nope\.pem: no such file or folder/],
  ])('refuses %j with a UsageError', (args, env, pattern) => {
    expect(() => resolveTarget(values(args as string[]), { ...creds, ...env })).toThrow(UsageError);
    expect(() => resolveTarget(values(args as string[]), { ...creds, ...env })).toThrow(pattern);
  });

  it('names the missing credential variables and never asks for a flag', () => {
    expect(() => resolveTarget(values(['--platform', 'US1']), {})).toThrow(/set QUALYS_USERNAME and QUALYS_PASSWORD in the environment/);
    expect(() => resolveTarget(values(['--platform', 'US1']), { QUALYS_USERNAME: 'u' })).toThrow(/set QUALYS_PASSWORD in the/);
    expect(() => values(['--password', 'x'])).toThrow();
  });

  it('reads a PEM --ca-file relative to cwd and refuses a non-PEM one', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'cvex-ca-'));
    writeFileSync(path.join(dir, 'ca.pem'), '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    writeFileSync(path.join(dir, 'junk.txt'), 'hello');
    const target = resolveTarget(values(['--platform', 'US1', '--ca-file', 'ca.pem']), creds, { cwd: dir });
    expect(target.client.ca?.toString()).toContain('BEGIN CERTIFICATE');
    expect(() => resolveTarget(values(['--platform', 'US1', '--ca-file', 'junk.txt']), creds, { cwd: dir })).toThrow(/holds no PEM certificate/);
  });

  it('never puts the password in a usage error', () => {
    for (const args of [['--api-url', 'https://user:pw-Zebra-42@host'], ['--api-url', 'not a url pw-Zebra-42']]) {
      try {
        resolveTarget(values(args), creds);
        expect.unreachable();
      } catch (error) {
        expect(error).toBeInstanceOf(UsageError);
        expect(String((error as Error).message)).not.toContain('pw-Zebra-42');
      }
    }
  });
});
