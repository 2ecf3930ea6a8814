// /rest/v1/exceptions/*: create, list, detail, delete, with the field renames between the three shapes.
import { formatQualysTimestamp } from '../model/dates';
import { derivedUuid } from './evaluations';
import { badRequest, HttpError, parseFilter, parsePaging, type Reply, type RouteContext, springError, springPage } from './http';
import { SORT_KEYS, type SortKey, stateOf, type StoredException } from './store';
import { validateCreateBody } from './validate';

const ts = (ms: number): string => formatQualysTimestamp(new Date(ms));

export function createException(ctx: RouteContext): Reply {
  if (ctx.body === undefined) throw badRequest('MISSING_FIELD', 'the request body is required');
  const spec = validateCreateBody(ctx.body, ctx.world);
  // Length as Java's String.length() counts it: UTF-16 code units, as JavaScript's does.
  const limit = ctx.maxExplanationLength;
  if (limit !== undefined && spec.explanation.length > limit) {
    throw badRequest('INVALID_VALUE', `explanation is ${spec.explanation.length} characters long; at most ${limit} are allowed`);
  }
  const [record] = ctx.store.create([spec], ctx.now.getTime(), ctx.user);
  return { status: 200, body: { uuid: record.uuid, exceptionName: record.spec.name, state: stateOf(record, ctx.now.getTime()) } };
}

const LIST_FILTER_TOKENS = [
  'exception.name',
  'exception.scope',
  'exception.status',
  'exception.reason',
  'exception.provider',
  'account.id',
  'subscriptionId',
  'projectId',
  'cid',
  'resource.id',
  'resource.accountId',
  'resource.subscriptionId',
  'resource.projectId',
  'qflow.id',
  'qflow.name',
] as const;

type Predicate = (record: StoredException, nowMs: number) => boolean;

function predicateOf(token: string, value: string): Predicate {
  const upper = value.toUpperCase();
  const accountsOf = (r: StoredException) => [...(r.spec.accountIds ?? []), ...(r.spec.resources ?? []).map((res) => res.accountId)];
  switch (token) {
    case 'exception.name':
      return (r) => r.spec.name === value;
    case 'exception.scope':
      return (r) => r.spec.exceptionScope === upper;
    case 'exception.status':
      return (r, nowMs) => stateOf(r, nowMs) === upper;
    case 'exception.reason':
      return (r) => r.spec.exceptionReason.toUpperCase() === upper;
    case 'exception.provider':
      return (r) => r.spec.cloudType === upper;
    case 'cid':
      return (r) => r.spec.controlIds.includes(Number(value));
    case 'account.id':
    case 'subscriptionId':
    case 'projectId':
      return (r) => accountsOf(r).includes(value);
    case 'resource.id':
      return (r) => (r.spec.resources ?? []).some((res) => res.resourceId === value);
    case 'resource.accountId':
    case 'resource.subscriptionId':
    case 'resource.projectId':
      return (r) => (r.spec.resources ?? []).some((res) => res.accountId === value);
    default:
      // qflow.*: the simulator has no QFlows, so nothing matches.
      return () => false;
  }
}

/** The documentation's samples show `""` for both; quirk `namedUsers` names the user instead. */
function usersOf(record: StoredException, quirks: RouteContext['quirks']): { createdBy: string; updatedBy: string } {
  return quirks.namedUsers ? { createdBy: record.createdBy, updatedBy: record.updatedBy } : { createdBy: '', updatedBy: '' };
}

function listItem(record: StoredException, nowMs: number, quirks: RouteContext['quirks']) {
  const { spec } = record;
  const users = usersOf(record, quirks);
  return {
    uuid: record.uuid,
    name: spec.name,
    description: spec.explanation,
    reason: spec.exceptionReason,
    state: stateOf(record, nowMs),
    startingDate: ts(record.startsAtMs),
    endingDate: ts(record.endsAtMs),
    createdBy: users.createdBy,
    updatedBy: users.updatedBy,
    createdOn: ts(record.createdOnMs),
    updatedOn: ts(record.updatedOnMs),
    scope: spec.exceptionScope,
  };
}

export function listExceptions(ctx: RouteContext): Reply {
  const sortParam = ctx.query.get('sort');
  if (sortParam !== null && sortParam !== '' && !(SORT_KEYS as readonly string[]).includes(sortParam)) {
    throw badRequest('INVALID_SORT', `sort must be one of ${SORT_KEYS.join(', ')}; got ${JSON.stringify(sortParam)}`);
  }
  const sort = sortParam ? (sortParam as SortKey) : undefined;
  const terms = parseFilter(ctx.query.get('filter'), LIST_FILTER_TOKENS);
  const paging = parsePaging(ctx, { cap: ctx.maxPageSize });
  const nowMs = ctx.now.getTime();
  let items = ctx.store.sorted(sort);
  if (terms.length > 0) {
    const predicates = terms.map((term) => predicateOf(term.token, term.value));
    const filter = () => items.filter((record) => predicates.every((matches) => matches(record, nowMs)));
    // A status filter depends on the clock, so only clock-free filters are cached between pages.
    const clockFree = terms.every((term) => term.token !== 'exception.status');
    items = clockFree ? ctx.store.cachedView(JSON.stringify([sort ?? '', terms]), filter) : filter();
  }
  // Quirk shiftingList: the list moved since the previous page was served.
  if (ctx.listShift && ctx.listShift < 0) items = items.slice(1);
  else if (ctx.listShift && ctx.listShift > 0 && items.length > 0) items = [items[0], ...items];
  return { status: 200, body: springPage(items, paging, (record) => listItem(record, nowMs, ctx.quirks)) };
}

export function getException(ctx: RouteContext): Reply {
  const record = ctx.store.get(ctx.params[0]);
  if (!record) throw new HttpError(springError(404, `Exception not found: ${ctx.params[0]}`, ctx.path, ctx.now));
  const { spec } = record;
  const cloud = spec.cloudType;
  const nowMs = ctx.now.getTime();
  const { detailProvider = 'top', detailConnectors = 'accountId' } = ctx.quirks;
  const summary: Record<string, unknown> = {
    exceptionScope: spec.exceptionScope,
    resourceTagNames: spec.resourceTagNames ?? [],
    connectorTagNames: spec.connectorTagNames ?? [],
    connectors: (spec.accountIds ?? []).map((accountId) => {
      const connector = ctx.world.connectorOf(cloud, accountId);
      const item: Record<string, unknown> = { uuid: connector?.uuid ?? null, name: connector?.name ?? null };
      if (detailConnectors === 'accountId') item.accountId = accountId;
      else if (detailConnectors === 'account') item.account = accountId;
      return item;
    }),
    resources: (spec.resources ?? []).map((resource) => {
      const seeded = ctx.world.resource(cloud, resource.accountId, resource.resourceId);
      return {
        serviceType: seeded?.serviceType ?? null,
        resourceType: seeded?.resourceType ?? null,
        resourceId: resource.resourceId,
        account: resource.accountId,
        uuid: seeded?.uuid ?? derivedUuid(`${cloud}:${resource.accountId}:${resource.resourceId}`),
      };
    }),
    controls: spec.controlIds.map((id) => {
      const control = ctx.world.control(cloud, id);
      return { criticality: control?.criticality ?? null, name: control?.name ?? null, id: String(id) };
    }),
  };
  if (detailProvider === 'summary') summary.provider = cloud;
  const body: Record<string, unknown> = {
    uuid: record.uuid,
    name: spec.name,
    description: spec.explanation,
    reason: spec.exceptionReason,
    startDate: ts(record.startsAtMs),
    endDate: ts(record.endsAtMs),
    ...usersOf(record, ctx.quirks),
    referenceDocLink: '',
    createdOn: ts(record.createdOnMs),
    updatedOn: ts(record.updatedOnMs),
    state: stateOf(record, nowMs),
    exceptionSummary: summary,
  };
  // The documentation's sample ends with `provider`, after the summary.
  if (detailProvider === 'top') body.provider = cloud;
  return { status: 200, body };
}

export function deleteExceptions(ctx: RouteContext): Reply {
  const uuids = ctx.body;
  if (!Array.isArray(uuids) || uuids.length === 0) throw badRequest('INVALID_VALUE', 'the body must be a non-empty JSON array of exception uuids');
  for (const [index, uuid] of uuids.entries()) {
    if (typeof uuid !== 'string' || uuid === '') throw badRequest('INVALID_VALUE', `body[${index}] must be an exception uuid string`);
  }
  // All or nothing: one unknown uuid rejects the whole request and deletes nothing.
  const missing = ctx.store.delete([...new Set(uuids as string[])]);
  if (missing.length > 0) throw new HttpError(springError(404, `Exception not found: ${missing.join(', ')}`, ctx.path, ctx.now));
  return { status: 204 };
}
