// The plan for a terminal, Terraform-like: `+` create, `-` delete, `-+` replace with each field
// old → new, then a summary line. Colours only when the caller says so (useColor()).
import type { ExceptionSpec } from '../model/exception';
import type { FieldDiff, Plan, PlanChange } from '../reconcile/types';
import { terminalSafe } from './escape';

export { terminalSafe } from './escape';

const ANSI = { green: '\u001b[32m', red: '\u001b[31m', yellow: '\u001b[33m', bold: '\u001b[1m', dim: '\u001b[2m', reset: '\u001b[0m' };
type Colour = keyof typeof ANSI;

function short(value: unknown, max = 100): string {
  let text: string;
  if (Array.isArray(value)) text = `[${value.map((item) => (typeof item === 'string' ? item : JSON.stringify(item))).join(', ')}]`;
  else if (typeof value === 'string') text = JSON.stringify(value);
  else text = value === undefined ? '(none)' : JSON.stringify(value);
  text = terminalSafe(text);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

export function describeSpec(spec: ExceptionSpec): string {
  const targets =
    spec.exceptionScope === 'RESOURCE'
      ? `${spec.resources?.length ?? 0} ${spec.resources?.length === 1 ? 'resource' : 'resources'}`
      : spec.exceptionScope === 'CONNECTOR'
        ? `accounts ${(spec.accountIds ?? []).join(', ')}`
        : `tags ${(spec.resourceTagNames ?? []).join(', ')}`;
  return `${spec.cloudType} ${spec.exceptionScope}, ${spec.exceptionReason}, ${spec.startDate} → ${spec.endDate}, controls ${spec.controlIds.join(', ')}, ${targets}`;
}

export function describeDiff(diff: FieldDiff): string {
  if (diff.field === 'fingerprint') return `fields the API does not show back changed (fingerprint ${String(diff.before)} → ${String(diff.after)})`;
  return `${diff.field}: ${short(diff.before)} → ${short(diff.after)}`;
}

export function summaryLine(plan: Pick<Plan, 'summary'>): string {
  const { create, replace, delete: deletes, unchanged } = plan.summary;
  if (create + replace + deletes === 0) return `No changes. ${unchanged} exceptions match the repository.`;
  return `Plan: ${create} to create, ${replace} to replace, ${deletes} to delete, ${unchanged} unchanged.`;
}

const MAX_LISTED = 20;

export function renderTextPlan(plan: Plan, options: { color: boolean }): string {
  const paint = (colour: Colour, text: string) => (options.color ? `${ANSI[colour]}${text}${ANSI.reset}` : text);
  const lines: string[] = [];
  lines.push(`Target ${plan.target.apiUrl} (time zone ${plan.target.timeZone}), commit ${plan.commit}`);
  lines.push('');
  for (const change of plan.changes) lines.push(...renderChange(change, paint));
  if (plan.changes.length > 0) lines.push('');

  if (plan.conflicts.length > 0) {
    lines.push(paint('red', 'Conflicts (nothing will be applied until they are resolved):'));
    for (const conflict of plan.conflicts) {
      lines.push(`  ${paint('red', '✗')} ${terminalSafe(conflict.source.file)}:${conflict.source.line}: ${terminalSafe(conflict.message)}`);
    }
    lines.push('');
  }
  if (plan.warnings.length > 0) {
    lines.push(paint('yellow', 'Warnings:'));
    for (const warning of plan.warnings) lines.push(`  ${paint('yellow', '!')} ${terminalSafe(warning.message)}`);
    lines.push('');
  }
  if (plan.tags.length > 0) {
    lines.push('Tag stage (applyTags):');
    for (const tag of plan.tags) {
      const sample = tag.sampleResourceIds.length > 0 ? `: ${tag.sampleResourceIds.map(terminalSafe).join(', ')}` : '';
      lines.push(`  ${tag.cloudType} /${terminalSafe(tag.regex)}/ → ${tag.tagNames.map(terminalSafe).join(', ')}: ${tag.matchCount}${tag.matchCountCapped ? '+' : ''} ${tag.matchCount === 1 ? 'evaluation' : 'evaluations'}${sample}`);
    }
    lines.push('');
  }
  if (plan.unmanaged.length > 0) {
    lines.push(paint('dim', `Unmanaged (not owned by the repository, never changed): ${plan.unmanaged.length}`));
    for (const item of plan.unmanaged.slice(0, MAX_LISTED)) lines.push(paint('dim', `  ${terminalSafe(item.name)}  ${terminalSafe(item.uuid)}  ${terminalSafe(item.state)}`));
    if (plan.unmanaged.length > MAX_LISTED) lines.push(paint('dim', `  … and ${plan.unmanaged.length - MAX_LISTED} more`));
    lines.push('');
  }
  lines.push(paint('bold', summaryLine(plan)));
  return `${lines.join('\n')}\n`;
}

function renderChange(change: PlanChange, paint: (colour: Colour, text: string) => string): string[] {
  const name = terminalSafe(change.name);
  switch (change.action) {
    case 'create':
      return [`  ${paint('green', '+')}  ${paint('bold', name)}  ${paint('dim', `${terminalSafe(change.source.file)}:${change.source.line}`)}`, `       ${terminalSafe(describeSpec(change.spec))}`];
    case 'delete':
      return [`  ${paint('red', '-')}  ${paint('bold', name)}  ${paint('dim', `${terminalSafe(change.uuid)} (no longer in the repository)`)}`];
    case 'replace': {
      const cause =
        change.cause === 'edited-out-of-band'
          ? `edited in the Qualys UI at ${terminalSafe(change.remote.updatedOn)}; put back as the repository says`
          : 'changed in the repository';
      const lines = [`  ${paint('yellow', '-+')} ${paint('bold', name)}  ${paint('dim', `${terminalSafe(change.uuid)}, ${cause}`)}`];
      for (const diff of change.diffs) lines.push(`       ${describeDiff(diff)}`);
      if (change.diffs.length === 0) lines.push('       (the fields the API shows back match; the edit was to a field it does not show)');
      return lines;
    }
  }
}
