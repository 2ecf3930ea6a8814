// `cvex expiring [PATH...] --within 14d`: exceptions that end soon or have ended, from the manifests
// alone (no API call), for a scheduled reminder.
import { parseChoice, parseCommandArgs } from '../cli/args';
import { type CliIo, UsageError, useColor } from '../cli/io';
import { loadConfig } from '../config';
import { findExpiring, parseWithin } from '../governance/expiring';
import { loadAndValidate } from '../manifest';
import { isCalendarDate, isValidTimeZone, localDateOf, startOfLocalDay } from '../model/dates';
import { hasErrors } from '../model/findings';
import { renderExpiringJson } from '../render/expiring-json';
import { renderExpiringMarkdown } from '../render/expiring-markdown';
import { renderExpiringText } from '../render/expiring-text';
import { renderFindingsText } from '../render/findings';

const FORMATS = ['text', 'json', 'markdown'] as const;

export const EXPIRING_USAGE = `Usage: cvex expiring [PATH...] [options]

List manifest exceptions whose endDate falls within a window from today, and those already expired.

Options:
  --within DURATION   window: 14d (default), 30d, 2w
  --format FORMAT     text (default), json or markdown
  --config FILE       config file (default cvex.config.yaml)
  --timezone TZ       subscription time zone (default: config timezone, else UTC)
  --now YYYY-MM-DD    today, for reminders and tests (default: today in the time zone)
`;

const expiringOptions = {
  within: { type: 'string', default: '14d' },
  format: { type: 'string', default: 'text' },
  config: { type: 'string' },
  timezone: { type: 'string' },
  now: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function expiringCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, expiringOptions);
  if (values.help) {
    io.stdout.write(EXPIRING_USAGE);
    return 0;
  }
  const withinDays = parseWithin(values.within);
  if (withinDays === undefined) throw new UsageError(`--within must be days or weeks such as 14d, 30d or 2w, not '${values.within}'`);
  const format = parseChoice(values.format, FORMATS, 'format');
  if (values.now !== undefined && !isCalendarDate(values.now)) throw new UsageError(`--now must be a date YYYY-MM-DD, not '${values.now}'`);
  if (values.timezone !== undefined && !isValidTimeZone(values.timezone)) throw new UsageError(`unknown time zone '${values.timezone}'`);

  const config = await loadConfig(io.cwd, values.config);
  const timeZone = values.timezone ?? config.timezone ?? 'UTC';
  const today = values.now ?? localDateOf(new Date(), timeZone);

  const result = await loadAndValidate(positionals.length > 0 ? positionals : (config.manifests ?? []), {
    cwd: io.cwd,
    now: startOfLocalDay(today, timeZone),
    timeZone,
  });
  if (hasErrors(result.findings)) {
    const errors = result.findings.filter((finding) => finding.severity === 'error');
    io.stderr.write(renderFindingsText(errors, { files: result.fileCount, exceptions: result.exceptionCount }, { color: useColor(io.stderr, io.env) }));
    io.stderr.write('cvex expiring: the manifests have errors; nothing listed.\n');
    return 1;
  }

  const report = findExpiring(result.manifests.exceptions, { today, timeZone, withinDays });
  io.stdout.write(
    format === 'json'
      ? renderExpiringJson(report)
      : format === 'markdown'
        ? renderExpiringMarkdown(report)
        : renderExpiringText(report, { color: useColor(io.stdout, io.env) }),
  );
  return 0;
}
