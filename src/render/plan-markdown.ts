// The plan as a pull-request comment. Every piece of user text (names, explanations, regexes,
// remote descriptions) goes through escapeMarkdown (./escape.ts): a manifest must not be able to
// inject markup, HTML, links or @mentions into a comment posted by a bot.
import type { SourceLocation } from '../model/exception';
import type { Finding } from '../model/findings';
import { describeScope } from '../reconcile/scope';
import type { Plan, PlanChange, UnmanagedException } from '../reconcile/types';
import { escapeMarkdown, markdownCode as code } from './escape';
import { describeDiff, describeSpec, REPLACE_NOTE, REPLACE_SYMBOL, summaryLine } from './plan-text';

export { escapeMarkdown } from './escape';

const MAX_ROWS = 200;
/** GitHub refuses comments over 65,536 characters; the posting script adds a header and a footer. */
export const MAX_COMMENT = 60_000;
/** Longer sections are collapsed into <details>. */
const OPEN_ROWS = 20;

export interface MarkdownPlanOptions {
  /** Links to manifest lines: `URL/FILE#LLINE`. `head`: the planned commit; `base`: where deletes were declared. */
  links?: { head?: string; base?: string };
  /** Where each exception the plan deletes was declared on the base branch. */
  baseLocations?: ReadonlyMap<string, SourceLocation>;
  /** Validation warnings of the manifests (the plan's own warnings are in the plan). */
  validationWarnings?: readonly Finding[];
  /** The name of the artifact that holds the full plan. */
  artifact?: string;
}

function encodePath(file: string): string {
  return file.split('/').map(encodeURIComponent).join('/');
}

/** `file:line`, linked to its line when a link base is known. */
function place(location: { file: string; line: number } | undefined, linkBase: string | undefined): string {
  if (!location) return '';
  const text = escapeMarkdown(`${location.file}:${location.line}`);
  if (!linkBase) return text;
  return `[${text}](${linkBase.replace(/\/+$/, '')}/${encodePath(location.file)}${location.line > 0 ? `#L${location.line}` : ''})`;
}

const ACTION_LABEL: Record<PlanChange['action'], string> = { create: '➕ create', replace: `🔁 ${REPLACE_SYMBOL} replace`, delete: '➖ delete' };

function actionLabel(change: PlanChange): string {
  return change.action === 'replace' && change.takeOver ? `🔁 ${REPLACE_SYMBOL} take over` : ACTION_LABEL[change.action];
}

function replaceCause(change: Extract<PlanChange, { action: 'replace' }>): string {
  if (change.takeOver) return `take over from ${escapeMarkdown(change.takeOver.from)}`;
  if (change.sampled) return 'found by the drift sample: the fields differ from what its marker vouches for; put back as the repository says';
  if (change.cause === 'edited-out-of-band') return 'edited in the Qualys UI; put back as the repository says';
  if (change.cause === 'zone-mismatch') return 'stamped in an earlier time zone of the subscription; re-created in the current one';
  return 'changed in the repository';
}

function details(change: PlanChange, options: MarkdownPlanOptions): string {
  switch (change.action) {
    case 'create':
      return `${escapeMarkdown(describeSpec(change.spec))} (${place(change.source, options.links?.head)})`;
    case 'delete': {
      const declared = options.baseLocations?.get(change.name);
      const adopted = change.ownership === 'adopted' ? '; adopted by name: another repository may claim it too (needs --force)' : '';
      return `no longer in the repository (${code(change.uuid)}${declared ? `; was ${place(declared, options.links?.base ?? options.links?.head)}` : ''})${adopted}`;
    }
    case 'replace': {
      const restamp = change.ownership === 'legacy' ? '; its old marker is re-stamped with this owner' : '';
      const diffs = change.diffs.map((diff) => escapeMarkdown(describeDiff(diff)));
      return [`${replaceCause(change)} (${place(change.source, options.links?.head)})${restamp}; ${REPLACE_NOTE}`, ...diffs].join('<br>');
    }
  }
}

function collapsible(summary: string, lines: string[], open: boolean): string[] {
  return open ? lines : [`<details><summary>${summary}</summary>`, '', ...lines, '', '</details>'];
}

/** The closing line: what a merge does, in the words of the apply workflow. */
function mergeLine(plan: Plan): string {
  const target = code(plan.target.apiUrl);
  if (plan.conflicts.length > 0) {
    return `**Merging now would apply nothing:** apply refuses while there ${plan.conflicts.length === 1 ? 'is a conflict' : `are ${plan.conflicts.length} conflicts`}.`;
  }
  // A plan of what the pull request changes cannot speak for the rest: the apply plans in full.
  const partial = plan.scope?.kind === 'changed-since';
  if (plan.changes.length === 0 && partial) {
    return `**Merging changes nothing this pull request declares** in ${target}; the apply plans the whole repository again from \`main\`, so it also corrects any drift.`;
  }
  if (plan.changes.length === 0) return `**Merging changes nothing** in ${target}${plan.tags.length > 0 ? ' (the tag stage still runs)' : ''}.`;
  const { create, replace, delete: deletes } = plan.summary;
  const guard = !plan.safety.blocked
    ? ''
    : plan.safety.allManagedDeleted
      ? ' As planned it deletes every managed exception, so apply will refuse it: only `--force` lifts that.'
      : ` As planned it trips a removal guard, so apply will refuse it unless the merged commits carry the reviewed trailer ${code(`Cvex-Allow-Removals: ${plan.safety.removals}`)}.`;
  if (partial) {
    return (
      `**Merging applies these changes** to ${target}: ${create} to create, ${replace} to replace, ${deletes} to delete. ` +
      `The apply workflow plans the whole repository again from \`main\` when it runs, so what was merged before it and any drift are included, and the removal guards are checked then.${guard}`
    );
  }
  return (
    `**Merging applies this plan** to ${target}: ${create} to create, ${replace} to replace, ${deletes} to delete. ` +
    `The apply workflow plans again from \`main\` when it runs, so what was merged before it is included.${guard}`
  );
}

function listing(title: string, items: readonly UnmanagedException[], maxRows: number, where: string): string[] {
  const lines = [`<details><summary>${title}</summary>`, ''];
  for (const item of items.slice(0, maxRows)) lines.push(`- ${escapeMarkdown(item.name)} (${code(item.uuid)}, ${escapeMarkdown(item.state)})`);
  if (items.length > maxRows) lines.push(`- … ${items.length - maxRows} more: see ${where}`);
  lines.push('', '</details>', '');
  return lines;
}

function renderWithRows(plan: Plan, options: MarkdownPlanOptions, maxRows: number): string {
  const where = options.artifact ? `the artifact ${code(options.artifact)} of this run` : 'the full plan (`cvex plan --format json`)';
  const lines: string[] = [];
  lines.push(`### cvex plan: ${summaryLine(plan).replace(/^Plan: /, '')}`);
  lines.push('');
  lines.push(`Target ${code(plan.target.apiUrl)} · time zone ${code(plan.target.timeZone)} · commit ${code(plan.commit)}`);
  lines.push('');
  const narrowed = plan.scope ? describeScope(plan.scope) : undefined;
  if (narrowed) lines.push(`> **${escapeMarkdown(narrowed)}**`, '');
  if (plan.changes.length > 0) {
    const table = ['| Action | Exception | Details |', '|---|---|---|'];
    for (const change of plan.changes.slice(0, maxRows)) {
      table.push(`| ${actionLabel(change)} | ${escapeMarkdown(change.name)} | ${details(change, options)} |`);
    }
    if (plan.changes.length > maxRows) table.push(`| … | ${plan.changes.length - maxRows} more | see ${where} |`);
    lines.push(...collapsible(`${plan.changes.length} changes`, table, plan.changes.length <= OPEN_ROWS), '');
  }
  if (plan.conflicts.length > 0) {
    lines.push('**Conflicts** (apply refuses until they are resolved):', '');
    for (const conflict of plan.conflicts.slice(0, maxRows)) lines.push(`- ${escapeMarkdown(conflict.message)} (${place(conflict.source, options.links?.head)})`);
    if (plan.conflicts.length > maxRows) lines.push(`- … ${plan.conflicts.length - maxRows} more: see ${where}`);
    lines.push('');
  }
  const warnings = [
    ...plan.warnings.map((warning) => escapeMarkdown(warning.message)),
    ...(options.validationWarnings ?? []).map((finding) => `${escapeMarkdown(finding.message)} (${place(finding, options.links?.head)})`),
  ];
  if (warnings.length > 0) {
    const list = warnings.slice(0, maxRows).map((warning) => `- ${warning}`);
    if (warnings.length > maxRows) list.push(`- … ${warnings.length - maxRows} more: see ${where}`);
    lines.push(...collapsible(`**Warnings** (${warnings.length})`, ['**Warnings**', '', ...list], warnings.length <= OPEN_ROWS), '');
  }
  if (plan.tags.length > 0) {
    const table = ['**Tag stage**', '', '| Cloud | Regex | Tags | Matches | Sample |', '|---|---|---|---|---|'];
    for (const tag of plan.tags.slice(0, maxRows)) {
      table.push(
        `| ${escapeMarkdown(tag.cloudType)} | ${escapeMarkdown(tag.regex)} | ${escapeMarkdown(tag.tagNames.join(', '))} | ${tag.matchCount} | ${escapeMarkdown(tag.sampleResourceIds.join(', '))} |`,
      );
    }
    lines.push(...collapsible(`Tag stage (${plan.tags.length} rules)`, table, plan.tags.length <= OPEN_ROWS / 4), '');
  }
  if ((plan.foreign ?? []).length > 0) {
    const total = plan.foreign.reduce((sum, group) => sum + group.count, 0);
    lines.push(`<details><summary>${total} exceptions of other owners (never changed by cvex)</summary>`, '');
    for (const group of plan.foreign.slice(0, maxRows)) {
      lines.push(`- ${escapeMarkdown(group.owner)}: ${group.count} (${escapeMarkdown(group.names.join(', '))}${group.count > group.names.length ? ', …' : ''})`);
    }
    if (plan.foreign.length > maxRows) lines.push(`- … ${plan.foreign.length - maxRows} more owners: see ${where}`);
    lines.push('', '</details>', '');
  }
  if ((plan.unverified ?? []).length > 0) {
    lines.push(`**${plan.unverified.length} exceptions carry this repository's owner in a marker that does not verify** (never changed, never trusted):`, '');
    for (const item of plan.unverified.slice(0, maxRows)) lines.push(`- ${escapeMarkdown(item.name)} (${code(item.uuid)}): ${escapeMarkdown(item.reason)}`);
    if (plan.unverified.length > maxRows) lines.push(`- … ${plan.unverified.length - maxRows} more: see ${where}`);
    lines.push('');
  }
  if ((plan.legacy ?? []).length > 0) {
    lines.push(...listing(`${plan.legacy.length} exceptions with an old cvex marker (no owner) this repository does not declare (never changed)`, plan.legacy, maxRows, where));
  }
  if (plan.unmanaged.length > 0) {
    lines.push(...listing(`${plan.unmanaged.length} unmanaged exceptions (never changed by cvex)`, plan.unmanaged, maxRows, where));
  }
  if (options.artifact) lines.push(`The full plan (JSON and this text) is the artifact ${code(options.artifact)} of this run.`, '');
  lines.push(mergeLine(plan));
  return `${lines.join('\n')}\n`;
}

/**
 * The plan as a pull-request comment: every change linked to its line, warnings, what merging will
 * do; long sections collapsed, and rows cut (with counts and where the rest is) to stay under
 * GitHub's comment limit.
 */
export function renderMarkdownPlan(plan: Plan, options: MarkdownPlanOptions = {}): string {
  let rows = MAX_ROWS;
  let text = renderWithRows(plan, options, rows);
  while (text.length > MAX_COMMENT && rows > 0) {
    rows = Math.floor(rows / 2);
    text = renderWithRows(plan, options, rows);
  }
  return text;
}
