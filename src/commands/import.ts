// `cvex import [--out DIR]`: write the account's exceptions as manifests (one file per cloud,
// sorted, stable) and adopt them, so a team can start GitOps on a live account.
// Cost: ceil(N / pageSize) list requests plus one detail GET per exception imported: the list
// carries no cloud type, controls or targets (../shared/cloudview-api.md).
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { createCloudViewClient } from '../api/client';
import { type CommandSpec, parseCommandLine } from '../command-line/define';
import { type CliIo, closeOnInterrupt } from '../command-line/io';
import { CREDENTIALS_EPILOG, TARGET_FLAGS } from '../command-line/target';
import { DEFAULT_CONFIG_FILE } from '../config';
import { addManagedNames } from '../import/adopt';
import { buildImportedFiles, mergeIntoExistingFile } from '../import/to-manifests';
import { loadAndValidate } from '../manifest';
import { manifestSchemaReference } from '../import/schema-reference';
import { CLOUD_TYPES } from '../model/exception';
import { DEFAULT_MANIFEST_GLOBS } from '../manifest/load-files';
import { minimatch } from 'minimatch';
import { mapWithConcurrency } from '../reconcile/concurrency';
import { readMarker, isManaged } from '../reconcile/ownership';
import { listRemoteExceptions } from '../reconcile/remote';
import { resolveContext } from './plan';

export const importDefinition = {
  name: 'import',
  usage: ['import [--out DIR] [options]'],
  description: `Writes the account's exceptions as manifests in DIR (default policies/): imported-aws.yaml,
imported-azure.yaml, imported-gcp.yaml, sorted by name, so importing twice writes the same bytes.
Without --all, a file an earlier import wrote is added to (new names appended), never rewritten.
Nothing in CloudView changes. The imported names are added to \`manage\` in cvex.config.yaml so the
repository owns them from now on (cvex plan then shows no changes).`,
  positionals: false,
  flags: {
    out: { type: 'string', value: 'DIR', description: 'folder to write into (default policies)' },
    all: { type: 'boolean', description: 'also import exceptions that cvex already manages (default: only the others)' },
    'no-adopt': { type: 'boolean', description: 'write the manifests but leave cvex.config.yaml alone' },
    config: { type: 'string', value: 'FILE', description: 'cvex.config.yaml to read and update' },
    ...TARGET_FLAGS,
  },
  epilog: `Exit codes: 0 imported, 1 an exception could not be imported or a failure, 2 usage error.
${CREDENTIALS_EPILOG}`,
} as const satisfies CommandSpec;

/** Whether `cvex plan` (no paths) reads this cwd-relative file: its config `manifests`, else the default globs. */
function readByPlan(relative: string, patterns: readonly string[]): boolean {
  return patterns.some((pattern) => {
    const normalised = pattern.split(path.sep).join('/').replace(/^\.\//, '').replace(/\/+$/, '');
    if (/[*?[\]{}()!]/.test(normalised)) return minimatch(relative, normalised);
    return relative === normalised || (relative.startsWith(`${normalised}/`) && /\.ya?ml$/.test(relative));
  });
}

/** Names the repository's manifests define in files other than the imported-<cloud>.yaml ones import writes. */
async function namesDefinedOutside(outDir: string, context: Awaited<ReturnType<typeof resolveContext>>, io: CliIo): Promise<Set<string>> {
  const ours = new Set(CLOUD_TYPES.map((cloud) => path.resolve(outDir, `imported-${cloud.toLowerCase()}.yaml`)));
  const { manifests } = await loadAndValidate(context.config.manifests ?? [], { cwd: io.cwd, timeZone: context.timeZone });
  return new Set(manifests.exceptions.filter((exception) => !ours.has(path.resolve(io.cwd, exception.location.file))).map((exception) => exception.spec.name));
}

async function readOptional(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw error;
  }
}

export async function importCommand(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseCommandLine(importDefinition, argv);
  // --config may name the file import is about to create.
  const context = await resolveContext(values, io, { configMayBeMissing: true });
  const outDir = path.resolve(io.cwd, values.out ?? 'policies');
  const client = createCloudViewClient(context.target.client);
  closeOnInterrupt(io, client);
  try {
    const remote = await listRemoteExceptions(client);
    const wanted = values.all ? remote : remote.filter((item) => !isManaged(item, context.manage));
    const details = await mapWithConcurrency(wanted, context.target.client.concurrency ?? 2, (item) => client.getException(item.uuid));
    const schemaPath = manifestSchemaReference(outDir, io.cwd);
    // A name another manifest already defines (the conflict plan reports, which import resolves) is
    // adopted but not written again: two definitions would fail validation; the repository's wins.
    const definedElsewhere = await namesDefinedOutside(outDir, context, io);
    const { files, skipped } = buildImportedFiles(
      details.filter((detail) => !definedElsewhere.has(detail.name)),
      context.timeZone,
      (text) => readMarker(text).explanation,
      schemaPath,
    );

    // Adopted names that plan then does not find in the repository would be planned for deletion.
    if (!values['no-adopt']) {
      const patterns = context.config.manifests ?? DEFAULT_MANIFEST_GLOBS;
      const unread = files.map((file) => path.relative(io.cwd, path.join(outDir, file.name)).split(path.sep).join('/')).filter((file) => !readByPlan(file, patterns));
      if (unread.length > 0) {
        io.stderr.write(
          `cvex import: cvex plan would not read ${unread.join(', ')} (manifests: ${patterns.join(', ')}), so the adopted exceptions would be planned for deletion; pass --out a folder it reads. Nothing was written.\n`,
        );
        return 1;
      }
    }
    // Without --all the account's managed exceptions are left out, so rewriting a file an earlier
    // import wrote would drop the exceptions it adopted (and the next plan would delete them): add
    // to it instead. Every text is settled before anything is written.
    const writes: Array<{ file: string; text: string; note: string }> = [];
    for (const file of files) {
      const target = path.join(outDir, file.name);
      const shown = path.relative(io.cwd, target);
      const existing = values.all ? '' : await readOptional(target);
      if (existing.trim() === '') {
        writes.push({ file: target, text: file.text, note: `wrote ${shown} (${file.count} exceptions)` });
        continue;
      }
      const merged = mergeIntoExistingFile(existing, file.text);
      if (!merged) {
        io.stderr.write(`cvex import: ${shown} exists and has no \`exceptions\` list to add to; move it away or pass --out another folder. Nothing was written.\n`);
        return 1;
      }
      writes.push({ file: target, text: merged.text, note: `updated ${shown} (${merged.added} new exceptions, ${merged.kept} kept)` });
    }
    await mkdir(outDir, { recursive: true });
    for (const write of writes) {
      await writeFile(write.file, write.text);
      io.stdout.write(`${write.note}\n`);
    }
    for (const item of skipped) io.stderr.write(`skipped ${item.name} (${item.uuid}): ${item.reason}\n`);

    if (!values['no-adopt']) {
      const imported = details.filter((detail) => !skipped.some((item) => item.uuid === detail.uuid) && (files.length > 0 || definedElsewhere.has(detail.name)));
      const kept = details.filter((detail) => definedElsewhere.has(detail.name)).map((detail) => JSON.stringify(detail.name));
      if (kept.length > 0) io.stdout.write(`kept the repository's own manifests for ${kept.join(', ')} (not written again)\n`);
      const unmarked = imported.filter((detail) => readMarker(detail.explanation).marker === undefined).map((detail) => detail.name);
      const configFile = path.resolve(io.cwd, typeof values.config === 'string' ? values.config : DEFAULT_CONFIG_FILE);
      const { text, added } = addManagedNames(await readOptional(configFile), unmarked, context.manage);
      if (added.length > 0) {
        await writeFile(configFile, text);
        io.stdout.write(`adopted ${added.length} exceptions: added their names to manage in ${path.relative(io.cwd, configFile)}\n`);
      }
    }
    const total = files.reduce((sum, file) => sum + file.count, 0);
    io.stdout.write(`imported ${total} of ${remote.length} remote exceptions (${client.requestCount()} requests)\n`);
    return skipped.length > 0 ? 1 : 0;
  } finally {
    await client.close();
  }
}
