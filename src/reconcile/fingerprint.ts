// A short, stable hash of what the create API would receive. Two specs that CloudView treats as
// the same exception (lists in another order, a trailing space, controls as strings) hash the same.
import { createHash } from 'node:crypto';
import type { ExceptionResource, ExceptionSpec } from '../model/exception';

/** Hex characters kept: 64 bits, plenty against accidental collisions within one subscription. */
export const FINGERPRINT_LENGTH = 16;

function sortedStrings(values: readonly string[] | undefined): string[] | undefined {
  if (values === undefined) return undefined;
  const unique = [...new Set(values.map((value) => value.trim()))].sort();
  return unique.length === 0 ? undefined : unique;
}

function sortedResources(resources: readonly ExceptionResource[] | undefined): ExceptionResource[] | undefined {
  if (resources === undefined || resources.length === 0) return undefined;
  const byKey = new Map<string, ExceptionResource>();
  for (const resource of resources) {
    const normalised: ExceptionResource = { resourceId: resource.resourceId.trim(), accountId: resource.accountId.trim() };
    const region = resource.region?.trim();
    if (region) normalised.region = region;
    byKey.set(JSON.stringify([normalised.accountId, normalised.resourceId, normalised.region ?? '']), normalised);
  }
  return [...byKey.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, resource]) => resource);
}

function optionalText(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

/** The spec in canonical form: empty lists and blank strings dropped, sets sorted, keys in a fixed order. */
export function normaliseSpec(spec: ExceptionSpec): ExceptionSpec {
  const normalised: ExceptionSpec = {
    name: spec.name.trim(),
    cloudType: spec.cloudType,
    exceptionScope: spec.exceptionScope,
    explanation: normaliseText(spec.explanation),
    exceptionReason: spec.exceptionReason,
    startDate: spec.startDate,
    endDate: spec.endDate,
    controlIds: [...new Set(spec.controlIds.map(Number))].sort((a, b) => a - b),
  };
  const resources = sortedResources(spec.resources);
  if (resources) normalised.resources = resources;
  // Key order follows SPEC_FIELDS; stableStringify sorts keys anyway, so the hash does not depend on it.
  for (const field of ['accountIds', 'resourceTagNames'] as const) {
    const values = sortedStrings(spec[field]);
    if (values) normalised[field] = values;
  }
  if (spec.isAllConnector !== undefined) normalised.isAllConnector = spec.isAllConnector === true;
  const connectorTagNames = sortedStrings(spec.connectorTagNames);
  if (connectorTagNames) normalised.connectorTagNames = connectorTagNames;
  for (const field of ['informationSecurityPolicy', 'informationSecurityProcedure'] as const) {
    const text = optionalText(spec[field]);
    if (text) normalised[field] = text;
  }
  return normalised;
}

/** Line endings unified and outer whitespace trimmed: servers and browsers both rewrite these. */
export function normaliseText(text: string): string {
  return text.replace(/\r\n?/g, '\n').trim();
}

/** JSON with object keys sorted, so the hash does not depend on property order. */
export function stableStringify(value: unknown): string {
  if (Array.isArray(value)) {
    let text = '[';
    for (let index = 0; index < value.length; index += 1) text += `${index > 0 ? ',' : ''}${stableStringify(value[index])}`;
    return `${text}]`;
  }
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record).sort();
    let text = '{';
    for (const key of keys) {
      if (record[key] === undefined) continue;
      text += `${text.length > 1 ? ',' : ''}${JSON.stringify(key)}:${stableStringify(record[key])}`;
    }
    return `${text}}`;
  }
  return JSON.stringify(value);
}

export function fingerprintSpec(spec: ExceptionSpec): string {
  return createHash('sha256').update(stableStringify(normaliseSpec(spec))).digest('hex').slice(0, FINGERPRINT_LENGTH);
}
