import { execFileSync } from 'node:child_process';
import { symlinkSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, configuredManifests, loadConfig, parseConfig } from '../../src/config';
import { WorkingFolderError } from '../../src/files/repository-paths';

describe('config', () => {
  it('is empty when the default file is absent, an error when an explicit one is', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'cvex-config-'));
    await expect(loadConfig(dir)).resolves.toEqual({});
    await expect(loadConfig(dir, 'nope.yaml')).rejects.toThrow(ConfigError);
  });

  it('reads every documented key', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'cvex-config-'));
    await writeFile(
      path.join(dir, 'cvex.config.yaml'),
      [
        'version: 1',
        'timezone: Asia/Kolkata',
        'manifests: ["exceptions/**/*.yaml"]',
        'manage: ["team-a-*"]',
        'maxDeletes: 3',
        'maxDeletePercent: 10',
        'auditLog: audit.jsonl',
        'governance:',
        '  maxDurationDays: { Risk Accepted: 180 }',
        '  requirePolicyFor: [Risk Accepted]',
        '  namePattern: "^[a-z0-9-]+$"',
        '  requiredMetadata: [owner]',
      ].join('\n'),
    );
    const config = await loadConfig(dir);
    expect(config).toMatchObject({ timezone: 'Asia/Kolkata', manage: ['team-a-*'], maxDeletes: 3, file: 'cvex.config.yaml' });
    expect(config.governance?.maxDurationDays?.['Risk Accepted']).toBe(180);
  });

  it('points at the line of an unknown key, a bad value and a bad time zone', () => {
    expect(() => parseConfig('timezone: UTC\nmaxDelete: 3\n', 'c.yaml')).toThrow(/c\.yaml:2:1: .*'maxDelete'/);
    expect(() => parseConfig('maxDeletes: -1\n', 'c.yaml')).toThrow(/c\.yaml:1:13: \/maxDeletes must be >= 0/);
    expect(() => parseConfig('timezone: Mars/Olympus\n', 'c.yaml')).toThrow(/c\.yaml:1:11: unknown time zone/);
    expect(() => parseConfig('governance:\n  namePattern: "("\n', 'c.yaml')).toThrow(/namePattern does not compile/);
    expect(() => parseConfig('a: 1\na: 2\n', 'c.yaml')).toThrow(/c\.yaml:2:1/);
    expect(() => parseConfig('platform: US1\napiUrl: https://qualysguard.qg2.apps.qualys.com\n', 'c.yaml')).toThrow(/c\.yaml:2:9: set either platform or apiUrl, not both/);
  });

  it('is read with the manifests\' YAML reader: alias bombs, duplicate keys and inexact numbers at file:line:column', () => {
    const lines = ['a: &a ["x", "x", "x", "x", "x", "x", "x", "x", "x", "x"]'];
    for (let i = 1; i < 10; i += 1) lines.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10).fill(`*${String.fromCharCode(96 + i)}`).join(', ')}]`);
    expect(() => parseConfig(`${lines.join('\n')}\n`, 'c.yaml')).toThrow(/^c\.yaml:2:\d+: aliases expand to too many nodes \(limit 100\)/);
    expect(() => parseConfig('maxDeletes: 3\nmaxDeletes: 4\n', 'c.yaml')).toThrow('c.yaml:2:1: duplicate key "maxDeletes"');
    expect(() => parseConfig('maxDeletes: 99999999999999999999\n', 'c.yaml')).toThrow('c.yaml:1:13: the number 99999999999999999999 cannot be read exactly (it would become 100000000000000000000)');
    expect(() => parseConfig('maxDeletes: 2147483648\n', 'c.yaml')).toThrow('c.yaml:1:13: /maxDeletes must be <= 2147483647');
  });

  it('rejects blank strings after trimming, at their line', () => {
    expect(() => parseConfig('manifests: ["policies/*.yaml", "  "]\n', 'c.yaml')).toThrow('c.yaml:1:32: /manifests/1 must not be blank');
    expect(() => parseConfig('manifests: [""]\n', 'c.yaml')).toThrow(/^c\.yaml:1:13: \/manifests\/0 must NOT have fewer than 1 characters$/);
    expect(() => parseConfig('governance:\n  namePattern: " "\n', 'c.yaml')).toThrow('c.yaml:2:16: /governance/namePattern must not be blank');
  });

  it('records where each manifests glob is written, for findings about it', () => {
    const config = parseConfig('timezone: UTC\nmanifests:\n  - policies/**/*.yaml\n  - "teams/*.yml"\ngovernance:\n  namePattern: "^x"\n', 'cvex.config.yaml');
    expect(configuredManifests(config)).toEqual([
      { pattern: 'policies/**/*.yaml', source: { file: 'cvex.config.yaml', line: 3, column: 5, path: 'manifests.0' } },
      { pattern: 'teams/*.yml', source: { file: 'cvex.config.yaml', line: 4, column: 5, path: 'manifests.1' } },
    ]);
    expect(config.locations?.['governance.namePattern']).toEqual({ file: 'cvex.config.yaml', line: 6, column: 16 });
    expect(configuredManifests({})).toEqual([]);
  });

  it('refuses a FIFO, a link to /dev/zero and a huge file without reading them, and never quotes them', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'cvex-config-'));
    execFileSync('mkfifo', [path.join(dir, 'cvex.config.yaml')]);
    await expect(loadConfig(dir)).rejects.toThrow('cannot read config cvex.config.yaml: not a regular file (a pipe, a device or a socket), not read');
    symlinkSync('/dev/zero', path.join(dir, 'zero.yaml'));
    await expect(loadConfig(dir, 'zero.yaml')).rejects.toThrow(/not a regular file/);
    await writeFile(path.join(dir, 'big.yaml'), `# TOPSECRET\n${'manage: []\n#'.repeat(200_000)}`);
    const error = await loadConfig(dir, 'big.yaml').catch((caught: Error) => caught);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/^cannot read config big\.yaml: file is \d+ bytes; the config is limited to 1048576 bytes, not read$/);
  }, 5_000);

  it('says the working folder is gone when it is, instead of reading an empty config', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'cvex-config-'));
    await rm(dir, { recursive: true });
    await expect(loadConfig(dir)).rejects.toThrow(WorkingFolderError);
  });
});

describe('ownership keys', () => {
  const key = 'ed25519:11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo';

  it('reads owner, repository, markerKeys, takeOverFrom and maxExplanationLength', () => {
    const config = parseConfig(
      ['owner: platform-security', 'repository: acme/cloud-policies', `markerKeys: [${key}]`, 'takeOverFrom: [team-a]', 'maxExplanationLength: 2000'].join('\n'),
      'c.yaml',
    );
    expect(config).toMatchObject({ owner: 'platform-security', repository: 'acme/cloud-policies', markerKeys: [key], takeOverFrom: ['team-a'], maxExplanationLength: 2000 });
  });

  it('points at a bad owner, repository or key', () => {
    expect(() => parseConfig('owner: Platform_Security\n', 'c.yaml')).toThrow(/c\.yaml:1:8: \/owner must match pattern/);
    expect(() => parseConfig(`owner: ${'a'.repeat(33)}\n`, 'c.yaml')).toThrow(/\/owner must match pattern/);
    expect(() => parseConfig('repository: just-a-name\n', 'c.yaml')).toThrow(/\/repository must match pattern/);
    expect(() => parseConfig('markerKeys: [ed25519:short]\n', 'c.yaml')).toThrow(/\/markerKeys\/0 must match pattern/);
    // 43 characters whose last one leaves bits over: not 32 bytes exactly.
    expect(() => parseConfig(`owner: a\nmarkerKeys:\n  - ${key.slice(0, -1)}_\n`, 'c.yaml')).toThrow(/c\.yaml:3:5: markerKeys\[0\] is not a 32-byte Ed25519 public key/);
    expect(() => parseConfig('takeOverFrom: [Team A]\n', 'c.yaml')).toThrow(/takeOverFrom\/0 must match pattern/);
    expect(() => parseConfig('maxExplanationLength: 10\n', 'c.yaml')).toThrow(/maxExplanationLength must be >= 200/);
  });
});
