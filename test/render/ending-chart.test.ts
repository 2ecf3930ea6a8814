// The Mermaid chart of exceptions ending per month: aggregated, labels from a safe set only.
import { describe, expect, it } from 'vitest';
import { chartLabel, renderEndingChart } from '../../src/render/ending-chart';
import { renderExpiringMarkdown } from '../../src/render/expiring-markdown';
import { findExpiring } from '../../src/governance/expiring';
import type { ManifestException } from '../../src/model/exception';
import type { CoverageReport, CoverageRow } from '../../src/inventory';
import { renderMarkdownReport } from '../../src/render/report-markdown';

describe('renderEndingChart', () => {
  it('one gantt section per group, one bar per month with its count', () => {
    const lines = renderEndingChart(
      [
        { endDate: '2026-12-05', group: 'payments' },
        { endDate: '2026-12-20', group: 'payments' },
        { endDate: '2027-01-31', group: 'payments' },
        { endDate: '2027-01-02', group: undefined },
        { endDate: 'not a date', group: 'payments' },
      ],
      { title: 'Exceptions ending per month by owner', fallbackGroup: 'no owner' },
    );
    expect(lines).toEqual([
      '```mermaid',
      'gantt',
      '    title Exceptions ending per month by owner',
      '    dateFormat YYYY-MM-DD',
      '    axisFormat %Y-%m',
      '    section payments',
      '    2 ending :2026-12-01, 2026-12-31',
      '    1 ending :2027-01-01, 2027-01-31',
      '    section no owner',
      '    1 ending :2027-01-01, 2027-01-31',
      '```',
      '',
    ]);
    expect(renderEndingChart([], { title: 't', fallbackGroup: 'x' })).toEqual([]);
  });

  it('cleans group names to letters, digits, space and ._- : no manifest text breaks the diagram or pings anyone', () => {
    expect(chartLabel('@payments-team <img src=x>\n    section evil: 2026-01-01', 'x')).toBe('payments-team img src x sectio');
    expect(chartLabel('```%%{init}%%', 'fallback')).toBe('init');
    expect(chartLabel('@#!', 'fallback')).toBe('fallback');
    const lines = renderEndingChart([{ endDate: '2026-12-05', group: '"]; click A call alert(1) %%\n```\n<script>' }], { title: 'x', fallbackGroup: 'y' });
    const labels = lines.filter((line) => /^ {4}(section|\d)/.test(line)).join('\n');
    expect(labels).toBe('    section click A call alert 1 script\n    1 ending :2026-12-01, 2026-12-31');
    expect(labels).not.toMatch(/[<>"`;%@#]/);
    expect(lines.filter((line) => line === '```')).toHaveLength(1);
  });

  it('caps the groups (the rest is "other") and the months (the rest is one "then or later" bar)', () => {
    const items = Array.from({ length: 12 }, (_, index) => ({ endDate: `2027-${String((index % 12) + 1).padStart(2, '0')}-10`, group: `team-${index % 5}` }));
    const lines = renderEndingChart(items, { title: 't', fallbackGroup: 'x', maxGroups: 3, maxMonths: 6 });
    expect(lines.filter((line) => line.startsWith('    section')).map((line) => line.slice(12))).toEqual(['team-0', 'team-1', 'other']);
    expect(lines.some((line) => / ending then or later :2027-07-01, 2027-07-31$/.test(line))).toBe(true);
    const counted = lines.flatMap((line) => /^ {4}(\d+) ending/.exec(line)?.[1] ?? []).reduce((sum, count) => sum + Number(count), 0);
    expect(counted).toBe(12);
  });

  it('is part of the expiring markdown, grouped by metadata.owner', () => {
    const exception = (name: string, endDate: string, owner?: string): ManifestException => ({
      spec: { name, cloudType: 'AWS', exceptionScope: 'CONNECTOR', explanation: 'x', exceptionReason: 'Other', startDate: '2026-01-01', endDate, controlIds: [1] },
      metadata: owner ? { owner } : {},
      location: { file: 'policies/a.yaml', line: 1, column: 1 },
      path: 'exceptions.0',
    });
    const report = findExpiring([exception('a', '2026-12-03', '@sec <b>'), exception('b', '2027-01-04'), exception('c', '2026-11-20', '@sec <b>')], { today: '2026-11-30', timeZone: 'UTC', withinDays: 60 });
    const markdown = renderExpiringMarkdown(report);
    expect(markdown).toContain('```mermaid\ngantt\n    title Exceptions ending per month by owner\n');
    expect(markdown).toContain('    section sec b\n    1 ending :2026-11-01, 2026-11-30\n    1 ending :2026-12-01, 2026-12-31\n    section no owner\n    1 ending :2027-01-01, 2027-01-31\n```');
  });
});

describe('the report markdown', () => {
  it('ends with the chart of what ends per month, by the owner the repository gives', () => {
    const row = (name: string, endDate: string, daysToExpiry: number, file: string | null): CoverageRow =>
      ({ name, uuid: `u-${name}`, cloudType: 'AWS', scope: 'CONNECTOR', state: daysToExpiry < 0 ? 'EXPIRED' : 'ACTIVE', startDate: '2026-01-01', endDate, daysToExpiry, accounts: 1, controls: 1, passWithException: 1, failing: 0, passing: 0, missing: 0, stale: false, staleReason: null, overBroad: false, overBroadReasons: [], approximate: false, targetsFrom: 'repo', file, line: file ? 1 : null }) as CoverageRow;
    const report = {
      version: 1,
      timeZone: 'UTC',
      overBroadThreshold: 50,
      summary: { managed: 3, active: 2, inactive: 0, expired: 1, otherState: 0, stale: 0, overBroad: 0, passWithException: 3 },
      exceptions: [row('a', '2026-12-10', 10, 'policies/a.yaml'), row('b', '2027-02-01', 63, null), row('gone', '2026-10-01', -60, 'policies/a.yaml')],
    } as unknown as CoverageReport;
    const markdown = renderMarkdownReport(report, { ownerOf: (name) => (name === 'a' ? 'payments' : undefined) });
    expect(markdown).toMatch(/\n```mermaid\ngantt\n {4}title Exceptions ending per month by owner\n/);
    expect(markdown).toContain('    section not in the repository\n    1 ending :2027-02-01, 2027-02-28\n    section payments\n    1 ending :2026-12-01, 2026-12-31\n```\n');
    expect(markdown).not.toContain('2026-10-01, ');
  });
});
