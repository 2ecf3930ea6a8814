// `cvex tag [PATH...]`: the applyTags stage alone. Resources created after the last run are not
// tagged until it runs again, so this is what a schedule calls (exceptions-drift.yml).
import { createCloudViewClient } from '../api/client';
import { type CommandSpec, parseChoice, parseCommandLine } from '../command-line/define';
import { type CliIo, closeOnInterrupt } from '../command-line/io';
import { CREDENTIALS_EPILOG, TARGET_FLAGS } from '../command-line/target';
import { configuredManifests } from '../config';
import { withGovernance } from '../governance';
import { loadAndValidate } from '../manifest';
import { hasErrors } from '../model/findings';
import { previewTagStage, runTagStage } from '../reconcile/tag-stage';
import { terminalSafe } from '../render/plan-text';
import { formatFinding, resolveContext } from './plan';

export const tagDefinition = {
  name: 'tag',
  usage: ['tag [PATH...] [options]'],
  description: `Runs every applyTags rule of the manifests: tags the evaluations whose resource id matches the
rule's regex, so QUALYSTAG exceptions cover them. Run it on a schedule.`,
  positionals: true,
  flags: {
    'dry-run': { type: 'boolean', description: 'only count what each rule matches (evaluations list by regex)' },
    format: { type: 'string', value: 'text|json', description: 'output (default text)' },
    config: { type: 'string', value: 'FILE', description: 'cvex.config.yaml to read' },
    ...TARGET_FLAGS,
  },
  epilog: `Exit codes: 0 every rule applied, 1 a rule failed or the manifests are invalid, 2 usage error.
${CREDENTIALS_EPILOG}`,
} as const satisfies CommandSpec;

export async function tagCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandLine(tagDefinition, argv);
  const format = parseChoice(values.format, ['text', 'json'] as const, 'format');
  const context = await resolveContext(values, io);
  const paths = positionals.length > 0 ? positionals : configuredManifests(context.config);
  const validation = withGovernance(await loadAndValidate(paths, { cwd: io.cwd, timeZone: context.timeZone }), context.config.governance, context.config);
  for (const finding of validation.findings) io.stderr.write(`${formatFinding(finding)}\n`);
  if (hasErrors(validation.findings)) {
    io.stderr.write('cvex tag: the manifests are invalid; nothing was sent to CloudView.\n');
    return 1;
  }
  const rules = validation.manifests.applyTags;
  if (rules.length === 0) {
    io.stdout.write(format === 'json' ? `${JSON.stringify({ rules: [] }, null, 2)}\n` : 'No applyTags rules in the manifests: nothing to do.\n');
    return 0;
  }
  const client = createCloudViewClient(context.target.client);
  closeOnInterrupt(io, client);
  try {
    if (values['dry-run']) {
      const { previews, warnings } = await previewTagStage(client, rules);
      if (format === 'json') {
        io.stdout.write(`${JSON.stringify({ dryRun: true, rules: previews, warnings }, null, 2)}\n`);
      } else {
        for (const preview of previews) {
          const more = preview.matchCountCapped ? '+' : '';
          const sample = preview.sampleResourceIds.length > 0 ? `, e.g. ${preview.sampleResourceIds.join(', ')}` : '';
          io.stdout.write(terminalSafe(`~ ${preview.cloudType} /${preview.regex}/ → [${preview.tagNames.join(', ')}]: ${preview.matchCount}${more} evaluations${sample}`.replace(/\n/g, ' ')) + '\n');
        }
        for (const warning of warnings) io.stderr.write(`warning: ${terminalSafe(warning.message.replace(/\n/g, ' '))}\n`);
      }
      return 0;
    }
    const results = await runTagStage(client, rules);
    if (format === 'json') {
      io.stdout.write(`${JSON.stringify({ dryRun: false, rules: results }, null, 2)}\n`);
    } else {
      for (const result of results) {
        const line = `${result.ok ? '✓' : '✗'} ${result.cloudType} /${result.regex}/ → [${result.tagNames.join(', ')}]: ${result.message}`;
        io.stdout.write(`${terminalSafe(line.replace(/\n/g, ' '))}\n`);
      }
      const failed = results.filter((result) => !result.ok).length;
      io.stdout.write(`${results.length - failed} of ${results.length} rules applied${failed > 0 ? `, ${failed} failed` : ''}.\n`);
    }
    return results.every((result) => result.ok) ? 0 : 1;
  } finally {
    await client.close();
  }
}
