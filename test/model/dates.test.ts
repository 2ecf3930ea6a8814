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

describe('dates across daylight-saving changes (resolved as Java does)', () => {
  it('starts a day whose midnight is skipped at the end of the gap, on that day', () => {
    // Chile skips 00:00-01:00 on 2026-09-06; Cuba on 2026-03-08.
    expect(startOfLocalDay('2026-09-06', 'America/Santiago').toISOString()).toBe('2026-09-06T04:00:00.000Z');
    expect(localDateOf(startOfLocalDay('2026-09-06', 'America/Santiago'), 'America/Santiago')).toBe('2026-09-06');
    expect(localDateOf(startOfLocalDay('2026-03-08', 'America/Havana'), 'America/Havana')).toBe('2026-03-08');
    expect(localDateOf(new Date(startOfLocalDay('2026-03-08', 'America/Havana').getTime() - 1000), 'America/Havana')).toBe('2026-03-07');
  });

  it('takes the earlier instant of a wall time that happens twice', () => {
    // 2026-11-01 01:30 happens at -04:00 and again at -05:00 in New York.
    const day = '2026-11-01';
    expect(startOfLocalDay(day, 'America/New_York').toISOString()).toBe('2026-11-01T04:00:00.000Z');
    expect(endOfLocalDay(day, 'America/New_York').toISOString()).toBe('2026-11-02T04:59:59.000Z');
  });

  it('keeps every day of a year in its own place in zones with odd changes', () => {
    for (const zone of ['America/Santiago', 'America/Havana', 'Australia/Lord_Howe', 'Asia/Tehran', 'America/Godthab']) {
      let day = '2026-01-01';
      for (let i = 0; i < 365; i += 1) {
        const start = startOfLocalDay(day, zone);
        const end = endOfLocalDay(day, zone);
        expect(localDateOf(start, zone)).toBe(day);
        expect(localDateOf(end, zone)).toBe(day);
        expect(localDateOf(new Date(start.getTime() - 1000), zone) < day).toBe(true);
        day = new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
      }
    }
  });
});
