// Reading files at old commits: the paths of a commit's tree, and many `commit:path` blobs through
// one `git cat-file --batch` (one process, however many files).
import { GitError, runGit, runGitWithInput } from './run-git';

/** Every file path (with `/`) in the tree of `commit`; undefined when the commit is not in this repository. */
export async function listTree(cwd: string, commit: string): Promise<string[] | undefined> {
  if (!/^[0-9a-f]{4,64}$/i.test(commit)) return undefined;
  try {
    const output = String(await runGit(cwd, ['ls-tree', '-r', '-z', '--name-only', `${commit}^{commit}`, '--']));
    return output.split('\0').filter((file) => file !== '');
  } catch (error) {
    if (error instanceof GitError) return undefined;
    throw error;
  }
}

/**
 * The contents of each `commit:path` (undefined when missing or not a file), read with one
 * `git cat-file --batch`. A name with a line break cannot be asked for and reads as missing.
 */
export async function readBlobs(cwd: string, objectNames: readonly string[]): Promise<Map<string, Buffer | undefined>> {
  const blobs = new Map<string, Buffer | undefined>();
  const asked = [...new Set(objectNames)].filter((name) => {
    const askable = !/[\r\n]/.test(name) && name !== '';
    if (!askable) blobs.set(name, undefined);
    return askable;
  });
  if (asked.length === 0) return blobs;
  const output = await runGitWithInput(cwd, ['cat-file', '--batch'], asked.map((name) => `${name}\n`).join(''));
  let offset = 0;
  for (const name of asked) {
    const end = output.indexOf(0x0a, offset);
    if (end < 0) throw new GitError('git cat-file: the answer ended early');
    const header = output.subarray(offset, end).toString('utf8');
    offset = end + 1;
    // `<sha> <type> <size>` then the content and a newline; or `<name> missing` / `<name> ambiguous`.
    const match = /^[0-9a-f]{40,64} (\w+) (\d+)$/.exec(header);
    if (!match) {
      blobs.set(name, undefined);
      continue;
    }
    const size = Number(match[2]);
    const content = output.subarray(offset, offset + size);
    offset += size + 1;
    blobs.set(name, match[1] === 'blob' ? Buffer.from(content) : undefined);
  }
  return blobs;
}
