import type { CliIo } from '../cli/io';

export async function importCommand(_argv: string[], _io: CliIo): Promise<number> {
  throw new Error('cvex import is not implemented yet');
}
