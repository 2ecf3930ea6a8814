// Reading CloudView's stamps against the subscription's zone: days that fit, a wrong zone (with the
// offset seen, candidate zones and the config line), an earlier zone, and daylight-saving days.
import { describe, expect, it } from 'vitest';
import { endOfLocalDay, startOfLocalDay, wallClockReadings } from '../../src/model/dates';
import { buildPlan, type PlanOptions } from '../../src/reconcile/plan';
import { checkZoneStamps, describeWrongZone, intendedDay, stampDayIn, TimeZoneError } from '../../src/reconcile/zone-check';
import { manifest, remoteOf, spec } from './helpers';

const options = (overrides: Partial<PlanOptions> = {}): PlanOptions => ({
  timeZone: 'Asia/Kolkata',
  manage: [],
  now: new Date('2026-06-01T12:00:00Z'),
  commit: 'local',
  apiUrl: 'https://qualysguard.qualys.com',
  maxDeletes: 10,
  maxDeletePercent: 25,
  ...overrides,
});

describe('stamps read as days', () => {
  it('a local midnight and a local 23:59:59 stand for their day; anything else for none', () => {
    expect(stampDayIn('2026-10-31T18:30:00Z', 'start', 'Asia/Kolkata')).toBe('2026-11-01');
    expect(stampDayIn('2027-04-30T18:29:59Z', 'end', 'Asia/Kolkata')).toBe('2027-04-30');
    expect(stampDayIn('2026-11-01T00:00:00Z', 'start', 'Asia/Kolkata')).toBeUndefined();
    expect(stampDayIn('2026-11-01T12:00:00Z', 'start', 'UTC')).toBeUndefined();
  });

  // The days the clocks skip local midnight: 2027-09-05 in Santiago (00:00 → 01:00), 2027-03-14 in Havana.
  for (const [zone, day] of [
    ['America/Santiago', '2027-09-05'],
    ['America/Havana', '2027-03-14'],
  ] as const) {
    it(`${zone} ${day}: whichever way a server resolves the skipped midnight, it is that day`, () => {
      const readings = wallClockReadings(day, 0, 0, 0, zone);
      // Java's resolution (forward to 01:00) and the midnight under the offset before and after the change.
      expect(readings.length).toBeGreaterThan(1);
      for (const instant of [startOfLocalDay(day, zone).getTime(), ...readings]) {
        expect(stampDayIn(new Date(instant), 'start', zone)).toBe(day);
      }
      expect(stampDayIn(endOfLocalDay(day, zone), 'end', zone)).toBe(day);
    });
  }

  it('a stamp from another zone reads as the day that zone meant', () => {
    expect(intendedDay('2026-10-31T18:30:00Z', 'start', 'UTC')).toBe('2026-11-01');
    expect(intendedDay('2027-04-30T18:29:59Z', 'end', 'UTC')).toBe('2027-04-30');
    expect(intendedDay('2026-11-01T05:00:00Z', 'start', 'Asia/Kolkata')).toBe('2026-11-01');
  });
});

describe('checkZoneStamps', () => {
  const kolkata = (name: string, createdOn = '2026-01-02T10:00:00Z') => remoteOf(spec({ name }), { timeZone: 'Asia/Kolkata', createdOn });
  const utc = (name: string, createdOn = '2026-01-02T10:00:00Z') => remoteOf(spec({ name }), { timeZone: 'UTC', createdOn });

  it('none fit the configured zone: the zone is wrong, and Asia/Kolkata is a candidate', () => {
    const check = checkZoneStamps([kolkata('a'), kolkata('b')], 'UTC');
    expect(check.wrongZone).toBe('none-fit');
    expect(check.candidates).toContain('Asia/Kolkata');
    const message = describeWrongZone(check, { source: 'default', command: 'plan' });
    expect(message).toContain("none of the 2 managed exceptions' dates fit the time zone UTC, the default (no timezone in cvex.config.yaml)");
    expect(message).toContain('local midnight for UTC+05:30');
    expect(message).toMatch(/\n {2}timezone: Asia\/(Kolkata|Colombo)\n/);
    expect(message).toContain('--timezone-changed');
    expect(describeWrongZone(check, { source: 'flag', command: 'import' })).toContain('cvex import does not guess');
  });

  it('a stamp that is local midnight nowhere (a time of day) tells of no zone, and stops nothing', () => {
    const odd = { ...remoteOf(spec({ name: 'odd' })), startsAt: '2026-01-01T10:17:00Z' };
    const check = checkZoneStamps([odd], 'UTC');
    expect(check).toMatchObject({ checked: 0, misfits: [] });
    expect(check.wrongZone).toBeUndefined();
  });

  it('older exceptions stamped in another zone, newer ones fitting: an earlier zone, not a wrong one', () => {
    const check = checkZoneStamps([utc('old', '2026-01-01T00:00:00Z'), kolkata('new', '2026-03-01T00:00:00Z')], 'Asia/Kolkata');
    expect(check.wrongZone).toBeUndefined();
    expect(check.misfits.map((item) => item.name)).toEqual(['old']);
  });

  it('a misfit stamped after one that fits cannot come from an earlier zone', () => {
    // Europe/London and UTC agree in winter: the winter-only exception fits both, the summer one only UTC.
    const winter = remoteOf(spec({ name: 'winter', startDate: '2026-11-01', endDate: '2027-02-28' }), { timeZone: 'UTC', createdOn: '2026-01-01T00:00:00Z' });
    const summer = remoteOf(spec({ name: 'summer', startDate: '2026-11-01', endDate: '2027-06-30' }), { timeZone: 'UTC', createdOn: '2026-02-01T00:00:00Z' });
    expect(checkZoneStamps([winter, summer], 'Europe/London').wrongZone).toBe('other-zone-fits-all');
  });

  it('buildPlan stops on a wrong zone, and re-creates earlier-zone stamps with their own cause, once warned', () => {
    const old = spec({ name: 'old' });
    const fresh = spec({ name: 'new' });
    const remote = [remoteOf(old, { timeZone: 'UTC', createdOn: '2026-01-01T00:00:00Z' }), remoteOf(fresh, { timeZone: 'Asia/Kolkata', createdOn: '2026-03-01T00:00:00Z' })];
    expect(() => buildPlan({ desired: [manifest(old)], remote: [remote[0]], details: new Map() }, options())).toThrow(TimeZoneError);
    const plan = buildPlan({ desired: [manifest(old), manifest(fresh)], remote, details: new Map() }, options());
    expect(plan.changes).toEqual([expect.objectContaining({ action: 'replace', name: 'old', cause: 'zone-mismatch', diffs: [{ field: 'timeZone', before: 'UTC+00:00', after: 'Asia/Kolkata' }] })]);
    expect(plan.summary.unchanged).toBe(1);
    expect(plan.warnings.filter((warning) => warning.code === 'timezone.earlier-zone')).toHaveLength(1);
    expect(plan.safety).toMatchObject({ removals: 1, replaces: 1 });
    // --timezone-changed: every exception still carries the old zone's stamps, and that is known.
    const changed = buildPlan({ desired: [manifest(old)], remote: [remote[0]], details: new Map() }, options({ timeZoneChanged: true }));
    expect(changed.changes).toEqual([expect.objectContaining({ action: 'replace', cause: 'zone-mismatch' })]);
  });
});
