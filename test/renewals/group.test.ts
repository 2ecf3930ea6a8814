// Planning renewal pull requests (pure): by owner, split within the removal guards, expired apart.
import { describe, expect, it } from 'vitest';
import type { ExpiringException } from '../../src/governance/expiring';
import { planRenewalGroups, renewalGuard, slugOf } from '../../src/renewals/group';
import { renderRenewalBody } from '../../src/render/renewal-markdown';

function expiring(name: string, owner: string | undefined, endDate: string, daysLeft: number, extra: Partial<ExpiringException> = {}): ExpiringException & { startDate: string } {
  return {
    name,
    status: daysLeft < 0 ? 'expired' : 'expiring',
    endDate,
    daysLeft,
    cloudType: 'AWS',
    exceptionScope: 'CONNECTOR',
    exceptionReason: 'Risk Accepted',
    ...(owner !== undefined ? { owner } : {}),
    ticket: `SEC-${name.length}`,
    metadata: {},
    file: 'policies/aws.yaml',
    line: 3,
    startDate: '2026-10-01',
    ...extra,
  };
}

describe('renewalGuard', () => {
  it('takes the smaller of maxDeletes and the percentage, at least one (the percentage starts at the second removal)', () => {
    expect(renewalGuard({ maxDeletes: 10, maxDeletePercent: 25, managed: 100 }).perGroup).toBe(10);
    expect(renewalGuard({ maxDeletes: 10, maxDeletePercent: 25, managed: 12 }).perGroup).toBe(3);
    expect(renewalGuard({ maxDeletes: 10, maxDeletePercent: 25, managed: 3 }).perGroup).toBe(1);
    expect(renewalGuard({ maxDeletes: 0, maxDeletePercent: 25, managed: 100 })).toMatchObject({ perGroup: 1, needsLift: true });
  });
});

describe('planRenewalGroups', () => {
  const today = '2026-11-30';
  const input = [
    expiring('pay-c', '@payments-team', '2026-12-20', 20),
    expiring('pay-a', '@payments-team', '2026-12-05', 5),
    expiring('pay-b', '@payments-team', '2026-12-10', 10),
    expiring('pay-long', '@payments-team', '2026-12-11', 11, { exceptionReason: 'Other' }),
    expiring('sec-a', 'Platform Security', '2026-12-07', 7),
    expiring('nobody', undefined, '2026-12-08', 8),
    expiring('old-b', 'x', '2026-11-01', -29),
    expiring('old-a', 'y', '2026-10-01', -60),
  ];

  it('one group per owner, split in endDate order to the guard, refused renewals listed, expired apart', () => {
    const plan = planRenewalGroups({
      exceptions: input,
      length: { byDays: 90 },
      today,
      governance: { maxDurationDays: { Other: 30 } },
      guard: { maxDeletes: 2, maxDeletePercent: 50, managed: 20 },
    });
    expect(plan.guard.perGroup).toBe(2);
    expect(plan.groups.map((group) => [group.branch, group.part, group.parts, group.items.map((item) => item.name)])).toEqual([
      ['cvex/renew/unowned', 1, 1, ['nobody']],
      ['cvex/renew/payments-team', 1, 2, ['pay-a', 'pay-b', 'pay-long']],
      ['cvex/renew/payments-team-part-2', 2, 2, ['pay-c']],
      ['cvex/renew/platform-security', 1, 1, ['sec-a']],
      ['cvex/remove-expired', 1, 1, ['old-a', 'old-b']],
    ]);
    const payments = plan.groups[1];
    expect(payments.title).toBe('Renew 2 exceptions of payments-team ending by 2026-12-11 (part 1 of 2)');
    expect(payments.items[0]).toMatchObject({ name: 'pay-a', owner: '@payments-team', newEndDate: '2027-03-05', daysLeft: 5 });
    expect(payments.items[2].refused).toContain("'Other' exceptions may last at most 30 days");
    expect(plan.groups[4].title).toBe('Remove 2 expired exceptions from the repository');
    // The same input gives the same keys; another renewal date another key.
    const again = planRenewalGroups({ exceptions: [...input].reverse(), length: { byDays: 90 }, today, governance: { maxDurationDays: { Other: 30 } }, guard: { maxDeletes: 2, maxDeletePercent: 50, managed: 20 } });
    expect(again.groups.map((group) => group.key)).toEqual(plan.groups.map((group) => group.key));
    const longer = planRenewalGroups({ exceptions: input, length: { byDays: 91 }, today, guard: { maxDeletes: 2, maxDeletePercent: 50, managed: 20 } });
    expect(longer.groups[3].key).not.toBe(plan.groups[3].key);
  });

  it('owners whose names clean to the same slug get distinct branches', () => {
    expect(slugOf('@Payments Team!', 'x')).toBe('payments-team');
    const plan = planRenewalGroups({
      exceptions: [expiring('a', 'payments team', '2026-12-05', 5), expiring('b', 'Payments-Team', '2026-12-05', 5)],
      length: { byDays: 30 },
      today,
      guard: { maxDeletes: 10, maxDeletePercent: 25, managed: 100 },
    });
    const branches = plan.groups.map((group) => group.branch);
    expect(new Set(branches).size).toBe(2);
    expect(branches.every((branch) => /^cvex\/renew\/payments-team-[0-9a-f]{6}$/.test(branch))).toBe(true);
  });

  it('the body escapes manifest text and says what each exception exempts today', () => {
    const plan = planRenewalGroups({
      exceptions: [expiring('a', '@payments-team <b>x</b>', '2026-12-05', 5, { ticket: '[SEC-1](https://evil.example)' })],
      length: { until: '2027-02-28' },
      today,
      guard: { maxDeletes: 10, maxDeletePercent: 25, managed: 4 },
      coverage: new Map([['a', { state: 'ACTIVE', passWithException: 12, stale: false, approximate: false } as never]]),
    });
    const body = renderRenewalBody(plan.groups[0], { today, timeZone: 'UTC', withinDays: 30, lengthText: 'until 2027-02-28', guard: plan.guard, coverage: true });
    expect(body).toMatch(/^<!-- cvex-renewal key=[0-9a-f]{16} -->\n### Renew 1 exception of payments-team-b-x-b ending by 2026-12-05\n/);
    expect(body).toContain('| a | @&#8203;payments-team &lt;b&gt;x&lt;/b&gt; | \\[SEC-1\\]\\(https:&#8203;//evil.example\\) | 2026-12-05 | 5 | 2027-02-28 | 12 evaluations (ACTIVE) | policies/aws.yaml:3 |');
    expect(body).toContain('at most 1 renewal so that its apply stays within the removal guards (maxDeletes 10, maxDeletePercent 25% of 4 managed exceptions)');
    expect(body).not.toMatch(/@payments/);
  });
});
