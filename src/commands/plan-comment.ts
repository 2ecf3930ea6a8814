// What `cvex plan --format markdown` needs beyond the plan to be a pull-request comment: where to
// link each change (the planned commit, and the base branch for deletes), the validation warnings,
// and the artifact that holds the full plan. Flags set by the plan workflow; all optional.
import * as path from 'node:path';
import type { FlagSpecs } from '../command-line/define';
import { UsageError } from '../command-line/io';
import { configuredManifests, loadConfig } from '../config';
import { loadAndValidate } from '../manifest';
import type { SourceLocation } from '../model/exception';
import type { Finding } from '../model/findings';
import type { MarkdownPlanOptions } from '../render/plan-markdown';

export const COMMENT_FLAGS = {
  'link-url': { type: 'string', value: 'URL', section: 'Pull-request comment', description: 'markdown: link each change to URL/FILE#LLINE (e.g. https://github.com/ORG/REPO/blob/SHA)' },
  'base-dir': { type: 'string', value: 'DIR', section: 'Pull-request comment', description: "markdown: a checkout of the base branch, where deleted exceptions' lines are found" },
  'base-link-url': { type: 'string', value: 'URL', section: 'Pull-request comment', description: 'markdown: link deletes to their line on the base branch (URL/FILE#LLINE)' },
  artifact: { type: 'string', value: 'NAME', section: 'Pull-request comment', description: 'markdown: name the artifact that holds the full plan' },
} as const satisfies FlagSpecs;

type Values = Record<string, unknown>;

function linkBase(value: unknown, flag: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !/^https:\/\/[^\s"<>]+$/.test(value)) throw new UsageError(`--${flag}: expected an https:// URL, got '${String(value)}'`);
  return value;
}

/** Where each exception was declared in the base branch's manifests; empty when they do not load. */
async function locationsAt(baseDir: string): Promise<Map<string, SourceLocation>> {
  const locations = new Map<string, SourceLocation>();
  try {
    const config = await loadConfig(baseDir);
    const { manifests } = await loadAndValidate(configuredManifests(config), { cwd: baseDir, timeZone: config.timezone });
    for (const exception of manifests.exceptions) if (!locations.has(exception.spec.name)) locations.set(exception.spec.name, exception.location);
  } catch {
    // A base branch whose manifests do not load only loses the links of its deletes.
  }
  return locations;
}

export async function commentOptions(values: Values, findings: readonly Finding[], cwd: string): Promise<MarkdownPlanOptions> {
  const baseDir = typeof values['base-dir'] === 'string' ? path.resolve(cwd, values['base-dir']) : undefined;
  const artifact = values.artifact;
  if (artifact !== undefined && (typeof artifact !== 'string' || !/^[\w.-]{1,200}$/.test(artifact))) throw new UsageError(`--artifact: expected a name of letters, digits, '.', '_' or '-'`);
  return {
    links: { head: linkBase(values['link-url'], 'link-url'), base: linkBase(values['base-link-url'], 'base-link-url') },
    baseLocations: baseDir ? await locationsAt(baseDir) : undefined,
    validationWarnings: findings.filter((finding) => finding.severity === 'warning'),
    artifact,
  };
}
