// `cvex renew NAME... --until DATE | --by 90d`: moves the named exceptions' endDate in the manifests,
// in place (comments and layout kept), under the governance rules. No API call: the pull request
// that carries the edit gets its plan, and its merge applies it.
import { type CommandSpec, parseChoice, parseCommandLine } from '../command-line/define';
import { type CliIo, UsageError } from '../command-line/io';
import { resolveToday, TODAY_FLAGS } from '../command-line/today';
import { loadConfig } from '../config';
import { parseWithin } from '../governance/expiring';
import { isCalendarDate } from '../model/dates';
import { plural } from '../render/plural';
import { renewExceptions, type RenewedException } from '../renew/renew-files';
import type { RenewalLength } from '../renew/renewal-dates';

const FORMATS = ['text', 'json'] as const;

export const renewDefinition = {
  name: 'renew',
  usage: ['renew NAME... --until YYYY-MM-DD [options]', 'renew NAME... --by 90d [options]'],
  description: `Extends the named exceptions: sets their endDate in the manifests, editing the files in place
(comments and layout are kept; only the date's bytes change, or one line is added). A value that
comes from \`defaults:\` or an alias gets an override on the exception, so the others keep theirs.
With governance.maxDurationDays, startDate moves to today when the new span would be too long, and
a renewal that would still be too long from today is refused. All or nothing: on any refusal no
file is written.`,
  positionals: true,
  flags: {
    until: { type: 'string', value: 'YYYY-MM-DD', description: 'the new endDate' },
    by: { type: 'string', value: 'DURATION', description: 'extend by this much from the current endDate: 90d, 12w' },
    'dry-run': { type: 'boolean', description: 'show what would change, write nothing' },
    format: { type: 'string', value: 'text|json', description: 'output (default text)' },
    config: { type: 'string', value: 'FILE', description: 'config file (default cvex.config.yaml)' },
    ...TODAY_FLAGS,
  },
  epilog: 'Exit codes: 0 renewed, 1 refused or the manifests have errors (nothing written), 2 usage error.',
} as const satisfies CommandSpec;

export function parseRenewalLength(values: { until?: string; by?: string }): RenewalLength {
  if (values.until !== undefined && values.by !== undefined) throw new UsageError('pass either --until or --by, not both');
  if (values.until !== undefined) {
    if (!isCalendarDate(values.until)) throw new UsageError(`--until must be a date YYYY-MM-DD, not '${values.until}'`);
    return { until: values.until };
  }
  if (values.by !== undefined) {
    const days = parseWithin(values.by);
    if (days === undefined || days === 0) throw new UsageError(`--by must be days or weeks such as 90d or 12w, not '${values.by}'`);
    return { byDays: days };
  }
  throw new UsageError('say how long: --until YYYY-MM-DD or --by 90d');
}

function describeRenewal(item: RenewedException): string {
  const how = { replaced: '', alias: ' (was an alias: now its own value)', added: ' (was inherited from defaults: override added)' } as const;
  const start = item.startDate ? `; startDate ${item.startDate.before} → ${item.startDate.after}${how[item.startDate.how]} to stay within ${item.maxDurationDays} days` : '';
  return `  ${item.name}  ${item.file}: endDate ${item.endDate.before} → ${item.endDate.after}${how[item.endDate.how]}${start}`;
}

export async function renewCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandLine(renewDefinition, argv);
  if (positionals.length === 0) throw new UsageError('name the exceptions to renew');
  const length = parseRenewalLength(values);
  const format = parseChoice(values.format, FORMATS, 'format');
  const config = await loadConfig(io.cwd, values.config);
  const { timeZone, today } = resolveToday(values, config);

  const outcome = await renewExceptions({ cwd: io.cwd, config, names: positionals, length, today, timeZone, dryRun: values['dry-run'] === true });
  if (!outcome.ok) {
    for (const finding of outcome.findings ?? []) io.stderr.write(`${finding.file}:${finding.line}:${finding.column}: ${finding.severity}: ${finding.message}${finding.path ? ` [${finding.path}]` : ''}\n`);
    for (const problem of outcome.problems) io.stderr.write(`cvex renew: ${problem}\n`);
    if (!outcome.findings) io.stderr.write('cvex renew: nothing was changed.\n');
    return 1;
  }
  if (format === 'json') {
    io.stdout.write(`${JSON.stringify({ version: 1, today, timeZone, dryRun: values['dry-run'] === true, renewed: outcome.renewed, files: outcome.files }, null, 2)}\n`);
    return 0;
  }
  io.stdout.write(`${values['dry-run'] ? 'Would renew' : 'Renewed'} ${plural(outcome.renewed.length, 'exception')} (today is ${today}, ${timeZone}):\n${outcome.renewed.map(describeRenewal).join('\n')}\n`);
  if (!values['dry-run']) io.stdout.write('Commit the change and open a pull request: its plan shows the replace, its merge applies it.\n');
  return 0;
}
