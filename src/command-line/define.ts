// One definition per command: its flags (with their help text), usage and description. Parsing
// (node:util parseArgs, strict), `--help`, "did you mean" and shell completion all come from it,
// so a flag cannot exist without being documented.
import { parseArgs } from 'node:util';
import { closest } from '../model/closest';
import { UsageError } from './io';

export interface FlagSpec {
  type: 'string' | 'boolean';
  short?: string;
  /** Placeholder shown in help for a string flag: FILE, N, text|json. */
  value?: string;
  description: string;
  multiple?: boolean;
  /** Help section the flag is listed under; default "Options". */
  section?: string;
}

export type FlagSpecs = Readonly<Record<string, FlagSpec>>;

export interface CommandSpec<F extends FlagSpecs = FlagSpecs> {
  name: string;
  /** Usage lines after `cvex `, e.g. `plan [PATH...] [options]`. */
  usage: readonly string[];
  /** Paragraphs printed after the usage lines. */
  description: string;
  flags: F;
  /** Whether the command takes positional arguments (paths, names). */
  positionals: boolean;
  /** Printed after the flags: exit codes, environment. */
  epilog?: string;
}

/** Every command also takes these; the entry point acts on them before the command runs. */
export const GLOBAL_FLAGS = {
  help: { type: 'boolean', short: 'h', description: 'show this help', section: 'Global' },
  debug: { type: 'boolean', description: 'print the stack trace of a failure', section: 'Global' },
} as const satisfies FlagSpecs;

type FlagValue<S extends FlagSpec> = S['type'] extends 'boolean' ? boolean : S extends { multiple: true } ? string[] : string;
export type FlagValues<F extends FlagSpecs> = { -readonly [K in keyof F]?: FlagValue<F[K]> } & { help?: boolean; debug?: boolean };

export interface ParsedCommandLine<F extends FlagSpecs> {
  values: FlagValues<F>;
  positionals: string[];
}

/** Strict parsing: an unknown flag, a missing value or an unexpected argument is a UsageError (exit 2). */
export function parseCommandLine<F extends FlagSpecs>(spec: CommandSpec<F>, argv: readonly string[]): ParsedCommandLine<F> {
  const flags: FlagSpecs = { ...spec.flags, ...GLOBAL_FLAGS };
  const options = Object.fromEntries(
    Object.entries(flags).map(([name, flag]) => [name, { type: flag.type, ...(flag.short ? { short: flag.short } : {}), ...(flag.multiple ? { multiple: true } : {}) }]),
  );
  try {
    const parsed = parseArgs({ args: [...argv], options, allowPositionals: spec.positionals, strict: true });
    return { values: parsed.values as FlagValues<F>, positionals: parsed.positionals };
  } catch (error) {
    throw new UsageError(describeParseError(spec, flags, (error as Error).message));
  }
}

function describeParseError(spec: CommandSpec, flags: FlagSpecs, message: string): string {
  const see = `see \`cvex ${spec.name} --help\``;
  const unknown = /^Unknown option '(-{1,2})([^']*)'/.exec(message);
  if (unknown) {
    const suggestion = closest(unknown[2], Object.keys(flags));
    return `unknown flag ${unknown[1]}${unknown[2]}${suggestion ? ` (did you mean --${suggestion}?)` : ''}; ${see}`;
  }
  const positional = /^Unexpected argument '([^']*)'/.exec(message);
  if (positional) return `unexpected argument '${positional[1]}': \`cvex ${spec.name}\` takes no arguments; ${see}`;
  const missing = /^Option '(?:-\w, )?--([^ ]+) <value>' argument missing/.exec(message);
  if (missing) return `--${missing[1]} needs a value; ${see}`;
  const noValue = /^Option '--([^']+)' does not take an argument/.exec(message);
  if (noValue) return `--${noValue[1]} takes no value; ${see}`;
  return `${message.split('\n')[0]}; ${see}`;
}

function flagLabel(name: string, flag: FlagSpec): string {
  const long = `--${name}${flag.type === 'string' ? ` ${flag.value ?? 'VALUE'}` : ''}`;
  return flag.short ? `-${flag.short}, ${long}` : long;
}

/** `cvex <command> --help`. */
export function renderHelp(spec: CommandSpec): string {
  const lines = spec.usage.map((usage, index) => `${index === 0 ? 'Usage:' : '      '} cvex ${usage}`);
  lines.push('', spec.description.trim(), '');
  const flags: Array<[string, FlagSpec]> = Object.entries({ ...spec.flags, ...GLOBAL_FLAGS });
  const width = Math.min(30, Math.max(...flags.map(([name, flag]) => flagLabel(name, flag).length)));
  const sections = [...new Set(flags.map(([, flag]) => flag.section ?? 'Options'))];
  for (const section of sections) {
    lines.push(`${section}:`);
    for (const [name, flag] of flags.filter(([, item]) => (item.section ?? 'Options') === section)) {
      const label = flagLabel(name, flag);
      const [first, ...rest] = flag.description.split('\n');
      lines.push(label.length > width ? `  ${label}\n  ${''.padEnd(width)}  ${first}` : `  ${label.padEnd(width)}  ${first}`);
      for (const more of rest) lines.push(`  ${''.padEnd(width)}  ${more}`);
    }
    lines.push('');
  }
  if (spec.epilog) lines.push(spec.epilog.trim(), '');
  return `${lines.join('\n')}`;
}

/** Whether argv asks for help (before any `--`), whatever else it holds. */
export function wantsHelp(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end === -1 ? argv : argv.slice(0, end)).some((arg) => arg === '--help' || arg === '-h');
}

/** `--flag` must be one of `choices`; undefined gives the first choice. */
export function parseChoice<const C extends readonly string[]>(value: string | boolean | undefined, choices: C, flag: string): C[number] {
  if (value === undefined) return choices[0];
  if (typeof value === 'string' && choices.includes(value)) return value;
  const suggestion = typeof value === 'string' ? closest(value, choices) : undefined;
  throw new UsageError(`--${flag}: expected ${choices.join(', ')}, got '${String(value)}'${suggestion ? ` (did you mean ${suggestion}?)` : ''}`);
}
