// JSON Schema check of one manifest (schemas/exception-manifest.schema.json, ajv in strict mode,
// compiled at build time: src/validators) and the mapping of ajv's errors to findings with a rule
// code, a dotted path and the line and column of the offending node.
import * as path from 'node:path';
import type { ErrorObject, ValidateFunction } from 'ajv';
import type { Finding } from '../model/findings';
import { isMapping, type ManifestFile } from './merge';
import type { PathSegment } from './parse-yaml';
import { closest } from '../model/closest';
import { readSchema, validatorFor } from '../validators';

/** Both src/manifest (ts-node, vitest) and dist/manifest (built) sit two levels below the repository. */
export const MANIFEST_SCHEMA_PATH = path.resolve(__dirname, '..', '..', 'schemas', 'exception-manifest.schema.json');

/** The schema's rule for text that is not blank once trimmed (definitions.nonEmptyString). */
const BLANK_PATTERN = '\\S';

export function loadManifestSchema(): Record<string, unknown> {
  return readSchema('manifest');
}

/** The validator, shared by every file of every run (standalone code from the build, else compiled on first use). */
export function manifestValidator(): ValidateFunction {
  return validatorFor('manifest');
}

export interface SchemaCheck {
  findings: Finding[];
  /** Indices of `exceptions` items that failed the schema (a defaults error fails every item). */
  invalidExceptions: Set<number>;
  /** Indices of `applyTags` items that failed the schema. */
  invalidApplyTags: Set<number>;
}

export function checkSchema(manifest: ManifestFile): SchemaCheck {
  const validate = manifestValidator();
  const result: SchemaCheck = { findings: [], invalidExceptions: new Set(), invalidApplyTags: new Set() };
  const data: unknown = manifest.merged;
  if (validate(data)) return result;
  let defaultsInvalid = false;
  for (const error of validate.errors ?? []) {
    const finding = toFinding(error, manifest);
    if (!finding) continue;
    result.findings.push(finding);
    const [top, index] = finding.path.split('.');
    if (top === 'defaults') defaultsInvalid = true;
    if (top === 'exceptions' && index !== undefined) result.invalidExceptions.add(Number(index));
    if (top === 'applyTags' && index !== undefined) result.invalidApplyTags.add(Number(index));
  }
  const items = manifest.merged.exceptions;
  if (defaultsInvalid && Array.isArray(items)) items.forEach((_item, index) => result.invalidExceptions.add(index));
  return result;
}

function toFinding(error: ErrorObject, manifest: ManifestFile): Finding | undefined {
  const base = instancePathSegments(error.instancePath, manifest.merged);
  // Scope rules are the exception definition's allOf if/then branches (schemaPath restarts at a $ref),
  // and, for the fields a scope needs, an if/then on the items inside a top-level else (defaults may
  // provide them); the rest of the top-level allOf is if/else, for fields that defaults may provide.
  const scopeRule = /^#\/allOf\/\d+\/(?:else\/properties\/exceptions\/items\/)?then\//.test(error.schemaPath);
  if (error.keyword === 'if') return undefined;
  // The if/else rules repeat `type` only because strict mode asks for it; the main schema reports wrong types.
  if (error.keyword === 'type' && /^#\/allOf\/\d+\/else\//.test(error.schemaPath)) return undefined;
  if (scopeRule) return scopeFinding(error, base, manifest);

  const params = error.params as Record<string, unknown>;
  let target: PathSegment[] = base;
  let atKey = false;
  let anchor: PathSegment[] = base;
  let message: string;
  let rule = `schema.${error.keyword}`;
  const label = fieldLabel(base);
  switch (error.keyword) {
    case 'required':
      target = [...base, String(params.missingProperty)];
      message = `missing required field \`${String(params.missingProperty)}\``;
      break;
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      target = anchor = [...base, key];
      atKey = true;
      const known = isMapping(error.parentSchema?.properties) ? Object.keys(error.parentSchema.properties) : [];
      const suggestion = closest(key, known);
      message = `unknown field \`${key}\`${suggestion ? ` (did you mean \`${suggestion}\`?)` : ''}`;
      break;
    }
    case 'type':
      message = typeMessage(label, String(params.type), error.data, base);
      break;
    case 'enum':
      message = `\`${label}\` must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}; got ${describe(error.data)}`;
      break;
    case 'const':
      message = `\`${label}\` must be ${JSON.stringify(params.allowedValue)}; got ${describe(error.data)}`;
      break;
    case 'pattern':
      if (params.pattern === BLANK_PATTERN) {
        // An empty string is minLength's finding; this one is for text made only of spaces.
        if (error.data === '') return undefined;
        rule = 'schema.blank';
        message = `\`${label}\` must not be blank (only whitespace); got ${describe(error.data)}`;
        break;
      }
      message = `\`${label}\` must be a date written YYYY-MM-DD; got ${describe(error.data)}`;
      break;
    case 'minItems':
      message = `\`${label}\` must not be empty`;
      break;
    case 'minLength':
      message = `\`${label}\` must not be an empty string`;
      break;
    case 'minimum':
      message = `\`${label}\` must be a positive integer; got ${describe(error.data)}`;
      break;
    case 'maximum':
      message = `\`${label}\` must be at most ${String(params.limit)} (control ids are Java ints); got ${describe(error.data)}`;
      break;
    case 'uniqueItems': {
      const later = Math.max(Number(params.i), Number(params.j));
      const earlier = Math.min(Number(params.i), Number(params.j));
      target = anchor = [...base, later];
      const item = (error.data as unknown[])[later];
      const shown = isMapping(item) && typeof item.resourceId === 'string' ? `resource ${JSON.stringify(item.resourceId)}` : describe(item);
      message = `\`${label}\` lists ${shown} twice (items ${earlier} and ${later})`;
      break;
    }
    default:
      message = `\`${label}\` ${error.message ?? 'is invalid'}`;
  }
  // An intrinsic error in a value that came from defaults is reported once, by the check of `defaults` itself.
  if (target[0] === 'exceptions' && manifest.defaultsPathOf(anchor)) return undefined;
  // The path names the field at fault; the position is the nearest node that exists (a missing
  // field's mapping, an unknown field's key, a repeated item).
  return { ...manifest.finding('error', rule, message, target), ...manifest.positionOf(anchor, atKey) };
}

function scopeFinding(error: ErrorObject, base: PathSegment[], manifest: ManifestFile): Finding | undefined {
  // A forbidden field's error sits on the field itself; the other scope errors on the exception.
  const exceptionPath = error.keyword === 'false schema' ? base.slice(0, -1) : base;
  const exception = valueAt(manifest.merged, exceptionPath);
  const scope = isMapping(exception) ? String(exception.exceptionScope) : '?';
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'false schema') {
    const field = String(base[base.length - 1]);
    const allConnectors = scope === 'QUALYSTAG' && isMapping(exception) && exception.isAllConnector === true;
    const why = allConnectors && (field === 'accountIds' || field === 'connectorTagNames')
      ? `\`${field}\` does not apply to a QUALYSTAG exception with isAllConnector: true (it already covers every connector)`
      : `\`${field}\` does not apply to ${scope} exceptions`;
    return manifest.finding('error', 'schema.scope', why, base, true);
  }
  if (error.keyword === 'required' && !error.schemaPath.includes('/anyOf/')) {
    const field = String(params.missingProperty);
    const finding = manifest.finding('error', 'schema.scope', `a ${scope} exception needs \`${field}\``, [...exceptionPath, field]);
    return { ...finding, ...manifest.positionOf([...exceptionPath, 'exceptionScope']) };
  }
  if (error.keyword === 'anyOf') {
    const finding = manifest.finding(
      'error',
      'schema.scope',
      'a QUALYSTAG exception with isAllConnector: false needs `accountIds` or `connectorTagNames`',
      [...exceptionPath, 'accountIds'],
    );
    return { ...finding, ...manifest.positionOf([...exceptionPath, 'isAllConnector']) };
  }
  return undefined;
}

/** `/exceptions/2/endDate` → ['exceptions', 2, 'endDate'], numbers where the data is a list. */
function instancePathSegments(pointer: string, data: unknown): PathSegment[] {
  if (pointer === '') return [];
  const segments: PathSegment[] = [];
  let current = data;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(current)) {
      const index = Number(key);
      segments.push(index);
      current = current[index];
    } else {
      segments.push(key);
      current = isMapping(current) ? current[key] : undefined;
    }
  }
  return segments;
}

function valueAt(data: unknown, segments: readonly PathSegment[]): unknown {
  let current = data;
  for (const segment of segments) {
    if (Array.isArray(current) && typeof segment === 'number') current = current[segment];
    else if (isMapping(current)) current = current[String(segment)];
    else return undefined;
  }
  return current;
}

/** The last named segment, with list positions after it: `controlIds[2]`. */
function fieldLabel(segments: readonly PathSegment[]): string {
  let index = segments.length - 1;
  let suffix = '';
  while (index >= 0 && typeof segments[index] === 'number') {
    suffix = `[${segments[index]}]${suffix}`;
    index -= 1;
  }
  if (index < 0) return suffix ? `item ${suffix}` : 'manifest';
  return `${segments[index]}${suffix}`;
}

function typeMessage(label: string, expected: string, data: unknown, segments: readonly PathSegment[]): string {
  const kind = expected === 'object' ? 'mapping' : expected === 'array' ? 'list' : expected;
  const article = /^[aeiou]/.test(kind) ? 'an' : 'a';
  let hint = '';
  if (expected === 'boolean' && typeof data === 'string' && /^(true|false|yes|no|on|off)$/i.test(data)) {
    hint = ' (write true or false without quotes)';
  } else if (expected === 'string' && (typeof data === 'number' || typeof data === 'boolean')) {
    hint = ` (quote it: "${String(data)}")`;
  } else if (expected === 'integer' && typeof data === 'string' && /^\d+$/.test(data)) {
    hint = ' (write it without quotes)';
  }
  const inMetadata = segments.length >= 2 && segments[segments.length - 2] === 'metadata';
  const subject = inMetadata ? `metadata value \`${label}\`` : `\`${label}\``;
  return `${subject} must be ${article} ${kind}; got ${describe(data)}${hint}`;
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return 'nothing (null)';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
