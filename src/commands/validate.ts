import type { CliIo } from '../cli/io';

export async function validateCommand(_argv: string[], _io: CliIo): Promise<number> {
  throw new Error('cvex validate is not implemented yet');
}
