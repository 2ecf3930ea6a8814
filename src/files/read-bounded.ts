// The one way cvex reads a file (config, manifests, plan files, saved reports, CA bundles, the
// simulator's seed and state) and opens one to append
// (the audit log): a regular file within a size limit for its kind, checked on the open descriptor
// before a byte is read. A FIFO would block forever, `/dev/zero` never ends, and a huge file would
// end in "Invalid string length" after seconds; each is refused with a message that names the path
// and the reason, never the content.
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';

const MiB = 1024 * 1024;

/** Largest file cvex reads, per kind. Hand-written files are far smaller; plans grow with the account. */
export const READ_LIMITS = {
  /** A manifest is hand-written: split a bigger one into several files. */
  manifest: 1 * MiB,
  /** cvex.config.yaml: `manage:` may list every adopted name (about 25,000 names fit). */
  config: 1 * MiB,
  /** A saved plan: about 2 KiB per change, so 10,000 changes and the unmanaged list fit with room. */
  plan: 64 * MiB,
  /** A saved `cvex report --format json` (renewals --coverage): about 1 KiB per exception. */
  report: 64 * MiB,
  /** A PEM CA bundle; the Mozilla bundle is about 220 KiB. */
  caBundle: 1 * MiB,
  /** The simulator's seed or saved state: about 1 KiB per exception, so 100,000 fit with room. */
  simulator: 256 * MiB,
} as const satisfies Record<string, number>;

export type ReadKind = keyof typeof READ_LIMITS;

/** Why a file was not read (or not opened to append). */
export type ReadRefusal = 'missing' | 'folder' | 'not-regular' | 'too-large' | 'not-text' | 'denied' | 'unreadable';

/** A file cvex refused or failed to read. The message names the reason only, never the content. */
export class FileReadError extends Error {
  override name = 'FileReadError';
  constructor(
    readonly reason: ReadRefusal,
    message: string,
    /** The system error code (ENOENT, EACCES, ...) when the system refused. */
    readonly code?: string,
  ) {
    super(message);
  }
}

// O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer before fstat can see it
// is one. It changes nothing for regular files. (Undefined on Windows, which has no FIFOs to open.)
const READ_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);
const APPEND_FLAGS = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | (constants.O_NONBLOCK ?? 0);

/** Reads a whole regular file of at most READ_LIMITS[kind] bytes. Throws FileReadError. */
export async function readBounded(file: string, kind: ReadKind): Promise<Buffer> {
  const limit = READ_LIMITS[kind];
  let handle: FileHandle;
  try {
    handle = await open(file, READ_FLAGS);
  } catch (error) {
    throw systemRefusal(error);
  }
  try {
    checkRegular(await handle.stat(), kind);
    const chunks: Buffer[] = [];
    let total = 0;
    // At most limit + 1 bytes: the file may have grown since fstat.
    for (;;) {
      const chunk = Buffer.allocUnsafe(Math.min(64 * 1024, limit + 1 - total));
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
      if (bytesRead === 0) break;
      chunks.push(chunk.subarray(0, bytesRead));
      total += bytesRead;
      if (total > limit) throw tooLarge(total, kind, true);
    }
    return Buffer.concat(chunks, total);
  } catch (error) {
    throw error instanceof FileReadError ? error : systemRefusal(error);
  } finally {
    await handle.close();
  }
}

/** readBounded for the few synchronous callers (resolving --ca-file while parsing flags). */
export function readBoundedSync(file: string, kind: ReadKind): Buffer {
  const limit = READ_LIMITS[kind];
  let fd: number;
  try {
    fd = openSync(file, READ_FLAGS);
  } catch (error) {
    throw systemRefusal(error);
  }
  try {
    checkRegular(fstatSync(fd), kind);
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(Math.min(64 * 1024, limit + 1 - total));
      const bytesRead = readSync(fd, chunk, 0, chunk.length, null);
      if (bytesRead === 0) break;
      chunks.push(chunk.subarray(0, bytesRead));
      total += bytesRead;
      if (total > limit) throw tooLarge(total, kind, true);
    }
    return Buffer.concat(chunks, total);
  } catch (error) {
    throw error instanceof FileReadError ? error : systemRefusal(error);
  } finally {
    closeSync(fd);
  }
}

/** UTF-8 text of a bounded file; binary (NUL bytes) or non-UTF-8 content is refused as 'not-text'. */
export async function readBoundedText(file: string, kind: ReadKind, what = 'text'): Promise<string> {
  return decodeText(await readBounded(file, kind), what);
}

/** `what` words the refusal: 'a YAML manifest' gives "binary file (contains NUL bytes), not a YAML manifest". */
export function decodeText(bytes: Buffer, what = 'text'): string {
  if (bytes.subarray(0, 8192).includes(0)) throw new FileReadError('not-text', `binary file (contains NUL bytes), not ${what}`);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new FileReadError('not-text', `not UTF-8 text, so not ${what}`);
  }
}

/**
 * Opens a file to append to (created if missing, 0644): refused unless it is a regular file, so a
 * FIFO, a device or a folder is reported before anything depends on writing to it.
 */
export async function openForAppend(file: string): Promise<FileHandle> {
  let handle: FileHandle;
  try {
    handle = await open(file, APPEND_FLAGS, 0o644);
  } catch (error) {
    throw systemRefusal(error, 'write');
  }
  try {
    const info = await handle.stat();
    if (info.isDirectory()) throw new FileReadError('folder', 'is a folder');
    if (!info.isFile()) throw new FileReadError('not-regular', 'not a regular file (a pipe, a device or a socket)');
    return handle;
  } catch (error) {
    await handle.close();
    throw error instanceof FileReadError ? error : systemRefusal(error, 'write');
  }
}

function checkRegular(info: Stats, kind: ReadKind): void {
  if (info.isDirectory()) throw new FileReadError('folder', 'is a folder, not a file');
  if (!info.isFile()) throw new FileReadError('not-regular', 'not a regular file (a pipe, a device or a socket), not read');
  if (info.size > READ_LIMITS[kind]) throw tooLarge(info.size, kind, false);
}

function tooLarge(size: number, kind: ReadKind, grew: boolean): FileReadError {
  const limit = READ_LIMITS[kind];
  const what = { manifest: 'manifests are', config: 'the config is', plan: 'plan files are', report: 'saved reports are', caBundle: 'CA bundles are', simulator: "the simulator's seed and state are" }[kind];
  const advice = kind === 'manifest' ? ' (split it into several files)' : '';
  const found = grew ? `file grew past ${limit} bytes while being read` : `file is ${size} bytes`;
  return new FileReadError('too-large', `${found}; ${what} limited to ${limit} bytes${advice}, not read`);
}

/** An error from the system (open, fstat, read) as a FileReadError with a short reason. */
function systemRefusal(error: unknown, verb: 'read' | 'write' = 'read'): FileReadError {
  const code = (error as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT':
    case 'ENOTDIR':
      return new FileReadError('missing', 'no such file or folder', code);
    case 'EACCES':
    case 'EPERM':
      return new FileReadError('denied', 'permission denied', code);
    case 'EISDIR':
      return new FileReadError('folder', 'is a folder, not a file', code);
    // A socket, or a FIFO opened to write with no reader.
    case 'ENXIO':
    case 'EOPNOTSUPP':
      return new FileReadError('not-regular', 'not a regular file (a pipe, a device or a socket)', code);
    default:
      return new FileReadError('unreadable', `cannot ${verb}: ${code ?? (error as Error).message}`, code);
  }
}
