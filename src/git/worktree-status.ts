// Whether the tracked files differ from HEAD: an apply from uncommitted edits is not the commit's.
import { execGit } from './exec-git';

export async function hasTrackedChanges(cwd: string): Promise<boolean> {
  const output = await execGit(['status', '--porcelain', '--untracked-files=no'], { cwd });
  return output.length > 0;
}
