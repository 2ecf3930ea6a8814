// The entry point: picks the command, prints help, and is the only place that turns outcomes into
// exit codes. Commands stand below it; the helpers they share (src/command-line/) below them.
import * as readline from 'node:readline/promises';
import { renderHelp, wantsHelp } from '../command-line/define';
import { type CliIo, Interrupted, type StopSignal, UsageError } from '../command-line/io';
import { closest } from '../model/closest';
import { terminalSafeLines } from '../render/escape';
import { COMMANDS } from './commands';

export function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length));
  const lines = Object.entries(COMMANDS).map(([name, { summary }]) => `  ${name.padEnd(width)}  ${summary}`);
  return [
    'Usage: cvex <command> [options]',
    '',
    'Commands:',
    ...lines,
    '',
    'Run `cvex <command> --help` for its options.',
    'SIGINT (Ctrl-C) or SIGTERM stops any command (exit 130 / 143); a second one exits at once.',
    '',
  ].join('\n');
}

/** `--detailed-exitcode` gives 2 the meaning "changes", so every failure, a usage error too, is 1. */
function usageExitCode(argv: readonly string[]): number {
  return argv.includes('--detailed-exitcode') ? 1 : 2;
}

function interruption(io: CliIo): Interrupted | undefined {
  const reason: unknown = io.signal?.aborted ? io.signal.reason : undefined;
  return reason instanceof Interrupted ? reason : undefined;
}

/** Runs one command and returns its exit code. Never calls process.exit: the caller decides. */
export async function main(argv: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const topic = name === 'help' ? rest[0] : undefined;
    if (topic !== undefined && COMMANDS[topic]) {
      io.stdout.write(renderHelp((await COMMANDS[topic].load()).definition));
      return 0;
    }
    io.stdout.write(usage());
    return name === undefined ? 2 : 0;
  }
  const entry = COMMANDS[name === '--version' ? 'version' : name];
  if (!entry) {
    const suggestion = closest(name, Object.keys(COMMANDS));
    io.stderr.write(`cvex: unknown command '${name}'${suggestion ? ` (did you mean \`cvex ${suggestion}\`?)` : ''}\n\n${usage()}`);
    return usageExitCode(rest);
  }
  const debug = rest.includes('--debug');
  try {
    const command = await entry.load();
    if (wantsHelp(rest)) {
      io.stdout.write(renderHelp(command.definition));
      return 0;
    }
    const code = await command.run(rest.filter((arg) => arg !== '--debug'), io);
    const stopped = interruption(io);
    if (stopped) {
      io.stderr.write(`cvex ${name}: ${stopped.message}\n`);
      return stopped.exitCode;
    }
    return code;
  } catch (error) {
    const stopped = interruption(io);
    if (stopped) {
      // What failed after an interrupt (a request cut short) is the interrupt's doing, not a fault.
      io.stderr.write(`cvex ${name}: ${stopped.message}\n`);
      return stopped.exitCode;
    }
    if (error instanceof UsageError) {
      io.stderr.write(`cvex ${name}: ${terminalSafeLines(error.message)}\n`);
      return usageExitCode(rest);
    }
    const err = error instanceof Error ? error : new Error(String(error));
    // One clear line; the stack only on request. Error messages never carry credentials (see src/api/errors.ts).
    // Messages may quote repository or remote text (a config key, a name): shown, never obeyed.
    io.stderr.write(`cvex ${name}: ${err.name === 'Error' ? '' : `${err.name}: `}${terminalSafeLines(err.message)}\n`);
    if (debug && err.stack) io.stderr.write(`${err.stack}\n`);
    return 1;
  }
}

function currentFolder(): string | undefined {
  try {
    return process.cwd();
  } catch {
    return undefined;
  }
}

export function runCli(): void {
  const controller = new AbortController();
  let markInterrupted: () => void = () => undefined;
  const interrupted = new Promise<void>((resolve) => {
    markInterrupted = resolve;
  });
  const onSignal = (signal: StopSignal) => {
    // A second signal means "now": no waiting for calls in flight.
    if (controller.signal.aborted) process.exit(new Interrupted(signal).exitCode);
    controller.abort(new Interrupted(signal));
    markInterrupted();
  };
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  // The reader went away (`cvex simulate | head -1`): end quietly, as a pipeline expects.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') process.exit(0);
      throw error;
    });
  }
  const cwd = currentFolder();
  if (cwd === undefined) {
    process.stderr.write('cvex: the current folder no longer exists (was it deleted?); cd into your repository and run cvex again.\n');
    process.exitCode = 1;
    return;
  }
  const io: CliIo = {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    cwd,
    interrupted,
    signal: controller.signal,
    prompt: process.stdin.isTTY
      ? async (question) => {
          const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
          try {
            return await rl.question(question, { signal: controller.signal });
          } finally {
            rl.close();
          }
        }
      : undefined,
  };
  main(process.argv.slice(2), io).then(
    (code) => {
      process.exitCode = code;
    },
    (error) => {
      process.stderr.write(`cvex: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
