// Verifies unsigned markers from the repository's own history (I/O): a marker of our owner whose
// fingerprint is not the current manifest's (the exception was changed or removed since) is ours
// when a manifest at the marker's commit declares that name with that fingerprint. One
// `git ls-tree` per distinct commit, then every manifest at every commit in one `git cat-file --batch`.
import { minimatch } from 'minimatch';
import { listTree, readBlobs, revParse } from '../git';
import { DEFAULT_MANIFEST_GLOBS, MAX_MANIFEST_BYTES } from '../manifest';
import { isMapping, mergeManifestFile } from '../manifest/merge';
import { parseYaml } from '../manifest/parse-yaml';
import { SPEC_FIELDS, type ExceptionSpec } from '../model/exception';
import { fingerprintSpec } from './fingerprint';
import { historyKey, type HistoryEvidence, type HistoryQuery } from './ownership-index';

export const HISTORY_LIMITS = {
  /** Distinct commits read per plan; markers of further commits stay unverified (and are never deleted). */
  maxCommits: 100,
} satisfies Record<string, number>;

/** Name → fingerprint of every exception the manifests in these texts declare (defaults merged). */
export function fingerprintsInManifest(text: string, file: string): Map<string, string> {
  const found = new Map<string, string>();
  const parsed = parseYaml(text, file);
  if (!isMapping(parsed.value)) return found;
  const items = mergeManifestFile(file, parsed.value, parsed).merged.exceptions;
  if (!Array.isArray(items)) return found;
  for (const item of items) {
    if (!isMapping(item) || typeof item.name !== 'string') continue;
    const spec: Record<string, unknown> = {};
    for (const field of SPEC_FIELDS) if (item[field] !== undefined) spec[field] = item[field];
    try {
      found.set(item.name, fingerprintSpec(spec as unknown as ExceptionSpec));
    } catch {
      // A manifest that was invalid at that commit vouches for nothing.
    }
  }
  return found;
}

export interface HistoryOptions {
  cwd: string;
  /** Config `manifests` (default the policies/ globs): which files of an old tree are manifests. */
  manifestGlobs?: readonly string[];
}

export async function readHistoryEvidence(queries: readonly HistoryQuery[], options: HistoryOptions): Promise<HistoryEvidence> {
  const held = new Set<string>();
  const unreadable = new Map<string, string>();
  if (queries.length === 0) return { held, unreadable };
  if ((await revParse(options.cwd, 'HEAD')) === undefined) {
    const reason = 'this folder is no git checkout, so no history can vouch for it (markerKeys would: `cvex keygen`)';
    for (const query of queries) unreadable.set(historyKey(query.name, query.fingerprint, query.commit), reason);
    return { held, unreadable };
  }
  const globs = options.manifestGlobs && options.manifestGlobs.length > 0 ? options.manifestGlobs : DEFAULT_MANIFEST_GLOBS;
  const isManifest = (file: string) => globs.some((glob) => minimatch(file, glob.replace(/^\.\//, ''), { dot: false }));

  const commits = [...new Set(queries.map((query) => query.commit))].sort();
  const readable = commits.slice(0, HISTORY_LIMITS.maxCommits);
  const files = new Map<string, string[]>();
  for (const commit of readable) {
    const tree = await listTree(options.cwd, commit);
    if (tree) files.set(commit, tree.filter(isManifest));
  }
  // `./`: ls-tree lists paths relative to cwd (the config's folder may be below the repository root), and so must the blob names be.
  const objectNames = [...files].flatMap(([commit, paths]) => paths.map((file) => `${commit}:./${file}`));
  const blobs = objectNames.length > 0 ? await readBlobs(options.cwd, objectNames) : new Map<string, Buffer | undefined>();

  const declared = new Map<string, Map<string, string>>();
  for (const [commit, paths] of files) {
    const byName = new Map<string, string>();
    for (const file of paths) {
      const blob = blobs.get(`${commit}:./${file}`);
      if (!blob || blob.length > MAX_MANIFEST_BYTES || blob.subarray(0, 8192).includes(0)) continue;
      for (const [name, fingerprint] of fingerprintsInManifest(blob.toString('utf8'), file)) byName.set(name, fingerprint);
    }
    declared.set(commit, byName);
  }

  for (const query of queries) {
    const key = historyKey(query.name, query.fingerprint, query.commit);
    const atCommit = declared.get(query.commit);
    if (atCommit?.get(query.name) === query.fingerprint) held.add(key);
    else if (!readable.includes(query.commit)) unreadable.set(key, `its commit is one of more than ${HISTORY_LIMITS.maxCommits} to read in one plan`);
    else if (!atCommit) unreadable.set(key, `commit ${query.commit} is not in this clone's history (a shallow clone? fetch the full history)`);
  }
  return { held, unreadable };
}
