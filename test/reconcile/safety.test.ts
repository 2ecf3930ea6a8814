// The removal guards as pure rules: what counts as a removal, when each guard trips, what lifts it.
import { describe, expect, it } from 'vitest';
import { allowanceFromTrailers, evaluateSafety, safetyWarning } from '../../src/reconcile/safety';
import type { PlanChange } from '../../src/reconcile/types';
import { remoteOf, spec } from './helpers';

const limits = { maxDeletes: 10, maxDeletePercent: 25 };
const source = { file: 'policies/aws.yaml', line: 1, column: 1 };

function del(name: string, options: { state?: string; marker?: boolean } = {}): PlanChange {
  const remote = { ...remoteOf(spec({ name }), { marker: options.marker }), state: options.state ?? 'ACTIVE' };
  // No marker: claimed by a `manage:` name only.
  return { action: 'delete', name, uuid: remote.uuid, remote, ownership: options.marker === false ? 'adopted' : 'owned' };
}

function replace(name: string): PlanChange {
  const remote = remoteOf(spec({ name }));
  return { action: 'replace', name, uuid: remote.uuid, spec: spec({ name, endDate: '2027-12-31' }), source, remote, cause: 'changed-in-repo', diffs: [], ownership: 'owned' };
}

const many = (count: number, make: (name: string) => PlanChange) => Array.from({ length: count }, (_, index) => make(`x-${index}`));

describe('what counts as a removal', () => {
  it('a replace lifts an exemption, so 10 of 10 renewals trip the percentage and 11 the count', () => {
    expect(evaluateSafety(10, many(10, replace), limits)).toMatchObject({ removals: 10, replaces: 10, deletes: 0, exceedsPercent: true, blocked: true });
    expect(evaluateSafety(100, many(11, replace), limits)).toMatchObject({ removals: 11, exceedsMaxDeletes: true, exceedsPercent: false, blocked: true });
    expect(evaluateSafety(100, many(10, replace), limits)).toMatchObject({ removals: 10, blocked: false });
  });

  it('deletes of EXPIRED exceptions count for no guard', () => {
    const safety = evaluateSafety(12, many(12, (name) => del(name, { state: 'EXPIRED' })), limits);
    expect(safety).toMatchObject({ deletes: 12, expiredDeletes: 12, removals: 0, allManagedDeleted: false, blocked: false });
    expect(safetyWarning(safety)).toBeUndefined();
  });
});

describe('the percentage applies at any size once more than one exception is removed', () => {
  it('2 of 4 trips it; 1 of 3 does not (a single change is never blocked by the share)', () => {
    expect(evaluateSafety(4, [del('a'), replace('b')], limits)).toMatchObject({ exceedsPercent: true, blocked: true, percentAppliesFrom: 0 });
    expect(evaluateSafety(3, [replace('a')], limits)).toMatchObject({ exceedsPercent: false, blocked: false });
  });

  it('7 managed, 7 deleted (a typo in manifests:) is blocked although 7 < maxDeletes', () => {
    const safety = evaluateSafety(7, many(7, (name) => del(name)), limits);
    expect(safety).toMatchObject({ allManagedDeleted: true, exceedsMaxDeletes: false, blocked: true });
    expect(safetyWarning(safety)?.message).toContain('every managed exception (7) would be deleted');
  });
});

describe('what lifts a guard', () => {
  it('a reviewed allowance lifts the count and share guards when removals <= N, not beyond', () => {
    const changes = many(12, replace);
    expect(evaluateSafety(20, changes, limits, { allowance: { removals: 12, source: 'trailer', commit: 'c0ffee' } })).toMatchObject({
      blocked: false,
      lifted: { by: 'trailer', allowRemovals: 12, commit: 'c0ffee' },
    });
    expect(evaluateSafety(20, changes, limits, { allowance: { removals: 11, source: 'flag' } })).toMatchObject({ blocked: true });
    expect(evaluateSafety(20, changes, limits, { allowance: { removals: 11, source: 'flag' } }).lifted).toBeUndefined();
  });

  it('deleting every managed exception needs --force: an allowance does not lift it', () => {
    const changes = many(3, (name) => del(name));
    expect(evaluateSafety(3, changes, limits, { allowance: { removals: 3, source: 'flag' } })).toMatchObject({ blocked: true });
    expect(evaluateSafety(3, changes, limits, { force: true })).toMatchObject({ blocked: false, lifted: { by: 'force' } });
  });

  it('deleting an exception adopted by name only needs a lift too', () => {
    const changes = [del('ui-made', { marker: false })];
    expect(evaluateSafety(50, changes, limits)).toMatchObject({ adoptedDeletes: 1, blocked: true });
    expect(evaluateSafety(50, changes, limits, { allowance: { removals: 1, source: 'trailer', commit: 'abc' } })).toMatchObject({ blocked: false });
  });

  it('untripped guards record no lift, even with --force', () => {
    expect(evaluateSafety(50, [replace('a')], limits, { force: true }).lifted).toBeUndefined();
  });
});

describe('Cvex-Allow-Removals trailers', () => {
  it('the largest whole number wins; other values are returned to be reported', () => {
    expect(
      allowanceFromTrailers([
        { commit: 'a', value: '3' },
        { commit: 'b', value: '12' },
        { commit: 'c', value: 'all' },
        { commit: 'd', value: '-1' },
      ]),
    ).toEqual({ allowance: { removals: 12, commit: 'b' }, invalid: [{ commit: 'c', value: 'all' }, { commit: 'd', value: '-1' }] });
    expect(allowanceFromTrailers([])).toEqual({ allowance: undefined, invalid: [] });
  });
});
