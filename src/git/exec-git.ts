// The one way cvex runs git: execFile (never a shell), bytes in and out, a clear error naming the
// subcommand. Callers pass the working directory; nothing here reads the environment of cvex.
import { execFile } from 'node:child_process';

/** Output larger than this is a mistake (or another repository than the one meant). */
const MAX_OUTPUT_BYTES = 512 * 1024 * 1024;

export interface ExecGitOptions {
  cwd: string;
  /** Written to git's stdin. */
  input?: string | Buffer;
  /** Added to the process environment (identity, auth headers): never logged. */
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
}

/** git exited non-zero or could not start. `stderr` is git's own message (first lines). */
export class GitCommandError extends Error {
  override name = 'GitCommandError';
  constructor(
    readonly subcommand: string,
    readonly exitCode: number | null,
    readonly stderr: string,
  ) {
    super(`git ${subcommand} failed${exitCode === null ? '' : ` (exit ${exitCode})`}: ${firstLines(stderr) || 'no message'}`);
  }
}

function firstLines(text: string): string {
  return text.trim().split('\n').slice(0, 3).join(' / ');
}

/** `notes` in `git -c k=v notes --ref=x add`. */
function subcommandOf(args: readonly string[]): string {
  for (let index = 0; index < args.length; index += 1) {
    if (args[index] === '-c' || args[index] === '-C') index += 1;
    else if (!args[index].startsWith('-')) return args[index];
  }
  return 'git';
}

/** Counts git processes in tests: how many a command starts must not grow with the history. */
export const gitProcessCounter = { count: 0 };

export function execGit(args: readonly string[], options: ExecGitOptions): Promise<Buffer> {
  gitProcessCounter.count += 1;
  return new Promise((resolve, reject) => {
    const child = execFile(
      'git',
      [...args],
      {
        cwd: options.cwd,
        encoding: 'buffer',
        maxBuffer: MAX_OUTPUT_BYTES,
        env: { ...process.env, GIT_TERMINAL_PROMPT: '0', ...options.env },
        signal: options.signal,
      },
      (error, stdout, stderr) => {
        if (error) {
          const code = typeof (error as { code?: unknown }).code === 'number' ? ((error as { code: number }).code) : null;
          reject(new GitCommandError(subcommandOf(args), code, stderr.length > 0 ? stderr.toString('utf8') : error.message));
          return;
        }
        resolve(stdout);
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

/** `execGit` as text, trailing newline removed. */
export async function execGitText(args: readonly string[], options: ExecGitOptions): Promise<string> {
  return (await execGit(args, options)).toString('utf8').replace(/\n$/, '');
}
