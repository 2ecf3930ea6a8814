import type { CliIo } from '../cli/io';

export async function tagCommand(_argv: string[], _io: CliIo): Promise<number> {
  throw new Error('cvex tag is not implemented yet');
}
