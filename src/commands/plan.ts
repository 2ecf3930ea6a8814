import type { CliIo } from '../cli/io';

export async function planCommand(_argv: string[], _io: CliIo): Promise<number> {
  throw new Error('cvex plan is not implemented yet');
}
