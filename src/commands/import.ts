// `cvex import [--out DIR]`: write the account's exceptions as manifests (one file per cloud,
// sorted, stable) and adopt them, so a team can start GitOps on a live account. Only unowned
// exceptions are adopted; those with another owner's marker are reported by owner and left alone,
// unless `--take-over OWNER` asks for them (they are then re-stamped by replace on the next apply).
// Cost: ceil(N / pageSize) list requests plus one detail GET per exception imported: the list
// carries no cloud type, controls or targets.
import { mkdir, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { RemoteException } from '../api/types';
import { createCloudViewClient } from '../api/client';
import { resolveConfiguredTarget } from '../command-line/context';
import { type CommandSpec, parseCommandLine } from '../command-line/define';
import { type CliIo, closeOnInterrupt, UsageError } from '../command-line/io';
import { detectRepository, isLoopbackTarget, ownerFromRepository } from '../command-line/owner';
import { CREDENTIALS_EPILOG, TARGET_FLAGS } from '../command-line/target';
import { configuredManifests, DEFAULT_CONFIG_FILE } from '../config';
import { FileReadError, readBoundedText, type ReadKind } from '../files/read-bounded';
import { adoptIntoConfig } from '../import/adopt';
import { resolveDetailClouds } from '../import/resolve-cloud';
import { buildImportedFiles, mergeIntoExistingFile } from '../import/to-manifests';
import { loadAndValidate } from '../manifest';
import { manifestSchemaReference } from '../import/schema-reference';
import { CLOUD_TYPES, type CloudType } from '../model/exception';
import { DEFAULT_MANIFEST_GLOBS } from '../manifest/load-files';
import { minimatch } from 'minimatch';
import { mapWithConcurrency } from '../reconcile/concurrency';
import { OWNER_PATTERN, readMarker } from '../reconcile/marker';
import type { Ownership, OwnershipIndex } from '../reconcile/ownership-index';
import { classifyRemote, listRemoteExceptions } from '../reconcile/remote';
import { checkZoneStamps, describeWrongZone, TimeZoneError } from '../reconcile/zone-check';
import { terminalSafe } from '../render/escape';
import { resolveContext, type ReconcileContext } from './plan';

export const importDefinition = {
  name: 'import',
  usage: ['import [--out DIR] [options]', 'import --take-over OWNER [options]'],
  description: `Writes the account's exceptions as manifests in DIR (default policies/): imported-aws.yaml,
imported-azure.yaml, imported-gcp.yaml, sorted by name, so importing twice writes the same bytes.
Without --all, a file an earlier import wrote is added to (new names appended), never rewritten.
Nothing in CloudView changes. Only exceptions no repository owns are adopted: their names go to
\`manage\` in cvex.config.yaml (cvex plan then shows no changes). Exceptions whose marker names
another owner are listed by owner and left alone; --take-over OWNER imports them too and adds
OWNER to \`takeOverFrom\`: the next apply re-stamps them by replace ("-/+ take over from OWNER").
When cvex.config.yaml has no \`owner\`/\`repository\`, import writes them.
Dates are read in the subscription's time zone (--timezone, config timezone, default UTC). Import
never guesses it: when the exceptions' dates do not fit that zone, it stops and names the zones
they fit, and writes nothing.`,
  positionals: false,
  flags: {
    out: { type: 'string', value: 'DIR', description: 'folder to write into (default policies)' },
    all: { type: 'boolean', description: 'also rewrite exceptions this repository already declares or owns (default: only the others)' },
    'no-adopt': { type: 'boolean', description: 'write the manifests but leave cvex.config.yaml alone' },
    'take-over': {
      type: 'string',
      value: 'OWNER',
      multiple: true,
      description: "also import OWNER's exceptions and take them over (config takeOverFrom); agree with that repository first",
    },
    owner: { type: 'string', value: 'SLUG', description: "this repository's owner, written to the config when it has none (default: from the repository name)" },
    repository: { type: 'string', value: 'ORG/NAME', description: 'this repository, written to the config when it has none (default: GITHUB_REPOSITORY or the git remote origin)' },
    config: { type: 'string', value: 'FILE', description: 'cvex.config.yaml to read and update' },
    ...TARGET_FLAGS,
  },
  epilog: `Exit codes: 0 imported, 1 an exception could not be imported or a failure (a wrong time zone too),
2 usage error, 130 / 143 stopped by SIGINT / SIGTERM.
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

/** A file import adds to, through the bounded reader; '' when it does not exist yet. */
async function readOptional(file: string, kind: ReadKind, shown: string): Promise<string> {
  try {
    return await readBoundedText(file, kind);
  } catch (error) {
    if (error instanceof FileReadError && error.reason === 'missing') return '';
    if (error instanceof FileReadError) throw new FileReadError(error.reason, `${shown}: ${error.message}`, error.code);
    throw error;
  }
}

interface Identity {
  /** Written to the config when it has none. */
  owner?: string;
  repository?: string;
}

/** The owner and repository import writes when the config lacks them: flags, else guessed from the repository. */
async function identityToWrite(values: { owner?: string; repository?: string }, config: { owner?: string; repository?: string }, io: CliIo): Promise<Identity> {
  if (values.owner !== undefined && !OWNER_PATTERN.test(values.owner)) {
    throw new UsageError(`--owner: '${values.owner}' is not an owner slug (lower-case letters, digits and '-', at most 32, starting with a letter or digit)`);
  }
  if (values.repository !== undefined && !/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(values.repository)) {
    throw new UsageError(`--repository: expected org/name, got '${values.repository}'`);
  }
  if (values.owner !== undefined && config.owner !== undefined && values.owner !== config.owner) {
    throw new UsageError(`--owner ${values.owner}: the config already says owner: ${config.owner} (an owner is changed in the config, and only with care: the markers name it)`);
  }
  const repository = config.repository ?? values.repository ?? (await detectRepository(io.env, io.cwd));
  const owner = config.owner ?? values.owner ?? ownerFromRepository(repository);
  return { ...(owner !== undefined ? { owner } : {}), ...(repository !== undefined ? { repository } : {}) };
}

/** Which remote exceptions this run imports, and which it leaves alone and says so. */
function selectImports(remote: readonly RemoteException[], ownership: OwnershipIndex, takeOver: ReadonlySet<string>, all: boolean) {
  const wanted: RemoteException[] = [];
  const leftAlone = new Map<string, number>();
  let unverified = 0;
  const takenOver = new Set<string>();
  for (const item of remote) {
    const owned: Ownership = ownership.of(item);
    const declared = ownership.isDeclared(item.name);
    if ((owned.kind === 'foreign' || owned.kind === 'unverified') && owned.owner !== undefined && takeOver.has(owned.owner)) {
      wanted.push(item);
      takenOver.add(owned.owner);
    } else if (owned.kind === 'foreign' && owned.owner !== undefined) {
      leftAlone.set(owned.owner, (leftAlone.get(owned.owner) ?? 0) + 1);
    } else if (owned.kind === 'unverified') {
      unverified += 1;
    } else if (owned.kind === 'owned') {
      if (all) wanted.push(item);
    } else if (owned.kind === 'unmanaged' || all || !declared) {
      // Unmanaged ones also when declared: the conflict plan reports, which adoption resolves.
      wanted.push(item);
    }
  }
  return { wanted, leftAlone, unverified, takenOver, takeOverAsked: takeOver };
}

export async function importCommand(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseCommandLine(importDefinition, argv);
  // --config may name the file import is about to create.
  const configured = await resolveConfiguredTarget(values, io, { configMayBeMissing: true });
  const identity = await identityToWrite(values, configured.config, io);
  if (identity.owner === undefined && !isLoopbackTarget(configured.target.client.baseUrl)) {
    throw new UsageError(
      'cvex import needs an owner for this repository (every exception it creates will carry it): pass --owner SLUG (and --repository ORG/NAME), or set owner: in cvex.config.yaml',
    );
  }
  const { 'take-over': takeOverFlags, ...contextValues } = values;
  const takeOver = new Set(takeOverFlags ?? []);
  for (const owner of takeOver) if (!OWNER_PATTERN.test(owner)) throw new UsageError(`--take-over: '${owner}' is not an owner slug`);
  const context = await resolveContext(contextValues, io, { configMayBeMissing: true, command: 'import', ...(identity.owner ? { owner: identity.owner } : {}) });
  const outDir = path.resolve(io.cwd, values.out ?? 'policies');
  const client = createCloudViewClient(context.target.client);
  closeOnInterrupt(io, client);
  try {
    const { manifests } = await loadAndValidate(configuredManifests(context.config), { cwd: io.cwd, timeZone: context.timeZone });
    const listing = await listRemoteExceptions(client);
    // A listing that moved may have missed exceptions: say so, import what it saw.
    if (!listing.consistent) io.stderr.write(`cvex import: the exceptions list changed while it was read, twice (${listing.problem}); some exceptions may be missing: import again when the account is quiet\n`);
    const remote = listing.items;
    const ownership = await classifyRemote(remote, manifests.exceptions, {
      manage: context.manage,
      ownership: context.ownership,
      history: { cwd: io.cwd, manifestGlobs: context.config.manifests },
    });
    const selection = selectImports(remote, ownership, takeOver, values.all === true);
    // Never a guess: in the wrong zone every date written would be a day off. Checked on the list alone.
    const zone = checkZoneStamps(selection.wanted, context.timeZone);
    if (zone.wrongZone) throw new TimeZoneError(describeWrongZone(zone, { source: context.timeZoneSource, command: 'import' }));
    const fetched = await mapWithConcurrency(selection.wanted, context.target.client.concurrency ?? 2, (item) => client.getException(item.uuid));
    const schemaPath = manifestSchemaReference(outDir, io.cwd);
    // A name another manifest already defines (the conflict plan reports, which import resolves) is
    // adopted but not written again: two definitions would fail validation; the repository's wins.
    const ours = new Set(CLOUD_TYPES.map((cloud) => path.resolve(outDir, `imported-${cloud.toLowerCase()}.yaml`)));
    const definedElsewhere = new Set(manifests.exceptions.filter((exception) => !ours.has(path.resolve(io.cwd, exception.location.file))).map((exception) => exception.spec.name));
    // A detail that names no cloud: the manifest of that name, else provider-filtered listings; never a default.
    const cloudByName = new Map<string, CloudType>(manifests.exceptions.map((exception) => [exception.spec.name, exception.spec.cloudType]));
    const { details } = await resolveDetailClouds(client, fetched, cloudByName);
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
    const written = await writeImportedFiles(files, outDir, values.all === true, io);
    if (written === undefined) return 1;
    for (const item of skipped) io.stderr.write(`${terminalSafe(`skipped ${item.name} (${item.uuid}): ${item.reason}`)}\n`);
    reportLeftAlone(selection, context, io);

    if (!values['no-adopt']) {
      const imported = details.filter((detail) => !skipped.some((item) => item.uuid === detail.uuid) && (files.length > 0 || definedElsewhere.has(detail.name)));
      const kept = details.filter((detail) => definedElsewhere.has(detail.name)).map((detail) => JSON.stringify(detail.name));
      if (kept.length > 0) io.stdout.write(`${terminalSafe(`kept the repository's own manifests for ${kept.join(', ')} (not written again)`)}\n`);
      const unmarked = imported.filter((detail) => readMarker(detail.explanation).marker === undefined).map((detail) => detail.name);
      await adoptConfig(values.config, { manageNames: unmarked, takeOverFrom: [...selection.takenOver], ...identity }, context, io);
    }
    const total = files.reduce((sum, file) => sum + file.count, 0);
    io.stdout.write(`imported ${total} of ${remote.length} remote exceptions (${client.requestCount()} requests)\n`);
    return skipped.length > 0 ? 1 : 0;
  } finally {
    await client.close();
  }
}

/**
 * Without --all the exceptions the repository already has are left out, so rewriting a file an
 * earlier import wrote would drop them (and the next plan would delete them): add to it instead.
 * Every text is settled before anything is written. Undefined (after saying why) when refused.
 */
async function writeImportedFiles(files: ReturnType<typeof buildImportedFiles>['files'], outDir: string, all: boolean, io: CliIo): Promise<number | undefined> {
  const writes: Array<{ file: string; text: string; note: string }> = [];
  for (const file of files) {
    const target = path.join(outDir, file.name);
    const shown = path.relative(io.cwd, target);
    const existing = all ? '' : await readOptional(target, 'manifest', shown);
    if (existing.trim() === '') {
      writes.push({ file: target, text: file.text, note: `wrote ${shown} (${file.count} exceptions)` });
      continue;
    }
    const merged = mergeIntoExistingFile(existing, file.text);
    if (!merged) {
      io.stderr.write(`cvex import: ${shown} exists and has no \`exceptions\` list to add to; move it away or pass --out another folder. Nothing was written.\n`);
      return undefined;
    }
    writes.push({ file: target, text: merged.text, note: `updated ${shown} (${merged.added} new exceptions, ${merged.kept} kept)` });
  }
  await mkdir(outDir, { recursive: true });
  for (const write of writes) {
    await writeFile(write.file, write.text);
    io.stdout.write(`${write.note}\n`);
  }
  return writes.length;
}

function reportLeftAlone(selection: ReturnType<typeof selectImports>, context: ReconcileContext, io: CliIo): void {
  for (const [owner, count] of [...selection.leftAlone].sort(([a], [b]) => (a < b ? -1 : 1))) {
    io.stdout.write(`left ${count} ${count === 1 ? 'exception' : 'exceptions'} of owner '${owner}' alone (another repository's; \`cvex import --take-over ${owner}\` takes them over)\n`);
  }
  if (selection.unverified > 0) {
    io.stdout.write(
      `left ${selection.unverified} ${selection.unverified === 1 ? 'exception' : 'exceptions'} alone whose marker names owner '${context.ownership.owner}' but does not verify (see \`cvex plan\`)\n`,
    );
  }
  for (const owner of selection.takenOver) io.stdout.write(`taking over the exceptions of owner '${owner}': the next apply re-stamps them by replace\n`);
  for (const owner of selection.takeOverAsked) {
    if (!selection.takenOver.has(owner)) io.stderr.write(`cvex import: no exception in CloudView carries owner '${owner}': nothing to take over (takeOverFrom unchanged)\n`);
  }
}

async function adoptConfig(configFlag: string | undefined, adoption: Parameters<typeof adoptIntoConfig>[1], context: ReconcileContext, io: CliIo): Promise<void> {
  const configFile = path.resolve(io.cwd, typeof configFlag === 'string' ? configFlag : DEFAULT_CONFIG_FILE);
  const shown = path.relative(io.cwd, configFile);
  const before = await readOptional(configFile, 'config', shown);
  const result = adoptIntoConfig(before, adoption, context.manage);
  if (result.text === before) return;
  await writeFile(configFile, result.text);
  if (result.ownerWritten) io.stdout.write(`wrote owner: ${result.ownerWritten} to ${shown} (every exception this repository creates carries it)\n`);
  if (result.repositoryWritten) io.stdout.write(`wrote repository: ${result.repositoryWritten} to ${shown}\n`);
  if (result.added.length > 0) io.stdout.write(`adopted ${result.added.length} exceptions: added their names to manage in ${shown}\n`);
  if (result.takeOverAdded.length > 0) io.stdout.write(`added ${result.takeOverAdded.join(', ')} to takeOverFrom in ${shown}\n`);
}
