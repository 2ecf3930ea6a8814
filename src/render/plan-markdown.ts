// The plan as a pull-request comment. Every piece of user text (names, explanations, regexes,
// remote descriptions) goes through escapeMarkdown: a manifest must not be able to inject
// markup, HTML, links or @mentions into a comment posted by a bot.
import type { SourceLocation } from '../model/exception';
import type { Finding } from '../model/findings';
import type { Plan, PlanChange } from '../reconcile/types';
import { describeDiff, describeSpec, summaryLine } from './plan-text';

const MAX_CELL = 300;
const MAX_ROWS = 200;
/** GitHub refuses comments over 65,536 characters; the posting script adds a header and a footer. */
export const MAX_COMMENT = 60_000;
/** Longer sections are collapsed into <details>. */
const OPEN_ROWS = 20;

/** Text safe inside a table cell: no HTML, no Markdown syntax, no mentions, no line breaks. */
export function escapeMarkdown(text: string): string {
  const flat = text.replace(/\r\n?|\n/g, ' ');
  const clipped = flat.length > MAX_CELL ? `${flat.slice(0, MAX_CELL - 1)}…` : flat;
  return (
    clipped
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u001f\u007f]/g, ' ')
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      // `$` too: GitHub renders $...$ as LaTeX math (sizes, colours: markup by another name).
      .replace(/[\\`*_{}[\]()#+!|~$]/g, (char) => `\\${char}`)
      // A zero-width space after @ stops GitHub from notifying a user or team.
      .replace(/@/g, '@\u200b')
      // Bare URLs would be autolinked; break the scheme.
      .replace(/:\/\//g, ':\u200b//')
      // GitHub also autolinks `www.` without a scheme.
      .replace(/(www)\./gi, '$1\u200b.')
  );
}

function code(text: string): string {
  // Inside a code span only the backtick matters; the content is ours (uuids, dates) but be safe.
  return `\`${text.replace(/`/g, "'").replace(/\r?\n/g, ' ')}\``;
}

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

const ACTION_LABEL: Record<PlanChange['action'], string> = { create: '➕ create', replace: '🔁 replace', delete: '➖ delete' };

function details(change: PlanChange, options: MarkdownPlanOptions): string {
  switch (change.action) {
    case 'create':
      return `${escapeMarkdown(describeSpec(change.spec))} (${place(change.source, options.links?.head)})`;
    case 'delete': {
      const declared = options.baseLocations?.get(change.name);
      return `no longer in the repository (${code(change.uuid)}${declared ? `; was ${place(declared, options.links?.base ?? options.links?.head)}` : ''})`;
    }
    case 'replace': {
      const cause = change.cause === 'edited-out-of-band' ? 'edited in the Qualys UI; put back as the repository says' : 'changed in the repository';
      const diffs = change.diffs.map((diff) => escapeMarkdown(describeDiff(diff)));
      return [`${cause} (${place(change.source, options.links?.head)})`, ...diffs].join('<br>');
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
  if (plan.changes.length === 0) return `**Merging changes nothing** in ${target}${plan.tags.length > 0 ? ' (the tag stage still runs)' : ''}.`;
  const { create, replace, delete: deletes } = plan.summary;
  const guard = plan.safety.blocked ? ' As planned it exceeds the delete thresholds, so apply will refuse it.' : '';
  return (
    `**Merging applies this plan** to ${target}: ${create} to create, ${replace} to replace, ${deletes} to delete. ` +
    `The apply workflow plans again from \`main\` when it runs, so what was merged before it is included.${guard}`
  );
}

function renderWithRows(plan: Plan, options: MarkdownPlanOptions, maxRows: number): string {
  const where = options.artifact ? `the artifact ${code(options.artifact)} of this run` : 'the full plan (`cvex plan --format json`)';
  const lines: string[] = [];
  lines.push(`### cvex plan: ${summaryLine(plan).replace(/^Plan: /, '')}`);
  lines.push('');
  lines.push(`Target ${code(plan.target.apiUrl)} · time zone ${code(plan.target.timeZone)} · commit ${code(plan.commit)}`);
  lines.push('');
  if (plan.changes.length > 0) {
    const table = ['| Action | Exception | Details |', '|---|---|---|'];
    for (const change of plan.changes.slice(0, maxRows)) {
      table.push(`| ${ACTION_LABEL[change.action]} | ${escapeMarkdown(change.name)} | ${details(change, options)} |`);
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
  if (plan.unmanaged.length > 0) {
    lines.push(`<details><summary>${plan.unmanaged.length} unmanaged exceptions (never changed by cvex)</summary>`, '');
    for (const item of plan.unmanaged.slice(0, maxRows)) lines.push(`- ${escapeMarkdown(item.name)} (${code(item.uuid)}, ${escapeMarkdown(item.state)})`);
    if (plan.unmanaged.length > maxRows) lines.push(`- … ${plan.unmanaged.length - maxRows} more: see ${where}`);
    lines.push('', '</details>', '');
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
