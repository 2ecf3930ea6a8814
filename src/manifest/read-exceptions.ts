// A manifest's exceptions as written, defaults merged, without judging them: for reading old
// versions of a file from git history (which may not pass today's rules) and for edits in place.
// The same reader and the same defaults merge as validation uses.
import { SPEC_FIELDS } from '../model/exception';
import { isMapping, mergeManifestFile } from './merge';
import { parseYaml } from './parse-yaml';

export interface WrittenException {
  name: string;
  /** The create-API fields present after the defaults merge. */
  fields: Record<string, unknown>;
  metadata: Record<string, unknown>;
  /** 1-based line of the exception's mapping. */
  line: number;
}

export type ReadManifestResult = { ok: true; exceptions: WrittenException[] } | { ok: false; reason: string };

export function readWrittenExceptions(text: string, file: string): ReadManifestResult {
  const parsed = parseYaml(text, file);
  if (parsed.value === undefined) return { ok: false, reason: parsed.findings[0]?.message ?? 'not readable YAML' };
  if (parsed.value === null) return { ok: true, exceptions: [] };
  if (!isMapping(parsed.value)) return { ok: false, reason: 'not a manifest (the top level is not a mapping)' };
  const manifest = mergeManifestFile(file, parsed.value, parsed);
  const items = manifest.merged.exceptions;
  if (!Array.isArray(items)) return { ok: true, exceptions: [] };
  const exceptions: WrittenException[] = [];
  items.forEach((item, index) => {
    if (!isMapping(item) || typeof item.name !== 'string') return;
    const fields: Record<string, unknown> = {};
    for (const field of SPEC_FIELDS) if (item[field] !== undefined) fields[field] = item[field];
    exceptions.push({ name: item.name, fields, metadata: isMapping(item.metadata) ? item.metadata : {}, line: parsed.positionOf(['exceptions', index]).line });
  });
  return { ok: true, exceptions };
}
