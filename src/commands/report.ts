import type { CliIo } from '../cli/io';

export async function reportCommand(_argv: string[], _io: CliIo): Promise<number> {
  throw new Error('cvex report is not implemented yet');
}
