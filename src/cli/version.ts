// `cvex version` (and `cvex --version`): the installed package's version, so a workflow can check it
// matches the version it pinned.
import { type CommandSpec, parseCommandLine } from '../command-line/define';
import type { CliIo } from '../command-line/io';

export const versionDefinition = {
  name: 'version',
  usage: ['version'],
  description: 'Prints the version of this cvex (the package.json it was installed from).',
  positionals: false,
  flags: {},
} as const satisfies CommandSpec;

export function packageVersion(): string {
  // dist/cli and src/cli both sit two levels below the package root.
  return (require('../../package.json') as { version: string }).version;
}

export async function versionCommand(argv: string[], io: CliIo): Promise<number> {
  parseCommandLine(versionDefinition, argv);
  io.stdout.write(`${packageVersion()}\n`);
  return 0;
}
