import type { CliIo } from '../cli/io';

export async function applyCommand(_argv: string[], _io: CliIo): Promise<number> {
  throw new Error('cvex apply is not implemented yet');
}
