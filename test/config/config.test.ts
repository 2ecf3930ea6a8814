import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseConfig } from '../../src/config';

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
