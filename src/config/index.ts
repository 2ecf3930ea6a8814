// cvex.config.yaml: repository-wide settings. Optional; flags override it.
import { stat } from 'node:fs/promises';
import * as path from 'node:path';
import { FileReadError, readBoundedText } from '../files/read-bounded';
import { WorkingFolderError } from '../files/repository-paths';
import type { ManifestPattern } from '../manifest/load-files';
import { parseYaml, type PathSegment } from '../manifest/parse-yaml';
import type { ExceptionReason, SourceLocation } from '../model/exception';
import { isValidTimeZone } from '../model/dates';
import { validatorFor } from '../validators';

export const DEFAULT_CONFIG_FILE = 'cvex.config.yaml';
export const DEFAULT_MANIFEST_GLOBS = ['policies/**/*.yaml', 'policies/**/*.yml'];
/** The API's real limit is not documented; 1024 is a conservative guess the config can change. */
export const DEFAULT_MAX_EXPLANATION_LENGTH = 1024;

export interface GovernanceRules {
  maxDurationDays?: Partial<Record<ExceptionReason, number>>;
  requirePolicyFor?: ExceptionReason[];
  namePattern?: string;
  requiredMetadata?: string[];
}

export interface CvexConfig {
  /** Where the settings came from; undefined when no file exists. */
  file?: string;
  version?: 1;
  /** Owner slug stamped into every marker (src/reconcile/marker.ts). */
  owner?: string;
  /** `org/name` of the repository this config belongs to. */
  repository?: string;
  /** Ed25519 public keys, `ed25519:<base64url>`: markers must be signed by one of them. */
  markerKeys?: string[];
  /** Owners whose exceptions this repository re-stamps by replace. */
  takeOverFrom?: string[];
  /** Longest explanation the API accepts, marker included (default DEFAULT_MAX_EXPLANATION_LENGTH). */
  maxExplanationLength?: number;
  timezone?: string;
  manifests?: string[];
  manage?: string[];
  platform?: string;
  apiUrl?: string;
  maxDeletes?: number;
  maxDeletePercent?: number;
  auditLog?: string;
  /** Calls a replace keeps in reserve in the rate-limit window (default 5). */
  replaceReserve?: number;
  governance?: GovernanceRules;
  /**
   * Where keys findings may point at were written: `manifests`, `manifests.<i>`,
   * `governance.namePattern`. Only in a config read from a file.
   */
  locations?: Record<string, SourceLocation>;
}

/** A config file that cannot be used: the message carries file:line:column. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * Reads `cvex.config.yaml` from `cwd` (or `explicitPath`) through the bounded reader (a regular file
 * of at most 1 MiB). A missing default file is an empty config, and so is a missing explicit one
 * with `allowMissing` (a command about to write it); otherwise a missing explicit file, a file cvex
 * refuses to read, bad YAML or a schema violation is a ConfigError.
 */
export async function loadConfig(cwd: string, explicitPath?: string, options: { allowMissing?: boolean } = {}): Promise<CvexConfig> {
  const file = path.resolve(cwd, explicitPath ?? DEFAULT_CONFIG_FILE);
  const shown = explicitPath ?? DEFAULT_CONFIG_FILE;
  let text: string;
  try {
    text = await readBoundedText(file, 'config', 'a YAML config');
  } catch (error) {
    if (!(error instanceof FileReadError)) throw error;
    if (error.reason === 'missing') {
      // No config because the folder itself is gone: say that, not "no manifests".
      if (!(await stat(cwd).catch(() => undefined))) throw new WorkingFolderError();
      if (explicitPath === undefined || options.allowMissing) return {};
    }
    throw new ConfigError(`cannot read config ${shown}: ${error.message}`);
  }
  return parseConfig(text, path.relative(cwd, file) || file);
}

/**
 * Reads the config's text with the manifests' YAML reader (src/manifest/parse-yaml.ts): the same
 * YAML 1.2 core schema, duplicate keys, bounded aliases and exact numbers, each reported at
 * `file:line:column`.
 */
export function parseConfig(text: string, displayName: string): CvexConfig {
  const parsed = parseYaml(text, displayName);
  const at = (keys: readonly PathSegment[], key = false): string => {
    const { line, column } = parsed.positionOf(keys, key);
    return `${displayName}:${line}:${column}`;
  };
  const yamlErrors = parsed.findings.filter((finding) => finding.severity === 'error');
  if (yamlErrors.length > 0) {
    throw new ConfigError(yamlErrors.map((finding) => `${displayName}:${finding.line}:${finding.column}: ${finding.message}`).join('\n'));
  }
  const value: unknown = parsed.value ?? {};
  const validateConfig = validatorFor('config');
  if (!validateConfig(value)) {
    const errors = validateConfig.errors ?? [];
    // An empty string fails minLength and the not-blank pattern: one message is enough.
    const emptyAt = new Set(errors.filter((error) => error.keyword === 'minLength').map((error) => error.instancePath));
    const messages = errors.filter((error) => !(error.keyword === 'pattern' && emptyAt.has(error.instancePath))).map((error) => {
      const keys: PathSegment[] = error.instancePath.split('/').slice(1).map((key) => key.replace(/~1/g, '/').replace(/~0/g, '~'));
      if (error.keyword === 'additionalProperties') {
        // Point at the unknown key itself, not at the mapping that holds it.
        const unknownKey = (error.params as { additionalProperty: string }).additionalProperty;
        return `${at([...keys, unknownKey], true)}: ${error.instancePath || '(root)'} ${error.message} '${unknownKey}'`;
      }
      const message = error.keyword === 'pattern' && (error.params as { pattern: string }).pattern === '\\S' ? 'must not be blank' : error.message;
      return `${at(keys)}: ${error.instancePath || '(root)'} ${message}`;
    });
    throw new ConfigError(messages.join('\n'));
  }
  const config = value as CvexConfig;
  if (config.timezone !== undefined && !isValidTimeZone(config.timezone)) {
    throw new ConfigError(`${at(['timezone'])}: unknown time zone '${config.timezone}'`);
  }
  if (config.platform !== undefined && config.apiUrl !== undefined) {
    // Two targets in one file: which one wins would be a guess, and the wrong one is a real account.
    throw new ConfigError(`${at(['apiUrl'])}: set either platform or apiUrl, not both`);
  }
  for (const [index, key] of (config.markerKeys ?? []).entries()) {
    // The pattern allows 43 base64url characters; the last one must leave exactly 32 bytes.
    const encoded = key.slice('ed25519:'.length);
    if (Buffer.from(encoded, 'base64url').toString('base64url') !== encoded) {
      throw new ConfigError(`${at(['markerKeys', index])}: markerKeys[${index}] is not a 32-byte Ed25519 public key`);
    }
  }
  if (config.governance?.namePattern !== undefined) {
    try {
      new RegExp(config.governance.namePattern);
    } catch (error) {
      throw new ConfigError(`${at(['governance', 'namePattern'])}: governance.namePattern does not compile: ${(error as Error).message}`);
    }
  }
  const locations: Record<string, SourceLocation> = {};
  const locate = (keys: readonly PathSegment[], key = false): void => {
    locations[keys.join('.')] = { file: displayName, ...parsed.positionOf(keys, key) };
  };
  if (config.manifests) {
    locate(['manifests'], true);
    config.manifests.forEach((_pattern, index) => locate(['manifests', index]));
  }
  if (config.governance?.namePattern !== undefined) locate(['governance', 'namePattern']);
  return { ...config, file: displayName, locations };
}

/** The config's `manifests` globs, each with the line it was written at; [] when it has none. */
export function configuredManifests(config: CvexConfig): ManifestPattern[] {
  return (config.manifests ?? []).map((pattern, index) => {
    const location = config.locations?.[`manifests.${index}`];
    return location ? { pattern, source: { ...location, path: `manifests.${index}` } } : { pattern };
  });
}
