// The only file-system code of the manifest step: which files to read, and their text.
// Every path stays inside the repository (the folder cvex runs in): `manifests:` entries are
// relative without `..`, PATH arguments must resolve inside it, and a symbolic link is followed only
// when its real path is inside it too. No manifests at all is an error, never an empty desired state.
import { readdir, realpath, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { minimatch } from 'minimatch';
import { FileReadError, READ_LIMITS, decodeText, readBounded } from '../files/read-bounded';
import { GLOB_MAGIC, isInside, patternProblem, repositoryRoot, staticBase } from '../files/repository-paths';
import { closest } from '../model/closest';
import type { SourceLocation } from '../model/exception';
import type { Finding } from '../model/findings';

export const DEFAULT_MANIFEST_GLOBS = ['policies/**/*.{yaml,yml}'];
/** Manifests are hand-written; anything bigger is a mistake or an attack, and is refused unread. */
export const MAX_MANIFEST_BYTES = READ_LIMITS.manifest;
/** Folder entries one run may look at while expanding globs: a glob over a huge tree stops here. */
export const MAX_WALKED_ENTRIES = 200_000;

const MANIFEST_IN_FOLDER = '**/*.{yaml,yml}';

/** A manifest path or glob, and where it was written when that was cvex.config.yaml. */
export interface ManifestPattern {
  pattern: string;
  /** Its `manifests:` entry (file, line, column, path `manifests.N`); absent for a PATH argument. */
  source?: SourceLocation & { path: string };
}

export interface ManifestFiles {
  /** Paths relative to cwd with `/` separators, sorted, without duplicates. */
  files: string[];
  findings: Finding[];
}

/** What one pattern gave: its files, or nothing (an empty match is judged once every pattern is known). */
interface Expansion {
  files: string[];
  /** Set when the pattern was a folder or glob that matched no manifest. */
  empty?: string;
}

/**
 * Expands files, folders and globs (relative to cwd) into manifest files. [] means the default globs.
 * Errors: a pattern that leaves the repository or cannot match by construction, a glob whose static
 * folder is missing, a symbolic link out of the repository, and no manifest at all. A pattern that
 * matches nothing while others match is a warning.
 */
export async function findManifestFiles(paths: ReadonlyArray<string | ManifestPattern>, cwd: string): Promise<ManifestFiles> {
  const root = await repositoryRoot(cwd);
  const walker = new Walker(root, cwd);
  const patterns: ManifestPattern[] = paths.length === 0 ? DEFAULT_MANIFEST_GLOBS.map((pattern) => ({ pattern })) : paths.map((item) => (typeof item === 'string' ? { pattern: item } : item));
  const isDefault = paths.length === 0;
  const findings: Finding[] = [];
  const found = new Set<string>();
  const empty: Array<{ pattern: ManifestPattern; message: string }> = [];
  for (const pattern of patterns) {
    const at = (rule: string, message: string, severity: Finding['severity'] = 'error'): Finding => patternFinding(pattern, rule, message, severity);
    const problem = patternProblem(pattern.pattern, pattern.source !== undefined);
    if (problem) {
      findings.push(at(problem.rule, problem.message));
      continue;
    }
    const expansion = GLOB_MAGIC.test(pattern.pattern)
      ? await walker.expandGlob(pattern.pattern, (rule, message) => findings.push(at(rule, message)), isDefault)
      : await walker.expandPath(pattern.pattern, (rule, message) => findings.push(at(rule, message)));
    if (!expansion) continue;
    for (const file of expansion.files) found.add(file);
    if (expansion.empty) empty.push({ pattern, message: expansion.empty });
  }
  findings.push(...walker.findings);
  const files = [...found].sort();
  // Nothing to read is an error: an empty desired state would plan the deletion of everything.
  for (const { pattern, message } of empty) {
    findings.push(files.length === 0 ? patternFinding(pattern, 'manifests.none', `${message}, and no other pattern matches one either: no manifests to read`) : patternFinding(pattern, 'file.none', message, 'warning'));
  }
  return { files, findings };
}

function patternFinding(pattern: ManifestPattern, rule: string, message: string, severity: Finding['severity'] = 'error'): Finding {
  if (pattern.source) {
    const { file, line, column, path: fieldPath } = pattern.source;
    return { severity, rule, message: `\`${pattern.pattern}\`: ${message}`, file, line, column, path: fieldPath };
  }
  return fileFinding(rule, severity, pattern.pattern, message);
}

/** Walks folders below the repository root, following symbolic links that stay inside it. */
class Walker {
  readonly findings: Finding[] = [];
  private walked = 0;
  private stopped = false;
  /** Real paths of the files found so far, across every pattern: each file is read once. */
  private readonly seenFiles = new Set<string>();

  constructor(
    private readonly root: string,
    private readonly cwd: string,
  ) {}

  /** A file or folder path. */
  async expandPath(pattern: string, report: (rule: string, message: string) => void): Promise<Expansion | undefined> {
    const absolute = path.resolve(this.cwd, pattern);
    const real = await realpath(absolute).catch((error: NodeJS.ErrnoException) => error);
    if (real instanceof Error) {
      report('file.unreadable', real.code === 'ENOENT' || real.code === 'ENOTDIR' ? 'no such file or folder' : `cannot read: ${real.code ?? real.message}`);
      return undefined;
    }
    if (!isInside(this.root, real)) {
      report('manifests.outside-repository', `${isInside(this.root, absolute) ? 'a symbolic link whose real path is' : 'the path is'} outside the repository (${this.cwd}); not read`);
      return undefined;
    }
    const info = await stat(real);
    if (!info.isDirectory()) {
      if (this.seenFiles.has(real)) return { files: [] };
      this.seenFiles.add(real);
      return { files: [this.toRelative(absolute)] };
    }
    const { files, matched } = await this.walk(absolute, real, (relative) => minimatch(relative, MANIFEST_IN_FOLDER));
    return { files, empty: matched === 0 ? 'no *.yaml or *.yml manifests in this folder' : undefined };
  }

  /** A glob: walks its static folder only, which must exist inside the repository. */
  async expandGlob(pattern: string, report: (rule: string, message: string) => void, isDefault: boolean): Promise<Expansion | undefined> {
    let normalised = pattern.split(path.sep).join('/');
    const base = staticBase(normalised);
    const baseAbsolute = path.resolve(this.cwd, base);
    // A PATH argument given as an absolute path or with `..`: the same glob, relative to cwd.
    if (path.isAbsolute(normalised) || normalised.split('/').includes('..')) {
      const relativeBase = path.relative(this.cwd, baseAbsolute).split(path.sep).join('/');
      if (relativeBase.startsWith('..') || path.isAbsolute(relativeBase)) {
        report('manifests.outside-repository', `the glob's folder is outside the repository (${this.cwd}); not read`);
        return undefined;
      }
      normalised = `${relativeBase ? `${relativeBase}/` : ''}${normalised.slice(base.length).replace(/^\/+/, '')}`;
    }
    const relativeBase = path.relative(this.cwd, baseAbsolute).split(path.sep).join('/');
    const real = await realpath(baseAbsolute).catch(() => undefined);
    const info = real === undefined ? undefined : await stat(real).catch(() => undefined);
    if (real === undefined || !info?.isDirectory()) {
      report('manifests.base-missing', await this.missingBase(relativeBase || '.', info !== undefined, isDefault));
      return undefined;
    }
    if (!isInside(this.root, real)) {
      report('manifests.outside-repository', `its folder ${relativeBase} is a symbolic link whose real path is outside the repository; not read`);
      return undefined;
    }
    const { files, matched } = await this.walk(baseAbsolute, real, (relative) => minimatch(relativeBase ? `${relativeBase}/${relative}` : relative, normalised));
    return { files, empty: matched === 0 ? 'no manifest matches this pattern' : undefined };
  }

  private async missingBase(base: string, isFile: boolean, isDefault: boolean): Promise<string> {
    if (isFile) return `${base} is a file, not a folder`;
    if (isDefault) {
      return `no ${base}/ folder here (${this.cwd}): run cvex from the repository root, or list your manifest globs under \`manifests:\` in cvex.config.yaml`;
    }
    const entries = await readdir(path.resolve(this.cwd, path.dirname(base)), { withFileTypes: true }).catch(() => []);
    const suggestion = closest(path.basename(base), entries.filter((entry) => entry.isDirectory()).map((entry) => entry.name));
    const shown = suggestion === undefined ? undefined : path.posix.join(path.posix.dirname(base), suggestion);
    return `the folder ${base} does not exist${shown ? ` (did you mean ${shown}?)` : ''}`;
  }

  /**
   * Files under `folder` (whose real path is `real`) whose folder-relative path passes `keep`. Dot
   * folders and node_modules are skipped; a link is followed only when its real path is inside the
   * repository (else an error, and it is never read). Breadth first, each folder and each file once
   * (by real path): a link loop ends, and a file reached both directly and through a link is read
   * once, under its shortest path. `matched` counts repeats too (a glob that matched is not empty).
   */
  private async walk(folder: string, real: string, keep: (relative: string) => boolean): Promise<{ files: string[]; matched: number }> {
    const out: string[] = [];
    let matched = 0;
    const visited = new Set<string>([real]);
    const queue: Array<{ absolute: string; real: string; relative: string }> = [{ absolute: folder, real, relative: '' }];
    const addFile = (absolute: string, fileReal: string): void => {
      matched += 1;
      if (this.seenFiles.has(fileReal)) return;
      this.seenFiles.add(fileReal);
      out.push(this.toRelative(absolute));
    };
    const addFolder = (absolute: string, folderReal: string, relative: string): void => {
      if (visited.has(folderReal)) return;
      visited.add(folderReal);
      queue.push({ absolute, real: folderReal, relative });
    };
    for (let current = queue.shift(); current !== undefined && !this.stopped; current = queue.shift()) {
      const entries = await readdir(current.absolute, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
        this.findings.push(fileFinding('file.unreadable', 'error', this.toRelative(current!.absolute), `cannot list this folder: ${error.code ?? error.message}`));
        return [];
      });
      for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
        this.walked += 1;
        if (this.walked > MAX_WALKED_ENTRIES) {
          this.stopped = true;
          this.findings.push(fileFinding('manifests.too-many-files', 'error', this.toRelative(current.absolute), `more than ${MAX_WALKED_ENTRIES} files and folders under the manifest globs; narrow the globs to the folders that hold manifests`));
          break;
        }
        const relative = current.relative ? `${current.relative}/${entry.name}` : entry.name;
        const absolute = path.join(current.absolute, entry.name);
        const skippedFolder = entry.name.startsWith('.') || entry.name === 'node_modules';
        if (entry.isSymbolicLink()) {
          const target = await realpath(absolute).catch(() => undefined);
          const info = target === undefined ? undefined : await stat(target).catch(() => undefined);
          if (target === undefined || info === undefined) {
            if (keep(relative)) this.findings.push(fileFinding('file.unreadable', 'error', this.toRelative(absolute), 'a symbolic link to nothing (its target does not exist)'));
            continue;
          }
          if (info.isDirectory() && skippedFolder) continue;
          if (!info.isDirectory() && !keep(relative)) continue;
          if (!isInside(this.root, target)) {
            const what = info.isDirectory() ? 'folder' : 'file';
            this.findings.push(fileFinding('file.outside-repository', 'error', this.toRelative(absolute), `a symbolic link to a ${what} outside the repository; not read`));
            continue;
          }
          if (info.isDirectory()) addFolder(absolute, target, relative);
          else addFile(absolute, target);
        } else if (entry.isDirectory()) {
          if (!skippedFolder) addFolder(absolute, path.join(current.real, entry.name), relative);
        } else if (keep(relative)) {
          // Regular files, and FIFOs or devices a glob names: the reader refuses those, loudly.
          addFile(absolute, path.join(current.real, entry.name));
        }
      }
    }
    return { files: out, matched };
  }

  private toRelative(absolute: string): string {
    return toRelative(this.cwd, absolute);
  }
}

export type SourceText = { file: string; text: string } | { file: string; finding: Finding };

/** Reads one manifest through the bounded reader: a regular file of at most 1 MiB of UTF-8 text. */
export async function readManifestText(file: string, cwd: string): Promise<SourceText> {
  try {
    const bytes = await readBounded(path.resolve(cwd, file), 'manifest');
    return { file, text: decodeText(bytes, 'a YAML manifest') };
  } catch (error) {
    if (!(error instanceof FileReadError)) throw error;
    const rule = error.reason === 'too-large' ? 'file.too-large' : error.reason === 'not-text' ? 'file.not-yaml' : 'file.unreadable';
    return { file, finding: fileFinding(rule, 'error', file, error.message) };
  }
}

export function fileFinding(rule: string, severity: Finding['severity'], file: string, message: string): Finding {
  return { severity, rule, message, file, line: 0, column: 0, path: '' };
}

function toRelative(cwd: string, absolute: string): string {
  const relative = path.relative(cwd, absolute) || '.';
  return relative.split(path.sep).join('/');
}
