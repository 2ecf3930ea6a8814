// `cvex import`'s writes: the imported files into the output folder, each added to (never rewritten)
// when an earlier import wrote it, and each checked against the manifest limits before anything is
// written: every text is settled first, then written, or nothing is.
import { mkdir, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { minimatch } from 'minimatch';
import type { CliIo } from '../command-line/io';
import { FileReadError, readBoundedText, type ReadKind } from '../files/read-bounded';
import type { ImportedFile } from '../import/to-manifests';
import { mergeIntoExistingFile } from '../import/to-manifests';
import { MAX_EXCEPTIONS_PER_FILE, MAX_MANIFEST_BYTES } from '../manifest';
import { plural } from '../render/plural';

/** Whether `cvex plan` (no paths) reads this cwd-relative file: its config `manifests`, else the default globs. */
export function readByPlan(relative: string, patterns: readonly string[]): boolean {
  return patterns.some((pattern) => {
    const normalised = pattern.split(path.sep).join('/').replace(/^\.\//, '').replace(/\/+$/, '');
    if (/[*?[\]{}()!]/.test(normalised)) return minimatch(relative, normalised);
    return relative === normalised || (relative.startsWith(`${normalised}/`) && /\.ya?ml$/.test(relative));
  });
}

/** A file import adds to, through the bounded reader; '' when it does not exist yet. */
export async function readOptional(file: string, kind: ReadKind, shown: string): Promise<string> {
  try {
    return await readBoundedText(file, kind);
  } catch (error) {
    if (error instanceof FileReadError && error.reason === 'missing') return '';
    if (error instanceof FileReadError) throw new FileReadError(error.reason, `${shown}: ${error.message}`, error.code);
    throw error;
  }
}

/**
 * Without --all the exceptions the repository already has are left out, so rewriting a file an
 * earlier import wrote would drop them (and the next plan would delete them): add to it instead.
 * Every text is settled, and held to the limits a manifest must keep (1 MiB, 5,000 exceptions),
 * before anything is written. Undefined (after saying why) when refused.
 */
export async function writeImportedFiles(files: readonly ImportedFile[], outDir: string, all: boolean, io: CliIo): Promise<number | undefined> {
  const writes: Array<{ file: string; text: string; note: string }> = [];
  for (const file of files) {
    const target = path.join(outDir, file.name);
    const shown = path.relative(io.cwd, target);
    const existing = all ? '' : await readOptional(target, 'manifest', shown);
    let text = file.text;
    let count = file.count;
    let note = `wrote ${shown} (${plural(file.count, 'exception')})`;
    if (existing.trim() !== '') {
      const merged = mergeIntoExistingFile(existing, file.text);
      if (!merged) {
        io.stderr.write(`cvex import: ${shown} exists and has no \`exceptions\` list to add to; move it away or pass --out another folder. Nothing was written.\n`);
        return undefined;
      }
      text = merged.text;
      count = merged.added + merged.kept;
      note = `updated ${shown} (${merged.added} new, ${merged.kept} kept)`;
    }
    const bytes = Buffer.byteLength(text, 'utf8');
    if (bytes > MAX_MANIFEST_BYTES || count > MAX_EXCEPTIONS_PER_FILE) {
      io.stderr.write(
        `cvex import: ${shown} would hold ${count} exceptions in ${bytes} bytes, past what a manifest may hold (${MAX_EXCEPTIONS_PER_FILE} exceptions, ${MAX_MANIFEST_BYTES} bytes); split it by hand into files of the same folder (imports only add new names). Nothing was written.\n`,
      );
      return undefined;
    }
    writes.push({ file: target, text, note });
  }
  await mkdir(outDir, { recursive: true });
  for (const write of writes) {
    await writeFile(write.file, write.text);
    io.stdout.write(`${write.note}\n`);
  }
  return writes.length;
}
