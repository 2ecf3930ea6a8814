import type { CliIo } from '../cli/io';

export async function simulateCommand(_argv: string[], _io: CliIo): Promise<number> {
  throw new Error('cvex simulate is not implemented yet');
}
