// What the repository's own history says about a marker (I/O). A marker names the commit that made
// its exception; a manifest at that commit that declares the name with the marker's fingerprint
// (a) verifies an unsigned marker of our owner whose fingerprint is not the current manifest's, and
// (b) gives the old values a plan shows for a change made in the repository, with no detail request.
// Reads: the file that declares the name now, at each commit, in one `git cat-file --batch`; only
// what that misses costs a `git ls-tree` per commit and a second batch of that commit's manifests.
import { Minimatch } from 'minimatch';
import { listTree, readBlobs, revParse } from '../git';
import { DEFAULT_MANIFEST_GLOBS, MAX_MANIFEST_BYTES } from '../manifest';
import { isMapping, mergeManifestFile } from '../manifest/merge';
import { parseYaml, type ParsedYaml } from '../manifest/parse-yaml';
import { SPEC_FIELDS, type ExceptionSpec } from '../model/exception';
import { fingerprintSpec } from './fingerprint';
import { historyKey, type HistoryEvidence, type HistoryQuery } from './ownership-index';

export const HISTORY_LIMITS = {
  /** Distinct commits whose whole tree is read per plan; markers of further commits stay unverified (and are never deleted). */
  maxCommits: 100,
} satisfies Record<string, number>;

/** A marker to look up: its name, fingerprint and commit, and where the name is declared now (read first). */
export interface HistoryLookup extends HistoryQuery {
  file?: string;
}

/** The evidence, and the spec each held marker vouches for (by historyKey). */
export interface HistoryReading extends HistoryEvidence {
  specs: ReadonlyMap<string, ExceptionSpec>;
}

/** Name → spec (API fields, defaults merged) of every exception a manifest text declares. */
export function specsInManifest(text: string, file: string): Map<string, ExceptionSpec> {
  return specsInParsed(parseYaml(text, file), file);
}

/** The same, of a manifest already read. */
export function specsInParsed(parsed: ParsedYaml, file: string): Map<string, ExceptionSpec> {
  const found = new Map<string, ExceptionSpec>();
  if (!isMapping(parsed.value)) return found;
  const items = mergeManifestFile(file, parsed.value, parsed).merged.exceptions;
  if (!Array.isArray(items)) return found;
  for (const item of items) {
    if (!isMapping(item) || typeof item.name !== 'string') continue;
    const spec: Record<string, unknown> = {};
    for (const field of SPEC_FIELDS) if (item[field] !== undefined) spec[field] = item[field];
    found.set(item.name, spec as unknown as ExceptionSpec);
  }
  return found;
}

/** Name → fingerprint of every exception a manifest text declares (defaults merged). */
export function fingerprintsInManifest(text: string, file: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const [name, spec] of specsInManifest(text, file)) {
    const fingerprint = fingerprintOf(spec);
    if (fingerprint !== undefined) found.set(name, fingerprint);
  }
  return found;
}

/** A manifest that was invalid at that commit vouches for nothing. */
function fingerprintOf(spec: ExceptionSpec): string | undefined {
  try {
    return fingerprintSpec(spec);
  } catch {
    return undefined;
  }
}

export interface HistoryOptions {
  cwd: string;
  /** Config `manifests` (default the policies/ globs): which files of an old tree are manifests. */
  manifestGlobs?: readonly string[];
}

/** Unverified markers of our owner (ownership) and old values (plans): the same reading. */
export async function readHistoryEvidence(queries: readonly HistoryLookup[], options: HistoryOptions): Promise<HistoryReading> {
  return readHistory(queries, options);
}

export async function readHistory(queries: readonly HistoryLookup[], options: HistoryOptions): Promise<HistoryReading> {
  const held = new Set<string>();
  const unreadable = new Map<string, string>();
  const specs = new Map<string, ExceptionSpec>();
  if (queries.length === 0) return { held, unreadable, specs };
  if ((await revParse(options.cwd, 'HEAD')) === undefined) {
    const reason = 'this folder is no git checkout, so no history can vouch for it (markerKeys would: `cvex keygen`)';
    for (const query of queries) unreadable.set(historyKey(query.name, query.fingerprint, query.commit), reason);
    return { held, unreadable, specs };
  }
  // What each commit's manifests declare, as far as read; a file is parsed once per commit.
  const declared = new Map<string, Map<string, ExceptionSpec>>();
  const readFiles = new Set<string>();
  const read = async (objectNames: readonly string[]): Promise<void> => {
    const wanted = [...new Set(objectNames)].filter((name) => !readFiles.has(name));
    if (wanted.length === 0) return;
    const blobs = await readBlobs(options.cwd, wanted);
    for (const objectName of wanted) {
      readFiles.add(objectName);
      const blob = blobs.get(objectName);
      if (!blob || blob.length > MAX_MANIFEST_BYTES || blob.subarray(0, 8192).includes(0)) continue;
      const separator = objectName.indexOf(':./');
      const commit = objectName.slice(0, separator);
      const byName = declared.get(commit) ?? new Map<string, ExceptionSpec>();
      for (const [name, spec] of specsInManifest(blob.toString('utf8'), objectName.slice(separator + 3))) byName.set(name, spec);
      declared.set(commit, byName);
    }
  };
  const settle = (query: HistoryLookup): boolean => {
    const key = historyKey(query.name, query.fingerprint, query.commit);
    if (held.has(key)) return true;
    const spec = declared.get(query.commit)?.get(query.name);
    if (spec === undefined || fingerprintOf(spec) !== query.fingerprint) return false;
    held.add(key);
    specs.set(key, spec);
    return true;
  };

  // `./`: paths relative to cwd (the config's folder may be below the repository root), as ls-tree lists them.
  const objectName = (commit: string, file: string) => `${commit}:./${file}`;
  // 1. The file that declares the name now, at the marker's commit: where it was, in the usual case.
  await read(queries.filter((query) => query.file !== undefined && isHex(query.commit)).map((query) => objectName(query.commit, query.file!)));
  const open = queries.filter((query) => !settle(query));
  if (open.length === 0) return { held, unreadable, specs };

  // 2. Every manifest of the commits still open (one ls-tree each), in one more batch.
  const globs = options.manifestGlobs && options.manifestGlobs.length > 0 ? options.manifestGlobs : DEFAULT_MANIFEST_GLOBS;
  // Compiled once: a tree may list thousands of files.
  const matchers = globs.map((glob) => new Minimatch(glob.replace(/^\.\//, ''), { dot: false }));
  const isManifest = (file: string) => matchers.some((matcher) => matcher.match(file));
  const commits = [...new Set(open.map((query) => query.commit))].sort();
  const readable = commits.slice(0, HISTORY_LIMITS.maxCommits);
  const inHistory = new Set<string>();
  const names: string[] = [];
  for (const commit of readable) {
    const tree = await listTree(options.cwd, commit);
    if (!tree) continue;
    inHistory.add(commit);
    if (!declared.has(commit)) declared.set(commit, new Map());
    for (const file of tree) if (isManifest(file)) names.push(objectName(commit, file));
  }
  await read(names);
  for (const query of open) {
    if (settle(query)) continue;
    const key = historyKey(query.name, query.fingerprint, query.commit);
    if (!readable.includes(query.commit)) unreadable.set(key, `its commit is one of more than ${HISTORY_LIMITS.maxCommits} to read in one plan`);
    else if (!inHistory.has(query.commit)) unreadable.set(key, `commit ${query.commit} is not in this clone's history (a shallow clone? fetch the full history)`);
  }
  return { held, unreadable, specs };
}

function isHex(commit: string): boolean {
  return /^[0-9a-f]{4,64}$/i.test(commit);
}
