// `cvex import [--out DIR]`: write the account's exceptions as manifests (split by cloud, and in a
// large account by a stable key: src/import/layout.ts; sorted, stable) and adopt them, so a team can
// start GitOps on a live account. Only unowned exceptions are adopted; those with another owner's
// marker are reported by owner and left alone, unless `--take-over OWNER` asks for them (they are
// then re-stamped by replace on the next apply).
// Cost: ceil(N / pageSize) list requests plus one detail GET per exception imported: the list
// carries no cloud type, controls or targets. `--max-requests N` / `--time-limit` spread that over
// runs: each stops cleanly, and what it read is in the files it wrote (the next run lists those
// exceptions as declared and continues after them); no state file.
import { readdir, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { RemoteException } from '../api/types';
import { createCloudViewClient } from '../api/client';
import { resolveConfiguredTarget } from '../command-line/context';
import { type CommandSpec, parseCommandLine } from '../command-line/define';
import { type CliIo, closeOnInterrupt, UsageError } from '../command-line/io';
import { detectRepository, isLoopbackTarget, ownerFromRepository } from '../command-line/owner';
import { CREDENTIALS_EPILOG, parseDuration, TARGET_FLAGS } from '../command-line/target';
import { configuredManifests, DEFAULT_CONFIG_FILE } from '../config';
import { adoptIntoConfig } from '../import/adopt';
import { describeImportCost, estimateImport, minimumBudget, requestsLeft, type ImportCost } from '../import/budget';
import { fileChooser, isImportedFile } from '../import/layout';
import { resolveDetailClouds } from '../import/resolve-cloud';
import { manifestSchemaReference } from '../import/schema-reference';
import { buildImportedFiles } from '../import/to-manifests';
import { loadAndValidate } from '../manifest';
import type { CloudType } from '../model/exception';
import { DEFAULT_MANIFEST_GLOBS } from '../manifest/load-files';
import { OWNER_PATTERN, readMarker } from '../reconcile/marker';
import type { Ownership, OwnershipIndex } from '../reconcile/ownership-index';
import { classifyRemote, listRemoteExceptions } from '../reconcile/remote';
import { checkZoneStamps, describeWrongZone, TimeZoneError } from '../reconcile/zone-check';
import { terminalSafe } from '../render/escape';
import { plural } from '../render/plural';
import { readDetailsWithinBudget } from './import-read';
import { readByPlan, readOptional, writeImportedFiles } from './import-write';
import { resolveContext, type ReconcileContext } from './plan';

export const importDefinition = {
  name: 'import',
  usage: ['import [--out DIR] [options]', 'import --take-over OWNER [options]'],
  description: `Writes the account's exceptions as manifests in DIR (default policies/): imported-aws.yaml,
imported-azure.yaml, imported-gcp.yaml, sorted by name, so importing twice writes the same bytes.
An account of more than 1,000 exceptions is split further, by the first hex digits of sha256(name)
(imported-aws-0.yaml … imported-aws-f.yaml; 256 files per cloud past 16,000), so every file stays
within the manifest limits; an exception already in a file is never moved.
Without --all, a file an earlier import wrote is added to (new names at their sorted places), never
rewritten. Each exception costs a detail request: --max-requests N (or --time-limit) stops the run
cleanly at that budget, writes what it read, and the next run continues where it stopped.
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
    'max-requests': {
      type: 'string',
      value: 'N',
      description: 'send at most N requests in this run (its listing included), then stop cleanly; the next run continues (at least the list pages + 1)',
    },
    'time-limit': { type: 'string', value: 'DURATION', description: 'start no new read after this long (e.g. 50m), then write what was read; the next run continues' },
    owner: { type: 'string', value: 'SLUG', description: "this repository's owner, written to the config when it has none (default: from the repository name)" },
    repository: { type: 'string', value: 'ORG/NAME', description: 'this repository, written to the config when it has none (default: GITHUB_REPOSITORY or the git remote origin)' },
    config: { type: 'string', value: 'FILE', description: 'cvex.config.yaml to read and update' },
    ...TARGET_FLAGS,
  },
  epilog: `Exit codes: 0 imported, 1 an exception could not be imported or a failure (a wrong time zone too),
2 usage error, 130 / 143 stopped by SIGINT / SIGTERM.
${CREDENTIALS_EPILOG}`,
} as const satisfies CommandSpec;

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

/** --max-requests: a whole number of at least 2 (one list page and one detail); the account may need more. */
function parseMaxRequests(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d{1,9}$/.test(text.trim()) || Number(text) < 2) throw new UsageError(`--max-requests: expected a whole number of at least 2 (a list page and a detail), got '${text}'`);
  return Number(text);
}

export async function importCommand(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseCommandLine(importDefinition, argv);
  const maxRequests = parseMaxRequests(values['max-requests']);
  const timeLimit = values['time-limit'] === undefined ? undefined : parseDuration(values['time-limit']);
  if (values['time-limit'] !== undefined && timeLimit === undefined) throw new UsageError(`--time-limit: expected a duration such as 50m or 3600s, got '${values['time-limit']}'`);
  const budgeted = maxRequests !== undefined || timeLimit !== undefined;
  // A resumed run continues after what earlier runs adopted: it needs the adoption, and --all would start over.
  if (budgeted && values.all) throw new UsageError('--max-requests / --time-limit continue an import run after run; --all rewrites everything each time: use one or the other');
  if (budgeted && values['no-adopt']) throw new UsageError('--max-requests / --time-limit continue from what earlier runs adopted: drop --no-adopt');
  const startedAt = Date.now();
  // --config may name the file import is about to create.
  const configured = await resolveConfiguredTarget(values, io, { configMayBeMissing: true });
  const identity = await identityToWrite(values, configured.config, io);
  if (identity.owner === undefined && !isLoopbackTarget(configured.target.client.baseUrl)) {
    throw new UsageError(
      'cvex import needs an owner for this repository (every exception it creates will carry it): pass --owner SLUG (and --repository ORG/NAME), or set owner: in cvex.config.yaml',
    );
  }
  const { 'take-over': takeOverFlags, 'max-requests': _maxRequests, 'time-limit': _timeLimit, ...contextValues } = values;
  const takeOver = new Set(takeOverFlags ?? []);
  for (const owner of takeOver) if (!OWNER_PATTERN.test(owner)) throw new UsageError(`--take-over: '${owner}' is not an owner slug`);
  const context = await resolveContext(contextValues, io, { configMayBeMissing: true, command: 'import', ...(identity.owner ? { owner: identity.owner } : {}) });
  const outDir = path.resolve(io.cwd, values.out ?? 'policies');
  const client = createCloudViewClient(context.target.client);
  closeOnInterrupt(io, client);
  try {
    const { manifests } = await loadAndValidate(configuredManifests(context.config), { cwd: io.cwd, timeZone: context.timeZone });
    // Refused as soon as the first page tells the listing's size: a run must list the account and read one detail.
    let listPages: number | undefined;
    const listing = await listRemoteExceptions(client, {
      onPage: (info) => {
        if (listPages !== undefined) return;
        listPages = info.totalPages ?? (info.totalElements !== undefined && info.serverPageSize ? Math.ceil(info.totalElements / info.serverPageSize) : undefined);
        if (maxRequests !== undefined && listPages !== undefined && maxRequests < minimumBudget(listPages)) {
          throw new UsageError(`--max-requests ${maxRequests} is below what one run needs: ${minimumBudget(listPages)} (${plural(listPages, 'list request')} and 1 detail). Nothing was written.`);
        }
      },
    });
    listPages = Math.max(listPages ?? 0, client.requestCount());
    if (maxRequests !== undefined && maxRequests < minimumBudget(listPages)) {
      throw new UsageError(`--max-requests ${maxRequests} is below what one run needs: ${minimumBudget(listPages)} (${plural(listPages, 'list request')} and 1 detail). Nothing was written.`);
    }
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

    // In name order, so each budgeted run reads the next slice.
    const wanted = [...selection.wanted].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const cost: ImportCost = { listPages, toRead: wanted.length, ...(maxRequests !== undefined ? { maxRequests } : {}) };
    if (wanted.length > 0) io.stdout.write(`${describeImportCost(cost)}\n`);
    const reading = await readDetailsWithinBudget(
      client,
      wanted,
      { maxRequests, deadlineMs: timeLimit === undefined ? undefined : startedAt + timeLimit, listPages, concurrency: context.target.client.concurrency ?? 2 },
      cost,
      io,
    );
    const schemaPath = manifestSchemaReference(outDir, io.cwd);
    // A name another manifest already defines (the conflict plan reports, which import resolves) is
    // adopted but not written again: two definitions would fail validation; the repository's wins.
    const isOurs = (file: string) => path.dirname(path.resolve(io.cwd, file)) === outDir && isImportedFile(path.basename(file));
    const definedElsewhere = new Set(manifests.exceptions.filter((exception) => !isOurs(exception.location.file)).map((exception) => exception.spec.name));
    // A detail that names no cloud: the manifest of that name, else provider-filtered listings; never a default.
    const cloudByName = new Map<string, CloudType>(manifests.exceptions.map((exception) => [exception.spec.name, exception.spec.cloudType]));
    const { details } = await resolveDetailClouds(client, reading.details, cloudByName);
    // Where each exception goes: the file that holds it already (never moved), else the layout's.
    const placed = new Map(manifests.exceptions.filter((exception) => isOurs(exception.location.file)).map((exception) => [exception.spec.name, path.basename(exception.location.file)]));
    const choose = fileChooser(remote.length, await filesIn(outDir));
    const { files, skipped } = buildImportedFiles(
      details.filter((detail) => !definedElsewhere.has(detail.name)),
      context.timeZone,
      (text) => readMarker(text).explanation,
      schemaPath,
      (cloud, name) => placed.get(name) ?? choose(cloud, name),
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
    if (reading.left > 0) reportLeft(reading, cost, details.length, io);
    return skipped.length > 0 ? 1 : 0;
  } finally {
    await client.close();
  }
}

/** What a run stopped by its budget left, and what the rest costs. */
function reportLeft(reading: { left: number; stoppedBy?: 'requests' | 'time' }, cost: ImportCost, read: number, io: CliIo): void {
  const rest = estimateImport({ ...cost, toRead: reading.left });
  const by = reading.stoppedBy === 'time' ? 'the time limit' : `the request budget (--max-requests ${cost.maxRequests})`;
  io.stdout.write(
    `stopped at ${by}: ${plural(reading.left, 'exception')} left to read; run \`cvex import\` again to continue where this run stopped (about ${plural(requestsLeft(cost, read), 'request')}${cost.maxRequests !== undefined ? ` in ${plural(rest.runs, 'run')}` : ''})\n`,
  );
}

async function filesIn(folder: string): Promise<string[]> {
  try {
    return await readdir(folder);
  } catch {
    return [];
  }
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
