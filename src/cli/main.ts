import * as readline from 'node:readline/promises';
import { type CliIo, type Command, UsageError } from './io';

// Loaded lazily so `cvex simulate` does not pay for ajv and `cvex validate` not for undici.
const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  validate: { summary: 'check manifests against the schema and rules', load: async () => (await import('../commands/validate')).validateCommand },
  plan: { summary: 'show what apply would change', load: async () => (await import('../commands/plan')).planCommand },
  apply: { summary: 'make the account match the manifests', load: async () => (await import('../commands/apply')).applyCommand },
  import: { summary: "write the account's exceptions as manifests", load: async () => (await import('../commands/import')).importCommand },
  tag: { summary: 'run the applyTags stage alone', load: async () => (await import('../commands/tag')).tagCommand },
  expiring: { summary: 'list exceptions that end soon', load: async () => (await import('../commands/expiring')).expiringCommand },
  report: { summary: 'coverage report: what each managed exception exempts, stale and over-broad ones', load: async () => (await import('../commands/report')).reportCommand },
  simulate: { summary: 'run the local CloudView simulator', load: async () => (await import('../commands/simulate')).simulateCommand },
  demo: { summary: 'plan policies/ against a fresh simulator (what `npm start` runs)', load: async () => (await import('../commands/demo')).demoCommand },
};

export function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length));
  const lines = Object.entries(COMMANDS).map(([name, { summary }]) => `  ${name.padEnd(width)}  ${summary}`);
  return ['Usage: cvex <command> [options]', '', 'Commands:', ...lines, '', 'Run `cvex <command> --help` for its options.', ''].join('\n');
}

/** Runs one command and returns its exit code. Never calls process.exit: the caller decides. */
export async function main(argv: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  const debug = rest.includes('--debug');
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(usage());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version') {
    io.stdout.write(`${require('../../package.json').version}\n`);
    return 0;
  }
  const entry = COMMANDS[name];
  if (!entry) {
    io.stderr.write(`cvex: unknown command '${name}'\n\n${usage()}`);
    return 2;
  }
  try {
    const command = await entry.load();
    return await command(rest.filter((arg) => arg !== '--debug'), io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`cvex ${name}: ${error.message}\n`);
      return 2;
    }
    const err = error instanceof Error ? error : new Error(String(error));
    // One clear line; the stack only on request. Error messages never carry credentials (see src/api/errors.ts).
    io.stderr.write(`cvex ${name}: ${err.name === 'Error' ? '' : `${err.name}: `}${err.message}\n`);
    if (debug && err.stack) io.stderr.write(`${err.stack}\n`);
    return 1;
  }
}

export function runCli(): void {
  const controller = new AbortController();
  const interrupted = new Promise<void>((resolve) => {
    process.once('SIGINT', () => {
      controller.abort();
      resolve();
    });
    process.once('SIGTERM', () => resolve());
  });
  const io: CliIo = {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd(),
    interrupted,
    prompt: process.stdin.isTTY
      ? async (question) => {
          const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
          try {
            return await rl.question(question);
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
