// Removes named exceptions from the manifests (the expired ones a removal pull request takes out),
// with the same checks as renew: the others read exactly as before, the manifests still validate
// (else every file is put back). All or nothing.
import { writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { configuredManifests, type CvexConfig } from '../config';
import { readBoundedText } from '../files/read-bounded';
import { withGovernance } from '../governance';
import { loadAndValidate } from '../manifest';
import { readWrittenExceptions } from '../manifest/read-exceptions';
import { hasErrors } from '../model/findings';
import { removeExceptions } from './remove-exceptions';
import { othersOf } from './renew-files';

export type RemoveOutcome = { ok: true; removed: string[]; files: string[] } | { ok: false; problems: string[] };

export async function removeExceptionsFromFiles(options: { cwd: string; config: CvexConfig; names: readonly string[]; timeZone: string }): Promise<RemoveOutcome> {
  const manifestPaths = configuredManifests(options.config);
  const validate = async () => withGovernance(await loadAndValidate(manifestPaths, { cwd: options.cwd, timeZone: options.timeZone }), options.config.governance, options.config);
  const before = await validate();
  if (hasErrors(before.findings)) return { ok: false, problems: ['the manifests have errors: fix them first (cvex validate)'] };
  const fileOf = new Map(before.manifests.exceptions.map((exception) => [exception.spec.name, exception.location.file]));
  const problems: string[] = [];
  const namesByFile = new Map<string, Set<string>>();
  for (const name of options.names) {
    const file = fileOf.get(name);
    if (!file) problems.push(`${name}: no exception of that name in the manifests`);
    else namesByFile.set(file, new Set([...(namesByFile.get(file) ?? []), name]));
  }
  const originals = new Map<string, string>();
  const edited = new Map<string, string>();
  for (const [file, names] of namesByFile) {
    const text = await readBoundedText(path.resolve(options.cwd, file), 'manifest', 'a YAML manifest');
    const result = removeExceptions(text, names);
    if (!result.ok) {
      problems.push(`${file}: ${result.reason}`);
      continue;
    }
    const left = readWrittenExceptions(result.text, file);
    if (othersOf(text, file, names) !== othersOf(result.text, file, names) || !left.ok || left.exceptions.some((item) => names.has(item.name))) {
      problems.push(`${file}: removing ${[...names].join(', ')} would change more than them; edit it by hand`);
      continue;
    }
    originals.set(file, text);
    edited.set(file, result.text);
  }
  if (problems.length > 0) return { ok: false, problems };
  for (const [file, text] of edited) await writeFile(path.resolve(options.cwd, file), text, 'utf8');
  if (hasErrors((await validate()).findings)) {
    for (const [file, text] of originals) await writeFile(path.resolve(options.cwd, file), text, 'utf8');
    return { ok: false, problems: ['the manifests would not validate without them; every file was put back'] };
  }
  return { ok: true, removed: [...options.names], files: [...edited.keys()] };
}
