// The manifest step: find files, read YAML with positions, merge defaults, check the JSON Schema,
// then the semantic rules. Every problem of every file is a Finding; nothing is thrown for bad input.
import { SPEC_FIELDS, type ApplyTagsRule, type ExceptionSpec, type LoadedManifests, type ManifestException } from '../model/exception';
import { localDateOf } from '../model/dates';
import type { Finding } from '../model/findings';
import { fileFinding, findManifestFiles, readManifestText, type ManifestPattern, type SourceText } from './load-files';
import { isMapping, mergeManifestFile, type ManifestFile, type Mapping } from './merge';
import { parseYaml } from './parse-yaml';
import { checkSchema, type SchemaCheck } from './schema';
import { checkDuplicateNames, checkFileSemantics, checkOverlaps, type CheckedException } from './semantic';

export { DEFAULT_MANIFEST_GLOBS, MAX_MANIFEST_BYTES, type ManifestPattern } from './load-files';
export { MANIFEST_SCHEMA_PATH } from './schema';

export interface ValidationResult {
  manifests: LoadedManifests;
  /** Errors and warnings, every file, sorted by file, line, column. */
  findings: Finding[];
  fileCount: number;
  exceptionCount: number;
}

export interface ValidateOptions {
  cwd: string;
  /** Clock for the expired-endDate warning; default the real clock. */
  now?: Date;
  /** The subscription's IANA time zone, which decides what "today" is. Default UTC. */
  timeZone?: string;
}

/** Exceptions one manifest file may hold (see loadAndValidate); the bench's files hold 100. */
export const MAX_EXCEPTIONS_PER_FILE = 5_000;

/** push(...items) overflows the call stack past ~100,000 items: a file full of errors has that many. */
function append<T>(target: T[], items: readonly T[]): void {
  for (const item of items) target.push(item);
}

/** Files open at once while reading: thousands of manifests must not run out of file descriptors. */
const READS_IN_FLIGHT = 16;

async function readAll(files: readonly string[], cwd: string): Promise<SourceText[]> {
  const sources: SourceText[] = new Array(files.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < files.length) {
      const index = next++;
      sources[index] = await readManifestText(files[index], cwd);
    }
  };
  await Promise.all(Array.from({ length: Math.min(READS_IN_FLIGHT, files.length) }, worker));
  return sources;
}

/**
 * paths: files, folders or globs relative to cwd (a ManifestPattern carries the config line it was
 * written at); [] means the default globs `policies/**\/*.{yaml,yml}`. No manifest at all is an error.
 * `manifests` holds the exceptions and applyTags rules that passed every per-file check; nothing may
 * reach the API unless `hasErrors(result.findings)` is false.
 */
export async function loadAndValidate(paths: ReadonlyArray<string | ManifestPattern>, options: ValidateOptions): Promise<ValidationResult> {
  const found = await findManifestFiles(paths, options.cwd);
  const findings: Finding[] = [...found.findings];
  const today = localDateOf(options.now ?? new Date(), options.timeZone ?? 'UTC');
  const sources = await readAll(found.files, options.cwd);

  const manifests: ManifestFile[] = [];
  /** Exceptions that passed every per-file rule: the input of the cross-file overlap check. */
  const candidates: CheckedException[] = [];
  const exceptions: ManifestException[] = [];
  const applyTags: ApplyTagsRule[] = [];
  const defaultsByFile: Record<string, unknown> = {};
  let exceptionCount = 0;

  for (const source of sources) {
    if ('finding' in source) {
      findings.push(source.finding);
      continue;
    }
    const parsed = parseYaml(source.text, source.file);
    append(findings, parsed.findings);
    if (parsed.value === undefined) continue;
    if (!isMapping(parsed.value)) {
      findings.push({ ...fileFinding('file.not-yaml', 'error', source.file, notAManifest(parsed.value)), ...parsed.positionOf([]) });
      continue;
    }
    const manifest = mergeManifestFile(source.file, parsed.value, parsed);
    const items = manifest.merged.exceptions;
    if (Array.isArray(items)) exceptionCount += items.length;
    if (Array.isArray(items) && items.length > MAX_EXCEPTIONS_PER_FILE) {
      // Schema errors grow with the items (ajv gathers them quadratically with allErrors): a file of
      // 100,000 `{}` would take minutes. A real manifest is far smaller, so refuse it outright.
      findings.push({
        ...fileFinding('file.too-many-exceptions', 'error', source.file, `${items.length} exceptions in one file; a manifest holds at most ${MAX_EXCEPTIONS_PER_FILE} (split it into several files)`),
        ...manifest.positionOf(['exceptions'], true),
        path: 'exceptions',
      });
      continue;
    }
    manifests.push(manifest);
    if (manifest.raw.defaults !== undefined) defaultsByFile[manifest.file] = manifest.raw.defaults;

    const checked = checkManifestFile(manifest, today);
    // A number read inexactly is reported once, as such: not again as the rounded value the schema saw.
    const inexact = new Set(parsed.findings.filter((finding) => finding.rule === 'yaml.number-precision').map((finding) => finding.path));
    append(findings, inexact.size === 0 ? checked.findings : checked.findings.filter((finding) => !inexact.has(finding.path)));
    if (Array.isArray(items)) {
      items.forEach((item, index) => {
        if (checked.invalidExceptions.has(index) || !isMapping(item)) return;
        const spec = toSpec(item);
        candidates.push({ spec, manifest, index });
        const fieldLocations: ManifestException['fieldLocations'] = {};
        for (const field of [...SPEC_FIELDS, 'metadata'] as const) {
          if (item[field] !== undefined) fieldLocations[field] = { file: manifest.file, ...manifest.positionOf(['exceptions', index, field], true) };
        }
        exceptions.push({
          spec,
          metadata: isMapping(item.metadata) ? (item.metadata as Record<string, string>) : {},
          location: { file: manifest.file, ...manifest.positionOf(['exceptions', index]) },
          path: `exceptions.${index}`,
          fieldLocations,
        });
      });
    }
    const rules = manifest.raw.applyTags;
    if (Array.isArray(rules)) {
      rules.forEach((rule, index) => {
        if (checked.invalidApplyTags.has(index) || !isMapping(rule)) return;
        applyTags.push({
          cloudType: rule.cloudType as ApplyTagsRule['cloudType'],
          regex: rule.regex as string,
          tagNames: rule.tagNames as string[],
          location: { file: manifest.file, ...manifest.positionOf(['applyTags', index]) },
        });
      });
    }
  }

  append(findings, checkDuplicateNames(manifests));
  append(findings, checkOverlaps(candidates));
  return {
    manifests: { files: found.files, exceptions, applyTags, defaultsByFile },
    findings: sortFindings(findings),
    fileCount: found.files.length,
    exceptionCount,
  };
}

/** Schema and per-file semantic rules; which items failed them (an error in defaults fails them all). */
function checkManifestFile(manifest: ManifestFile, today: string): SchemaCheck {
  const schema = checkSchema(manifest);
  const semantic = checkFileSemantics(manifest, today);
  const result: SchemaCheck = { ...schema, findings: [...schema.findings, ...semantic] };
  const items = manifest.merged.exceptions;
  for (const finding of semantic) {
    if (finding.severity !== 'error') continue;
    const [top, index] = finding.path.split('.');
    if (top === 'defaults' && Array.isArray(items)) items.forEach((_item, i) => result.invalidExceptions.add(i));
    if (top === 'exceptions') result.invalidExceptions.add(Number(index));
    if (top === 'applyTags') result.invalidApplyTags.add(Number(index));
  }
  return result;
}

/** The API fields of a schema-valid exception, in a fixed order (metadata left out). */
function toSpec(item: Mapping): ExceptionSpec {
  const spec: Record<string, unknown> = {};
  for (const field of SPEC_FIELDS) {
    if (item[field] !== undefined) spec[field] = item[field];
  }
  return spec as unknown as ExceptionSpec;
}

function notAManifest(value: unknown): string {
  const found = value === null ? 'an empty document' : Array.isArray(value) ? 'a list (a JSON array?)' : `a single ${typeof value}`;
  return `not a manifest: the top level is ${found}; a manifest is a YAML mapping with an \`exceptions\` list`;
}

export function sortFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort(
    (a, b) =>
      (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) ||
      a.line - b.line ||
      a.column - b.column ||
      (a.severity === b.severity ? 0 : a.severity === 'error' ? -1 : 1) ||
      (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0),
  );
}
