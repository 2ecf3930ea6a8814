// The `$schema` path written into the first line of a manifest (editors validate with it). It must
// resolve inside the policy repository, wherever the running cvex happens to be installed: a
// global or npx-cached cvex is not where a teammate's editor will look.
import * as path from 'node:path';
import { MANIFEST_SCHEMA_PATH } from '../manifest';
import { packageIdentity } from '../init/package-identity';

/**
 * Relative from `outDir` to the manifest schema: the running package's own copy when it lies inside
 * `repositoryRoot` (installed in its node_modules, or cvex's own checkout), otherwise where
 * `npm ci` puts the pinned package in that repository.
 */
export function manifestSchemaReference(outDir: string, repositoryRoot: string, schemaFile = MANIFEST_SCHEMA_PATH): string {
  const inside = path.relative(repositoryRoot, schemaFile);
  const target =
    inside.startsWith('..') || path.isAbsolute(inside)
      ? path.join(repositoryRoot, 'node_modules', ...packageIdentity().name.split('/'), 'schemas', path.basename(schemaFile))
      : schemaFile;
  return path.relative(outDir, target).split(path.sep).join('/');
}
