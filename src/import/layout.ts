// Which file an imported exception goes to. Every file must stay within the manifest limits (1 MiB,
// 5,000 exceptions), so a large account is split on a key that never changes for an exception:
// by cloud, then by the first hex digits of sha256(name). An exception already in a file stays
// there (imports add, never move), so the split only decides where new ones go:
//   level 0  imported-aws.yaml              one file per cloud (accounts up to LEVEL_LIMITS[0])
//   level 1  imported-aws-0.yaml … -f.yaml  16 per cloud      (up to LEVEL_LIMITS[1])
//   level 2  imported-aws-00.yaml … -ff     256 per cloud     (beyond)
// The level comes from the number of exceptions the account lists (the same for every run of a
// resumed import), or from the files already there if they split deeper: so an import in budgeted
// runs writes exactly the files one run would. Pure.
import { createHash } from 'node:crypto';
import { CLOUD_TYPES, type CloudType } from '../model/exception';

export type SplitLevel = 0 | 1 | 2;

/**
 * Listed exceptions up to which each level is used. At a generous 1 KiB per exception (most take
 * ~400 bytes) level 0 keeps a file under 1 MiB; level 1 spreads 16,000 over 16 files (~1,000 each,
 * a few more where the hash is uneven); level 2 holds 1,000,000 at ~4,000 a file.
 */
export const LEVEL_LIMITS = [1_000, 16_000] as const;

const IMPORTED = /^imported-(aws|azure|gcp)(?:-([0-9a-f]{1,2}))?\.yaml$/;

/** The level the size of the account asks for. */
export function levelForCount(listed: number): SplitLevel {
  return listed <= LEVEL_LIMITS[0] ? 0 : listed <= LEVEL_LIMITS[1] ? 1 : 2;
}

/** Whether `fileName` (no folder) is a file `cvex import` writes. */
export function isImportedFile(fileName: string): boolean {
  return IMPORTED.test(fileName);
}

/** The deepest level among the import files already in the folder, per cloud. */
export function levelsOnDisk(fileNames: readonly string[]): Map<CloudType, SplitLevel> {
  const levels = new Map<CloudType, SplitLevel>();
  for (const fileName of fileNames) {
    const match = IMPORTED.exec(fileName);
    if (!match) continue;
    const cloud = match[1].toUpperCase() as CloudType;
    const level = (match[2]?.length ?? 0) as SplitLevel;
    if (level >= (levels.get(cloud) ?? 0)) levels.set(cloud, level);
  }
  return levels;
}

/** The file a new exception of this cloud and name goes to, at `level`. */
export function importedFileName(cloud: CloudType, name: string, level: SplitLevel): string {
  const base = `imported-${cloud.toLowerCase()}`;
  if (level === 0) return `${base}.yaml`;
  const digits = createHash('sha256').update(name, 'utf8').digest('hex').slice(0, level);
  return `${base}-${digits}.yaml`;
}

/** Where new exceptions go, per cloud: the account's size, or deeper where files already split deeper. */
export function fileChooser(listed: number, existingFileNames: readonly string[]): (cloud: CloudType, name: string) => string {
  const byCount = levelForCount(listed);
  const onDisk = levelsOnDisk(existingFileNames);
  const level = new Map(CLOUD_TYPES.map((cloud) => [cloud, Math.max(byCount, onDisk.get(cloud) ?? 0) as SplitLevel]));
  return (cloud, name) => importedFileName(cloud, name, level.get(cloud) ?? byCount);
}
