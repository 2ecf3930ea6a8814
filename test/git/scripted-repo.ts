// A temporary git repository whose history a test writes step by step: commits by named people on
// given dates, branches, merges ("Merge pull request #N") and squash merges ("subject (#N)").
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

export interface Person {
  name: string;
  email: string;
}

export const ALICE: Person = { name: 'Alice Doe', email: 'alice@example.com' };
export const BOB: Person = { name: 'Bob Roe', email: 'bob@example.com' };
export const CAROL: Person = { name: 'Carol Poe', email: 'carol@example.com' };

export interface CommitOptions {
  author?: Person;
  committer?: Person;
  /** ISO date; also the committer date. */
  date?: string;
}

export interface ScriptedRepo {
  dir: string;
  git(args: string[], options?: CommitOptions & { input?: string }): Promise<string>;
  /** Writes (or, with null, deletes) files and commits them; returns the commit hash. */
  commit(message: string, files: Record<string, string | null>, options?: CommitOptions): Promise<string>;
  /** `git merge --no-ff` with GitHub's merge subject; returns the merge commit. */
  mergePullRequest(branch: string, number: number, options?: CommitOptions): Promise<string>;
  /** A squash merge as GitHub writes it: one commit on the current branch, subject "title (#N)". */
  squashPullRequest(branch: string, number: number, title: string, options?: CommitOptions): Promise<string>;
  close(): Promise<void>;
}

function run(args: string[], cwd: string, env: NodeJS.ProcessEnv, input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile('git', args, { cwd, env: { ...process.env, ...env } }, (error, stdout, stderr) => {
      if (error) reject(new Error(`git ${args.join(' ')}: ${stderr || error.message}`));
      else resolve(stdout.replace(/\n$/, ''));
    });
    if (input !== undefined) child.stdin?.end(input);
  });
}

function identity(options: CommitOptions = {}): NodeJS.ProcessEnv {
  const author = options.author ?? ALICE;
  const committer = options.committer ?? author;
  return {
    GIT_AUTHOR_NAME: author.name,
    GIT_AUTHOR_EMAIL: author.email,
    GIT_COMMITTER_NAME: committer.name,
    GIT_COMMITTER_EMAIL: committer.email,
    ...(options.date ? { GIT_AUTHOR_DATE: options.date, GIT_COMMITTER_DATE: options.date } : {}),
    GIT_CONFIG_NOSYSTEM: '1',
  };
}

export async function createScriptedRepo(options: { bare?: string } = {}): Promise<ScriptedRepo> {
  const dir = await mkdtemp(path.join(tmpdir(), 'cvex-git-'));
  const git = (args: string[], commitOptions: CommitOptions & { input?: string } = {}) => run(args, dir, identity(commitOptions), commitOptions.input);
  await git(['init', '--quiet', '--initial-branch=main']);
  // A test must not depend on the machine's git configuration.
  await git(['config', 'commit.gpgsign', 'false']);
  if (options.bare) await git(['remote', 'add', 'origin', options.bare]);
  return {
    dir,
    git,
    async commit(message, files, commitOptions = {}) {
      for (const [name, text] of Object.entries(files)) {
        const file = path.join(dir, name);
        if (text === null) {
          await unlink(file);
          await git(['rm', '--quiet', '--cached', '--', name]);
          continue;
        }
        await mkdir(path.dirname(file), { recursive: true });
        await writeFile(file, text);
        await git(['add', '--', name]);
      }
      await git(['commit', '--quiet', '--allow-empty', '-m', message], commitOptions);
      return git(['rev-parse', 'HEAD']);
    },
    async mergePullRequest(branch, number, commitOptions = {}) {
      await git(['merge', '--quiet', '--no-ff', '-m', `Merge pull request #${number} from acme/${branch}`, branch], commitOptions);
      return git(['rev-parse', 'HEAD']);
    },
    async squashPullRequest(branch, number, title, commitOptions = {}) {
      await git(['merge', '--quiet', '--squash', branch], commitOptions);
      await git(['commit', '--quiet', '-m', `${title} (#${number})`], commitOptions);
      return git(['rev-parse', 'HEAD']);
    },
    close: () => rm(dir, { recursive: true, force: true }),
  };
}

/** A bare repository to stand in for GitHub's `origin`. */
export async function createBareRemote(): Promise<{ dir: string; close(): Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'cvex-origin-'));
  await run(['init', '--quiet', '--bare', '--initial-branch=main'], dir, identity());
  return { dir, close: () => rm(dir, { recursive: true, force: true }) };
}
