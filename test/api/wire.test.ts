import { describe, expect, it } from 'vitest';
import { ResponseShapeError } from '../../src/api/errors';
import * as wire from '../../src/api/wire';
import type { ExceptionSpec } from '../../src/model/exception';

const listItem = {
  uuid: 'u-1',
  name: 'team-a-s3',
  description: 'accepted [cvex:abc 123]',
  reason: 'Risk Accepted',
  state: 'ACTIVE',
  startingDate: '2023-05-05T00:00:00+0000',
  endingDate: '2023-05-10T23:59:59+0000',
  createdBy: 'alice',
  updatedBy: 'bob',
  createdOn: '2023-05-05T10:11:12+0000',
  updatedOn: '2023-05-06T10:11:12+0000',
  scope: 'CONNECTOR',
};

const detail = {
  uuid: 'u-2',
  name: 'team-b',
  description: 'why',
  reason: 'False Positive',
  startDate: '2023-05-09T18:30:00+0000',
  endDate: '2023-05-21T18:29:59+0000',
  createdBy: 'alice',
  updatedBy: 'alice',
  referenceDocLink: 'https://example.test/doc',
  createdOn: '2023-05-09T18:30:00+0000',
  updatedOn: '2023-05-09T18:30:00+0000',
  state: 'INACTIVE',
  provider: 'aws',
  exceptionSummary: {
    exceptionScope: 'RESOURCE',
    resourceTagNames: null,
    connectorTagNames: [],
    connectors: [{ uuid: 'c1', name: 'prod', accountId: '111' }, '222', { awsAccountId: '333' }, { subscriptionId: 'sub-4' }, { projectId: 'proj-5' }],
    resources: [{ serviceType: 'S3', resourceType: 'BUCKET', resourceId: 'arn:aws:s3:::b', account: '111', uuid: 'r1' }],
    controls: [{ criticality: 'HIGH', name: 'c', id: '50036' }, { id: 7 }],
  },
};

describe('list item → RemoteException', () => {
  it('renames description, reason, startingDate, endingDate and scope and normalises timestamps to UTC Z', () => {
    expect(wire.toRemoteException(listItem)).toEqual({
      uuid: 'u-1',
      name: 'team-a-s3',
      explanation: 'accepted [cvex:abc 123]',
      exceptionReason: 'Risk Accepted',
      exceptionScope: 'CONNECTOR',
      state: 'ACTIVE',
      startsAt: '2023-05-05T00:00:00.000Z',
      endsAt: '2023-05-10T23:59:59.000Z',
      createdOn: '2023-05-05T10:11:12.000Z',
      updatedOn: '2023-05-06T10:11:12.000Z',
      createdBy: 'alice',
      updatedBy: 'bob',
    });
  });

  it('keeps an unknown state opaque and a null description as empty', () => {
    const mapped = wire.toRemoteException({ ...listItem, state: 'PENDING_APPROVAL', description: null });
    expect(mapped.state).toBe('PENDING_APPROVAL');
    expect(mapped.explanation).toBe('');
  });

  it.each([
    ['uuid missing', { ...listItem, uuid: undefined }, /exception\.uuid is missing/],
    ['name a number object', { ...listItem, name: { x: 1 } }, /exception\.name is an object/],
    ['bad date', { ...listItem, startingDate: 'yesterday' }, /startingDate/],
    ['reason null', { ...listItem, reason: null }, /exception\.reason is null, expected a string/],
    ['not an object', 'hello', /exception is the string/],
  ])('throws a ResponseShapeError when %s', (_label, item, pattern) => {
    expect(() => wire.toRemoteException(item)).toThrow(ResponseShapeError);
    expect(() => wire.toRemoteException(item)).toThrow(pattern);
    expect(() => wire.toRemoteException(item)).toThrow(/unexpected response shape from exceptions\.list/);
  });
});

describe('detail → RemoteExceptionDetail', () => {
  it('maps provider, string control ids, resources[].account and every connector form', () => {
    const mapped = wire.toRemoteExceptionDetail(detail);
    expect(mapped).toMatchObject({
      uuid: 'u-2',
      explanation: 'why',
      exceptionReason: 'False Positive',
      exceptionScope: 'RESOURCE',
      state: 'INACTIVE',
      startsAt: '2023-05-09T18:30:00.000Z',
      endsAt: '2023-05-21T18:29:59.000Z',
      cloudType: 'AWS',
      controlIds: [50036, 7],
      resources: [{ resourceId: 'arn:aws:s3:::b', accountId: '111' }],
      accountIds: ['111', '222', '333', 'sub-4', 'proj-5'],
      resourceTagNames: [],
      connectorTagNames: [],
      referenceDocLink: 'https://example.test/doc',
    });
    expect(mapped.resources[0]).not.toHaveProperty('region');
  });

  it('rejects a non-numeric control id, an unknown provider and a missing summary', () => {
    const badControl = { ...detail, exceptionSummary: { ...detail.exceptionSummary, controls: [{ id: 'abc' }] } };
    expect(() => wire.toRemoteExceptionDetail(badControl)).toThrow(/controls\[0\]\.id is the string "abc", expected an integer/);
    expect(() => wire.toRemoteExceptionDetail({ ...detail, provider: 'OCI' })).toThrow(/provider/);
    expect(() => wire.toRemoteExceptionDetail({ ...detail, exceptionSummary: undefined })).toThrow(/exceptionSummary is missing/);
    expect(() => wire.toRemoteExceptionDetail({ ...detail, exceptionSummary: { ...detail.exceptionSummary, connectors: [42] } })).toThrow(
      ResponseShapeError,
    );
  });
});

describe('create body', () => {
  const spec: ExceptionSpec = {
    name: 'tag-all',
    cloudType: 'AZURE',
    exceptionScope: 'QUALYSTAG',
    explanation: 'x',
    exceptionReason: 'Other',
    startDate: '2026-01-01',
    endDate: '2026-02-01',
    controlIds: [1, 2],
    resourceTagNames: ['t1'],
    isAllConnector: true,
  };

  it('sends isAllConnector as the string "true"/"false" and leaves out undefined fields', () => {
    const body = wire.toCreateBody(spec);
    expect(body).toEqual({
      cloudType: 'AZURE',
      exceptionScope: 'QUALYSTAG',
      name: 'tag-all',
      explanation: 'x',
      exceptionReason: 'Other',
      startDate: '2026-01-01',
      endDate: '2026-02-01',
      controlIds: [1, 2],
      resourceTagNames: ['t1'],
      isAllConnector: 'true',
    });
    expect(wire.toCreateBody({ ...spec, isAllConnector: false }).isAllConnector).toBe('false');
    expect(JSON.stringify(wire.toCreateBody({ ...spec, isAllConnector: undefined }))).not.toContain('isAllConnector');
  });

  it('keeps resource regions only when given', () => {
    const body = wire.toCreateBody({
      ...spec,
      exceptionScope: 'RESOURCE',
      resources: [{ resourceId: 'r1', accountId: 'a1' }, { resourceId: 'r2', accountId: 'a1', region: 'eu-west-1' }],
    });
    expect(body.resources).toEqual([{ resourceId: 'r1', accountId: 'a1' }, { resourceId: 'r2', accountId: 'a1', region: 'eu-west-1' }]);
  });

  it('reads the create response', () => {
    expect(wire.toCreatedException({ uuid: 'u', exceptionName: 'n', state: 'ACTIVE' })).toEqual({ uuid: 'u', name: 'n', state: 'ACTIVE' });
    expect(() => wire.toCreatedException({ exceptionName: 'n' })).toThrow(/create response\.uuid is missing/);
  });
});

describe('evaluations and connectors', () => {
  it('maps an evaluation (cid → controlId, subscriptionId → accountId)', () => {
    expect(
      wire.toEvaluation({
        uuid: 'e1', resourceId: 'r/1"x', evaluatedOn: 't', status: 'FAIL', connectorUuid: 'c', serviceType: 'VM', resourceType: 'VM',
        resourceName: 'vm', region: 'eastus', cid: 67, controlName: 'ctl', subscriptionId: 'sub', resourceGroupName: 'rg',
      }),
    ).toEqual({
      uuid: 'e1', resourceId: 'r/1"x', evaluatedOn: 't', status: 'FAIL', connectorUuid: 'c', serviceType: 'VM', resourceType: 'VM',
      resourceName: 'vm', region: 'eastus', controlId: 67, controlName: 'ctl', accountId: 'sub',
    });
    expect(() => wire.toEvaluation({ resourceId: 'r', status: 'PASS', cid: 'sixty' })).toThrow(/evaluation\.cid/);
  });

  it('maps a control summary with a string control id', () => {
    expect(
      wire.toControlSummary({ controlName: 'n', policyNames: ['CIS'], criticality: 'HIGH', service: 'S3', result: 'FAIL', controlId: '67',
        passedResources: 1, failedResources: 2, passWithExceptionResources: 3 }),
    ).toEqual({ controlId: 67, controlName: 'n', policyNames: ['CIS'], criticality: 'HIGH', service: 'S3', result: 'FAIL',
      passedResources: 1, failedResources: 2, passWithExceptionResources: 3 });
  });

  it('maps per-resource results and connectors of each cloud', () => {
    expect(wire.toControlResourceResult({ resourceId: 'r', region: 'x', projectId: 'p', evaluatedOn: 't', resourceType: 'B', connectorId: 'c', result: 'PASS_WITH_EXCEPTION' }))
      .toEqual({ resourceId: 'r', region: 'x', accountId: 'p', evaluatedOn: 't', resourceType: 'B', connectorId: 'c', result: 'PASS_WITH_EXCEPTION' });
    expect(wire.toConnector({ connectorId: 'c1', name: 'n', provider: 'AZURE', state: 'SUCCESS', subscriptionId: 's', totalAssets: 3, lastSyncedOn: 'Thu Nov 26 07:21:36 UTC 2020' }, 'AZURE'))
      .toMatchObject({ connectorId: 'c1', cloudType: 'AZURE', accountId: 's', totalAssets: 3, lastSyncedOn: 'Thu Nov 26 07:21:36 UTC 2020' });
    expect(wire.toConnector({ connectorId: 'c2', awsAccountId: '1' }, 'AWS')).toMatchObject({ cloudType: 'AWS', accountId: '1' });
  });

  it('reads applyTags results and refuses a non-JSON 2xx body', () => {
    expect(wire.toApplyTagsResult({ controlIds: [50112, '50113'], message: 'ok' })).toEqual({ controlIds: [50112, 50113], message: 'ok' });
    expect(() => wire.parseJsonBody('exceptions.list', '<html>oops</html>')).toThrow(/not JSON/);
    expect(() => wire.parseJsonBody('exceptions.list', '')).toThrow(/empty body/);
  });
});
