// `cvex expiring [PATH...] --within 14d`: exceptions that end soon or have ended, from the manifests
// alone (no API call), for a scheduled reminder.
import { type CommandSpec, parseChoice, parseCommandLine } from '../command-line/define';
import { type CliIo, UsageError, useColor } from '../command-line/io';
import { resolveToday, TODAY_FLAGS } from '../command-line/today';
import { configuredManifests, loadConfig } from '../config';
import { findExpiring, parseWithin } from '../governance/expiring';
import { loadAndValidate } from '../manifest';
import { startOfLocalDay } from '../model/dates';
import { hasErrors } from '../model/findings';
import { renderExpiringJson } from '../render/expiring-json';
import { renderExpiringMarkdown } from '../render/expiring-markdown';
import { renderExpiringText } from '../render/expiring-text';
import { renderFindingsText } from '../render/findings';

const FORMATS = ['text', 'json', 'markdown'] as const;

export const expiringDefinition = {
  name: 'expiring',
  usage: ['expiring [PATH...] [options]'],
  description: 'List manifest exceptions whose endDate falls within a window from today, and those already expired.',
  positionals: true,
  flags: {
    within: { type: 'string', value: 'DURATION', description: 'window: 14d (default), 30d, 2w' },
    format: { type: 'string', value: 'text|json|markdown', description: 'output (default text)' },
    config: { type: 'string', value: 'FILE', description: 'config file (default cvex.config.yaml)' },
    ...TODAY_FLAGS,
  },
  epilog: 'Exit codes: 0 listed, 1 the manifests have errors, 2 usage error.',
} as const satisfies CommandSpec;

export async function expiringCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandLine(expiringDefinition, argv);
  const within = values.within ?? '14d';
  const withinDays = parseWithin(within);
  if (withinDays === undefined) throw new UsageError(`--within must be days or weeks such as 14d, 30d or 2w, not '${within}'`);
  const format = parseChoice(values.format, FORMATS, 'format');
  const config = await loadConfig(io.cwd, values.config);
  const { timeZone, today } = resolveToday(values, config);

  const result = await loadAndValidate(positionals.length > 0 ? positionals : configuredManifests(config), {
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
