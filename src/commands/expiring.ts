import type { CliIo } from '../cli/io';

export async function expiringCommand(_argv: string[], _io: CliIo): Promise<number> {
  throw new Error('cvex expiring is not implemented yet');
}
