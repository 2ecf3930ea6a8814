// The plan as a pull-request comment. Every piece of user text (names, explanations, regexes,
// remote descriptions) goes through escapeMarkdown (./escape.ts): a manifest must not be able to
// inject markup, HTML, links or @mentions into a comment posted by a bot.
import { describeScope } from '../reconcile/scope';
import type { Plan, PlanChange } from '../reconcile/types';
import { escapeMarkdown, markdownCode as code } from './escape';
import { describeDiff, describeSpec, REPLACE_NOTE, REPLACE_SYMBOL, summaryLine } from './plan-text';

export { escapeMarkdown } from './escape';

const MAX_ROWS = 200;

const ACTION_LABEL: Record<PlanChange['action'], string> = { create: '➕ create', replace: `🔁 ${REPLACE_SYMBOL} replace`, delete: '➖ delete' };

function actionLabel(change: PlanChange): string {
  return change.action === 'replace' && change.takeOver ? `🔁 ${REPLACE_SYMBOL} take over` : ACTION_LABEL[change.action];
}

function details(change: PlanChange): string {
  switch (change.action) {
    case 'create':
      return `${escapeMarkdown(describeSpec(change.spec))} (${escapeMarkdown(`${change.source.file}:${change.source.line}`)})`;
    case 'delete':
      return `no longer in the repository (${code(change.uuid)})${change.ownership === 'adopted' ? '; adopted by name: another repository may claim it too (needs --force)' : ''}`;
    case 'replace': {
      const cause = change.takeOver
        ? `take over from ${escapeMarkdown(change.takeOver.from)}`
        : change.sampled
          ? 'found by the drift sample: the fields differ from what its marker vouches for; put back as the repository says'
          : change.cause === 'edited-out-of-band'
            ? 'edited in the Qualys UI; put back as the repository says'
            : change.cause === 'zone-mismatch'
              ? 'stamped in an earlier time zone of the subscription; re-created in the current one'
            : 'changed in the repository';
      const diffs = change.diffs.map((diff) => escapeMarkdown(describeDiff(diff)));
      return [`${cause}; ${REPLACE_NOTE}`, ...diffs].join('<br>');
    }
  }
}

export function renderMarkdownPlan(plan: Plan): string {
  const lines: string[] = [];
  lines.push(`### cvex plan: ${summaryLine(plan).replace(/^Plan: /, '')}`);
  lines.push('');
  lines.push(`Target ${code(plan.target.apiUrl)} · time zone ${code(plan.target.timeZone)} · commit ${code(plan.commit)}`);
  lines.push('');
  const narrowed = plan.scope ? describeScope(plan.scope) : undefined;
  if (narrowed) lines.push(`> **${escapeMarkdown(narrowed)}**`, '');
  if (plan.changes.length > 0) {
    lines.push('| Action | Exception | Details |', '|---|---|---|');
    for (const change of plan.changes.slice(0, MAX_ROWS)) {
      lines.push(`| ${actionLabel(change)} | ${escapeMarkdown(change.name)} | ${details(change)} |`);
    }
    if (plan.changes.length > MAX_ROWS) lines.push(`| … | ${plan.changes.length - MAX_ROWS} more | see the full plan (\`--format json\`) |`);
    lines.push('');
  }
  if (plan.conflicts.length > 0) {
    lines.push('**Conflicts** (apply refuses until they are resolved):', '');
    for (const conflict of plan.conflicts) lines.push(`- ${escapeMarkdown(conflict.message)}`);
    lines.push('');
  }
  if (plan.warnings.length > 0) {
    lines.push('**Warnings**', '');
    for (const warning of plan.warnings) lines.push(`- ${escapeMarkdown(warning.message)}`);
    lines.push('');
  }
  if (plan.tags.length > 0) {
    lines.push('**Tag stage**', '', '| Cloud | Regex | Tags | Matches | Sample |', '|---|---|---|---|---|');
    for (const tag of plan.tags) {
      lines.push(
        `| ${escapeMarkdown(tag.cloudType)} | ${escapeMarkdown(tag.regex)} | ${escapeMarkdown(tag.tagNames.join(', '))} | ${tag.matchCount} | ${escapeMarkdown(tag.sampleResourceIds.join(', '))} |`,
      );
    }
    lines.push('');
  }
  if ((plan.foreign ?? []).length > 0) {
    const total = plan.foreign.reduce((sum, group) => sum + group.count, 0);
    lines.push(`<details><summary>${total} exceptions of other owners (never changed by cvex)</summary>`, '');
    for (const group of plan.foreign) lines.push(`- ${escapeMarkdown(group.owner)}: ${group.count} (${escapeMarkdown(group.names.join(', '))}${group.count > group.names.length ? ', …' : ''})`);
    lines.push('', '</details>', '');
  }
  if ((plan.unverified ?? []).length > 0) {
    lines.push(`**${plan.unverified.length} exceptions carry this repository's owner in a marker that does not verify** (never changed, never trusted):`, '');
    for (const item of plan.unverified.slice(0, MAX_ROWS)) lines.push(`- ${escapeMarkdown(item.name)} (${code(item.uuid)}): ${escapeMarkdown(item.reason)}`);
    lines.push('');
  }
  if (plan.unmanaged.length > 0) {
    lines.push(`<details><summary>${plan.unmanaged.length} unmanaged exceptions (never changed by cvex)</summary>`, '');
    for (const item of plan.unmanaged.slice(0, MAX_ROWS)) lines.push(`- ${escapeMarkdown(item.name)} (${code(item.uuid)}, ${escapeMarkdown(item.state)})`);
    lines.push('', '</details>', '');
  }
  return `${lines.join('\n')}\n`;
}
