import type { CliIo } from '../cli/io';

export async function demoCommand(_argv: string[], _io: CliIo): Promise<number> {
  throw new Error('cvex demo is not implemented yet');
}
