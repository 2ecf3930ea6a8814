// Many git objects in one process: `git cat-file --batch` answers each requested name with
// `<oid> <type> <size>\n<content>\n`, or `<name> missing\n`.
import { execGit } from './exec-git';

export interface GitObject {
  oid: string;
  type: string;
  content: Buffer;
}

/**
 * Reads objects by name (an oid, or `commit:path`); a missing one is absent from the map. Names
 * holding a newline cannot be asked for (the batch protocol is line based) and are skipped.
 */
export async function readGitObjects(cwd: string, names: readonly string[]): Promise<Map<string, GitObject>> {
  const asked = [...new Set(names.filter((name) => name !== '' && !/[\n\r]/.test(name)))];
  const found = new Map<string, GitObject>();
  if (asked.length === 0) return found;
  const output = await execGit(['cat-file', '--batch'], { cwd, input: `${asked.join('\n')}\n` });
  let offset = 0;
  for (const name of asked) {
    const end = output.indexOf(0x0a, offset);
    if (end < 0) break;
    const header = output.subarray(offset, end).toString('utf8');
    offset = end + 1;
    const match = /^([0-9a-f]{40,64}) (\S+) (\d+)$/.exec(header);
    if (!match) continue;
    const size = Number(match[3]);
    found.set(name, { oid: match[1], type: match[2], content: output.subarray(offset, offset + size) });
    offset += size + 1;
  }
  return found;
}
