// `cvex validate [PATH...]`: check manifests; exit 0 when valid (warnings allowed), 1 on any error.
import { parseArgs } from 'node:util';
import { type CliIo, UsageError, useColor } from '../cli/io';
import { loadConfig } from '../config';
import { withGovernance } from '../governance';
import { loadAndValidate } from '../manifest';
import { hasErrors } from '../model/findings';
import { renderFindingsGithub, renderFindingsJson, renderFindingsText } from '../render/findings';

const FORMATS = ['text', 'json', 'github'] as const;
type Format = (typeof FORMATS)[number];

export const VALIDATE_USAGE = `Usage: cvex validate [options] [PATH...]

Checks exception manifests against schemas/exception-manifest.schema.json and the semantic rules.
PATHs are files, folders or globs relative to the current folder (default: \`manifests\` in
cvex.config.yaml, else policies/**/*.{yaml,yml}). The config's \`timezone\` decides which endDates
are past, and its \`governance\` rules are checked too.

Options:
  -f, --format text|json|github   output format (default: text)
  -h, --help                      show this help

Exit codes: 0 valid (warnings allowed), 1 errors found, 2 usage error.
`;

export async function validateCommand(argv: string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        format: { type: 'string', short: 'f', default: 'text' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n\n${VALIDATE_USAGE}`);
  }
  if (parsed.values.help) {
    io.stdout.write(VALIDATE_USAGE);
    return 0;
  }
  const format = parsed.values.format as string;
  if (!(FORMATS as readonly string[]).includes(format)) {
    throw new UsageError(`--format must be one of ${FORMATS.join(', ')} (got '${format}')`);
  }

  // cvex.config.yaml is optional; a broken one is a ConfigError (one line, exit 1).
  const config = await loadConfig(io.cwd);
  const paths = parsed.positionals.length > 0 ? parsed.positionals : (config.manifests ?? []);
  const validation = await loadAndValidate(paths, { cwd: io.cwd, timeZone: config.timezone });
  // Governance violations are errors like any other, so a pull request that breaks them fails here.
  const result = withGovernance(validation, config.governance);
  const summary = { files: result.fileCount, exceptions: result.exceptionCount };
  const render: Record<Format, () => string> = {
    text: () => renderFindingsText(result.findings, summary, { color: useColor(io.stdout, io.env) }),
    json: () => renderFindingsJson(result.findings, summary),
    github: () => renderFindingsGithub(result.findings, summary),
  };
  io.stdout.write(render[format as Format]());
  return hasErrors(result.findings) ? 1 : 0;
}
