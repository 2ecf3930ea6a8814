// The one place cvex starts `git`: execFile (never a shell), a bounded output, a time limit, and no
// prompt for credentials. Every other file of src/git/ asks through here.
import { execFile, spawn } from 'node:child_process';

export const GIT_DEFAULTS = {
  timeoutMs: 30_000,
  /** Enough for the manifests of a large repository at one commit; more is refused, not buffered. */
  maxOutputBytes: 64 * 1024 * 1024,
} satisfies Record<string, number>;

/** git is missing, the folder is not a repository, or git failed: the callers treat all three as "history unknown". */
export class GitError extends Error {
  override name = 'GitError';
}

const GIT_ENV = { GIT_TERMINAL_PROMPT: '0', GIT_OPTIONAL_LOCKS: '0', LC_ALL: 'C' };

/** Runs `git ARGS` in cwd and returns stdout; a non-zero exit is a GitError carrying git's first stderr line. */
export function runGit(cwd: string, args: readonly string[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    execFile(
      'git',
      [...args],
      { cwd, encoding: 'buffer', timeout: GIT_DEFAULTS.timeoutMs, maxBuffer: GIT_DEFAULTS.maxOutputBytes, env: { ...process.env, ...GIT_ENV } },
      (error, stdout, stderr) => {
        if (error) {
          const detail = String(stderr ?? '').split('\n')[0] || error.message;
          reject(new GitError(`git ${args[0]}: ${detail}`));
        } else resolve(stdout);
      },
    );
  });
}

/** Runs `git ARGS`, writes `input` to its stdin, and returns stdout (for `cat-file --batch`). */
export function runGitWithInput(cwd: string, args: readonly string[], input: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', [...args], { cwd, env: { ...process.env, ...GIT_ENV }, stdio: ['pipe', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    let size = 0;
    let stderr = '';
    let failed: Error | undefined;
    const timer = setTimeout(() => fail(new GitError(`git ${args[0]}: no answer within ${GIT_DEFAULTS.timeoutMs} ms`)), GIT_DEFAULTS.timeoutMs);
    function fail(error: Error): void {
      failed ??= error;
      child.kill();
    }
    child.stdout.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > GIT_DEFAULTS.maxOutputBytes) fail(new GitError(`git ${args[0]}: more than ${GIT_DEFAULTS.maxOutputBytes} bytes of output`));
      else chunks.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderr.length < 4096) stderr += String(chunk);
    });
    child.on('error', (error) => fail(new GitError(`git ${args[0]}: ${error.message}`)));
    // A closed pipe (git exited early) is reported through the exit code below.
    child.stdin.on('error', () => undefined);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (failed) reject(failed);
      else if (code !== 0) reject(new GitError(`git ${args[0]}: ${stderr.split('\n')[0] || `exit ${code}`}`));
      else resolve(Buffer.concat(chunks));
    });
    child.stdin.end(input);
  });
}
