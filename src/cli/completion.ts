// `cvex completion bash|zsh`: a completion script generated from the command table and each
// command's flag definitions, so it never lists a flag that does not exist.
import { GLOBAL_FLAGS, type CommandSpec, type FlagSpecs, parseCommandLine } from '../command-line/define';
import { type CliIo, UsageError } from '../command-line/io';
import { COMMANDS } from './commands';

export const completionDefinition = {
  name: 'completion',
  usage: ['completion bash|zsh'],
  description: `Prints a completion script for the shell. Load it from your shell's start-up file:
  bash:  source <(npx --no-install cvex completion bash)
  zsh:   source <(npx --no-install cvex completion zsh)`,
  positionals: true,
  flags: {},
} as const satisfies CommandSpec;

const SHELLS = ['bash', 'zsh'] as const;

interface CompletedCommand {
  name: string;
  summary: string;
  definition: CommandSpec;
}

async function loadAll(): Promise<CompletedCommand[]> {
  return Promise.all(
    Object.entries(COMMANDS).map(async ([name, entry]) => ({ name, summary: entry.summary, definition: (await entry.load()).definition })),
  );
}

function flagWords(definition: CommandSpec): string[] {
  return Object.keys({ ...definition.flags, ...GLOBAL_FLAGS }).map((flag) => `--${flag}`);
}

export function renderBashCompletion(commands: readonly CompletedCommand[]): string {
  const cases = commands.map(({ name, definition }) => `    ${name}) flags="${flagWords(definition).join(' ')}" ;;`);
  return `# bash completion for cvex
_cvex() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" flags=""
  if [[ $COMP_CWORD -eq 1 ]]; then
    COMPREPLY=($(compgen -W "${commands.map(({ name }) => name).join(' ')}" -- "$cur"))
    return
  fi
  case "\${COMP_WORDS[1]}" in
${cases.join('\n')}
  esac
  if [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "$flags" -- "$cur"))
  else
    COMPREPLY=($(compgen -f -- "$cur"))
  fi
}
complete -o filenames -F _cvex cvex
`;
}

/** Text safe inside a zsh completion spec: `[desc]` and `name:desc` must not see their delimiters. */
function zshText(text: string): string {
  return text.split('\n')[0].replace(/[[\]:'\\`$]/g, ' ').replace(/\s+/g, ' ').trim();
}

export function renderZshCompletion(commands: readonly CompletedCommand[]): string {
  const described = commands.map(({ name, summary }) => `    '${name}:${zshText(summary)}'`);
  const cases = commands.map(({ name, definition }) => {
    const flags: FlagSpecs = { ...definition.flags, ...GLOBAL_FLAGS };
    const specs = Object.entries(flags).map(([flag, spec]) => {
      const value = spec.type === 'string' ? `:${zshText(spec.value ?? 'value')}:${/FILE|DIR/.test(spec.value ?? '') ? '_files' : ' '}` : '';
      return `'--${flag}[${zshText(spec.description)}]${value}'`;
    });
    if (definition.positionals) specs.push("'*:file:_files'");
    return `    ${name}) _arguments ${specs.join(' ')} ;;`;
  });
  return `#compdef cvex
# zsh completion for cvex
_cvex() {
  local -a commands
  commands=(
${described.join('\n')}
  )
  if (( CURRENT == 2 )); then
    _describe 'command' commands
    return
  fi
  shift words
  (( CURRENT-- ))
  case "$words[1]" in
${cases.join('\n')}
  esac
}
compdef _cvex cvex
`;
}

export async function completionCommand(argv: string[], io: CliIo): Promise<number> {
  const { positionals } = parseCommandLine(completionDefinition, argv);
  if (positionals.length !== 1) throw new UsageError(`name one shell: ${SHELLS.join(' or ')}`);
  const shell = positionals[0];
  if (!(SHELLS as readonly string[]).includes(shell)) throw new UsageError(`unknown shell '${shell}': expected ${SHELLS.join(' or ')}`);
  const commands = await loadAll();
  io.stdout.write(shell === 'bash' ? renderBashCompletion(commands) : renderZshCompletion(commands));
  return 0;
}
