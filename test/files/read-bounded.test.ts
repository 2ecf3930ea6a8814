// The bounded reader: regular files within a size limit per kind, refused before a byte is read
// otherwise, with a message that never carries the content.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FileReadError, openForAppend, READ_LIMITS, readBounded, readBoundedSync, readBoundedText } from '../../src/files/read-bounded';

const folder = mkdtempSync(path.join(tmpdir(), 'cvex-read-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

async function refusal(read: () => Promise<unknown>): Promise<FileReadError> {
  const error = await read().then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(FileReadError);
  return error as FileReadError;
}

describe('readBounded', () => {
  it('reads a regular file whole', async () => {
    const file = path.join(folder, 'ok.yaml');
    writeFileSync(file, 'exceptions: []\n');
    expect((await readBounded(file, 'manifest')).toString()).toBe('exceptions: []\n');
    expect(readBoundedSync(file, 'caBundle').toString()).toBe('exceptions: []\n');
  });

  it('refuses a FIFO, /dev/zero and a folder at once, without waiting for a writer', async () => {
    const fifo = path.join(folder, 'pipe.yaml');
    execFileSync('mkfifo', [fifo]);
    for (const file of [fifo, '/dev/zero']) {
      const error = await refusal(() => readBounded(file, 'config'));
      expect(error.reason).toBe('not-regular');
      expect(error.message).toBe('not a regular file (a pipe, a device or a socket), not read');
      expect(() => readBoundedSync(file, 'caBundle')).toThrow(/not a regular file/);
    }
    expect((await refusal(() => readBounded(folder, 'plan'))).reason).toBe('folder');
  }, 5_000);

  it('refuses a file past its kind limit before reading it, and never quotes it', async () => {
    const file = path.join(folder, 'big.pem');
    writeFileSync(file, `TOPSECRET-TOKEN-abc\n${'x'.repeat(READ_LIMITS.caBundle)}`);
    const error = await refusal(() => readBounded(file, 'caBundle'));
    expect(error.reason).toBe('too-large');
    expect(error.message).toMatch(/^file is \d+ bytes; CA bundles are limited to 1048576 bytes, not read$/);
    expect(error.message).not.toContain('TOPSECRET');
    // The same size is fine for a plan file, whose limit is larger.
    expect((await readBounded(file, 'plan')).length).toBe(READ_LIMITS.caBundle + 20);
  });

  it('refuses binary or non-UTF-8 text, and a missing file', async () => {
    const binary = path.join(folder, 'binary');
    writeFileSync(binary, Buffer.from([0x41, 0x00, 0x42]));
    expect((await refusal(() => readBoundedText(binary, 'config', 'a YAML config'))).message).toBe('binary file (contains NUL bytes), not a YAML config');
    const latin1 = path.join(folder, 'latin1');
    writeFileSync(latin1, Buffer.from('caf\u00e9', 'latin1'));
    expect((await refusal(() => readBoundedText(latin1, 'config'))).reason).toBe('not-text');
    const missing = await refusal(() => readBounded(path.join(folder, 'nope'), 'manifest'));
    expect([missing.reason, missing.message, missing.code]).toEqual(['missing', 'no such file or folder', 'ENOENT']);
  });
});

describe('openForAppend', () => {
  it('creates a regular file, and refuses a FIFO or a device without blocking', async () => {
    const handle = await openForAppend(path.join(folder, 'audit.jsonl'));
    await handle.appendFile('{}\n');
    await handle.close();
    const fifo = path.join(folder, 'audit.fifo');
    execFileSync('mkfifo', [fifo]);
    expect((await refusal(() => openForAppend(fifo))).reason).toBe('not-regular');
    expect((await refusal(() => openForAppend('/dev/null'))).reason).toBe('not-regular');
    expect((await refusal(() => openForAppend(folder))).reason).toBe('folder');
  }, 5_000);
});
