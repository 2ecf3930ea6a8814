// Renewal pull requests, planned from data (pure): exceptions ending within the window, grouped by
// metadata.owner, each group split so that applying it stays within the removal guards (every
// renewal is a replace: delete, then create), plus one group that removes the exceptions already
// expired (deleting an EXPIRED exception removes no exemption and counts against no guard).
import { createHash } from 'node:crypto';
import type { GovernanceRules } from '../config';
import type { ExpiringException } from '../governance/expiring';
import type { CoverageRow } from '../inventory/report-model';
import { planRenewalDates, type RenewalLength } from '../renew/renewal-dates';

export const RENEWAL_BRANCH_PREFIX = 'cvex/renew/';
export const REMOVAL_BRANCH = 'cvex/remove-expired';

export interface RenewalGuard {
  /** Renewals (replaces) one pull request may hold. */
  perGroup: number;
  maxDeletes: number;
  maxDeletePercent: number;
  /** Managed exceptions the percentage is taken of. */
  managed: number;
  /** True when even one replace exceeds a guard (maxDeletes 0): each needs a reviewed lift. */
  needsLift: boolean;
}

export interface RenewalItem {
  name: string;
  owner: string | null;
  ticket: string | null;
  endDate: string;
  daysLeft: number;
  reason: string;
  file: string;
  line: number;
  /** The renewal's dates; absent for removals and refused renewals. */
  newEndDate?: string;
  newStartDate?: string;
  /** Why it cannot be renewed by the asked length (governance): listed, not edited. */
  refused?: string;
  /** From `cvex report` data, when there is some. */
  today?: { state: string; passWithException: number; stale: boolean; approximate: boolean };
}

export interface RenewalGroup {
  kind: 'renew' | 'remove-expired';
  branch: string;
  /** Owner as written, and the branch-safe form. */
  owner: string | null;
  ownerSlug: string;
  part: number;
  parts: number;
  title: string;
  /** Identifies the set of changes (names and target dates): a closed pull request with the same key is not reopened. */
  key: string;
  items: RenewalItem[];
}

export interface RenewalPlanInput {
  /** What `findExpiring` selected (expiring and expired exceptions), with their startDate. */
  exceptions: ReadonlyArray<ExpiringException & { startDate: string }>;
  length: RenewalLength;
  today: string;
  governance?: GovernanceRules;
  guard: { maxDeletes: number; maxDeletePercent: number; managed: number };
  coverage?: ReadonlyMap<string, CoverageRow>;
}

export function renewalGuard(limits: RenewalPlanInput['guard']): RenewalGuard {
  // The percentage applies from the second removal on: one replace is always within it.
  const byPercent = Math.floor((limits.managed * limits.maxDeletePercent) / 100);
  const perGroup = Math.max(1, Math.min(limits.maxDeletes, byPercent));
  return { perGroup, ...limits, needsLift: limits.maxDeletes < 1 };
}

/** Lower-case letters, digits and dashes only: a branch name, a Mermaid label, a title word. */
export function slugOf(text: string, fallback: string): string {
  const slug = text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40).replace(/-+$/, '');
  return slug || fallback;
}

function keyOf(kind: string, items: readonly RenewalItem[]): string {
  const lines = items.map((item) => `${item.name}\u0000${item.newStartDate ?? ''}\u0000${item.newEndDate ?? ''}\u0000${item.refused ? 'refused' : ''}`).sort();
  return createHash('sha256').update(`${kind}\n${lines.join('\n')}`).digest('hex').slice(0, 16);
}

function itemOf(exception: ExpiringException, coverage: RenewalPlanInput['coverage']): RenewalItem {
  const row = coverage?.get(exception.name);
  return {
    name: exception.name,
    owner: exception.owner ?? null,
    ticket: exception.ticket ?? null,
    endDate: exception.endDate,
    daysLeft: exception.daysLeft,
    reason: exception.exceptionReason,
    file: exception.file,
    line: exception.line,
    ...(row ? { today: { state: row.state, passWithException: row.passWithException, stale: row.stale, approximate: row.approximate } } : {}),
  };
}

function byEndThenName(a: RenewalItem, b: RenewalItem): number {
  return a.endDate.localeCompare(b.endDate) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}

export function planRenewalGroups(input: RenewalPlanInput): { guard: RenewalGuard; groups: RenewalGroup[] } {
  const guard = renewalGuard(input.guard);
  const byOwner = new Map<string | null, RenewalItem[]>();
  const expired: RenewalItem[] = [];
  for (const exception of input.exceptions) {
    const item = itemOf(exception, input.coverage);
    if (exception.status === 'expired') {
      expired.push(item);
      continue;
    }
    const dates = planRenewalDates(
      exception,
      input.length,
      input.today,
      input.governance,
    );
    if (dates.ok) Object.assign(item, { newEndDate: dates.endDate, ...(dates.startDate ? { newStartDate: dates.startDate } : {}) });
    else item.refused = dates.reason;
    byOwner.set(item.owner, [...(byOwner.get(item.owner) ?? []), item]);
  }

  // Two owners whose names clean to the same slug get the first 6 hex of their hash as well.
  const slugCounts = new Map<string, number>();
  for (const owner of byOwner.keys()) {
    const slug = slugOf(owner ?? '', 'unowned');
    slugCounts.set(slug, (slugCounts.get(slug) ?? 0) + 1);
  }
  const groups: RenewalGroup[] = [];
  const owners = [...byOwner.keys()].sort((a, b) => (a ?? '').localeCompare(b ?? ''));
  for (const owner of owners) {
    let slug = slugOf(owner ?? '', 'unowned');
    if ((slugCounts.get(slug) ?? 0) > 1) slug = `${slug}-${createHash('sha256').update(owner ?? '').digest('hex').slice(0, 6)}`;
    const items = byOwner.get(owner)!.sort(byEndThenName);
    const renewable = items.filter((item) => !item.refused);
    const refused = items.filter((item) => item.refused);
    const chunks: RenewalItem[][] = [];
    for (let index = 0; index < renewable.length; index += guard.perGroup) chunks.push(renewable.slice(index, index + guard.perGroup));
    // Refused ones ride along with the first part (listed, not edited); alone when nothing renews.
    if (chunks.length === 0) chunks.push([]);
    chunks[0].push(...refused);
    chunks.forEach((chunk, index) => {
      const parts = chunks.length;
      const renewing = chunk.filter((item) => !item.refused).length;
      const lastEnd = chunk.reduce((max, item) => (item.endDate > max ? item.endDate : max), '');
      groups.push({
        kind: 'renew',
        branch: `${RENEWAL_BRANCH_PREFIX}${slug}${index === 0 ? '' : `-part-${index + 1}`}`,
        owner,
        ownerSlug: slug,
        part: index + 1,
        parts,
        title: `${renewing > 0 ? `Renew ${renewing} exception${renewing === 1 ? '' : 's'}` : 'Exceptions that cannot be renewed'} of ${slug} ending by ${lastEnd}${parts > 1 ? ` (part ${index + 1} of ${parts})` : ''}`,
        key: keyOf('renew', chunk),
        items: chunk,
      });
    });
  }
  if (expired.length > 0) {
    const items = expired.sort(byEndThenName);
    groups.push({
      kind: 'remove-expired',
      branch: REMOVAL_BRANCH,
      owner: null,
      ownerSlug: 'expired',
      part: 1,
      parts: 1,
      title: `Remove ${items.length} expired exception${items.length === 1 ? '' : 's'} from the repository`,
      key: keyOf('remove-expired', items),
      items,
    });
  }
  return { guard, groups };
}
