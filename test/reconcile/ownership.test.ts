import { Minimatch } from 'minimatch';
import { describe, expect, it, vi } from 'vitest';
import { fingerprintSpec, normaliseSpec } from '../../src/reconcile/fingerprint';
import { compileManageNames } from '../../src/reconcile/manage-names';
import { addMarker, formatMarker, markerLength, readMarker, shortCommit, stampMarker } from '../../src/reconcile/marker';
import { generateMarkerKey, parseMarkerPublicKey, parseSigningKey } from '../../src/reconcile/marker-keys';
import { buildOwnershipIndex, DEFAULT_OWNERSHIP, historyKey, historyQueries, type OwnershipSettings } from '../../src/reconcile/ownership-index';
import { manifest, remoteOf, spec } from './helpers';

describe('fingerprint', () => {
  it('ignores order, duplicates, whitespace and empty optionals', () => {
    const a = spec({ controlIds: [50112, 50036], accountIds: [], informationSecurityPolicy: '  ' });
    const b = spec({ controlIds: [50036, 50112, 50036], explanation: '  Static website bucket, public by design.\r\n' });
    expect(fingerprintSpec(a)).toBe(fingerprintSpec(b));
    expect(fingerprintSpec(a)).toMatch(/^[0-9a-f]{16}$/);
  });

  it('changes with any API field, including those the API never shows back', () => {
    const base = fingerprintSpec(spec());
    expect(fingerprintSpec(spec({ endDate: '2027-07-01' }))).not.toBe(base);
    expect(fingerprintSpec(spec({ resources: [{ resourceId: 'arn:aws:s3:::site', accountId: '123456789012', region: 'eu-west-1' }] }))).not.toBe(base);
    expect(fingerprintSpec(spec({ informationSecurityPolicy: 'POL-1' }))).not.toBe(base);
  });

  it('sorts resources and tag lists', () => {
    const normalised = normaliseSpec(
      spec({
        resources: [
          { resourceId: 'b', accountId: '2' },
          { resourceId: 'a', accountId: '1' },
          { resourceId: 'a', accountId: '1' },
        ],
        resourceTagNames: ['z', 'a'],
      }),
    );
    expect(normalised.resources).toEqual([
      { resourceId: 'a', accountId: '1' },
      { resourceId: 'b', accountId: '2' },
    ]);
    expect(normalised.resourceTagNames).toEqual(['a', 'z']);
  });
});

describe('ownership marker', () => {
  it('round-trips a v2 marker through a description', () => {
    const marker = stampMarker('n', '0123456789abcdef', { owner: 'team-a', commit: 'local' });
    const description = addMarker('Public by design.\nSee ticket SEC-1.', marker);
    expect(description).toBe('Public by design.\nSee ticket SEC-1.\n\n[cvex:team-a 0123456789abcdef local]');
    expect(readMarker(description)).toEqual({ explanation: 'Public by design.\nSee ticket SEC-1.', marker: { version: 2, owner: 'team-a', fingerprint: '0123456789abcdef', commit: 'local' } });
  });

  it('reads the legacy form (no owner) and the signed form', () => {
    expect(readMarker('x\n\n[cvex:0123456789abcdef 1a2b3c4]').marker).toEqual({ version: 1, fingerprint: '0123456789abcdef', commit: '1a2b3c4' });
    const key = parseSigningKey(generateMarkerKey().privateKey);
    const signed = stampMarker('n', '0123456789abcdef', { owner: 'team-a', commit: '0123456789abcdef0123', sign: key.sign });
    expect(signed.commit).toBe('0123456789ab');
    expect(formatMarker(signed)).toMatch(/^\[cvex:team-a 0123456789abcdef 0123456789ab [0-9a-f]{8}\.[A-Za-z0-9_-]{86}\]$/);
    expect(readMarker(`text\n\n${formatMarker(signed)}`).marker).toEqual(signed);
    expect(formatMarker(signed).length + 2).toBe(markerLength('team-a', true));
    expect(`\n\n${formatMarker({ ...signed, signature: undefined })}`.length).toBe(markerLength('team-a', false));
  });

  it('tolerates a server that collapses the blank line or adds trailing space', () => {
    expect(readMarker('text [cvex:team-a 0123456789abcdef 1a2b3c4d5e6f]  ').marker).toMatchObject({ owner: 'team-a', commit: '1a2b3c4d5e6f' });
  });

  it('sees no marker in the middle of the text, nor in loose look-alikes', () => {
    for (const text of [
      '[cvex:0123456789abcdef local] and more',
      'x [cvex:deadbeef pending]',
      'x [cvex:Team-A 0123456789abcdef local]',
      'x [cvex:team-a 0123456789abcdef 1a2b3c4]',
      'x [cvex:team-a 0123456789abcdef local zzzzzzzz.abc]',
      'x [cvex:a b c d e]',
    ]) {
      expect(readMarker(text).marker, text).toBeUndefined();
    }
  });

  it('reads a long run of spaces without a marker in linear time', () => {
    expect(readMarker(`${' '.repeat(200_000)}x`).marker).toBeUndefined();
  });

  it('shortens a commit or falls back to local', () => {
    expect(shortCommit('0123456789ABCDEF0123456789abcdef01234567')).toBe('0123456789ab');
    expect(shortCommit(undefined)).toBe('local');
    expect(shortCommit('not a sha; rm -rf')).toBe('local');
  });
});

describe('manage names', () => {
  it('keeps exact names in a set and compiles real globs once', () => {
    const names = compileManageNames(['team-a-*', 'exact-one', 'team\\{a,b\\}', '\\[br\\]']);
    expect(names.claims('team-a-x')).toBe(true);
    expect(names.isExact('team-a-x')).toBe(false);
    for (const exact of ['exact-one', 'team{a,b}', '[br]']) {
      expect(names.claims(exact), exact).toBe(true);
      expect(names.isExact(exact), exact).toBe(true);
    }
    expect(names.claims('teama')).toBe(false);
    expect(names.claims('ui-made')).toBe(false);
  });
});

describe('ownership index', () => {
  const key = generateMarkerKey();
  const signer = parseSigningKey(key.privateKey);
  const otherKey = parseSigningKey(generateMarkerKey().privateKey);
  const wanted = spec({ name: 'team-a-1' });
  const gone = spec({ name: 'team-a-gone' });
  const settings = (overrides: Partial<OwnershipSettings> = {}): OwnershipSettings => ({ ...DEFAULT_OWNERSHIP, owner: 'team-a', ...overrides });
  const kindOf = (remote: ReturnType<typeof remoteOf>, options: Partial<OwnershipSettings> = {}, desired = [manifest(wanted)]) =>
    buildOwnershipIndex({ remote: [remote], desired, settings: settings(options) }).of(remote);

  it('classifies every kind', () => {
    expect(kindOf(remoteOf(wanted, { owner: 'team-a' }))).toMatchObject({ kind: 'owned', managed: true });
    expect(kindOf(remoteOf(wanted, { owner: 'team-b' }))).toMatchObject({ kind: 'foreign', owner: 'team-b', managed: false });
    expect(kindOf(remoteOf(wanted, { owner: 'team-b' }), { manage: ['team-*'] })).toMatchObject({ kind: 'foreign' });
    expect(kindOf(remoteOf(wanted, { marker: false }))).toMatchObject({ kind: 'unmanaged', managed: false });
    expect(kindOf(remoteOf(wanted, { marker: false }), { manage: ['team-a-*'] })).toMatchObject({ kind: 'adopted', managed: true });
    const legacy = { ...remoteOf(wanted, { marker: false }), explanation: 'x\n\n[cvex:0123456789abcdef local]' };
    expect(kindOf(legacy)).toMatchObject({ kind: 'legacy', managed: true });
    expect(kindOf({ ...legacy, name: 'other' }, {}, [])).toMatchObject({ kind: 'legacy', managed: false });
    expect(kindOf({ ...legacy, name: 'other' }, { manage: ['other'] }, [])).toMatchObject({ kind: 'legacy', managed: true });
    expect(kindOf({ ...legacy, name: 'other' }, { manage: ['oth*'] }, [])).toMatchObject({ kind: 'legacy', managed: false });
  });

  it('without keys: verifies by the manifest fingerprint, else by history', () => {
    const absent = remoteOf(gone, { owner: 'team-a' });
    expect(kindOf(absent)).toMatchObject({ kind: 'unverified', reason: 'the repository history was not read' });
    const forged = remoteOf(spec({ name: 'team-a-1', controlIds: [1] }), { owner: 'team-a' });
    expect(kindOf(forged)).toMatchObject({ kind: 'unverified' });
    const held = new Set([historyKey('team-a-gone', fingerprintSpec(gone), 'abcdef012345')]);
    const index = buildOwnershipIndex({ remote: [absent], desired: [], settings: settings(), history: { held, unreadable: new Map() } });
    expect(index.of(absent)).toMatchObject({ kind: 'owned' });
    expect(historyQueries([absent, remoteOf(wanted, { owner: 'team-a' })], [manifest(wanted)], settings())).toEqual([{ name: 'team-a-gone', fingerprint: fingerprintSpec(gone), commit: 'abcdef012345' }]);
  });

  it('with keys: only a valid signature by a listed key verifies, whatever the fingerprint', () => {
    const keys = { markerKeys: [parseMarkerPublicKey(key.publicKey)] };
    expect(kindOf(remoteOf(gone, { owner: 'team-a', sign: signer.sign }), keys, [])).toMatchObject({ kind: 'owned' });
    expect(kindOf(remoteOf(wanted, { owner: 'team-a', signed: false }), keys)).toMatchObject({ kind: 'unverified', reason: expect.stringContaining('not signed') });
    expect(kindOf(remoteOf(wanted, { owner: 'team-a', sign: otherKey.sign }), keys)).toMatchObject({ kind: 'unverified', reason: expect.stringContaining('does not list') });
    // A valid signature copied onto another name does not verify: the name is signed.
    const copied = { ...remoteOf(wanted, { owner: 'team-a', sign: signer.sign }), name: 'team-a-2' };
    expect(kindOf(copied, keys, [manifest(spec({ name: 'team-a-2' }))])).toMatchObject({ kind: 'unverified', reason: 'its signature does not verify' });
  });

  it('marks take-overs of listed owners, and of our own unverified markers', () => {
    expect(kindOf(remoteOf(wanted, { owner: 'team-b' }), { takeOverFrom: ['team-b'] })).toMatchObject({ kind: 'foreign', takeOver: true });
    expect(kindOf(remoteOf(gone, { owner: 'team-a' }), { takeOverFrom: ['team-a'] }, [manifest(gone), manifest(wanted)])).toMatchObject({ kind: 'owned' });
    const unverified = remoteOf(spec({ name: 'team-a-1', controlIds: [9] }), { owner: 'team-a' });
    expect(kindOf(unverified, { takeOverFrom: ['team-a'] })).toMatchObject({ kind: 'unverified', takeOver: true });
  });
});

describe('manage names at scale', () => {
  it('looks exact names up in a set and matches each name against the globs once, however often asked', () => {
    const names = Array.from({ length: 2_000 }, (_, index) => `adopted-${index}`);
    const manageNames = compileManageNames([...names, 'team-a-*', 'team-b-*', 'x-[0-9]*']);
    const match = vi.spyOn(Minimatch.prototype, 'match');
    try {
      const asked = [...names, 'team-a-1', 'other-1', 'other-2'];
      for (let round = 0; round < 3; round += 1) for (const name of asked) manageNames.claims(name);
      // Exact names never reach a glob; the others meet the globs once each (team-a-1 stops at the first): 1 + 3 + 3.
      expect(match).toHaveBeenCalledTimes(7);
      expect(manageNames.claims('team-a-1') && !manageNames.claims('other-1') && manageNames.isExact('adopted-7')).toBe(true);
    } finally {
      match.mockRestore();
    }
  });
});
