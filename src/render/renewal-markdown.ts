// The body of a renewal (or expired-removal) pull request. Everything from a manifest is escaped: a
// manifest must not inject markup, links or @mentions into a page that notifies reviewers.
import type { RenewalGroup, RenewalGuard, RenewalItem } from '../renewals/group';
import { escapeMarkdown } from './plan-markdown';
import { plural } from './plural';

export const RENEWAL_MARKER_PREFIX = '<!-- cvex-renewal key=';

export function renewalMarker(key: string): string {
  return `${RENEWAL_MARKER_PREFIX}${key} -->`;
}

export interface RenewalContext {
  today: string;
  timeZone: string;
  withinDays: number;
  /** How long renewals last, in words: "by 90 days" or "until 2027-06-30". */
  lengthText: string;
  guard: RenewalGuard;
  /** Whether `cvex report` data was available (else "exempts today" says so). */
  coverage: boolean;
}

function describeToday(item: RenewalItem, coverage: boolean): string {
  if (!item.today) return coverage ? 'not in Qualys' : 'not read';
  if (item.today.stale) return `nothing (stale, ${escapeMarkdown(item.today.state)})`;
  return `${item.today.approximate ? '≤ ' : ''}${plural(item.today.passWithException, 'evaluation')} (${escapeMarkdown(item.today.state)})`;
}

function daysLeft(item: RenewalItem): string {
  return item.daysLeft < 0 ? `ended ${plural(-item.daysLeft, 'day')} ago` : item.daysLeft === 0 ? 'ends today' : `${item.daysLeft}`;
}

function row(item: RenewalItem, group: RenewalGroup, context: RenewalContext): string {
  const renewed = group.kind === 'remove-expired' ? 'removed' : item.newEndDate ? `${item.newEndDate}${item.newStartDate ? ` (starts ${item.newStartDate})` : ''}` : 'cannot be renewed';
  return `| ${[
    escapeMarkdown(item.name),
    escapeMarkdown(item.owner ?? ''),
    escapeMarkdown(item.ticket ?? ''),
    item.endDate,
    daysLeft(item),
    renewed,
    describeToday(item, context.coverage),
    escapeMarkdown(`${item.file}:${item.line}`),
  ].join(' | ')} |`;
}

export function renderRenewalBody(group: RenewalGroup, context: RenewalContext): string {
  const lines = [renewalMarker(group.key), `### ${escapeMarkdown(group.title)}`, ''];
  if (group.kind === 'remove-expired') {
    lines.push(
      `These exceptions ended (as of ${context.today}, ${escapeMarkdown(context.timeZone)}) and exempt nothing any more; CloudView keeps them as EXPIRED.`,
      'Merging removes them from the repository and the apply deletes them in CloudView. Deleting an EXPIRED exception lifts no exemption, so it counts against no removal guard.',
      '',
    );
  } else {
    lines.push(
      `These exceptions end within ${plural(context.withinDays, 'day')} (as of ${context.today}, ${escapeMarkdown(context.timeZone)}). Merging renews them ${escapeMarkdown(context.lengthText)}; closing this pull request lets them lapse (it is not opened again for the same renewals).`,
      '',
    );
  }
  lines.push('| exception | owner | ticket | ends | days left | renewed until | exempts today | file |', '|---|---|---|---|---:|---|---|---|');
  for (const item of group.items) lines.push(row(item, group, context));
  lines.push('');
  const refused = group.items.filter((item) => item.refused);
  if (refused.length > 0) {
    lines.push(`**Not renewed here** (the organisation's rules): renew by hand with \`cvex renew NAME --until DATE\`.`, '');
    for (const item of refused) lines.push(`- ${escapeMarkdown(item.refused!)}`);
    lines.push('');
  }
  if (group.kind === 'renew') {
    const { guard } = context;
    lines.push(
      `Each renewal is a replace (delete, then create: the exemption is lifted for a moment and the uuid changes). A renewal pull request holds at most ${plural(guard.perGroup, 'renewal')} so that its apply stays within the removal guards (maxDeletes ${guard.maxDeletes}, maxDeletePercent ${guard.maxDeletePercent}% of ${plural(guard.managed, 'managed exception')}).` +
        (group.parts > 1 ? ` This is part ${group.part} of ${group.parts}: merge one part, let its apply finish, then the next.` : ''),
      '',
    );
    if (guard.needsLift) lines.push('> [!WARNING]\n> maxDeletes is 0: the apply of this merge refuses every replace unless the merge commit carries a reviewed `Cvex-Allow-Removals` trailer.', '');
  }
  lines.push('<sub>Opened by `cvex renewals`, regenerated from main after every merge so it never conflicts. A commit someone else pushes to this branch stops the regeneration.</sub>', '');
  return lines.join('\n');
}

/** The commit message: the title, then one line per exception (plain text, for `git log`). */
export function renewalCommitMessage(group: RenewalGroup): string {
  const lines = group.items.map((item) =>
    group.kind === 'remove-expired'
      ? `- ${item.name}: ended ${item.endDate}, removed`
      : item.refused
        ? `- ${item.name}: not renewed (${item.refused})`
        : `- ${item.name}: endDate ${item.endDate} -> ${item.newEndDate}${item.newStartDate ? `, startDate -> ${item.newStartDate}` : ''}`,
  );
  return `${group.title}\n\n${lines.join('\n')}\n`;
}
