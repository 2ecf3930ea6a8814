// Everything a command touches of the outside world, passed in so tests can run commands in process.

export interface TextSink {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface CliIo {
  stdout: TextSink;
  stderr: TextSink;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Reads one line from the user; undefined when there is no terminal to ask. */
  prompt?: (question: string) => Promise<string>;
  /** Resolves when the user interrupts (Ctrl-C); long-running commands such as `simulate` wait on it. */
  interrupted?: Promise<void>;
}

/** A command is a plain async function of its arguments; only the entry point decides the exit code. */
export type Command = (argv: string[], io: CliIo) => Promise<number>;

/** Wrong flags or arguments: exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export function useColor(sink: TextSink, env: NodeJS.ProcessEnv): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true;
  return sink.isTTY === true;
}
