import { describe, expect, it } from 'vitest';
import {
  daysBetween,
  endOfLocalDay,
  formatQualysTimestamp,
  isCalendarDate,
  localDateOf,
  parseQualysTimestamp,
  startOfLocalDay,
} from '../../src/model/dates';

describe('dates', () => {
  it('accepts real calendar dates only', () => {
    expect(isCalendarDate('2026-02-28')).toBe(true);
    expect(isCalendarDate('2028-02-29')).toBe(true);
    expect(isCalendarDate('2026-02-29')).toBe(false);
    expect(isCalendarDate('2026-02-30')).toBe(false);
    expect(isCalendarDate('2026-13-01')).toBe(false);
    expect(isCalendarDate('2026-1-01')).toBe(false);
  });

  it('stamps a UTC+05:30 subscription as the API sample shows', () => {
    // The seed's detail sample: 2023-05-10 .. 2023-05-21 in Asia/Kolkata.
    expect(formatQualysTimestamp(startOfLocalDay('2023-05-10', 'Asia/Kolkata'))).toBe('2023-05-09T18:30:00+0000');
    expect(formatQualysTimestamp(endOfLocalDay('2023-05-21', 'Asia/Kolkata'))).toBe('2023-05-21T18:29:59+0000');
  });

  it('stamps a UTC subscription as the list sample shows', () => {
    expect(formatQualysTimestamp(startOfLocalDay('2023-05-05', 'UTC'))).toBe('2023-05-05T00:00:00+0000');
    expect(formatQualysTimestamp(endOfLocalDay('2023-05-10', 'UTC'))).toBe('2023-05-10T23:59:59+0000');
  });

  it('round-trips local dates across daylight-saving changes and negative offsets', () => {
    for (const zone of ['America/New_York', 'Europe/London', 'Australia/Lord_Howe', 'Pacific/Kiritimati', 'America/St_Johns']) {
      for (const day of ['2026-03-08', '2026-03-29', '2026-10-04', '2026-11-01', '2026-12-31']) {
        expect(localDateOf(startOfLocalDay(day, zone), zone)).toBe(day);
        expect(localDateOf(endOfLocalDay(day, zone), zone)).toBe(day);
      }
    }
  });

  it('parses the offset forms the API prints', () => {
    expect(parseQualysTimestamp('2023-05-09T18:30:00+0000').toISOString()).toBe('2023-05-09T18:30:00.000Z');
    expect(parseQualysTimestamp('2023-05-10T00:00:00+0530').toISOString()).toBe('2023-05-09T18:30:00.000Z');
    expect(parseQualysTimestamp('2023-05-09T18:30:00Z').toISOString()).toBe('2023-05-09T18:30:00.000Z');
    expect(() => parseQualysTimestamp('Thu Nov 26 07:21:36 UTC 2020')).toThrow(RangeError);
  });

  it('counts days between calendar dates', () => {
    expect(daysBetween('2026-11-23', '2026-12-07')).toBe(14);
    expect(daysBetween('2026-11-23', '2026-11-20')).toBe(-3);
  });
});
