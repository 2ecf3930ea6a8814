// Where a command that talks to CloudView gets its settings: flags beat the environment, which
// beats cvex.config.yaml. One function, so plan, apply, import, tag and report agree.
import { loadConfig, type CvexConfig } from '../config';
import type { CliIo } from './io';
import { TARGET_ENV, resolveTarget, type ResolvedTarget, type TargetValues } from './target';

export interface ConfiguredTarget {
  config: CvexConfig;
  target: ResolvedTarget;
}

export async function resolveConfiguredTarget(
  values: TargetValues & { config?: string | boolean },
  io: CliIo,
  options: { configMayBeMissing?: boolean } = {},
): Promise<ConfiguredTarget> {
  const config = await loadConfig(io.cwd, typeof values.config === 'string' ? values.config : undefined, { allowMissing: options.configMayBeMissing });
  const merged: { -readonly [K in keyof TargetValues]: TargetValues[K] } = { ...values };
  if (values.platform === undefined && values['api-url'] === undefined && !io.env[TARGET_ENV.apiUrl]?.trim()) {
    if (config.platform !== undefined) merged.platform = config.platform;
    else if (config.apiUrl !== undefined) merged['api-url'] = config.apiUrl;
  }
  if (values.timezone === undefined && config.timezone !== undefined) merged.timezone = config.timezone;
  return { config, target: resolveTarget(merged, io.env, { cwd: io.cwd }) };
}
