// The only file-system code of the manifest step: which files to read, and their text.
import { readdir, readFile, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { minimatch } from 'minimatch';
import type { Finding } from '../model/findings';

export const DEFAULT_MANIFEST_GLOBS = ['policies/**/*.{yaml,yml}'];
/** Manifests are hand-written; anything bigger is a mistake or an attack, and is refused unread. */
export const MAX_MANIFEST_BYTES = 1024 * 1024;

const MANIFEST_IN_FOLDER = '**/*.{yaml,yml}';
const GLOB_MAGIC = /[*?[\]{}()!]/;

export interface ManifestFiles {
  /** Paths relative to cwd with `/` separators, sorted, without duplicates. */
  files: string[];
  findings: Finding[];
}

/** Expands files, folders and globs (relative to cwd) into manifest files. */
export async function findManifestFiles(paths: readonly string[], cwd: string): Promise<ManifestFiles> {
  const findings: Finding[] = [];
  const found = new Set<string>();
  const patterns = paths.length === 0 ? DEFAULT_MANIFEST_GLOBS : paths;
  for (const pattern of patterns) {
    if (paths.length > 0 && !GLOB_MAGIC.test(pattern)) {
      const absolute = path.resolve(cwd, pattern);
      const info = await stat(absolute).catch((error: NodeJS.ErrnoException) => error);
      if (info instanceof Error) {
        findings.push(fileFinding('file.unreadable', 'error', toRelative(cwd, absolute), describeFsError(info)));
      } else if (info.isDirectory()) {
        const inFolder = await walk(absolute, (relative) => minimatch(relative, MANIFEST_IN_FOLDER));
        if (inFolder.length === 0) {
          findings.push(fileFinding('file.none', 'warning', toRelative(cwd, absolute), 'no *.yaml or *.yml manifests in this folder'));
        }
        for (const file of inFolder) found.add(toRelative(cwd, file));
      } else {
        found.add(toRelative(cwd, absolute));
      }
      continue;
    }
    const matches = await expandGlob(pattern, cwd);
    if (matches.length === 0) {
      findings.push(fileFinding('file.none', 'warning', pattern, 'no manifest matches this pattern'));
    }
    for (const file of matches) found.add(file);
  }
  return { files: [...found].sort(), findings };
}

export type SourceText = { file: string; text: string } | { file: string; finding: Finding };

/** Reads one manifest: refuses big files before reading them, and binary or non-UTF-8 content. */
export async function readManifestText(file: string, cwd: string): Promise<SourceText> {
  const absolute = path.resolve(cwd, file);
  try {
    const info = await stat(absolute);
    // A FIFO or a device (a symlink to /dev/zero) has no size to check, and reading it may never end.
    if (!info.isFile()) {
      return { file, finding: fileFinding('file.unreadable', 'error', file, 'not a regular file (a pipe, a device or a socket), not read') };
    }
    if (info.size > MAX_MANIFEST_BYTES) {
      return { file, finding: fileFinding('file.too-large', 'error', file, `file is ${info.size} bytes; manifests are limited to ${MAX_MANIFEST_BYTES} bytes (split it into several files)`) };
    }
    const bytes = await readFile(absolute);
    const scanned = bytes.subarray(0, 8192);
    if (scanned.includes(0)) {
      return { file, finding: fileFinding('file.not-yaml', 'error', file, 'binary file (contains NUL bytes), not a YAML manifest') };
    }
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      return { file, finding: fileFinding('file.not-yaml', 'error', file, 'not UTF-8 text, so not a YAML manifest') };
    }
    return { file, text };
  } catch (error) {
    return { file, finding: fileFinding('file.unreadable', 'error', file, describeFsError(error as NodeJS.ErrnoException)) };
  }
}

export function fileFinding(rule: string, severity: Finding['severity'], file: string, message: string): Finding {
  return { severity, rule, message, file, line: 0, column: 0, path: '' };
}

function describeFsError(error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case 'ENOENT':
      return 'no such file or folder';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a folder';
    default:
      return `cannot read: ${error.code ?? error.message}`;
  }
}

function toRelative(cwd: string, absolute: string): string {
  const relative = path.relative(cwd, absolute) || '.';
  return relative.split(path.sep).join('/');
}

/** Expands a glob relative to cwd by walking its static prefix folder only. */
async function expandGlob(pattern: string, cwd: string): Promise<string[]> {
  const normalised = pattern.split(path.sep).join('/');
  const segments = normalised.split('/');
  const firstMagic = segments.findIndex((segment) => GLOB_MAGIC.test(segment));
  const base = segments.slice(0, firstMagic).join('/');
  const root = path.resolve(cwd, base);
  const files = await walk(root, (relative) => minimatch(base ? `${base}/${relative}` : relative, normalised));
  return files.map((file) => toRelative(cwd, file));
}

/** Regular files under root (dot folders and node_modules skipped) whose root-relative path passes `keep`. */
async function walk(root: string, keep: (relative: string) => boolean): Promise<string[]> {
  const out: string[] = [];
  const visit = async (folder: string, prefix: string): Promise<void> => {
    const entries = await readdir(folder, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
        await visit(path.join(folder, entry.name), relative);
      } else if (entry.isFile() && keep(relative)) {
        out.push(path.join(folder, entry.name));
      }
    }
  };
  await visit(root, '');
  return out.sort();
}
