import { describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/command-line/io';
import { createStatusLine } from '../../src/command-line/status-line';

function capture(isTTY: boolean) {
  const out = { stdout: '', stderr: '' };
  const io: CliIo = {
    stdout: { write: (text: string) => (out.stdout += text) },
    stderr: { write: (text: string) => (out.stderr += text), isTTY },
    env: {},
    cwd: '/',
  };
  return { io, out };
}

describe('status line', () => {
  it('draws on a terminal, clears before each printed line and redraws after', () => {
    const { io, out } = capture(true);
    const status = createStatusLine(io, 'cvex apply');
    status.update('0/2 changes…');
    status.print('[1/2] + created a');
    status.update('1/2 changes (50%)…');
    status.done();
    expect(out.stdout).toBe('[1/2] + created a\n');
    expect(out.stderr).toBe(
      ['\r\u001b[2Kcvex apply: 0/2 changes…', '\r\u001b[2K', '\r\u001b[2Kcvex apply: 0/2 changes…', '\r\u001b[2Kcvex apply: 1/2 changes (50%)…', '\r\u001b[2K'].join(''),
    );
  });

  it('writes nothing to stderr when it is not a terminal (CI logs, pipes)', () => {
    const { io, out } = capture(false);
    const status = createStatusLine(io, 'cvex report');
    status.update('reading…');
    status.print('line');
    status.done();
    expect(out).toEqual({ stdout: 'line\n', stderr: '' });
  });
});
