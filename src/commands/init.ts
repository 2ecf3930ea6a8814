// `cvex init [DIR]`: scaffold a policy repository that installs this cvex from npm at its exact
// version and runs the reusable workflows of that same version. Writes nothing when any of its files
// already exists: init never overwrites what a team wrote.
import { mkdir, stat, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { type CommandSpec, parseCommandLine } from '../command-line/define';
import { type CliIo, UsageError } from '../command-line/io';
import { gatherAnswers } from '../init/answers';
import { packageIdentity } from '../init/package-identity';
import { initFiles } from '../init/templates';

export const initDefinition = {
  name: 'init',
  usage: ['init [DIR] [--owner SLUG] [--repository ORG/NAME] [--timezone ZONE] [options]'],
  description: `Scaffolds a policy repository in DIR (default: the current folder): package.json pinning this
cvex, cvex.config.yaml, policies/ with an example that declares nothing (the first plan says
"No changes"), the four workflows calling cvex's reusable plan, apply, drift and renewals workflows
at this version, .github/dependabot.yml (one group bumps the package and the workflows together), a
.github/CODEOWNERS suggestion and .gitignore. On a terminal it asks for what the flags do not say.
Refuses, writing nothing, when any of these files exists. It generates no key: run \`cvex keygen\`
to sign the ownership markers (it adds the public key to markerKeys).`,
  positionals: true,
  flags: {
    owner: { type: 'string', value: 'SLUG', description: "owner slug in the markers (default: from the repository's name)" },
    repository: { type: 'string', value: 'ORG/NAME', description: 'the GitHub repository (default: GITHUB_REPOSITORY or the git remote origin)' },
    timezone: { type: 'string', value: 'ZONE', description: "the Qualys subscription's IANA time zone (required)" },
    platform: { type: 'string', value: 'ID', description: 'Qualys platform (US1, US2, EU1, ...); or set the repository variable later' },
    reviewer: { type: 'string', value: '@ORG/TEAM', multiple: true, description: 'who approves exceptions, for CODEOWNERS (repeatable); default: a commented suggestion' },
  },
  epilog: 'Exit codes: 0 written, 1 a file exists or cannot be written, 2 usage error.',
} as const satisfies CommandSpec;

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

export async function initCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandLine(initDefinition, argv);
  if (positionals.length > 1) throw new UsageError(`one folder at most, got ${positionals.length}: ${positionals.join(' ')}`);
  const dir = path.resolve(io.cwd, positionals[0] ?? '.');
  await mkdir(dir, { recursive: true });
  const identity = packageIdentity();
  const answers = await gatherAnswers({
    owner: values.owner,
    repository: values.repository,
    timezone: values.timezone,
    platform: values.platform,
    reviewers: values.reviewer,
    env: io.env,
    dir,
    prompt: io.prompt,
  });
  const files = initFiles(answers, identity);
  const taken: string[] = [];
  for (const name of Object.keys(files)) if (await exists(path.join(dir, name))) taken.push(name);
  if (taken.length > 0) {
    io.stderr.write(`cvex init: ${taken.join(', ')} already ${taken.length === 1 ? 'exists' : 'exist'} in ${dir}; nothing was written.\n`);
    return 1;
  }
  for (const [name, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), text, { flag: 'wx' });
    io.stdout.write(`wrote ${name}\n`);
  }
  const relative = path.relative(io.cwd, dir);
  const where = relative === '' ? '.' : relative.startsWith('..') ? dir : relative;
  io.stdout.write(
    [
      '',
      `A policy repository for ${answers.repository} (owner ${answers.owner}, cvex ${identity.version}). Next:`,
      `  cd ${where} && npm install          # installs ${identity.name}@${identity.version}, writes package-lock.json (commit it)`,
      '  npx --no-install cvex validate',
      '  Add the read-only secrets QUALYS_READ_USERNAME / QUALYS_READ_PASSWORD, the environment',
      '  qualys-production (main only) with QUALYS_USERNAME / QUALYS_PASSWORD, and the variable',
      '  QUALYS_PLATFORM or QUALYS_API_URL unless cvex.config.yaml names the platform.',
      '  Sign the ownership markers (recommended): the public key goes into markerKeys in',
      '  cvex.config.yaml, the private key straight into the environment, never onto the screen:',
      '    npx --no-install cvex keygen | gh secret set CVEX_SIGNING_KEY --env qualys-production',
      '  Renewal pull requests: a GitHub App (contents and pull requests: read and write) installed on',
      '  the repository, its id and a private key in the secrets CVEX_APP_ID / CVEX_APP_PRIVATE_KEY;',
      '  without one, delete .github/workflows/exceptions-renewals.yml.',
      '  git add -A && git commit -m "cvex init" && git push',
      '',
    ].join('\n'),
  );
  return 0;
}
