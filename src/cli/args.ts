// Flag parsing shared by every command: node:util parseArgs in strict mode, with any complaint
// turned into a UsageError (exit 2) so no command repeats the try/catch.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './io';

type Options = NonNullable<ParseArgsConfig['options']>;

export function parseCommandArgs<const O extends Options>(argv: string[], options: O, allowPositionals = true) {
  try {
    return parseArgs({ args: argv, options, allowPositionals, strict: true as const });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** `--flag` must be one of `choices`; undefined gives the first choice. */
export function parseChoice<const C extends readonly string[]>(value: string | boolean | undefined, choices: C, flag: string): C[number] {
  if (value === undefined) return choices[0];
  if (typeof value === 'string' && choices.includes(value)) return value;
  throw new UsageError(`--${flag}: expected ${choices.join(', ')}, got '${String(value)}'`);
}
