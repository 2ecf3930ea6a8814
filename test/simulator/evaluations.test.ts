import { describe, expect, it } from 'vitest';
import { createBody, spec, useSharedSimulator } from './helpers';

const AWS_PROD = '123456789012';
const AWS_STAGING = '210987654321';
const AZ_PROD = '0b5e7a3c-9d1f-4e2a-8c6b-1f2e3d4c5b6a';
const AZ_DEV = '7c1d2e3f-4a5b-4c6d-9e8f-0a1b2c3d4e5f';
const shared = useSharedSimulator('2026-06-15T12:00:00Z');
const { clock } = shared;

type Item = Record<string, unknown>;
const byRegex = async (cloud: string, regex: string, query = ''): Promise<Item[]> => {
  const response = await shared.api.post(`${cloud}/evaluations/list/resources${query}`, { regex });
  expect(response.status).toBe(200);
  return response.body.content;
};
const summary = async (cloud: string, accountId: string, cid?: number) => {
  const response = await shared.api.get(`${cloud}/evaluations/${accountId}${cid === undefined ? '' : `?filter=cid:${cid}`}`);
  expect(response.status).toBe(200);
  return response.body.content as Item[];
};
const results = async (cloud: string, accountId: string, cid: number): Promise<Record<string, string>> => {
  const response = await shared.api.get(`${cloud}/evaluations/${encodeURIComponent(accountId)}/resources/${cid}?pageSize=100`);
  expect(response.status).toBe(200);
  return Object.fromEntries(response.body.content.map((r: Item) => [r.resourceId, r.result]));
};

describe('evaluations list by regex', () => {
  it('lists the evaluations whose whole resource id matches, with the reference fields', async () => {
    const items = await byRegex('aws', 'arn:aws:s3:::acme-prod-.*', '?pageSize=50');
    expect(items).toHaveLength(9);
    expect(items[0]).toEqual({
      uuid: expect.stringMatching(/^[0-9a-f-]{36}$/),
      resourceId: 'arn:aws:s3:::acme-prod-logs',
      evaluatedOn: '2026-11-22T06:00:00+0000',
      status: 'PASS',
      connectorUuid: expect.any(String),
      serviceType: 'S3',
      resourceType: 'BUCKET',
      resourceName: 'acme-prod-logs',
      region: 'us-east-1',
      cid: 1,
      controlName: expect.any(String),
      subscriptionId: AWS_PROD,
      resourceGroupName: null,
    });
    // Java's String.matches: the whole id, not a substring.
    expect(await byRegex('aws', 'acme-prod-logs')).toEqual([]);
  });

  it('matches ids with / and " when the regex escapes them with a backslash', async () => {
    const items = await byRegex('aws', 'arn:aws:ssm:us-east-1:123456789012:parameter\\/app\\/\\"legacy\\"\\/db-password');
    expect(items.map((e) => e.resourceId)).toEqual(['arn:aws:ssm:us-east-1:123456789012:parameter/app/"legacy"/db-password']);
    const azure = await byRegex('azure', '.*\\/virtualMachines\\/vm-\\"legacy\\"-01');
    expect(azure).toHaveLength(1);
    expect(azure[0]).toMatchObject({ resourceGroupName: 'rg-legacy', subscriptionId: AZ_PROD, status: 'FAIL' });
  });

  it('pages with the Spring envelope', async () => {
    const response = await shared.api.post('gcp/evaluations/list/resources?pageNo=1&pageSize=4', { regex: '.*' });
    expect(response.body).toMatchObject({ number: 1, size: 4, first: false, totalElements: 21, totalPages: 6 });
  });

  it('rejects a missing or invalid regex', async () => {
    expect((await shared.api.post('aws/evaluations/list/resources', {})).body.errorCode).toBe('MISSING_FIELD');
    const invalid = await shared.api.post('aws/evaluations/list/resources', { regex: '([' });
    expect(invalid.status).toBe(400);
    expect(invalid.body.errorCode).toBe('INVALID_REGEX');
  });
});

describe('applyTags', () => {
  it('tags matching evaluations and reports their controls and count', async () => {
    const response = await shared.api.post('aws/evaluations/applyTags', { tagNames: ['cvex-staging-buckets'], regex: 'arn:aws:s3:::acme-staging-.*' });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ controlIds: [1, 2, 3], message: 'Tag applied successfully to 9 evaluations' });
    const none = await shared.api.post('aws/evaluations/applyTags', { tagNames: ['x'], regex: 'nothing' });
    expect(none.body).toEqual({ controlIds: [], message: 'Tag applied successfully to 0 evaluations' });
  });

  it('makes tagged evaluations coverable by a QUALYSTAG exception', async () => {
    await shared.api.post('aws/evaluations/applyTags', { tagNames: ['cvex-tagged'], regex: 'arn:aws:s3:::acme-staging-(logs|public-assets)' });
    const created = await shared.api.post(
      'exceptions/create',
      createBody({ exceptionScope: 'QUALYSTAG', resourceTagNames: ['cvex-tagged'], isAllConnector: 'true', controlIds: [2], accountIds: undefined }),
    );
    expect(created.status).toBe(200);
    expect(await results('aws', AWS_STAGING, 2)).toMatchObject({
      'arn:aws:s3:::acme-staging-logs': 'PASS_WITH_EXCEPTION',
      'arn:aws:s3:::acme-staging-public-assets': 'PASS_WITH_EXCEPTION',
      'arn:aws:s3:::acme-staging-backups': 'PASS',
    });
    expect((await results('aws', AWS_PROD, 2))['arn:aws:s3:::acme-prod-logs']).toBe('FAIL');
  });

  it('rejects missing tag names', async () => {
    expect((await shared.api.post('aws/evaluations/applyTags', { regex: '.*' })).status).toBe(400);
    expect((await shared.api.post('aws/evaluations/applyTags', { tagNames: [''], regex: '.*' })).status).toBe(400);
  });
});

describe('PASS_WITH_EXCEPTION', () => {
  it('RESOURCE: the same resource id, account and control', async () => {
    shared.sim.seedExceptions([
      spec({
        name: 'public-assets',
        exceptionScope: 'RESOURCE',
        accountIds: undefined,
        controlIds: [1],
        resources: [{ resourceId: 'arn:aws:s3:::acme-prod-public-assets', accountId: AWS_PROD }],
      }),
    ]);
    expect(await summary('aws', AWS_PROD, 1)).toEqual([
      expect.objectContaining({ controlId: '1', result: 'PASS_WITH_EXCEPTION', passedResources: 2, failedResources: 0, passWithExceptionResources: 1 }),
    ]);
    // Control 2 of the same bucket is not covered; the same bucket name in staging is another resource.
    expect((await results('aws', AWS_PROD, 2))['arn:aws:s3:::acme-prod-public-assets']).toBe('FAIL');
    expect((await results('aws', AWS_STAGING, 1))['arn:aws:s3:::acme-staging-public-assets']).toBe('FAIL');
    const listed = await byRegex('aws', 'arn:aws:s3:::acme-prod-public-assets');
    expect(listed.map((e) => [e.cid, e.status])).toEqual([
      [1, 'PASS_WITH_EXCEPTION'],
      [2, 'FAIL'],
      [3, 'PASS'],
    ]);
  });

  it('CONNECTOR: every resource of the account for the controls', async () => {
    shared.sim.seedExceptions([spec({ name: 'staging-ssh', accountIds: [AWS_STAGING], controlIds: [67, 45] })]);
    expect(await results('aws', AWS_STAGING, 67)).toEqual({
      'arn:aws:ec2:us-east-1:210987654321:security-group/sg-0a1b2c3d4e5f60718': 'PASS_WITH_EXCEPTION',
      'arn:aws:ec2:eu-west-1:210987654321:security-group/sg-0123456789abcdef0': 'PASS',
    });
    expect((await summary('aws', AWS_PROD, 67))[0]).toMatchObject({ failedResources: 1, passWithExceptionResources: 0, result: 'FAIL' });
  });

  it('QUALYSTAG: resource tag and a connector tag, or an account', async () => {
    shared.sim.seedExceptions([
      spec({
        name: 'legacy-prod',
        exceptionScope: 'QUALYSTAG',
        accountIds: undefined,
        resourceTagNames: ['legacy'],
        isAllConnector: false,
        connectorTagNames: ['business-unit:payments'],
        controlIds: [202, 50036],
      }),
      spec({
        name: 'dev-jumpbox',
        cloudType: 'AZURE',
        exceptionScope: 'QUALYSTAG',
        resourceTagNames: ['bastion'],
        isAllConnector: false,
        accountIds: [AZ_DEV],
        controlIds: [50112],
      }),
    ]);
    const prod = await byRegex('aws', '.*legacy.*');
    expect(prod.map((e) => e.status)).toEqual(['PASS_WITH_EXCEPTION', 'PASS_WITH_EXCEPTION']);
    const nsg = await byRegex('azure', '.*networkSecurityGroups/nsg-.*-jumpbox');
    expect(nsg.map((e) => [e.subscriptionId, e.cid, e.status])).toEqual([
      [AZ_PROD, 50112, 'FAIL'],
      [AZ_PROD, 50113, 'FAIL'],
      [AZ_DEV, 50112, 'PASS_WITH_EXCEPTION'],
      [AZ_DEV, 50113, 'FAIL'],
      ['e2f3a4b5-c6d7-4e8f-a9b0-c1d2e3f4a5b6', 50112, 'FAIL'],
      ['e2f3a4b5-c6d7-4e8f-a9b0-c1d2e3f4a5b6', 50113, 'FAIL'],
    ]);
  });

  it('only while the exception is ACTIVE', async () => {
    shared.sim.seedExceptions([spec({ name: 'july', accountIds: [AWS_PROD], controlIds: [11], startDate: '2026-07-01', endDate: '2026-07-31' })]);
    const role = async () => (await results('aws', AWS_PROD, 11))['arn:aws:iam::123456789012:role/service-role/acme-deployer'];
    expect(await role()).toBe('FAIL');
    clock.set('2026-07-15T00:00:00Z');
    expect(await role()).toBe('PASS_WITH_EXCEPTION');
    clock.set('2026-08-01T00:00:00Z');
    expect(await role()).toBe('FAIL');
  });
});

describe('per-account summaries and per-control resources', () => {
  it('summarises every control evaluated in the account when there is no filter', async () => {
    const all = await summary('aws', AWS_PROD);
    expect(all.map((s) => s.controlId)).toEqual(['1', '2', '3', '11', '45', '67', '101', '202', '50036']);
    expect(all[0]).toEqual({
      controlName: expect.any(String),
      policyNames: expect.any(Array),
      criticality: 'HIGH',
      service: 'S3',
      result: 'FAIL',
      controlId: '1',
      passedResources: 2,
      failedResources: 1,
      passWithExceptionResources: 0,
    });
  });

  it('pages the summary by 300 when no pageSize is sent, and names services with upper-case tokens', async () => {
    const page = (await shared.api.get(`azure/evaluations/${AZ_PROD}`)).body;
    expect(page).toMatchObject({ size: 300, number: 0 });
    expect(page.content.map((s: Item) => s.service)).toContain('STORAGE_ACCOUNT');
    const evaluations = (await shared.api.post('aws/evaluations/list/resources?pageSize=1000', { regex: '.*' })).body.content;
    expect(new Set(evaluations.map((e: Item) => e.serviceType))).toEqual(new Set(['S3', 'EC2', 'IAM', 'SSM', 'RDS', 'LAMBDA']));
  });

  it('serves the regex evaluation list in pages as large as asked', async () => {
    const page = (await shared.api.post('aws/evaluations/list/resources?pageNo=0&pageSize=100000', { regex: '.*' })).body;
    expect(page).toMatchObject({ size: 100000, totalPages: 1, last: true });
    expect(page.content.length).toBe(page.totalElements);
    expect(page.totalElements).toBeGreaterThan(20);
  });

  it('answers 404 for an unknown account and 400 for a bad filter', async () => {
    expect((await shared.api.get('aws/evaluations/000000000000')).status).toBe(404);
    expect((await shared.api.get('aws/evaluations/123456789012?filter=cid:abc')).status).toBe(400);
    expect((await shared.api.get('aws/evaluations/123456789012?filter=colour:red')).status).toBe(400);
  });

  it('lists per-resource results with the cloud account key, evidences and evaluation dates', async () => {
    const aws = await shared.api.get(`aws/evaluations/${AWS_PROD}/resources/67`);
    expect(aws.body.content[0]).toEqual({
      resourceId: 'arn:aws:ec2:us-east-1:123456789012:security-group/sg-0a1b2c3d4e5f60718',
      region: 'us-east-1',
      accountId: AWS_PROD,
      evaluatedOn: '2026-11-22T06:00:00+0000',
      evidences: [{ settingName: 'sshOpenToWorld', actualValue: 'false' }],
      resourceType: 'SECURITY_GROUP',
      connectorId: expect.any(String),
      result: 'FAIL',
      evaluationDates: { firstEvaluated: '2026-01-05T06:00:00+0000', lastEvaluated: '2026-11-22T06:00:00+0000', dateReopen: null, dateFixed: null },
    });
    // Azure and GCP items lack fields AWS items carry, as the documentation's samples show.
    expect((await shared.api.get(`azure/evaluations/${AZ_PROD}/resources/50036`)).body.content[0]).toEqual({
      resourceId: expect.any(String),
      subscriptionId: AZ_PROD,
      evaluatedOn: '2026-11-22T06:00:00+0000',
      evidences: [expect.objectContaining({ settingName: expect.any(String) })],
      resourceType: 'STORAGE_ACCOUNT',
      result: expect.any(String),
      evaluationDates: { firstEvaluated: null, lastEvaluated: null, dateReopen: null, dateFixed: null },
    });
    const gcp = (await shared.api.get('gcp/evaluations/acme-prod-1234/resources/52001')).body.content[0];
    expect(Object.keys(gcp).sort()).toEqual(['evaluatedOn', 'evidences', 'projectId', 'region', 'resourceId', 'resourceType', 'result']);
    expect(gcp).toHaveProperty('projectId', 'acme-prod-1234');
    expect((await shared.api.get(`aws/evaluations/${AWS_PROD}/resources/52001`)).status).toBe(404);
    expect((await shared.api.get(`aws/evaluations/${AWS_PROD}/resources/abc`)).status).toBe(400);
  });
});

describe('connectors', () => {
  it('lists connectors with the per-cloud account fields and Java-style dates', async () => {
    const aws = await shared.api.get('aws/connectors?pageNo=0&pageSize=50');
    expect(aws.body.totalElements).toBe(3);
    expect(aws.body.content[0]).toEqual({
      name: 'aws-prod',
      connectorId: expect.any(String),
      description: expect.any(String),
      provider: 'AWS',
      state: 'SUCCESS',
      totalAssets: 11,
      lastSyncedOn: 'Sun Nov 22 07:21:36 UTC 2026',
      // Derived from the polling frequency (4 hours).
      nextSyncedOn: 'Sun Nov 22 11:21:36 UTC 2026',
      remediationEnabled: false,
      isGovCloud: false,
      isChinaRegion: false,
      awsAccountId: AWS_PROD,
      groups: [{ name: 'Production', uuid: expect.stringMatching(/^[0-9a-f-]{36}$/) }],
      pollingFrequency: { hours: 4, minutes: 0 },
      error: '',
      baseAccountId: AWS_PROD,
      externalId: expect.stringMatching(/^\d{13}$/),
      arn: `arn:aws:iam::${AWS_PROD}:role/QualysCloudViewRole`,
      isPortalConnector: false,
    });
    // The documentation's key order, as its sample prints it.
    expect(Object.keys(aws.body.content[0]).slice(0, 8)).toEqual(['name', 'connectorId', 'description', 'provider', 'state', 'totalAssets', 'lastSyncedOn', 'nextSyncedOn']);
    expect(aws.body.content[2]).toMatchObject({ state: 'ERROR', error: expect.stringMatching(/./), pollingFrequency: { hours: 24, minutes: 0 }, nextSyncedOn: 'Sat Oct 31 11:45:09 UTC 2026' });
    const azure = (await shared.api.get('azure/connectors')).body.content[0];
    expect(azure).toEqual({
      name: 'azure-prod', connectorId: expect.any(String), description: expect.any(String), provider: 'AZURE', state: 'SUCCESS', totalAssets: expect.any(Number),
      lastSyncedOn: expect.any(String), nextSyncedOn: expect.any(String), remediationEnabled: false, isGovCloud: false,
      applicationId: expect.any(String), subscriptionId: AZ_PROD, groups: [{ name: 'Production', uuid: expect.any(String) }],
      pollingFrequency: { hours: 4, minutes: 0 }, directoryId: expect.any(String),
    });
    const gcp = (await shared.api.get('gcp/connectors')).body.content[0];
    expect(Object.keys(gcp).sort()).toEqual(['connectorId', 'description', 'groups', 'lastSyncedOn', 'name', 'nextSyncedOn', 'pollingFrequency', 'projectId', 'provider', 'state', 'totalAssets']);
    expect(gcp).toMatchObject({ projectId: 'acme-prod-1234' });
  });

  it('takes the state filter in both written forms, state=SUCCESS and state:SUCCESS', async () => {
    const names = async (filter: string) => (await shared.api.get(`aws/connectors?filter=${encodeURIComponent(filter)}`)).body.content.map((c: Item) => c.name);
    expect(await names('state=SUCCESS')).toEqual(['aws-prod', 'aws-staging']);
    expect(await names('state:SUCCESS')).toEqual(['aws-prod', 'aws-staging']);
    expect(await names('state=ERROR and name=aws-sandbox')).toEqual(['aws-sandbox']);
  });

  it('filters by state and name, sorts by lastSyncedOn, pages', async () => {
    const names = async (query: string) => (await shared.api.get(`aws/connectors?${query}`)).body.content.map((c: Item) => c.name);
    expect(await names('filter=state:ERROR')).toEqual(['aws-sandbox']);
    expect(await names('filter=name:aws-staging')).toEqual(['aws-staging']);
    expect(await names('sort=lastSyncedOn:asc')).toEqual(['aws-sandbox', 'aws-staging', 'aws-prod']);
    expect(await names('sort=lastSyncedOn:desc')).toEqual(['aws-prod', 'aws-staging', 'aws-sandbox']);
    expect(await names('pageNo=1&pageSize=1')).toEqual(['aws-staging']);
    expect((await shared.api.get('aws/connectors?filter=lastSyncedOn:x')).status).toBe(400);
  });

  it('takes the cloud in lower case only', async () => {
    expect((await shared.api.get('AWS/connectors')).status).toBe(404);
  });
});
