// `cvex notes fetch|push`: moves the apply records (git notes, refs/notes/cvex) between this
// clone and a remote. The apply workflow pushes after every apply; `cvex log` fetches on its own.
import { type CommandSpec, parseChoice, parseCommandLine } from '../command-line/define';
import { type CliIo, UsageError } from '../command-line/io';
import { CVEX_NOTES_REF } from '../git/notes';
import { pullNotes, pushNotes } from '../git/notes-sync';
import { displayRemote, githubToken, tokenAuthEnv } from '../git/remote-auth';
import { readRepositoryInfo } from '../git/repository-info';

export const notesDefinition = {
  name: 'notes',
  usage: ['notes fetch [--remote NAME|URL]', 'notes push [--remote NAME|URL]'],
  description: `Shares the apply records cvex keeps in git notes (${CVEX_NOTES_REF}, one JSON line per apply on the
applied commit). \`fetch\` merges the remote's records into the local ones; \`push\` does the same, then
pushes (never forced; retried when another push got there first). Over HTTPS the token in
GITHUB_TOKEN (or GH_TOKEN) is sent as an extra header that git reads from the environment:
it is never written to .git/config.`,
  positionals: true,
  flags: {
    remote: { type: 'string', value: 'NAME|URL', description: 'where the records live (default origin; an audit repository URL works too)' },
  },
  epilog: `Exit codes: 0 done (also outside a git repository: nothing to do), 1 git failed, 2 usage error.
Environment: GITHUB_TOKEN or GH_TOKEN (HTTPS remotes), GITHUB_SERVER_URL (default https://github.com).`,
} as const satisfies CommandSpec;

const ACTIONS = ['fetch', 'push'] as const;

/** `--remote`: a remote name or URL (default origin), never something git would read as an option. */
export function parseRemote(value: string | boolean | undefined): string {
  const remote = typeof value === 'string' && value.trim() ? value.trim() : 'origin';
  if (remote.startsWith('-') || /[\s]/.test(remote)) throw new UsageError(`--remote: '${remote}' is not a remote name or URL`);
  return remote;
}

export async function notesCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandLine(notesDefinition, argv);
  if (positionals.length !== 1) throw new UsageError('expected one action: fetch or push');
  const action = parseChoice(positionals[0], ACTIONS, 'action');
  const remote = parseRemote(values.remote);
  // As apply outside git records nothing there, there is nothing to move: not an error.
  if (!(await readRepositoryInfo(io.cwd))) {
    io.stdout.write('Not a git repository: no apply records in git to fetch or push.\n');
    return 0;
  }
  const env = tokenAuthEnv(githubToken(io.env), io.env.GITHUB_SERVER_URL || undefined);
  if (action === 'fetch') {
    const outcome = await pullNotes(io.cwd, remote, env);
    if (!outcome.fetched && outcome.reason === 'unreachable') {
      io.stderr.write(`cvex notes: ${outcome.message}\n`);
      return 1;
    }
    io.stdout.write(outcome.fetched ? `Fetched ${CVEX_NOTES_REF} from ${displayRemote(remote)} and merged it into the local records.\n` : `${outcome.message}: nothing to fetch.\n`);
    return 0;
  }
  const outcome = await pushNotes(io.cwd, remote, env);
  io.stdout.write(outcome.pushed ? `Pushed ${CVEX_NOTES_REF} to ${displayRemote(remote)}${outcome.attempts > 1 ? ` (after ${outcome.attempts} attempts)` : ''}.\n` : `No apply records here yet (${CVEX_NOTES_REF} does not exist): nothing to push.\n`);
  return 0;
}
