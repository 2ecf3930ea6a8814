// Everything a command touches of the outside world, passed in so tests can run commands in process.

export interface TextSink {
  write(text: string): unknown;
  isTTY?: boolean;
}

export type StopSignal = 'SIGINT' | 'SIGTERM';

/** The reason `CliIo.signal` carries when the user (Ctrl-C) or the system (SIGTERM) stops the run. */
export class Interrupted extends Error {
  override name = 'Interrupted';
  constructor(readonly signal: StopSignal) {
    super(`interrupted (${signal})`);
  }

  /** 128 + the signal's number, as shells report a process a signal stopped. */
  get exitCode(): number {
    return this.signal === 'SIGINT' ? 130 : 143;
  }
}

export interface CliIo {
  stdout: TextSink;
  stderr: TextSink;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Reads one line from the user; undefined when there is no terminal to ask. */
  prompt?: (question: string) => Promise<string>;
  /** Resolves when the user interrupts (Ctrl-C or SIGTERM); long-running commands such as `simulate` wait on it. */
  interrupted?: Promise<void>;
  /** Aborted, with an `Interrupted` reason, on the first SIGINT or SIGTERM. */
  signal?: AbortSignal;
}

/** A command is a plain async function of its arguments; only the entry point decides the exit code. */
export type Command = (argv: string[], io: CliIo) => Promise<number>;

/** Wrong flags or arguments: exit code 2 (1 under --detailed-exitcode, whose 2 means "changes"). */
export class UsageError extends Error {
  override name = 'UsageError';
}

export function useColor(sink: TextSink, env: NodeJS.ProcessEnv): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true;
  return sink.isTTY === true;
}

/**
 * For commands that only read: closes `resource` (the API client) when the run is interrupted, so a
 * request waiting on a hung server ends at once and the command unwinds. Returns the unsubscriber.
 */
export function closeOnInterrupt(io: CliIo, resource: { close(): Promise<void> }): () => void {
  const signal = io.signal;
  if (!signal) return () => undefined;
  const close = () => void resource.close();
  if (signal.aborted) close();
  else signal.addEventListener('abort', close, { once: true });
  return () => signal.removeEventListener('abort', close);
}
