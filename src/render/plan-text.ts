// The plan for a terminal, Terraform-like: `+` create, `-` delete, `-/+` replace with each field
// old → new, then a summary line. Colours only when the caller says so (useColor()).
import type { ExceptionSpec } from '../model/exception';
import { describeScope } from '../reconcile/scope';
import type { FieldDiff, Plan, PlanChange } from '../reconcile/types';
import { terminalSafe } from './escape';

export { terminalSafe } from './escape';

/** A replace, as Terraform marks it: the API has no update, so cvex deletes then creates. */
export const REPLACE_SYMBOL = '-/+';
export const REPLACE_NOTE = 'the exemption is lifted between delete and create; the uuid changes';

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
  if (diff.field === 'fingerprint' && diff.oldValuesUnknown) return `old values not shown (fingerprint ${String(diff.before)} → ${String(diff.after)})`;
  if (diff.field === 'fingerprint') return `fields the API does not show back changed (fingerprint ${String(diff.before)} → ${String(diff.after)})`;
  if (diff.field === 'timeZone') return `dates stamped at local midnight ${terminalSafe(String(diff.before))}, re-stamped in ${terminalSafe(String(diff.after))}`;
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
  const narrowed = plan.scope ? describeScope(plan.scope) : undefined;
  if (narrowed) lines.push(paint('yellow', terminalSafe(narrowed)));
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
  for (const group of plan.foreign ?? []) {
    const more = group.count > group.names.length ? `, … ${group.count - group.names.length} more` : '';
    lines.push(paint('dim', `Owned by '${terminalSafe(group.owner)}' (another repository; never changed): ${group.count}`));
    lines.push(paint('dim', `  ${group.names.slice(0, MAX_LISTED).map(terminalSafe).join(', ')}${group.names.length > MAX_LISTED ? ', …' : more}`));
    lines.push('');
  }
  if ((plan.unverified ?? []).length > 0) {
    lines.push(paint('yellow', `This repository's owner '${terminalSafe(plan.owner)}' in a marker that does not verify (never changed, never trusted): ${plan.unverified.length}`));
    for (const item of plan.unverified.slice(0, MAX_LISTED)) lines.push(`  ${terminalSafe(item.name)}  ${terminalSafe(item.uuid)}: ${terminalSafe(item.reason)}`);
    if (plan.unverified.length > MAX_LISTED) lines.push(`  … and ${plan.unverified.length - MAX_LISTED} more`);
    lines.push('');
  }
  if ((plan.legacy ?? []).length > 0) {
    lines.push(paint('dim', `Old cvex markers (no owner) this repository does not declare (never changed): ${plan.legacy.length}`));
    for (const item of plan.legacy.slice(0, MAX_LISTED)) lines.push(paint('dim', `  ${terminalSafe(item.name)}  ${terminalSafe(item.uuid)}  ${terminalSafe(item.state)}`));
    if (plan.legacy.length > MAX_LISTED) lines.push(paint('dim', `  … and ${plan.legacy.length - MAX_LISTED} more`));
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

export function replaceCause(change: Extract<PlanChange, { action: 'replace' }>): string {
  if (change.takeOver) return `take over from ${terminalSafe(change.takeOver.from)}`;
  if (change.sampled) return 'found by the drift sample: the fields differ from what its marker vouches for; put back as the repository says';
  switch (change.cause) {
    case 'edited-out-of-band':
      return `edited in the Qualys UI at ${terminalSafe(change.remote.updatedOn)}; put back as the repository says`;
    case 'zone-mismatch':
      return "stamped in an earlier time zone of the subscription; re-created in the current one";
    default:
      return 'changed in the repository';
  }
}

function renderChange(change: PlanChange, paint: (colour: Colour, text: string) => string): string[] {
  const name = terminalSafe(change.name);
  switch (change.action) {
    case 'create': {
      // From a listing that moved while read: the name may exist already (the server refuses a duplicate).
      const unconfirmed = change.unconfirmed ? ' (unconfirmed: the listing moved while it was read)' : '';
      return [`  ${paint('green', '+')}  ${paint('bold', name)}  ${paint('dim', `${terminalSafe(change.source.file)}:${change.source.line}${unconfirmed}`)}`, `       ${terminalSafe(describeSpec(change.spec))}`];
    }
    case 'delete': {
      const adopted = change.ownership === 'adopted' ? '; adopted by name: another repository may claim it too (needs --force)' : '';
      return [`  ${paint('red', '-')}  ${paint('bold', name)}  ${paint('dim', `${terminalSafe(change.uuid)} (no longer in the repository${adopted})`)}`];
    }
    case 'replace': {
      const restamp = change.ownership === 'legacy' ? '; its old marker is re-stamped with this owner' : '';
      const lines = [`  ${paint('yellow', REPLACE_SYMBOL)} ${paint('bold', name)}  ${paint('dim', `${terminalSafe(change.uuid)}, ${replaceCause(change)}${restamp}`)}`];
      lines.push(`       ${paint('yellow', REPLACE_NOTE)}`);
      for (const diff of change.diffs) lines.push(`       ${describeDiff(diff)}`);
      if (change.diffs.length === 0) lines.push('       (the fields the API shows back match; the edit was to a field it does not show)');
      return lines;
    }
  }
}
