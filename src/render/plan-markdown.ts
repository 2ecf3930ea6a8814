// The plan as a pull-request comment. Every piece of user text (names, explanations, regexes,
// remote descriptions) goes through escapeMarkdown (./escape.ts): a manifest must not be able to
// inject markup, HTML, links or @mentions into a comment posted by a bot.
import type { Plan, PlanChange } from '../reconcile/types';
import { escapeMarkdown, markdownCode as code } from './escape';
import { describeDiff, describeSpec, summaryLine } from './plan-text';

export { escapeMarkdown } from './escape';

const MAX_ROWS = 200;

const ACTION_LABEL: Record<PlanChange['action'], string> = { create: '➕ create', replace: '🔁 replace', delete: '➖ delete' };

function details(change: PlanChange): string {
  switch (change.action) {
    case 'create':
      return `${escapeMarkdown(describeSpec(change.spec))} (${escapeMarkdown(`${change.source.file}:${change.source.line}`)})`;
    case 'delete':
      return `no longer in the repository (${code(change.uuid)})`;
    case 'replace': {
      const cause = change.cause === 'edited-out-of-band' ? 'edited in the Qualys UI; put back as the repository says' : 'changed in the repository';
      const diffs = change.diffs.map((diff) => escapeMarkdown(describeDiff(diff)));
      return [cause, ...diffs].join('<br>');
    }
  }
}

export function renderMarkdownPlan(plan: Plan): string {
  const lines: string[] = [];
  lines.push(`### cvex plan: ${summaryLine(plan).replace(/^Plan: /, '')}`);
  lines.push('');
  lines.push(`Target ${code(plan.target.apiUrl)} · time zone ${code(plan.target.timeZone)} · commit ${code(plan.commit)}`);
  lines.push('');
  if (plan.changes.length > 0) {
    lines.push('| Action | Exception | Details |', '|---|---|---|');
    for (const change of plan.changes.slice(0, MAX_ROWS)) {
      lines.push(`| ${ACTION_LABEL[change.action]} | ${escapeMarkdown(change.name)} | ${details(change)} |`);
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
  if (plan.unmanaged.length > 0) {
    lines.push(`<details><summary>${plan.unmanaged.length} unmanaged exceptions (never changed by cvex)</summary>`, '');
    for (const item of plan.unmanaged.slice(0, MAX_ROWS)) lines.push(`- ${escapeMarkdown(item.name)} (${code(item.uuid)}, ${escapeMarkdown(item.state)})`);
    lines.push('', '</details>', '');
  }
  return `${lines.join('\n')}\n`;
}
