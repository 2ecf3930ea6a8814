// A self-overwriting status line on stderr for long runs, only when stderr is a terminal (never in
// CI logs or pipes). Output lines printed while it shows go through `print`, which clears the
// status first and redraws it after, so the two never mix on one line.
import type { CliIo } from './io';

export interface StatusLine {
  update(text: string): void;
  /** Writes a full line to stdout without tearing the status line. */
  print(line: string): void;
  done(): void;
}

const CLEAR = '\r\u001b[2K';

export function createStatusLine(io: CliIo, label: string): StatusLine {
  const enabled = io.stderr.isTTY === true;
  let current: string | undefined;
  const draw = () => {
    if (enabled && current !== undefined) io.stderr.write(`${CLEAR}${label}: ${current}`);
  };
  return {
    update(text) {
      current = text;
      draw();
    },
    print(line) {
      if (enabled && current !== undefined) io.stderr.write(CLEAR);
      io.stdout.write(`${line}\n`);
      draw();
    },
    done() {
      if (enabled && current !== undefined) io.stderr.write(CLEAR);
      current = undefined;
    },
  };
}
