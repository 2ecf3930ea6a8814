// The ONLY place CloudView's wire field names appear. Create, list and detail name the same things
// differently: explanation/description, exceptionReason/reason, startDate/startingDate,
// exceptionScope/scope, cloudType/provider, accountId/account. Every reader checks the shape it relies
// on and throws ResponseShapeError naming the field, never `undefined` later. Where the documentation
// allows several readings (docs/api-client.md, "Readings of the documentation"), every one is accepted.
import type { CloudType, ExceptionResource, ExceptionSpec } from '../model/exception';
import { CLOUD_TYPES } from '../model/exception';
import { parseQualysTimestamp } from '../model/dates';
import { ResponseShapeError, type RouteName } from './errors';
import type {
  ApplyTagsResult,
  Connector,
  ControlResourceResult,
  ControlSummary,
  CreatedException,
  Evaluation,
  RemoteException,
  RemoteExceptionDetail,
} from './types';

type Json = Record<string, unknown>;

/** An explicit offset or `Z` at the end: `+0000`, `+05:30`, `Z`. */
const HAS_ZONE = /(?:Z|[+-]\d{2}:?\d{2})$/i;

// A listing reads four timestamps per exception, and accounts share most start and end stamps.
const isoByRaw = new Map<string, string>();

/** `raw` (with a zone) as ISO 8601 UTC; throws when it is no timestamp. */
function isoInstant(raw: string): string {
  let iso = isoByRaw.get(raw);
  if (iso === undefined) {
    iso = parseQualysTimestamp(raw).toISOString();
    if (isoByRaw.size > 50_000) isoByRaw.clear();
    isoByRaw.set(raw, iso);
  }
  return iso;
}

/** Reads fields of one wire object; every failure names the route, the object and the field. */
class Reader {
  constructor(
    readonly value: Json,
    readonly route: RouteName,
    readonly what: string,
  ) {}

  static of(value: unknown, route: RouteName, what: string): Reader {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw shapeError(route, `${what} is ${describeValue(value)}, expected an object`);
    }
    return new Reader(value as Json, route, what);
  }

  fail(field: string, expected: string): never {
    throw shapeError(this.route, `${this.what}.${field} is ${describeValue(this.value[field])}, expected ${expected}`);
  }

  has(field: string): boolean {
    return this.value[field] !== undefined && this.value[field] !== null;
  }

  string(field: string): string {
    const value = this.value[field];
    if (typeof value === 'string') return value;
    if (typeof value === 'number' && Number.isFinite(value)) return String(value);
    return this.fail(field, 'a string');
  }

  /** Missing or null reads as `fallback`; a value of another type is still an error. */
  optString(field: string, fallback = ''): string {
    return this.has(field) ? this.string(field) : fallback;
  }

  firstString(fields: readonly string[], fallback?: string): string {
    for (const field of fields) if (this.has(field)) return this.string(field);
    if (fallback !== undefined) return fallback;
    return this.fail(fields.join('|'), 'a string');
  }

  /** A number, or a string holding an integer (`controls[].id` is `"50036"` on the wire). */
  integer(field: string): number {
    const value = this.value[field];
    const number = typeof value === 'string' && /^\s*-?\d+\s*$/.test(value) ? Number(value) : value;
    if (typeof number === 'number' && Number.isInteger(number)) return number;
    return this.fail(field, 'an integer');
  }

  optInteger(field: string, fallback = 0): number {
    return this.has(field) ? this.integer(field) : fallback;
  }

  array(field: string): unknown[] {
    if (!this.has(field)) return [];
    const value = this.value[field];
    if (Array.isArray(value)) return value;
    return this.fail(field, 'an array');
  }

  strings(field: string): string[] {
    return this.array(field).map((item, index) => {
      if (typeof item === 'string') return item;
      throw shapeError(this.route, `${this.what}.${field}[${index}] is ${describeValue(item)}, expected a string`);
    });
  }

  /** An array of integers (or integer strings). */
  integers(field: string): number[] {
    return this.array(field).map((item, index) => new Reader({ [index]: item }, this.route, `${this.what}.${field}`).integer(String(index)));
  }

  object(field: string): Reader {
    return Reader.of(this.value[field], this.route, `${this.what}.${field}`);
  }

  /** A Qualys timestamp (`2023-05-05T00:00:00+0000`), returned as ISO 8601 UTC (`...Z`). */
  instant(field: string): string {
    const raw = this.string(field);
    // Without a zone, Date would read it in the runner's local time: a different instant on every machine.
    if (!HAS_ZONE.test(raw)) return this.fail(field, 'a timestamp like 2023-05-05T00:00:00+0000');
    try {
      return isoInstant(raw);
    } catch {
      return this.fail(field, 'a timestamp like 2023-05-05T00:00:00+0000');
    }
  }

  /** Bookkeeping timestamps: normalised when readable, kept as sent otherwise, '' when absent. */
  looseInstant(field: string): string {
    const raw = this.optString(field);
    if (!HAS_ZONE.test(raw)) return raw;
    try {
      return isoInstant(raw);
    } catch {
      return raw;
    }
  }

  cloudType(field: string): CloudType {
    const upper = this.string(field).toUpperCase();
    if ((CLOUD_TYPES as readonly string[]).includes(upper)) return upper as CloudType;
    return this.fail(field, CLOUD_TYPES.join(' | '));
  }
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  return `${typeof value === 'object' ? 'an object' : `the ${typeof value} ${String(value)}`}`;
}

export function shapeError(route: RouteName, detail: string, status = 200): ResponseShapeError {
  return new ResponseShapeError(`unexpected response shape from ${route}: ${detail}`, { route, status });
}

/** Parses a 2xx body as JSON; anything else is a shape error (not `undefined` later). */
export function parseJsonBody(route: RouteName, text: string, status = 200): unknown {
  try {
    return JSON.parse(text);
  } catch {
    const preview = text.replace(/\s+/g, ' ').trim().slice(0, 80);
    throw shapeError(route, preview === '' ? 'empty body, expected JSON' : `not JSON: ${JSON.stringify(preview)}`, status);
  }
}

// ---- exceptions ----------------------------------------------------------------------------------

function commonException(r: Reader, dates: { start: string; end: string }): RemoteException {
  const exception: RemoteException = {
    uuid: r.string('uuid'),
    name: r.string('name'),
    explanation: r.optString('description'),
    exceptionReason: r.string('reason'),
    exceptionScope: '',
    state: r.string('state'),
    startsAt: r.instant(dates.start),
    endsAt: r.instant(dates.end),
    createdOn: r.looseInstant('createdOn'),
    updatedOn: r.looseInstant('updatedOn'),
  };
  if (r.has('createdBy')) exception.createdBy = r.string('createdBy');
  if (r.has('updatedBy')) exception.updatedBy = r.string('updatedBy');
  return exception;
}

/** One item of `GET /rest/v1/exceptions/list`. */
export function toRemoteException(item: unknown): RemoteException {
  const r = Reader.of(item, 'exceptions.list', 'exception');
  return { ...commonException(r, { start: 'startingDate', end: 'endingDate' }), exceptionScope: r.string('scope') };
}

/** A detail connector given as `{uuid, name}` only: its account id must be looked up in the connectors listing. */
export interface ConnectorRef {
  uuid: string;
  name: string;
}

const CONNECTOR_ACCOUNT_KEYS = ['accountId', 'account', 'awsAccountId', 'subscriptionId', 'projectId'] as const;

/** Detail `connectors[]`: plain strings, or objects carrying the account under any of CONNECTOR_ACCOUNT_KEYS, or `{uuid, name}` only. */
function connectorAccountId(item: unknown, index: number, route: RouteName): string | ConnectorRef {
  if (typeof item === 'string') return item;
  const r = Reader.of(item, route, `exception.exceptionSummary.connectors[${index}]`);
  if (CONNECTOR_ACCOUNT_KEYS.some((key) => r.has(key))) return r.firstString(CONNECTOR_ACCOUNT_KEYS);
  if (r.has('uuid')) return { uuid: r.string('uuid'), name: r.optString('name') };
  return r.fail(CONNECTOR_ACCOUNT_KEYS.join('|'), 'an account id, or the connector uuid');
}

export interface ReadDetail {
  detail: RemoteExceptionDetail;
  /** Connectors named without their account id, for the caller to resolve into `detail.accountIds`. */
  connectorRefs: ConnectorRef[];
}

/**
 * `GET /rest/v1/exceptions/{uuid}`. The cloud is `provider`, at the top (the documentation's sample) or
 * inside `exceptionSummary`; when neither says, `cloudType` stays undefined: never a guessed default.
 */
export function readExceptionDetail(body: unknown): ReadDetail {
  const route: RouteName = 'exceptions.get';
  const r = Reader.of(body, route, 'exception');
  const summary = r.object('exceptionSummary');
  const base = commonException(r, { start: 'startDate', end: 'endDate' });
  const connectors = summary.array('connectors').map((item, index) => connectorAccountId(item, index, route));
  const detail: RemoteExceptionDetail = {
    ...base,
    exceptionScope: summary.has('exceptionScope') ? summary.string('exceptionScope') : r.string('scope'),
    controlIds: summary.array('controls').map((control, index) => Reader.of(control, route, `exception.exceptionSummary.controls[${index}]`).integer('id')),
    resources: summary.array('resources').map((resource, index): ExceptionResource => {
      const item = Reader.of(resource, route, `exception.exceptionSummary.resources[${index}]`);
      const mapped: ExceptionResource = { resourceId: item.string('resourceId'), accountId: item.firstString(['account', 'accountId']) };
      if (item.has('region')) mapped.region = item.string('region');
      return mapped;
    }),
    accountIds: connectors.filter((item): item is string => typeof item === 'string'),
    resourceTagNames: summary.strings('resourceTagNames'),
    connectorTagNames: summary.strings('connectorTagNames'),
  };
  if (r.has('provider')) detail.cloudType = r.cloudType('provider');
  else if (summary.has('provider')) detail.cloudType = summary.cloudType('provider');
  if (r.has('referenceDocLink')) detail.referenceDocLink = r.string('referenceDocLink');
  return { detail, connectorRefs: connectors.filter((item): item is ConnectorRef => typeof item !== 'string') };
}

/** The detail when every connector names its account (readExceptionDetail otherwise, and resolve the refs). */
export function toRemoteExceptionDetail(body: unknown): RemoteExceptionDetail {
  const { detail, connectorRefs } = readExceptionDetail(body);
  if (connectorRefs.length > 0) {
    throw shapeError('exceptions.get', `exception.exceptionSummary.connectors names connector ${connectorRefs[0].uuid} without its account id`);
  }
  return detail;
}

/** The wire body of `POST /rest/v1/exceptions/create`; undefined fields are left out. */
export function toCreateBody(spec: ExceptionSpec): Record<string, unknown> {
  const body: Record<string, unknown> = {
    cloudType: spec.cloudType,
    exceptionScope: spec.exceptionScope,
    name: spec.name,
    explanation: spec.explanation,
    startDate: spec.startDate,
    endDate: spec.endDate,
    exceptionReason: spec.exceptionReason,
    controlIds: spec.controlIds,
    resources: spec.resources?.map((resource) => {
      const wire: Record<string, string> = { resourceId: resource.resourceId, accountId: resource.accountId };
      if (resource.region !== undefined) wire.region = resource.region;
      return wire;
    }),
    accountIds: spec.accountIds,
    resourceTagNames: spec.resourceTagNames,
    // The API takes the strings "true" / "false" here, not JSON booleans.
    isAllConnector: spec.isAllConnector === undefined ? undefined : spec.isAllConnector ? 'true' : 'false',
    connectorTagNames: spec.connectorTagNames,
    informationSecurityPolicy: spec.informationSecurityPolicy,
    informationSecurityProcedure: spec.informationSecurityProcedure,
  };
  for (const key of Object.keys(body)) if (body[key] === undefined) delete body[key];
  return body;
}

/** `{"uuid": "...", "exceptionName": "...", "state": "ACTIVE"}`. */
export function toCreatedException(body: unknown): CreatedException {
  const r = Reader.of(body, 'exceptions.create', 'create response');
  return { uuid: r.string('uuid'), name: r.firstString(['exceptionName', 'name']), state: r.optString('state') };
}

// ---- evaluations ---------------------------------------------------------------------------------

const ACCOUNT_KEYS = ['accountId', 'subscriptionId', 'projectId', 'awsAccountId'] as const;

/** One item of `POST /rest/v1/{cloud}/evaluations/list/resources`. */
export function toEvaluation(item: unknown): Evaluation {
  const r = Reader.of(item, 'evaluations.list', 'evaluation');
  return {
    uuid: r.optString('uuid'),
    resourceId: r.string('resourceId'),
    evaluatedOn: r.optString('evaluatedOn'),
    status: r.firstString(['status', 'result']),
    connectorUuid: r.firstString(['connectorUuid', 'connectorId'], ''),
    serviceType: r.optString('serviceType'),
    resourceType: r.optString('resourceType'),
    resourceName: r.optString('resourceName'),
    region: r.optString('region'),
    controlId: r.has('cid') ? r.integer('cid') : r.integer('controlId'),
    controlName: r.optString('controlName'),
    accountId: r.firstString(ACCOUNT_KEYS, ''),
  };
}

export function toApplyTagsBody(tagNames: readonly string[], regex: string): Record<string, unknown> {
  return { tagNames: [...tagNames], regex };
}

export function toApplyTagsResult(body: unknown): ApplyTagsResult {
  const r = Reader.of(body, 'evaluations.applyTags', 'applyTags response');
  return {
    controlIds: r.integers('controlIds'),
    message: r.optString('message'),
  };
}

/** One per-control summary of `GET /rest/v1/{cloud}/evaluations/{accountId}`. */
export function toControlSummary(item: unknown): ControlSummary {
  const r = Reader.of(item, 'evaluations.summary', 'control summary');
  return {
    controlId: r.has('controlId') ? r.integer('controlId') : r.integer('cid'),
    controlName: r.optString('controlName'),
    policyNames: r.strings('policyNames'),
    criticality: r.optString('criticality'),
    service: r.optString('service'),
    result: r.optString('result'),
    passedResources: r.optInteger('passedResources'),
    failedResources: r.optInteger('failedResources'),
    passWithExceptionResources: r.optInteger('passWithExceptionResources'),
  };
}

/** One item of `GET /rest/v1/{cloud}/evaluations/{accountId}/resources/{controlId}`. */
export function toControlResourceResult(item: unknown): ControlResourceResult {
  const r = Reader.of(item, 'evaluations.resources', 'resource result');
  return {
    resourceId: r.string('resourceId'),
    region: r.optString('region'),
    accountId: r.firstString(ACCOUNT_KEYS, ''),
    evaluatedOn: r.optString('evaluatedOn'),
    resourceType: r.optString('resourceType'),
    connectorId: r.firstString(['connectorId', 'connectorUuid'], ''),
    result: r.firstString(['result', 'status']),
  };
}

// ---- connectors ----------------------------------------------------------------------------------

/** One item of `GET /rest/v1/{cloud}/connectors`; `cloudType` falls back to the path's cloud. */
export function toConnector(item: unknown, cloudType: CloudType): Connector {
  const r = Reader.of(item, 'connectors.list', 'connector');
  return {
    connectorId: r.firstString(['connectorId', 'uuid']),
    name: r.optString('name'),
    description: r.optString('description'),
    cloudType: r.has('provider') ? r.cloudType('provider') : cloudType,
    state: r.optString('state'),
    accountId: r.firstString(['awsAccountId', 'subscriptionId', 'projectId', 'accountId'], ''),
    totalAssets: r.optInteger('totalAssets'),
    // Connector dates read like `Thu Nov 26 07:21:36 UTC 2020`: kept as sent.
    lastSyncedOn: r.optString('lastSyncedOn'),
  };
}

/** Lower-case cloud in evaluation and connector paths. */
export function cloudPathSegment(cloudType: CloudType): string {
  return cloudType.toLowerCase();
}
