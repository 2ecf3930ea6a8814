// `cvex report [PATH...]`: what each managed exception exempts today, which are stale, which are
// over-broad. Reads the manifests only to avoid per-exception detail requests (src/inventory/report-data.ts).
import { createCloudViewClient } from '../api/client';
import { type CommandSpec, parseChoice, parseCommandLine } from '../command-line/define';
import { createStatusLine } from '../command-line/status-line';
import { type CliIo, closeOnInterrupt, UsageError, useColor } from '../command-line/io';
import { resolveConfiguredTarget } from '../command-line/context';
import { resolveOwnership } from '../command-line/owner';
import { CREDENTIALS_EPILOG, TARGET_FLAGS } from '../command-line/target';
import { configuredManifests } from '../config';
import { DEFAULT_OVER_BROAD_THRESHOLD, type CoverageReport, gatherCoverageReport } from '../inventory';
import { loadAndValidate } from '../manifest';
import { hasErrors } from '../model/findings';
import { renderCsvReport } from '../render/report-csv';
import { renderJsonReport } from '../render/report-json';
import { renderMarkdownReport } from '../render/report-markdown';
import { renderTextReport } from '../render/report-text';

export const reportDefinition = {
  name: 'report',
  usage: ['report [PATH...] [options]'],
  description: `For every managed exception in the subscription: state, days to expiry, how many evaluations it
turns into PASS_WITH_EXCEPTION now, and flags: STALE (exempts nothing that fails: the resource is
gone or passes) and OVER-BROAD (a CONNECTOR or QUALYSTAG exception exempting more than N
evaluations, or reaching more than one account). The manifests (default: config \`manifests\` or
policies/**/*.yaml) spare one detail request per exception; they are not required.`,
  positionals: true,
  flags: {
    config: { type: 'string', value: 'FILE', description: 'cvex.config.yaml to read (default ./cvex.config.yaml when present)' },
    format: { type: 'string', value: 'text|json|markdown|csv', description: 'output (json: schemas/report.schema.json)' },
    'over-broad': { type: 'string', value: 'N', description: `exemptions above which a CONNECTOR/QUALYSTAG exception is over-broad (default ${DEFAULT_OVER_BROAD_THRESHOLD})` },
    ...TARGET_FLAGS,
  },
  epilog: CREDENTIALS_EPILOG,
} as const satisfies CommandSpec;

export type ReportFormat = 'text' | 'json' | 'markdown' | 'csv';

const REPORT_FORMATS = ['text', 'json', 'markdown', 'csv'] as const satisfies readonly ReportFormat[];

export function parseReportFormat(value: string | boolean | undefined): ReportFormat {
  return parseChoice(value, REPORT_FORMATS, 'format');
}

function parseThreshold(value: string | boolean | undefined): number {
  if (value === undefined) return DEFAULT_OVER_BROAD_THRESHOLD;
  if (typeof value !== 'string' || !/^\d+$/.test(value.trim())) throw new UsageError(`--over-broad: expected a whole number, got '${String(value)}'`);
  return Number(value.trim());
}

export function renderReport(report: CoverageReport, format: ReportFormat, io: CliIo, ownerOf?: (name: string) => string | undefined): string {
  if (format === 'json') return renderJsonReport(report);
  if (format === 'markdown') return renderMarkdownReport(report, { ownerOf });
  if (format === 'csv') return renderCsvReport(report);
  return renderTextReport(report, { color: useColor(io.stdout, io.env) });
}

export async function reportCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandLine(reportDefinition, argv);
  const format = parseReportFormat(values.format);
  const overBroadThreshold = parseThreshold(values['over-broad']);

  const { config, target } = await resolveConfiguredTarget(values, io);
  const ownership = await resolveOwnership({ config, baseUrl: target.client.baseUrl, env: io.env, cwd: io.cwd, command: 'report' });

  const progress = createStatusLine(io, 'cvex report');
  progress.update('reading manifests…');
  const validation = await loadAndValidate(positionals.length > 0 ? positionals : configuredManifests(config), { cwd: io.cwd, timeZone: target.timeZone });
  if (hasErrors(validation.findings)) {
    progress.done();
    io.stderr.write('cvex report: some manifests are invalid (run `cvex validate`); their exceptions are read from the API instead.\n');
  }

  const client = createCloudViewClient(target.client);
  closeOnInterrupt(io, client);
  try {
    const report = await gatherCoverageReport(client, {
      manifests: validation.manifests.exceptions,
      manage: config.manage ?? [],
      ownership,
      timeZone: target.timeZone,
      now: new Date(),
      overBroadThreshold,
      onProgress: (phase) => progress.update(`${phase}…`),
    });
    progress.done();
    const owners = new Map(validation.manifests.exceptions.map((exception) => [exception.spec.name, exception.metadata.owner]));
    io.stdout.write(renderReport(report, format, io, (name) => owners.get(name)));
    return 0;
  } finally {
    progress.done();
    await client.close();
  }
}
