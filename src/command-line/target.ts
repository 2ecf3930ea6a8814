// The flags every command that talks to CloudView shares (plan, apply, import, tag, report, ...).
// Spread `TARGET_FLAGS` into the command's own flags, then call `resolveTarget`.
// Credentials come from the environment only: a flag would end up in shell history and `ps`.
import * as path from 'node:path';
import type { CloudViewClientOptions } from '../api/client';
import { PLATFORMS, TargetError, normaliseApiUrl, platformBaseUrl } from '../api/platforms';
import { FileReadError, readBoundedSync } from '../files/read-bounded';
import { isValidTimeZone } from '../model/dates';
import type { FlagSpecs } from './define';
import { UsageError } from './io';

/** The target flags, listed under "Target" in every such command's help. */
export const TARGET_FLAGS = {
  platform: { type: 'string', value: 'ID', section: 'Target', description: `Qualys platform: ${Object.keys(PLATFORMS).join(', ')}` },
  'api-url': { type: 'string', value: 'URL', section: 'Target', description: 'platform origin, e.g. https://qualysguard.qualys.com (env QUALYS_API_URL)' },
  'ca-file': { type: 'string', value: 'FILE', section: 'Target', description: 'PEM CA bundle to trust (private-cloud platforms); TLS is always verified' },
  timezone: { type: 'string', value: 'ZONE', section: 'Target', description: "the subscription's IANA time zone (config timezone; default UTC)" },
  concurrency: { type: 'string', value: 'N', section: 'Target', description: 'calls in flight at once (default 2)' },
  timeout: { type: 'string', value: 'DURATION', section: 'Target', description: 'per request: seconds, or with a unit (500ms, 30s, 2m); default 30s' },
} as const satisfies FlagSpecs;

/** The values parsing gives for `TARGET_FLAGS` (a command's `values` object fits). */
export type TargetValues = { [K in keyof typeof TARGET_FLAGS]?: string | boolean | (string | boolean)[] };

/** Where credentials come from, said once in every such command's help. */
export const CREDENTIALS_EPILOG = 'Credentials: env QUALYS_USERNAME and QUALYS_PASSWORD (never a flag).';

export const TARGET_ENV = {
  apiUrl: 'QUALYS_API_URL',
  username: 'QUALYS_USERNAME',
  password: 'QUALYS_PASSWORD',
} as const satisfies Record<string, string>;

export const TARGET_DEFAULTS = {
  timeZone: 'UTC',
  concurrency: 2,
  timeoutMs: 30_000,
  maxConcurrency: 16,
  maxTimeoutMs: 86_400_000,
} as const satisfies Record<string, string | number>;

export interface ResolvedTarget {
  client: CloudViewClientOptions;
  timeZone: string;
  /** `--platform` as given (upper case), when used. */
  platform?: string;
}

export interface ResolveTargetContext {
  /** Base for a relative --ca-file. Default process.cwd(). */
  cwd?: string;
  readFile?: (file: string) => Buffer;
}

function single(values: TargetValues, name: keyof typeof TARGET_FLAGS): string | undefined {
  const value = values[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new UsageError(`--${name} takes a value`);
  if (value.trim() === '') throw new UsageError(`--${name} must not be empty`);
  return value.trim();
}

/** `30` (seconds), `30s`, `500ms`, `2m` → ms. */
export function parseDuration(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m)?$/.exec(text.trim());
  if (!match) return undefined;
  const ms = Number(match[1]) * { ms: 1, s: 1000, m: 60_000 }[(match[2] ?? 's') as 'ms' | 's' | 'm'];
  return Number.isFinite(ms) && ms >= 1 ? Math.round(ms) : undefined;
}

export function resolveTarget(values: TargetValues, env: NodeJS.ProcessEnv, context: ResolveTargetContext = {}): ResolvedTarget {
  const platform = single(values, 'platform');
  const apiUrlFlag = single(values, 'api-url');
  if (platform !== undefined && apiUrlFlag !== undefined) throw new UsageError('pass either --platform or --api-url, not both');
  const envUrl = env[TARGET_ENV.apiUrl]?.trim() || undefined;

  let baseUrl: string;
  try {
    if (platform !== undefined) baseUrl = platformBaseUrl(platform);
    else if (apiUrlFlag !== undefined) baseUrl = normaliseApiUrl(apiUrlFlag);
    else if (envUrl !== undefined) baseUrl = normaliseApiUrl(envUrl);
    else {
      throw new UsageError(
        `no CloudView target: pass --platform (${Object.keys(PLATFORMS).join(', ')}) or --api-url URL, or set ${TARGET_ENV.apiUrl}`,
      );
    }
  } catch (error) {
    if (error instanceof TargetError) {
      const source = platform !== undefined ? '--platform' : apiUrlFlag !== undefined ? '--api-url' : TARGET_ENV.apiUrl;
      throw new UsageError(`${source}: ${error.message}`);
    }
    throw error;
  }

  const username = env[TARGET_ENV.username];
  const password = env[TARGET_ENV.password];
  const missing = [
    ...(username === undefined || username === '' ? [TARGET_ENV.username] : []),
    ...(password === undefined || password === '' ? [TARGET_ENV.password] : []),
  ];
  if (missing.length > 0) {
    throw new UsageError(
      `missing credentials: set ${missing.join(' and ')} in the environment (credentials are read from ${TARGET_ENV.username} / ${TARGET_ENV.password} only, never from flags)`,
    );
  }

  const timeZone = single(values, 'timezone') ?? TARGET_DEFAULTS.timeZone;
  if (!isValidTimeZone(timeZone)) throw new UsageError(`--timezone: '${timeZone}' is not an IANA time zone (e.g. UTC, Europe/Paris, Asia/Kolkata)`);

  const concurrencyText = single(values, 'concurrency');
  let concurrency: number = TARGET_DEFAULTS.concurrency;
  if (concurrencyText !== undefined) {
    concurrency = /^\d+$/.test(concurrencyText) ? Number(concurrencyText) : NaN;
    if (!(concurrency >= 1 && concurrency <= TARGET_DEFAULTS.maxConcurrency)) {
      throw new UsageError(`--concurrency: expected a whole number from 1 to ${TARGET_DEFAULTS.maxConcurrency}, got '${concurrencyText}'`);
    }
  }

  const timeoutText = single(values, 'timeout');
  let timeoutMs: number = TARGET_DEFAULTS.timeoutMs;
  if (timeoutText !== undefined) {
    const parsed = parseDuration(timeoutText);
    if (parsed === undefined) throw new UsageError(`--timeout: expected seconds or a duration such as 500ms, 30s, 2m; got '${timeoutText}'`);
    if (parsed > TARGET_DEFAULTS.maxTimeoutMs) throw new UsageError(`--timeout: at most 24 hours (1440m); got '${timeoutText}'`);
    timeoutMs = parsed;
  }

  const caFile = single(values, 'ca-file');
  let ca: Buffer | undefined;
  if (caFile !== undefined) {
    const file = path.resolve(context.cwd ?? process.cwd(), caFile);
    try {
      // A regular file of at most 1 MiB: `--ca-file /dev/zero` or a FIFO is refused, not read forever.
      ca = (context.readFile ?? ((name: string) => readBoundedSync(name, 'caBundle')))(file);
    } catch (error) {
      if (error instanceof FileReadError) throw new UsageError(`--ca-file: cannot read ${caFile}: ${error.message}`);
      const code = (error as { code?: string }).code;
      throw new UsageError(`--ca-file: cannot read ${caFile}${code ? ` (${code})` : ''}`);
    }
    if (!ca.toString('utf8').includes('-----BEGIN CERTIFICATE-----')) {
      throw new UsageError(`--ca-file: ${caFile} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`);
    }
  }

  return {
    client: { baseUrl, username: username as string, password: password as string, concurrency, timeoutMs, ...(ca ? { ca } : {}) },
    timeZone,
    ...(platform !== undefined ? { platform: platform.toUpperCase() } : {}),
  };
}
