import { describe, expect, it } from 'vitest';
import { fingerprintSpec, normaliseSpec } from '../../src/reconcile/fingerprint';
import { addMarker, isManaged, readMarker, shortCommit } from '../../src/reconcile/ownership';
import { spec } from './helpers';

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
  it('round-trips through a description', () => {
    const description = addMarker('Public by design.\nSee ticket SEC-1.', { fingerprint: '0123456789abcdef', commit: 'local' });
    expect(description).toBe('Public by design.\nSee ticket SEC-1.\n\n[cvex:0123456789abcdef local]');
    expect(readMarker(description)).toEqual({ explanation: 'Public by design.\nSee ticket SEC-1.', marker: { fingerprint: '0123456789abcdef', commit: 'local' } });
  });

  it('tolerates a server that collapses the blank line or adds trailing space', () => {
    expect(readMarker('text [cvex:0123456789abcdef 1a2b3c4d5e6f]  ').marker).toEqual({ fingerprint: '0123456789abcdef', commit: '1a2b3c4d5e6f' });
  });

  it('does not see a marker in the middle of the text', () => {
    expect(readMarker('[cvex:0123456789abcdef local] and more').marker).toBeUndefined();
  });

  it('shortens a commit or falls back to local', () => {
    expect(shortCommit('0123456789ABCDEF0123456789abcdef01234567')).toBe('0123456789ab');
    expect(shortCommit(undefined)).toBe('local');
    expect(shortCommit('not a sha; rm -rf')).toBe('local');
  });

  it('claims by marker or by name glob', () => {
    expect(isManaged({ name: 'ui-made', explanation: 'hello' }, [])).toBe(false);
    expect(isManaged({ name: 'team-a-x', explanation: 'hello' }, ['team-a-*'])).toBe(true);
    expect(isManaged({ name: 'ui-made', explanation: 'x\n\n[cvex:0123456789abcdef local]' }, [])).toBe(true);
  });
});
