// `cvex validate [PATH...]`: check manifests; exit 0 when valid (warnings allowed), 1 on any error.
import { type CommandSpec, parseChoice, parseCommandLine } from '../command-line/define';
import { type CliIo, useColor } from '../command-line/io';
import { configuredManifests, loadConfig } from '../config';
import { withGovernance } from '../governance';
import { loadAndValidate } from '../manifest';
import { hasErrors } from '../model/findings';
import { markerFitOptions, withMarkerFit } from '../reconcile/marker-fit';
import { renderFindingsGithub, renderFindingsJson, renderFindingsText } from '../render/findings';

const FORMATS = ['text', 'json', 'github'] as const;
type Format = (typeof FORMATS)[number];

export const validateDefinition = {
  name: 'validate',
  usage: ['validate [PATH...] [options]'],
  description: `Checks exception manifests against schemas/exception-manifest.schema.json and the semantic rules.
PATHs are files, folders or globs relative to the current folder (default: \`manifests\` in
cvex.config.yaml, else policies/**/*.{yaml,yml}). The config's \`timezone\` decides which endDates
are past, and its \`governance\` rules are checked too, and that each explanation still fits
\`maxExplanationLength\` with the cvex marker (its length depends on \`owner\` and \`markerKeys\`).`,
  positionals: true,
  flags: {
    format: { type: 'string', short: 'f', value: 'text|json|github', description: 'output format (default text)' },
    config: { type: 'string', value: 'FILE', description: 'cvex.config.yaml to read (default ./cvex.config.yaml when present)' },
  },
  epilog: 'Exit codes: 0 valid (warnings allowed), 1 errors found, 2 usage error.',
} as const satisfies CommandSpec;

export async function validateCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandLine(validateDefinition, argv);
  const format = parseChoice(values.format, FORMATS, 'format');

  // cvex.config.yaml is optional; a broken one is a ConfigError (one line, exit 1).
  const config = await loadConfig(io.cwd, values.config);
  const paths = positionals.length > 0 ? positionals : configuredManifests(config);
  const validation = await loadAndValidate(paths, { cwd: io.cwd, timeZone: config.timezone });
  // Governance violations are errors like any other, so a pull request that breaks them fails here;
  // so is an explanation that would not fit with the marker apply appends.
  const result = withMarkerFit(withGovernance(validation, config.governance, config), markerFitOptions(config));
  const summary = { files: result.fileCount, exceptions: result.exceptionCount };
  const render: Record<Format, () => string> = {
    text: () => renderFindingsText(result.findings, summary, { color: useColor(io.stdout, io.env) }),
    json: () => renderFindingsJson(result.findings, summary),
    github: () => renderFindingsGithub(result.findings, summary),
  };
  io.stdout.write(render[format]());
  return hasErrors(result.findings) ? 1 : 0;
}
