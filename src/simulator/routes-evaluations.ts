// /rest/v1/{cloud}/evaluations/* and /rest/v1/{cloud}/connectors.
import { formatQualysTimestamp } from '../model/dates';
import type { CloudType } from '../model/exception';
import { derivedUuid, type Evaluation, resultsNow } from './evaluations';
import { badRequest, compileJavaRegex, formatJavaDate, HttpError, parseFilter, parsePaging, type Reply, type RouteContext, springError, springPage } from './http';
import type { SeedConnector } from './fixture';

export const cloudOfPath = (segment: string): CloudType => segment.toUpperCase() as CloudType;

/** The account key each cloud uses in per-resource results. */
const ACCOUNT_KEY: Record<CloudType, string> = { AWS: 'accountId', AZURE: 'subscriptionId', GCP: 'projectId' };

function bodyObject(ctx: RouteContext): Record<string, unknown> {
  if (typeof ctx.body !== 'object' || ctx.body === null || Array.isArray(ctx.body)) throw badRequest('INVALID_VALUE', 'the request body must be a JSON object');
  return ctx.body as Record<string, unknown>;
}

function matchingEvaluations(ctx: RouteContext, cloud: CloudType, regex: RegExp): Evaluation[] {
  return ctx.world.evaluations(cloud).filter((evaluation) => regex.test(evaluation.resource.resourceId));
}

export function listEvaluationsByRegex(ctx: RouteContext): Reply {
  const cloud = cloudOfPath(ctx.params[0]);
  const regex = compileJavaRegex(bodyObject(ctx).regex);
  // Not capped: the documentation's sample asks pageSize=100000 and gets it.
  const paging = parsePaging(ctx, {});
  const resultOf = resultsNow(cloud, ctx.store, ctx.now.getTime());
  const evaluatedOn = formatQualysTimestamp(new Date(ctx.world.seed.evaluatedOn));
  const items = matchingEvaluations(ctx, cloud, regex);
  const body = springPage(items, paging, (evaluation) => ({
    uuid: evaluation.uuid,
    resourceId: evaluation.resource.resourceId,
    evaluatedOn,
    status: resultOf(evaluation),
    connectorUuid: evaluation.connector.uuid,
    serviceType: evaluation.resource.serviceType,
    resourceType: evaluation.resource.resourceType,
    resourceName: evaluation.resource.resourceName,
    region: evaluation.resource.region,
    cid: evaluation.control.id,
    controlName: evaluation.control.name,
    // The documentation names only subscriptionId; the simulator fills it with the account of any cloud.
    subscriptionId: evaluation.resource.accountId,
    resourceGroupName: evaluation.resource.resourceGroupName ?? null,
  }));
  return { status: 200, body };
}

export function applyTags(ctx: RouteContext): Reply {
  const cloud = cloudOfPath(ctx.params[0]);
  const body = bodyObject(ctx);
  const tagNames = body.tagNames;
  if (!Array.isArray(tagNames) || tagNames.length === 0) throw badRequest('MISSING_FIELD', 'tagNames must be a non-empty array of strings');
  for (const [index, tag] of tagNames.entries()) {
    if (typeof tag !== 'string' || tag.trim() === '') throw badRequest('INVALID_VALUE', `tagNames[${index}] must be a non-blank string`);
  }
  const regex = compileJavaRegex(body.regex);
  const matched = matchingEvaluations(ctx, cloud, regex);
  if (matched.length > 0) ctx.store.tagEvaluations(matched.map((evaluation) => evaluation.uuid), tagNames as string[]);
  const controlIds = [...new Set(matched.map((evaluation) => evaluation.control.id))].sort((a, b) => a - b);
  return { status: 200, body: { controlIds, message: `Tag applied successfully to ${matched.length} evaluations` } };
}

function requireAccount(ctx: RouteContext, cloud: CloudType, accountId: string): void {
  if (!ctx.world.hasAccount(cloud, accountId)) {
    throw new HttpError(springError(404, `No ${cloud} connector for account ${accountId}`, ctx.path, ctx.now));
  }
}

export function controlSummaries(ctx: RouteContext): Reply {
  const cloud = cloudOfPath(ctx.params[0]);
  const accountId = ctx.params[1];
  requireAccount(ctx, cloud, accountId);
  const terms = parseFilter(ctx.query.get('filter'), ['cid'], { equalsToo: true });
  const wanted = terms.map((term) => {
    if (!/^\d+$/.test(term.value)) throw badRequest('INVALID_FILTER', `cid must be an integer; got ${JSON.stringify(term.value)}`);
    return Number(term.value);
  });
  // The documentation's samples send no pageSize here and get pages of 300. A summary served as a
  // bare array or object (quirk summaryShape) has no envelope to page with: it is the whole answer.
  const unpaged = ctx.quirks.summaryShape !== undefined && ctx.quirks.summaryShape !== 'page';
  const paging = unpaged ? { pageNo: 0, pageSize: Number.MAX_SAFE_INTEGER } : parsePaging(ctx, { defaultPageSize: 300, cap: ctx.maxPageSize });
  const resultOf = resultsNow(cloud, ctx.store, ctx.now.getTime());
  const byControl = new Map<number, { passed: number; failed: number; excepted: number; evaluation: Evaluation }>();
  for (const evaluation of ctx.world.evaluationsOfAccount(cloud, accountId)) {
    const id = evaluation.control.id;
    if (wanted.length > 0 && !wanted.includes(id)) continue;
    const counts = byControl.get(id) ?? { passed: 0, failed: 0, excepted: 0, evaluation };
    const result = resultOf(evaluation);
    if (result === 'PASS') counts.passed += 1;
    else if (result === 'FAIL') counts.failed += 1;
    else if (result === 'PASS_WITH_EXCEPTION') counts.excepted += 1;
    byControl.set(id, counts);
  }
  const summaries = [...byControl.entries()].sort(([a], [b]) => a - b).map(([, counts]) => counts);
  const body = springPage(summaries, paging, ({ passed, failed, excepted, evaluation }) => ({
    controlName: evaluation.control.name,
    policyNames: evaluation.control.policyNames,
    criticality: evaluation.control.criticality,
    service: evaluation.control.service,
    result: failed > 0 ? 'FAIL' : excepted > 0 ? 'PASS_WITH_EXCEPTION' : 'PASS',
    controlId: String(evaluation.control.id),
    passedResources: passed,
    failedResources: failed,
    passWithExceptionResources: excepted,
  }));
  return { status: 200, body };
}

export function controlResources(ctx: RouteContext): Reply {
  const cloud = cloudOfPath(ctx.params[0]);
  const accountId = ctx.params[1];
  if (!/^\d+$/.test(ctx.params[2])) throw badRequest('INVALID_VALUE', `controlId must be an integer; got ${JSON.stringify(ctx.params[2])}`);
  const controlId = Number(ctx.params[2]);
  requireAccount(ctx, cloud, accountId);
  if (!ctx.world.hasControl(cloud, controlId)) throw new HttpError(springError(404, `No ${cloud} control ${controlId}`, ctx.path, ctx.now));
  const paging = parsePaging(ctx, { cap: ctx.maxPageSize });
  const resultOf = resultsNow(cloud, ctx.store, ctx.now.getTime());
  const evaluatedOn = formatQualysTimestamp(new Date(ctx.world.seed.evaluatedOn));
  const firstEvaluated = formatQualysTimestamp(new Date(ctx.world.seed.firstEvaluatedOn));
  const items = ctx.world.evaluationsOfAccount(cloud, accountId).filter((evaluation) => evaluation.control.id === controlId);
  const body = springPage(items, paging, (evaluation) => {
    const result = resultOf(evaluation);
    const evidences = [{ settingName: evaluation.control.settingName, actualValue: evaluation.baseResult === 'PASS' ? 'true' : 'false' }];
    // The documentation's samples differ per cloud: AWS items carry region, connectorId and evaluation
    // dates; Azure items no region and no connectorId, and evaluation dates that are all null; GCP items
    // a region but neither connectorId nor evaluation dates.
    if (cloud === 'AZURE') {
      return {
        resourceId: evaluation.resource.resourceId,
        subscriptionId: accountId,
        evaluatedOn,
        evidences,
        resourceType: evaluation.resource.resourceType,
        result,
        evaluationDates: { firstEvaluated: null, lastEvaluated: null, dateReopen: null, dateFixed: null },
      };
    }
    if (cloud === 'GCP') {
      return { resourceId: evaluation.resource.resourceId, region: evaluation.resource.region, projectId: accountId, evaluatedOn, evidences, resourceType: evaluation.resource.resourceType, result };
    }
    return {
      resourceId: evaluation.resource.resourceId,
      region: evaluation.resource.region,
      [ACCOUNT_KEY[cloud]]: accountId,
      evaluatedOn,
      evidences,
      resourceType: evaluation.resource.resourceType,
      connectorId: evaluation.connector.uuid,
      result,
      evaluationDates: { firstEvaluated, lastEvaluated: evaluatedOn, dateReopen: null, dateFixed: null },
    };
  });
  return { status: 200, body };
}

const CONNECTOR_SORTS = ['lastSyncedOn:asc', 'lastSyncedOn:desc'];

export function listConnectors(ctx: RouteContext): Reply {
  const cloud = cloudOfPath(ctx.params[0]);
  const terms = parseFilter(ctx.query.get('filter'), ['name', 'description', 'state', 'connector.uuid'], { equalsToo: true });
  const sort = ctx.query.get('sort');
  if (sort !== null && sort !== '' && !CONNECTOR_SORTS.includes(sort)) {
    throw badRequest('INVALID_SORT', `sort must be one of ${CONNECTOR_SORTS.join(', ')}; got ${JSON.stringify(sort)}`);
  }
  const paging = parsePaging(ctx, { cap: ctx.maxPageSize });
  let connectors = ctx.world.connectors(cloud).filter((connector) =>
    terms.every(({ token, value }) => {
      if (token === 'name') return connector.name === value;
      if (token === 'description') return connector.description === value;
      if (token === 'state') return connector.state === value.toUpperCase();
      return connector.uuid === value;
    }),
  );
  if (sort) {
    const direction = sort.endsWith(':desc') ? -1 : 1;
    connectors = [...connectors].sort((a, b) => (Date.parse(a.lastSyncedOn) - Date.parse(b.lastSyncedOn)) * direction);
  }
  const body = springPage(connectors, paging, (connector) => connectorItem(ctx, cloud, connector));
  return { status: 200, body };
}

/** The documentation's connector item, key order included; per-cloud fields as its three samples show. */
function connectorItem(ctx: RouteContext, cloud: CloudType, connector: SeedConnector) {
  const lastSynced = new Date(connector.lastSyncedOn);
  const pollingFrequency = { hours: Math.floor(connector.pollingFrequency / 60), minutes: connector.pollingFrequency % 60 };
  const withAccount = !ctx.quirks.connectorsWithoutAccountIds;
  const common = {
    name: connector.name,
    connectorId: connector.uuid,
    description: connector.description,
    provider: cloud,
    state: connector.state,
    totalAssets: ctx.world.totalAssets(cloud, connector.accountId),
    lastSyncedOn: formatJavaDate(lastSynced),
    nextSyncedOn: formatJavaDate(new Date(lastSynced.getTime() + (pollingFrequency.hours * 60 + pollingFrequency.minutes) * 60_000)),
  };
  const groups = connector.groups.map((name) => ({ name, uuid: derivedUuid(`connector-group:${name}`) }));
  if (cloud === 'AWS') {
    return {
      ...common,
      remediationEnabled: false,
      isGovCloud: false,
      isChinaRegion: false,
      ...(withAccount ? { awsAccountId: connector.accountId } : {}),
      groups,
      pollingFrequency,
      error: connector.state === 'ERROR' ? 'Unable to assume the role: check its trust policy' : '',
      ...(withAccount ? { baseAccountId: connector.accountId } : {}),
      externalId: String(parseInt(connector.uuid.replace(/-/g, '').slice(0, 10), 16)).padStart(13, '0').slice(-13),
      ...(withAccount ? { arn: `arn:aws:iam::${connector.accountId}:role/QualysCloudViewRole` } : {}),
      isPortalConnector: false,
    };
  }
  if (cloud === 'AZURE') {
    return {
      ...common,
      remediationEnabled: false,
      isGovCloud: false,
      applicationId: connector.applicationId ?? null,
      ...(withAccount ? { subscriptionId: connector.accountId } : {}),
      groups,
      pollingFrequency,
      directoryId: connector.directoryId ?? null,
    };
  }
  return { ...common, ...(withAccount ? { projectId: connector.accountId } : {}), groups, pollingFrequency };
}
