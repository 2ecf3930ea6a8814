// `defaults` merged into every exception of a file (the exception's own value wins; `metadata`
// merges key by key), and positions that know where a merged field was written.
import type { Finding, Severity } from '../model/findings';
import type { ParsedYaml, PathSegment, Position } from './parse-yaml';

export type Mapping = Record<string, unknown>;

export function isMapping(value: unknown): value is Mapping {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** One parsed manifest whose top level is a mapping. */
export interface ManifestFile {
  file: string;
  /** The top-level mapping as written. */
  raw: Mapping;
  /** `raw` with defaults merged into each exception that is a mapping. */
  merged: Mapping;
  /** For a path inside a merged exception whose value came from `defaults`, the path in `defaults`. */
  defaultsPathOf(path: readonly PathSegment[]): PathSegment[] | undefined;
  /** Like ParsedYaml.positionOf, but a field that came from defaults points into `defaults`. */
  positionOf(path: readonly PathSegment[], key?: boolean): Position;
  finding(severity: Severity, rule: string, message: string, path: readonly PathSegment[], key?: boolean): Finding;
}

export function mergeManifestFile(file: string, raw: Mapping, parsed: ParsedYaml): ManifestFile {
  const defaults = isMapping(raw.defaults) ? raw.defaults : undefined;
  const items = raw.exceptions;
  let merged = raw;
  if (defaults && Array.isArray(items)) {
    merged = { ...raw, exceptions: items.map((item) => (isMapping(item) ? mergeDefaults(defaults, item) : item)) };
  }
  const defaultsPathOf = (path: readonly PathSegment[]): PathSegment[] | undefined => {
    const [top, index, field, subKey] = path;
    if (!defaults || top !== 'exceptions' || typeof index !== 'number' || typeof field !== 'string') return undefined;
    if (!Array.isArray(items) || !isMapping(items[index]) || !Object.hasOwn(defaults, field)) return undefined;
    const own = items[index] as Mapping;
    if (!Object.hasOwn(own, field)) return ['defaults', ...path.slice(2)];
    // metadata merges key by key: a key missing from the exception's own metadata came from defaults.
    if (field === 'metadata' && typeof subKey === 'string' && isMapping(own.metadata) && isMapping(defaults.metadata)) {
      if (!Object.hasOwn(own.metadata, subKey) && Object.hasOwn(defaults.metadata, subKey)) return ['defaults', ...path.slice(2)];
    }
    return undefined;
  };
  const positionOf = (path: readonly PathSegment[], key = false): Position =>
    parsed.positionOf(defaultsPathOf(path) ?? path, key);
  return {
    file,
    raw,
    merged,
    defaultsPathOf,
    positionOf,
    finding: (severity, rule, message, path, key) => ({
      severity,
      rule,
      message,
      file,
      ...positionOf(path, key),
      path: path.join('.'),
    }),
  };
}

function mergeDefaults(defaults: Mapping, exception: Mapping): Mapping {
  const merged: Mapping = { ...defaults, ...exception };
  if (isMapping(defaults.metadata) && isMapping(exception.metadata)) {
    merged.metadata = { ...defaults.metadata, ...exception.metadata };
  }
  return merged;
}
