// cvex.config.yaml: repository-wide settings. Optional; flags override it.
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import Ajv from 'ajv';
import { isMap, isScalar, LineCounter, parseDocument } from 'yaml';
import configSchema from '../../schemas/config.schema.json';
import type { ExceptionReason } from '../model/exception';
import { isValidTimeZone } from '../model/dates';

export const DEFAULT_CONFIG_FILE = 'cvex.config.yaml';
export const DEFAULT_MANIFEST_GLOBS = ['policies/**/*.yaml', 'policies/**/*.yml'];

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
  /** Slug in the marker of the exceptions this repository creates. */
  owner?: string;
  /** `org/name` of the repository that keeps these exceptions. */
  repository?: string;
  timezone?: string;
  manifests?: string[];
  manage?: string[];
  platform?: string;
  apiUrl?: string;
  maxDeletes?: number;
  maxDeletePercent?: number;
  auditLog?: string;
  governance?: GovernanceRules;
}

/** A config file that cannot be used: the message carries file:line:column. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

let validateConfig: ReturnType<Ajv['compile']> | undefined;

/**
 * Reads `cvex.config.yaml` from `cwd` (or `explicitPath`). A missing default file is an empty
 * config, and so is a missing explicit one with `allowMissing` (a command about to write it);
 * otherwise a missing explicit file, bad YAML or a schema violation is a ConfigError.
 */
export async function loadConfig(cwd: string, explicitPath?: string, options: { allowMissing?: boolean } = {}): Promise<CvexConfig> {
  const file = path.resolve(cwd, explicitPath ?? DEFAULT_CONFIG_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((explicitPath === undefined || options.allowMissing) && (error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new ConfigError(`cannot read config ${explicitPath ?? DEFAULT_CONFIG_FILE}: ${(error as Error).message}`);
  }
  return parseConfig(text, path.relative(cwd, file) || file);
}

export function parseConfig(text: string, displayName: string): CvexConfig {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, uniqueKeys: true });
  const at = (offset: number | undefined) => {
    const { line, col } = lineCounter.linePos(offset ?? 0);
    return `${displayName}:${line}:${col}`;
  };
  if (document.errors.length > 0) {
    const [first] = document.errors;
    throw new ConfigError(`${at(first.pos[0])}: ${first.message.split('\n')[0]}`);
  }
  const value: unknown = document.toJS({ maxAliasCount: 100 }) ?? {};
  validateConfig ??= new Ajv({ allErrors: true, strict: true }).compile(configSchema);
  if (!validateConfig(value)) {
    const messages = (validateConfig.errors ?? []).map((error) => {
      const keys = error.instancePath.split('/').slice(1).map((key) => key.replace(/~1/g, '/').replace(/~0/g, '~'));
      const container = keys.length === 0 ? document.contents : document.getIn(keys, true);
      let offset = (container as { range?: [number] } | null)?.range?.[0];
      let extra = '';
      if (error.keyword === 'additionalProperties') {
        // Point at the unknown key itself, not at the mapping that holds it.
        const unknownKey = (error.params as { additionalProperty: string }).additionalProperty;
        extra = ` '${unknownKey}'`;
        const pair = isMap(container) ? container.items.find((item) => isScalar(item.key) && item.key.value === unknownKey) : undefined;
        offset = (pair?.key as { range?: [number] } | undefined)?.range?.[0] ?? offset;
      }
      return `${at(offset)}: ${error.instancePath || '(root)'} ${error.message}${extra}`;
    });
    throw new ConfigError(messages.join('\n'));
  }
  const config = value as CvexConfig;
  if (config.timezone !== undefined && !isValidTimeZone(config.timezone)) {
    throw new ConfigError(`${at((document.get('timezone', true) as { range?: [number] } | undefined)?.range?.[0])}: unknown time zone '${config.timezone}'`);
  }
  if (config.platform !== undefined && config.apiUrl !== undefined) {
    // Two targets in one file: which one wins would be a guess, and the wrong one is a real account.
    throw new ConfigError(`${at((document.get('apiUrl', true) as { range?: [number] } | undefined)?.range?.[0])}: set either platform or apiUrl, not both`);
  }
  if (config.governance?.namePattern !== undefined) {
    try {
      new RegExp(config.governance.namePattern);
    } catch (error) {
      throw new ConfigError(`${displayName}: governance.namePattern does not compile: ${(error as Error).message}`);
    }
  }
  return { ...config, file: displayName };
}
