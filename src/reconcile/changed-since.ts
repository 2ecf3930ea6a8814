// `cvex plan --changed-since REF`: what a pull request changes, exception by exception. The base is
// the merge base of REF and HEAD; the manifests that differ between it and the working tree are read
// as they were there (one `git cat-file --batch`) and as they are now, and the names whose spec
// (its fingerprint) was added, changed or removed are the plan's scope. A change to the config, or
// to a `defaults:` block (it reaches exceptions the diff does not show), asks for the full plan.
import { Minimatch } from 'minimatch';
import { changedFiles, mergeBase, readBlobs } from '../git';
import { DEFAULT_MANIFEST_GLOBS, MAX_MANIFEST_BYTES } from '../manifest';
import { isMapping } from '../manifest/merge';
import { parseYaml } from '../manifest/parse-yaml';
import type { ExceptionSpec, ManifestException } from '../model/exception';
import { fingerprintSpec } from './fingerprint';
import { specsInParsed } from './history';
import type { PlanScope } from './types';

/** REF is no ref of this clone, or the folder is no git checkout: nothing can be narrowed. */
export class ChangedSinceError extends Error {
  override name = 'ChangedSinceError';
}

/** A declared exception as it was at the base: the old values of a change, and the import's record. */
export interface BaseException {
  spec: ExceptionSpec;
  metadata: Record<string, unknown>;
}

export type ChangedSince =
  | { kind: 'narrowed'; scope: Extract<PlanScope, { kind: 'changed-since' }>; base: Map<string, BaseException> }
  | { kind: 'full'; base: string; reason: string };

export interface ChangedSinceInput {
  cwd: string;
  ref: string;
  /** The validated manifests of the working tree. */
  exceptions: readonly ManifestException[];
  /** The manifest files read now (relative to cwd). */
  files: readonly string[];
  /** Their `defaults:` blocks as written (LoadedManifests.defaultsByFile). */
  defaultsByFile?: Readonly<Record<string, unknown>>;
  /** Config `manifests` (default the policies/ globs): which removed files were manifests. */
  manifestGlobs?: readonly string[];
  /** The config file, relative to cwd (cvex.config.yaml unless --config says otherwise). */
  configFile: string;
}

interface FileState {
  defaults: string;
  byName: Map<string, BaseException>;
}

/** A manifest at the base, read once: its defaults and its exceptions. */
function stateOf(text: string | undefined, file: string): FileState | undefined {
  if (text === undefined) return { defaults: 'null', byName: new Map() };
  const parsed = parseYaml(text, file);
  if (!isMapping(parsed.value)) return undefined;
  const byName = new Map<string, BaseException>();
  const items = Array.isArray(parsed.value.exceptions) ? parsed.value.exceptions : [];
  const metadataOf = new Map(items.filter(isMapping).map((item) => [String(item.name), isMapping(item.metadata) ? item.metadata : {}]));
  for (const [name, spec] of specsInParsed(parsed, file)) byName.set(name, { spec, metadata: metadataOf.get(name) ?? {} });
  return { defaults: JSON.stringify(parsed.value.defaults ?? null), byName };
}

function fingerprintOf(spec: ExceptionSpec): string | undefined {
  try {
    return fingerprintSpec(spec);
  } catch {
    return undefined;
  }
}

export async function changedSince(input: ChangedSinceInput): Promise<ChangedSince> {
  const base = await mergeBase(input.cwd, input.ref);
  if (base === undefined) {
    throw new ChangedSinceError(
      `--changed-since ${input.ref}: no merge base with HEAD in this clone (is it a git checkout with that ref fetched? in a workflow: actions/checkout with fetch-depth: 0)`,
    );
  }
  const changed = await changedFiles(input.cwd, base);
  const configFile = input.configFile.split('\\').join('/').replace(/^\.\//, '');
  if (changed.includes(configFile)) return { kind: 'full', base, reason: `${configFile} changed since ${input.ref}` };

  const globs = input.manifestGlobs && input.manifestGlobs.length > 0 ? input.manifestGlobs : DEFAULT_MANIFEST_GLOBS;
  const current = new Set(input.files);
  const matchers = globs.map((glob) => new Minimatch(glob.replace(/^\.\//, '')));
  const isManifest = (file: string) => current.has(file) || matchers.some((matcher) => matcher.match(file));
  const files = changed.filter(isManifest);
  const declaredIn = new Set(input.exceptions.map((exception) => exception.location.file));
  const blobs = files.length > 0 ? await readBlobs(input.cwd, files.map((file) => `${base}:./${file}`)) : new Map<string, Buffer | undefined>();

  const before = new Map<string, BaseException>();
  const after = new Map<string, string | undefined>();
  for (const file of files) {
    const blob = blobs.get(`${base}:./${file}`);
    if (blob && blob.length > MAX_MANIFEST_BYTES) return { kind: 'full', base, reason: `${file} at ${input.ref} is larger than a manifest may be` };
    const old = stateOf(blob?.toString('utf8'), file);
    if (!old) return { kind: 'full', base, reason: `${file} at ${input.ref} is not a manifest cvex can read` };
    // Exceptions on both sides under another defaults: block (a new or emptied file's are all in the diff anyway).
    const defaultsNow = JSON.stringify(input.defaultsByFile?.[file] ?? null);
    if (current.has(file) && defaultsNow !== old.defaults && old.byName.size > 0 && declaredIn.has(file)) {
      return { kind: 'full', base, reason: `the defaults: block of ${file} changed since ${input.ref}` };
    }
    for (const [name, exception] of old.byName) before.set(name, exception);
  }
  const changedFilesNow = new Set(files.filter((file) => current.has(file)));
  for (const exception of input.exceptions) if (changedFilesNow.has(exception.location.file)) after.set(exception.spec.name, fingerprintOf(exception.spec));
  const declared = new Set(input.exceptions.map((exception) => exception.spec.name));

  const names = new Set<string>();
  for (const [name, fingerprint] of after) {
    const old = before.get(name);
    if (!old || fingerprint === undefined || fingerprintOf(old.spec) !== fingerprint) names.add(name);
  }
  for (const name of before.keys()) if (!declared.has(name)) names.add(name);
  const sorted = [...names].sort();
  const atBase = new Map([...before].filter(([name]) => names.has(name)));
  return { kind: 'narrowed', scope: { kind: 'changed-since', ref: input.ref, base, names: sorted }, base: atBase };
}
