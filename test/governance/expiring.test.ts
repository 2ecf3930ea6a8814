import { describe, expect, it } from 'vitest';
import { findExpiring, parseWithin } from '../../src/governance/expiring';
import type { ManifestException } from '../../src/model/exception';
import { escapeMarkdown } from '../../src/render/escape';
import { renderExpiringMarkdown } from '../../src/render/expiring-markdown';
import { renderExpiringText } from '../../src/render/expiring-text';
import { renderExpiringJson } from '../../src/render/expiring-json';

function exception(name: string, endDate: string, metadata: Record<string, string> = {}, line = 1): ManifestException {
  return {
    spec: {
      name,
      cloudType: 'AWS',
      exceptionScope: 'CONNECTOR',
      explanation: 'x',
      exceptionReason: 'Risk Accepted',
      startDate: '2026-01-01',
      endDate,
      controlIds: [1],
      accountIds: ['123456789012'],
    },
    metadata,
    location: { file: 'policies/aws.yaml', line, column: 5 },
    path: 'exceptions.0',
  };
}

const options = { today: '2026-11-23', timeZone: 'UTC', withinDays: 14 };

describe('parseWithin', () => {
  it('reads days and weeks, nothing else', () => {
    expect(parseWithin('14d')).toBe(14);
    expect(parseWithin('30d')).toBe(30);
    expect(parseWithin('2w')).toBe(14);
    expect(parseWithin('0d')).toBe(0);
    for (const bad of ['14', 'd', '-1d', '1.5d', '2m', '14 days', '', '99999d']) expect(parseWithin(bad), bad).toBeUndefined();
  });
});

describe('findExpiring', () => {
  it('keeps expired and in-window exceptions, sorted by endDate then name, with owner and ticket', () => {
    const report = findExpiring(
      [
        exception('far', '2026-12-08'),
        exception('edge', '2026-12-07', { owner: 'alice', ticket: 'SEC-9' }),
        exception('today', '2026-11-23'),
        exception('b-gone', '2026-11-01'),
        exception('a-gone', '2026-11-01'),
        exception('yesterday', '2026-11-22'),
      ],
      options,
    );
    expect(report).toMatchObject({ today: '2026-11-23', windowEnd: '2026-12-07', expiredCount: 3, expiringCount: 2 });
    expect(report.exceptions.map((e) => [e.name, e.status, e.daysLeft])).toEqual([
      ['a-gone', 'expired', -22],
      ['b-gone', 'expired', -22],
      ['yesterday', 'expired', -1],
      ['today', 'expiring', 0],
      ['edge', 'expiring', 14],
    ]);
    expect(report.exceptions[4]).toMatchObject({ owner: 'alice', ticket: 'SEC-9', file: 'policies/aws.yaml' });
    expect(report.exceptions[0]).not.toHaveProperty('owner');
  });

  it('crosses month and year ends', () => {
    const report = findExpiring([exception('new-year', '2027-01-02')], { ...options, today: '2026-12-20' });
    expect(report.windowEnd).toBe('2027-01-03');
    expect(report.exceptions[0].daysLeft).toBe(13);
  });
});

describe('expiring renderers', () => {
  const report = findExpiring(
    [exception('gone', '2026-11-01', { owner: 'alice' }, 3), exception('soon', '2026-11-30', { ticket: 'SEC-1' }, 12)],
    options,
  );

  it('text: one line per exception and a summary, colour only when asked', () => {
    const text = renderExpiringText(report, { color: false });
    expect(text).toMatchInlineSnapshot(`
      "Exceptions ending by 2026-12-07 (within 14 days of 2026-11-23, UTC):
        EXPIRED   2026-11-01 (ended 22 days ago)  gone  owner: alice  policies/aws.yaml:3
        expiring  2026-11-30 (in 7 days)          soon  ticket: SEC-1  policies/aws.yaml:12
      2 exceptions: 1 expired and still in the repository, 1 ending within 14 days.
      "
    `);
    expect(text).not.toContain('\u001b[');
    expect(renderExpiringText(report, { color: true })).toContain('\u001b[31mEXPIRED');
    expect(renderExpiringText(findExpiring([], options), { color: false })).toBe(
      'Exceptions ending by 2026-12-07 (within 14 days of 2026-11-23, UTC): none.\n',
    );
  });

  it('json: the report itself', () => {
    expect(JSON.parse(renderExpiringJson(report))).toEqual(report);
  });

  it('markdown: a marked table', () => {
    const markdown = renderExpiringMarkdown(report);
    expect(markdown.startsWith('<!-- cvex-expiring -->\n')).toBe(true);
    expect(markdown).toContain('| 🔴 expired, ended 22 days ago | gone | 2026-11-01 | alice |  | Risk Accepted | policies/aws.yaml:3 |');
    expect(markdown).toContain('| 🟡 in 7 days | soon | 2026-11-30 |  | SEC-1 | Risk Accepted | policies/aws.yaml:12 |');
    expect(renderExpiringMarkdown(findExpiring([], options))).toContain('No exception ends by 2026-12-07');
  });

  it('markdown escapes user text: pipes, backticks, HTML, links and mentions', () => {
    const hostile = exception('x|y`z <img src=x> [a](http://e) @octocat #12', '2026-11-30', { owner: '@security-team', ticket: 'a\nb' });
    const markdown = renderExpiringMarkdown(findExpiring([hostile], options));
    const row = markdown.split('\n').find((line) => line.includes('2026-11-30'))!;
    // Still seven cells: the pipe in the name is escaped.
    expect(row.split(/(?<!\\)\|/).length).toBe(9);
    expect(row).toContain('x\\|y\\`z &lt;img src=x&gt; \\[a\\]\\(http:&#8203;//e\\) @&#8203;octocat #&#8203;12');
    expect(row).toContain('@&#8203;security-team');
    expect(row).not.toMatch(/@[a-z]/);
    expect(row).not.toContain('<img');
    expect(markdown.split('\n').filter((line) => line.includes('a b')).length).toBe(1);
    expect(escapeMarkdown('a & b')).toBe('a &amp; b');
  });

  it('markdown escapes what plan comments escape too: $math$, scheme-less www. links, control characters', () => {
    expect(escapeMarkdown('$\\Huge{owned}$')).toBe('\\$\\\\Huge\\{owned\\}\\$');
    expect(escapeMarkdown('see www.evil.example')).not.toMatch(/www\./);
    expect(escapeMarkdown('a\u0000b\u001bc')).toBe('a b c');
  });
});
