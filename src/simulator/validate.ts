// Create-body validation as CloudView applies it: required fields, enums, real dates, scope rules,
// control ids the subscription knows. Errors are 400 `{errorCode, message}` (docs/architecture.md, the wire).
import { isCalendarDate } from '../model/dates';
import {
  CLOUD_TYPES,
  type CloudType,
  EXCEPTION_REASONS,
  EXCEPTION_SCOPES,
  type ExceptionResource,
  type ExceptionSpec,
} from '../model/exception';

export type ValidationCode = 'MISSING_FIELD' | 'INVALID_VALUE' | 'INVALID_CONTROL' | 'INVALID_ACCOUNT' | 'DUPLICATE_NAME';

export class SimulatorValidationError extends Error {
  override name = 'SimulatorValidationError';
  constructor(
    readonly errorCode: ValidationCode,
    message: string,
  ) {
    super(message);
  }
}

/** What validation needs to know of the seeded subscription. */
export interface Catalog {
  hasControl(cloud: CloudType, controlId: number): boolean;
  hasAccount(cloud: CloudType, accountId: string): boolean;
}

const fail = (code: ValidationCode, message: string): never => {
  throw new SimulatorValidationError(code, message);
};

function present(body: Record<string, unknown>, key: string): boolean {
  return body[key] !== undefined && body[key] !== null;
}

function requiredString(body: Record<string, unknown>, key: string): string {
  if (!present(body, key)) fail('MISSING_FIELD', `${key} is required`);
  const value = body[key];
  if (typeof value !== 'string') return fail('INVALID_VALUE', `${key} must be a string`);
  if (value.trim() === '') fail('MISSING_FIELD', `${key} must not be blank`);
  return value;
}

function optionalString(body: Record<string, unknown>, key: string): string | undefined {
  if (!present(body, key)) return undefined;
  if (typeof body[key] !== 'string') fail('INVALID_VALUE', `${key} must be a string`);
  return body[key] as string;
}

function oneOf<T extends string>(body: Record<string, unknown>, key: string, allowed: readonly T[]): T {
  const value = requiredString(body, key);
  if (!(allowed as readonly string[]).includes(value)) fail('INVALID_VALUE', `${key} must be one of ${allowed.join(', ')}; got ${JSON.stringify(value)}`);
  return value as T;
}

function stringList(body: Record<string, unknown>, key: string): string[] | undefined {
  if (!present(body, key)) return undefined;
  const value = body[key];
  if (!Array.isArray(value)) return fail('INVALID_VALUE', `${key} must be an array of strings`);
  return value.map((item, index) => {
    if (typeof item !== 'string' || item.trim() === '') fail('INVALID_VALUE', `${key}[${index}] must be a non-blank string`);
    return item as string;
  });
}

function isAllConnectorOf(value: unknown): boolean {
  // The sample sends the string "False"; Jackson-style leniency accepts booleans too.
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string' && /^(true|false)$/i.test(value)) return value.toLowerCase() === 'true';
  return fail('INVALID_VALUE', `isAllConnector must be "true" or "false"; got ${JSON.stringify(value)}`);
}

/** Checks a create body (already JSON-parsed) and returns it as a normalised spec. Throws SimulatorValidationError. */
export function validateCreateBody(raw: unknown, catalog: Catalog): ExceptionSpec {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return fail('INVALID_VALUE', 'the request body must be a JSON object');
  const body = raw as Record<string, unknown>;
  const cloudType = oneOf(body, 'cloudType', CLOUD_TYPES);
  const exceptionScope = oneOf(body, 'exceptionScope', EXCEPTION_SCOPES);
  const name = requiredString(body, 'name');
  const explanation = requiredString(body, 'explanation');
  const exceptionReason = oneOf(body, 'exceptionReason', EXCEPTION_REASONS);
  const startDate = requiredString(body, 'startDate');
  const endDate = requiredString(body, 'endDate');
  for (const [key, value] of [['startDate', startDate], ['endDate', endDate]] as const) {
    if (!isCalendarDate(value)) fail('INVALID_VALUE', `${key} must be a real date in YYYY-MM-DD form; got ${JSON.stringify(value)}`);
  }
  if (endDate < startDate) fail('INVALID_VALUE', `endDate ${endDate} is before startDate ${startDate}`);

  const controlIds = checkControlIds(body.controlIds, cloudType, catalog, true);

  const spec: ExceptionSpec = { name, cloudType, exceptionScope, explanation, exceptionReason, startDate, endDate, controlIds };
  // Fields that do not belong to the scope are ignored, as a Jackson DTO would; only the scope's own are kept.
  if (exceptionScope === 'RESOURCE') {
    spec.resources = checkResources(body.resources, cloudType, catalog);
  } else if (exceptionScope === 'CONNECTOR') {
    const accountIds = stringList(body, 'accountIds');
    if (!accountIds || accountIds.length === 0) fail('MISSING_FIELD', 'accountIds is required when exceptionScope is CONNECTOR');
    spec.accountIds = checkAccounts(accountIds!, cloudType, catalog, 'accountIds');
  } else {
    const resourceTagNames = stringList(body, 'resourceTagNames');
    if (!resourceTagNames || resourceTagNames.length === 0) fail('MISSING_FIELD', 'resourceTagNames is required when exceptionScope is QUALYSTAG');
    if (!present(body, 'isAllConnector')) fail('MISSING_FIELD', 'isAllConnector is required when exceptionScope is QUALYSTAG');
    const isAllConnector = isAllConnectorOf(body.isAllConnector);
    const accountIds = stringList(body, 'accountIds') ?? [];
    const connectorTagNames = stringList(body, 'connectorTagNames') ?? [];
    if (!isAllConnector && accountIds.length === 0 && connectorTagNames.length === 0) {
      fail('MISSING_FIELD', 'accountIds or connectorTagNames is required when isAllConnector is false');
    }
    spec.resourceTagNames = dedupe(resourceTagNames!);
    spec.isAllConnector = isAllConnector;
    if (accountIds.length > 0) spec.accountIds = checkAccounts(accountIds, cloudType, catalog, 'accountIds');
    if (connectorTagNames.length > 0) spec.connectorTagNames = dedupe(connectorTagNames);
  }
  const policy = optionalString(body, 'informationSecurityPolicy');
  const procedure = optionalString(body, 'informationSecurityProcedure');
  if (policy !== undefined) spec.informationSecurityPolicy = policy;
  if (procedure !== undefined) spec.informationSecurityProcedure = procedure;
  return spec;
}

export function checkControlIds(value: unknown, cloud: CloudType, catalog: Catalog, required: boolean): number[] {
  if (value === undefined || value === null) {
    if (required) fail('MISSING_FIELD', 'controlIds is required');
    return [];
  }
  if (!Array.isArray(value) || value.length === 0) return fail('MISSING_FIELD', 'controlIds must be a non-empty array of integers');
  const ids: number[] = [];
  for (const [index, item] of value.entries()) {
    if (typeof item !== 'number' || !Number.isSafeInteger(item) || item <= 0) {
      fail('INVALID_VALUE', `controlIds[${index}] must be a positive integer; got ${JSON.stringify(item)}`);
    }
    if (!catalog.hasControl(cloud, item)) fail('INVALID_CONTROL', `control ${item} does not exist for ${cloud}`);
    if (!ids.includes(item)) ids.push(item);
  }
  return ids;
}

function checkResources(value: unknown, cloud: CloudType, catalog: Catalog): ExceptionResource[] {
  if (value === undefined || value === null) return fail('MISSING_FIELD', 'resources is required when exceptionScope is RESOURCE');
  if (!Array.isArray(value) || value.length === 0) return fail('MISSING_FIELD', 'resources must be a non-empty array when exceptionScope is RESOURCE');
  const seen = new Set<string>();
  const resources: ExceptionResource[] = [];
  for (const [index, item] of value.entries()) {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) fail('INVALID_VALUE', `resources[${index}] must be an object`);
    const entry = item as Record<string, unknown>;
    const resourceId = requiredString(entry, 'resourceId');
    const accountId = requiredString(entry, 'accountId');
    if (!catalog.hasAccount(cloud, accountId)) fail('INVALID_ACCOUNT', `resources[${index}].accountId ${accountId} is not a ${cloud} connector account`);
    const region = optionalString(entry, 'region');
    const key = `${accountId}\u0000${resourceId}`;
    if (seen.has(key)) continue;
    seen.add(key);
    resources.push(region === undefined ? { resourceId, accountId } : { resourceId, accountId, region });
  }
  return resources;
}

function checkAccounts(accountIds: string[], cloud: CloudType, catalog: Catalog, key: string): string[] {
  for (const accountId of accountIds) {
    if (!catalog.hasAccount(cloud, accountId)) fail('INVALID_ACCOUNT', `${key}: ${accountId} is not a ${cloud} connector account`);
  }
  return dedupe(accountIds);
}

function dedupe(values: string[]): string[] {
  return [...new Set(values)];
}

/** Checks a UI edit against the same rules (dates, controls). */
export function validateUiEdit(spec: ExceptionSpec, catalog: Catalog): void {
  for (const key of ['startDate', 'endDate'] as const) {
    if (!isCalendarDate(spec[key])) fail('INVALID_VALUE', `${key} must be a real date in YYYY-MM-DD form; got ${JSON.stringify(spec[key])}`);
  }
  if (spec.endDate < spec.startDate) fail('INVALID_VALUE', `endDate ${spec.endDate} is before startDate ${spec.startDate}`);
  if (typeof spec.explanation !== 'string' || spec.explanation.trim() === '') fail('MISSING_FIELD', 'explanation must not be blank');
  spec.controlIds = checkControlIds(spec.controlIds, spec.cloudType, catalog, true);
}
