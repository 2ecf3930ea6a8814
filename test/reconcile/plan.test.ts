import { describe, expect, it } from 'vitest';
import { compareListFields, wasEditedOutOfBand } from '../../src/reconcile/compare';
import type { RemoteException } from '../../src/api/types';
import type { ManifestException } from '../../src/model/exception';
import { buildOwnershipIndex } from '../../src/reconcile/ownership-index';
import { fingerprintSpec } from '../../src/reconcile/fingerprint';
import { buildPlan, selectDetailsNeeded, type PlanOptions } from '../../src/reconcile/plan';
import { describeDiff } from '../../src/render/plan-text';
import { detailOf, manifest, remoteOf, SIGNED_OWNERSHIP, spec } from './helpers';

/** The plan's own classification (owner `local`, signed markers), as buildPlan makes it. */
function detailsNeeded(desired: ManifestException[], remote: RemoteException[], manage: string[] = []): string[] {
  return selectDetailsNeeded(desired, remote, buildOwnershipIndex({ remote, desired, settings: { ...SIGNED_OWNERSHIP, manage } }));
}

function options(overrides: Partial<PlanOptions> = {}): PlanOptions {
  return {
    timeZone: 'UTC',
    manage: [],
    now: new Date('2026-06-01T12:00:00Z'),
    commit: 'local',
    apiUrl: 'https://user:secret@qualysguard.qualys.com/cloudview-api',
    maxDeletes: 10,
    maxDeletePercent: 25,
    ownership: SIGNED_OWNERSHIP,
    ...overrides,
  };
}

describe('compare', () => {
  for (const timeZone of ['UTC', 'Asia/Kolkata', 'America/New_York', 'Pacific/Chatham']) {
    it(`reads back the same calendar days in ${timeZone}`, () => {
      const wanted = spec();
      expect(compareListFields(wanted, remoteOf(wanted, { timeZone }), timeZone)).toEqual([]);
    });
  }

  it('reads a stamp made in another zone as the day that zone meant (the zone check reports the mismatch)', () => {
    const wanted = spec();
    // Kolkata's midnight is 18:30 UTC the day before: read in UTC it would be a day early.
    expect(compareListFields(wanted, remoteOf(wanted, { timeZone: 'Asia/Kolkata' }), 'UTC')).toEqual([]);
    expect(compareListFields({ ...wanted, endDate: '2027-07-01' }, remoteOf(wanted, { timeZone: 'Asia/Kolkata' }), 'UTC')).toEqual([
      { field: 'endDate', before: '2027-06-30', after: '2027-07-01' },
    ]);
  });

  it('counts any difference between createdOn and updatedOn as an edit: no blind window', () => {
    // CloudView stamps both equal, to the second, when it creates an exception.
    expect(wasEditedOutOfBand({ createdOn: '2026-01-02T10:00:00+0000', updatedOn: '2026-01-02T10:00:00+0000' })).toBe(false);
    // The same instant written another way is not an edit.
    expect(wasEditedOutOfBand({ createdOn: '2026-01-02T10:00:00+0000', updatedOn: '2026-01-02T11:00:00+0100' })).toBe(false);
    expect(wasEditedOutOfBand({ createdOn: '2026-01-02T10:00:00+0000', updatedOn: '2026-01-02T10:00:01+0000' })).toBe(true);
    expect(wasEditedOutOfBand({ createdOn: '2026-01-02T10:00:00+0000', updatedOn: '2026-01-02T10:00:04+0000' })).toBe(true);
    expect(wasEditedOutOfBand({ createdOn: '2026-01-02T10:00:00+0000', updatedOn: '2026-01-03T09:00:00+0000' })).toBe(true);
    // Not timestamps: compared as text.
    expect(wasEditedOutOfBand({ createdOn: 'yesterday', updatedOn: 'yesterday' })).toBe(false);
    expect(wasEditedOutOfBand({ createdOn: 'yesterday', updatedOn: 'today' })).toBe(true);
  });
});

describe('buildPlan', () => {
  it('creates, deletes and counts unchanged, never touching unmanaged exceptions', () => {
    const keep = spec({ name: 'keep' });
    const add = spec({ name: 'add' });
    const gone = spec({ name: 'gone' });
    const remote = [remoteOf(keep), remoteOf(gone), remoteOf(spec({ name: 'ui-made' }), { marker: false })];
    const plan = buildPlan({ desired: [manifest(keep), manifest(add)], remote, details: new Map() }, options());
    expect(plan.changes.map((change) => `${change.action}:${change.name}`)).toEqual(['create:add', 'delete:gone']);
    expect(plan.summary).toEqual({ create: 1, delete: 1, replace: 0, unchanged: 1 });
    expect(plan.unmanaged.map((item) => item.name)).toEqual(['ui-made']);
    expect(plan.target.apiUrl).toBe('https://qualysguard.qualys.com');
    expect(JSON.stringify(plan)).not.toContain('secret');
  });

  it('needs no detail for an unchanged managed exception', () => {
    const keep = spec();
    expect(detailsNeeded([manifest(keep)], [remoteOf(keep)])).toEqual([]);
  });

  it('replaces a repository edit without a detail: old values from the history, else "old values not shown"', () => {
    const before = spec({ resources: [{ resourceId: 'arn:aws:s3:::a', accountId: '123456789012', region: 'us-east-1' }] });
    const after = spec({ controlIds: [50036], endDate: '2027-12-31', resources: [{ resourceId: 'arn:aws:s3:::a', accountId: '123456789012', region: 'eu-west-1' }] });
    const remote = remoteOf(before);
    // The marker says it changed in the repository: nothing to read from CloudView.
    expect(detailsNeeded([manifest(after)], [remote])).toEqual([]);

    // The spec at the marker's commit (it hashes back to the marker's fingerprint): every old value, the region too.
    const fromHistory = buildPlan({ desired: [manifest(after)], remote: [remote], details: new Map(), oldSpecs: new Map([[before.name, before]]) }, options());
    const change = fromHistory.changes[0];
    if (change?.action !== 'replace') throw new Error('expected a replace');
    expect(change).toMatchObject({ cause: 'changed-in-repo', oldValuesFrom: 'history' });
    expect(change.diffs).toEqual([
      { field: 'endDate', before: '2027-06-30', after: '2027-12-31' },
      { field: 'controlIds', before: [50036, 50112], after: [50036] },
      { field: 'resources', before: ['123456789012/arn:aws:s3:::a (us-east-1)'], after: ['123456789012/arn:aws:s3:::a (eu-west-1)'] },
    ]);

    // No history: what the list shows, and the fingerprints for the rest.
    const listOnly = buildPlan({ desired: [manifest(after)], remote: [remote], details: new Map() }, options());
    const unknown = listOnly.changes[0];
    if (unknown?.action !== 'replace') throw new Error('expected a replace');
    expect(unknown.oldValuesFrom).toBe('list');
    expect(unknown.diffs).toEqual([
      { field: 'endDate', before: '2027-06-30', after: '2027-12-31' },
      { field: 'fingerprint', before: fingerprintSpec(before), after: fingerprintSpec(after), oldValuesUnknown: true },
    ]);
    expect(describeDiff(unknown.diffs[1])).toBe(`old values not shown (fingerprint ${fingerprintSpec(before)} → ${fingerprintSpec(after)})`);
  });

  it('still reads the detail of an exception edited in the UI, and shows its real fields', () => {
    const before = spec();
    const after = spec({ controlIds: [50036], endDate: '2027-12-31' });
    const remote = { ...remoteOf(before), updatedOn: '2026-03-01T10:00:00.000Z' };
    expect(detailsNeeded([manifest(after)], [remote])).toEqual([remote.uuid]);
    const plan = buildPlan({ desired: [manifest(after)], remote: [remote], details: new Map([[remote.uuid, detailOf(before, remote)]]) }, options());
    const change = plan.changes[0];
    if (change?.action !== 'replace') throw new Error('expected a replace');
    expect(change.oldValuesFrom).toBe('detail');
    expect(change.diffs).toEqual([
      { field: 'endDate', before: '2027-06-30', after: '2027-12-31' },
      { field: 'controlIds', before: [50036, 50112], after: [50036] },
    ]);
  });

  it('records an invisible change as a fingerprint diff', () => {
    const before = spec();
    const after = spec({ informationSecurityPolicy: 'POL-7' });
    const remote = remoteOf(before);
    const plan = buildPlan({ desired: [manifest(after)], remote: [remote], details: new Map([[remote.uuid, detailOf(before, remote)]]) }, options());
    expect(plan.changes[0].action).toBe('replace');
    if (plan.changes[0].action === 'replace') expect(plan.changes[0].diffs.map((diff) => diff.field)).toEqual(['fingerprint']);
  });

  it('puts back an exception edited in the UI', () => {
    const wanted = spec();
    const remote = remoteOf(wanted, { updatedOn: '2026-03-01T08:00:00.000Z' });
    remote.endsAt = '2028-01-01T23:59:59.000Z';
    expect(detailsNeeded([manifest(wanted)], [remote])).toEqual([remote.uuid]);
    const plan = buildPlan({ desired: [manifest(wanted)], remote: [remote], details: new Map([[remote.uuid, detailOf(wanted, remote)]]) }, options());
    const change = plan.changes[0];
    expect(change.action === 'replace' && change.cause).toBe('edited-out-of-band');
    expect(change.action === 'replace' && change.diffs).toEqual([{ field: 'endDate', before: '2028-01-01', after: '2027-06-30' }]);
  });

  it('calls a visible edit made within the updatedOn tolerance an out-of-band edit, not a repository change', () => {
    const wanted = spec();
    const remote = remoteOf(wanted, { updatedOn: '2026-01-02T10:00:02.000Z' });
    remote.endsAt = '2028-01-01T23:59:59.000Z';
    const plan = buildPlan({ desired: [manifest(wanted)], remote: [remote], details: new Map() }, options());
    const change = plan.changes[0];
    expect(change.action === 'replace' && change.cause).toBe('edited-out-of-band');
    expect(change.action === 'replace' && change.diffs).toEqual([{ field: 'endDate', before: '2028-01-01', after: '2027-06-30' }]);
  });

  it('reports a name taken by an unmanaged exception as a conflict', () => {
    const wanted = spec({ name: 'taken' });
    const plan = buildPlan({ desired: [manifest(wanted)], remote: [remoteOf(wanted, { marker: false })], details: new Map() }, options());
    expect(plan.changes).toEqual([]);
    expect(plan.conflicts).toHaveLength(1);
    expect(plan.conflicts[0].message).toContain('cvex import');
  });

  it('claims by glob and compares markerless exceptions through their detail', () => {
    const wanted = spec({ name: 'team-a-1' });
    const remote = remoteOf(wanted, { marker: false });
    expect(detailsNeeded([manifest(wanted)], [remote], ['team-a-*'])).toEqual([remote.uuid]);
    const plan = buildPlan({ desired: [manifest(wanted)], remote: [remote], details: new Map([[remote.uuid, detailOf(wanted, remote)]]) }, options({ manage: ['team-a-*'] }));
    expect(plan.summary).toEqual({ create: 0, delete: 0, replace: 0, unchanged: 1 });
    expect(plan.conflicts).toEqual([]);
  });

  it('warns about exceptions that already ended', () => {
    const old = spec({ name: 'old', startDate: '2025-01-01', endDate: '2025-02-01' });
    const plan = buildPlan({ desired: [manifest(old)], remote: [], details: new Map() }, options());
    expect(plan.warnings.map((warning) => warning.code)).toEqual(['exception.expired']);
  });

  it('changes the remote fingerprint when a managed exception moves', () => {
    const wanted = spec();
    const remote = remoteOf(wanted);
    const first = buildPlan({ desired: [manifest(wanted)], remote: [remote], details: new Map() }, options());
    const second = buildPlan({ desired: [manifest(wanted)], remote: [{ ...remote, updatedOn: '2026-05-01T00:00:00.000Z' }], details: new Map() }, options());
    expect(first.remote.fingerprint).not.toBe(second.remote.fingerprint);
  });
});
