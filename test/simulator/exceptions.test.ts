import { describe, expect, it } from 'vitest';
import { startSimulator } from '../../src/simulator';
import { basicAuth, createBody, spec, useSharedSimulator, wire } from './helpers';

const shared = useSharedSimulator('2026-06-15T12:00:00Z');
const { clock } = shared;

describe('create', () => {
  it('answers {uuid, exceptionName, state}', async () => {
    const response = await shared.api.post('exceptions/create', createBody());
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ uuid: expect.stringMatching(/^[0-9a-f-]{36}$/), exceptionName: 'ex-connector', state: 'ACTIVE' });
    expect(shared.sim.exceptions()).toMatchObject([{ uuid: response.body.uuid, name: 'ex-connector', accountIds: ['123456789012'] }]);
  });

  it('rejects a second exception with the same name: 400 DUPLICATE_NAME', async () => {
    expect((await shared.api.post('exceptions/create', createBody())).status).toBe(200);
    const again = await shared.api.post('exceptions/create', createBody({ explanation: 'other' }));
    expect(again.status).toBe(400);
    expect(again.body).toEqual({ errorCode: 'DUPLICATE_NAME', message: expect.stringContaining('ex-connector') });
    expect(shared.sim.exceptions()).toHaveLength(1);
  });

  const rejections: Array<[string, Record<string, unknown>, string]> = [
    ['missing cloudType', { cloudType: undefined }, 'MISSING_FIELD'],
    ['lower-case cloudType', { cloudType: 'aws' }, 'INVALID_VALUE'],
    ['unknown scope', { exceptionScope: 'ACCOUNT' }, 'INVALID_VALUE'],
    ['blank name', { name: '  ' }, 'MISSING_FIELD'],
    ['missing explanation', { explanation: undefined }, 'MISSING_FIELD'],
    ['unknown reason', { exceptionReason: 'Because' }, 'INVALID_VALUE'],
    ['impossible date', { startDate: '2026-02-30' }, 'INVALID_VALUE'],
    ['not ISO date', { endDate: '31/12/2026' }, 'INVALID_VALUE'],
    ['end before start', { startDate: '2026-05-02', endDate: '2026-05-01' }, 'INVALID_VALUE'],
    ['missing controlIds', { controlIds: undefined }, 'MISSING_FIELD'],
    ['empty controlIds', { controlIds: [] }, 'MISSING_FIELD'],
    ['string controlId', { controlIds: ['1'] }, 'INVALID_VALUE'],
    ['fractional controlId', { controlIds: [1.5] }, 'INVALID_VALUE'],
    ['control of another cloud', { controlIds: [50112] }, 'INVALID_CONTROL'],
    ['unknown control', { controlIds: [999999] }, 'INVALID_CONTROL'],
    ['CONNECTOR without accountIds', { accountIds: undefined }, 'MISSING_FIELD'],
    ['CONNECTOR with an unknown account', { accountIds: ['999999999999'] }, 'INVALID_ACCOUNT'],
    ['RESOURCE without resources', { exceptionScope: 'RESOURCE', accountIds: undefined }, 'MISSING_FIELD'],
    ['RESOURCE without resourceId', { exceptionScope: 'RESOURCE', resources: [{ accountId: '123456789012' }] }, 'MISSING_FIELD'],
    ['RESOURCE without accountId', { exceptionScope: 'RESOURCE', resources: [{ resourceId: 'arn:aws:s3:::acme-prod-logs' }] }, 'MISSING_FIELD'],
    ['QUALYSTAG without resourceTagNames', { exceptionScope: 'QUALYSTAG', isAllConnector: 'true' }, 'MISSING_FIELD'],
    ['QUALYSTAG without isAllConnector', { exceptionScope: 'QUALYSTAG', resourceTagNames: ['legacy'] }, 'MISSING_FIELD'],
    ['QUALYSTAG with isAllConnector "yes"', { exceptionScope: 'QUALYSTAG', resourceTagNames: ['legacy'], isAllConnector: 'yes' }, 'INVALID_VALUE'],
    [
      'QUALYSTAG, isAllConnector false, no accounts nor connector tags',
      { exceptionScope: 'QUALYSTAG', resourceTagNames: ['legacy'], isAllConnector: 'False', accountIds: [] },
      'MISSING_FIELD',
    ],
    ['a body that is an array', [] as unknown as Record<string, unknown>, 'INVALID_VALUE'],
  ];
  it.each(rejections)('rejects %s', async (_label, overrides, errorCode) => {
    const body = Array.isArray(overrides) ? overrides : createBody(overrides);
    const response = await shared.api.post('exceptions/create', body);
    expect(response.status).toBe(400);
    expect(response.body).toEqual({ errorCode, message: expect.any(String) });
    expect(shared.sim.exceptions()).toHaveLength(0);
  });

  it('accepts isAllConnector in any case and as a boolean', async () => {
    for (const [index, value] of ['False', 'TRUE', true, false].entries()) {
      const body = createBody({ name: `tag-${index}`, exceptionScope: 'QUALYSTAG', resourceTagNames: ['legacy'], isAllConnector: value });
      expect((await shared.api.post('exceptions/create', body)).status).toBe(200);
    }
    expect(shared.sim.exceptions().map((e) => e.isAllConnector)).toEqual([false, true, true, false]);
  });

  it('answers 400 to a malformed JSON body and to a missing body', async () => {
    const malformed = await shared.api.post('exceptions/create', '{"name": ');
    expect(malformed.status).toBe(400);
    expect(malformed.body.errorCode).toBe('MALFORMED_JSON');
    const empty = await shared.api.raw('exceptions/create', { method: 'POST' });
    expect(empty.status).toBe(400);
  });
});

describe('auth and routing', () => {
  it('answers 401 with a Spring body without credentials or with a wrong password', async () => {
    for (const auth of [null, basicAuth('cvex-demo', 'wrong'), 'Bearer abc']) {
      const response = await wire(shared.sim.url, auth).get('exceptions/list');
      expect(response.status).toBe(401);
      expect(response.body).toEqual({
        timestamp: expect.any(String),
        status: 401,
        error: 'Unauthorized',
        message: expect.any(String),
        path: '/cloudview-api/rest/v1/exceptions/list',
      });
    }
  });

  it('answers 404 to unknown paths and 405 to the wrong method', async () => {
    expect((await shared.api.get('nothing/here')).status).toBe(404);
    expect((await shared.api.post('exceptions/list', {})).status).toBe(405);
    expect((await shared.api.get('exceptions/create')).status).toBe(404);
    expect((await fetch(`${shared.sim.url}/elsewhere`)).status).toBe(404);
  });
});

describe('list', () => {
  it('returns list items with the list field names and nothing else', async () => {
    const created = await shared.api.post('exceptions/create', createBody());
    const response = await shared.api.get('exceptions/list?pageNo=0&pageSize=50');
    expect(response.status).toBe(200);
    expect(response.body.content).toEqual([
      {
        uuid: created.body.uuid,
        name: 'ex-connector',
        description: 'sandbox is throwaway',
        reason: 'Risk Accepted',
        state: 'ACTIVE',
        startingDate: '2026-01-01T00:00:00+0000',
        endingDate: '2026-12-31T23:59:59+0000',
        createdBy: '',
        updatedBy: '',
        createdOn: '2026-06-15T12:00:00+0000',
        updatedOn: '2026-06-15T12:00:00+0000',
        scope: 'CONNECTOR',
      },
    ]);
  });

  it('wraps items in the full Spring envelope', async () => {
    shared.sim.seedExceptions(Array.from({ length: 5 }, (_, i) => spec({ name: `page-${i}` })));
    const response = await shared.api.get('exceptions/list?pageNo=1&pageSize=2&sort=endingDate:asc');
    // With sort= the documentation's sample still says sorted: false, unsorted: true.
    const sort = { sorted: false, empty: true, unsorted: true };
    expect({ ...response.body, content: response.body.content.length }).toEqual({
      content: 2,
      pageable: { sort, pageSize: 2, pageNumber: 1, offset: 2, paged: true, unpaged: false },
      totalPages: 3,
      totalElements: 5,
      last: false,
      number: 1,
      size: 2,
      numberOfElements: 2,
      sort,
      first: false,
      empty: false,
    });
    const last = await shared.api.get('exceptions/list?pageNo=2&pageSize=2');
    expect(last.body).toMatchObject({ last: true, numberOfElements: 1, first: false });
    const beyond = await shared.api.get('exceptions/list?pageNo=7&pageSize=2');
    expect(beyond.body).toMatchObject({ content: [], empty: true, last: true });
  });

  it('caps pageSize at maxPageSize and computes offsets with the capped size', async () => {
    const small = await startSimulator({ maxPageSize: 3, now: clock.now });
    try {
      small.seedExceptions(Array.from({ length: 7 }, (_, i) => spec({ name: `cap-${i}` })));
      const page1 = await wire(small.url).get('exceptions/list?pageNo=1&pageSize=50');
      expect(page1.body).toMatchObject({ size: 3, totalPages: 3, number: 1, pageable: { offset: 3, pageSize: 3 } });
      expect(page1.body.content.map((e: { name: string }) => e.name)).toEqual(['cap-3', 'cap-4', 'cap-5']);
    } finally {
      await small.close();
    }
  });

  it('rejects bad paging and sort parameters', async () => {
    for (const query of ['pageNo=-1', 'pageNo=x', 'pageSize=0', 'sort=name:asc']) {
      const response = await shared.api.get(`exceptions/list?${query}`);
      expect(response.status, query).toBe(400);
      expect(response.body.errorCode).toEqual(expect.any(String));
    }
  });

  it('sorts by endingDate and updatedOn both ways, ties in creation order', async () => {
    shared.sim.seedExceptions([
      spec({ name: 'b', endDate: '2026-09-01' }),
      spec({ name: 'a', endDate: '2026-07-01' }),
      spec({ name: 'c', endDate: '2026-08-01' }),
    ]);
    const names = async (sort: string) => (await shared.api.get(`exceptions/list?sort=${sort}`)).body.content.map((e: { name: string }) => e.name);
    expect(await names('endingDate:asc')).toEqual(['a', 'c', 'b']);
    expect(await names('endingDate:desc')).toEqual(['b', 'c', 'a']);
    clock.advance(60_000);
    shared.sim.editExceptionAsUi(shared.sim.exceptions()[0].uuid, { explanation: 'edited' });
    expect(await names('updatedOn:desc')).toEqual(['b', 'c', 'a']);
    expect(await names('updatedOn:asc')).toEqual(['a', 'c', 'b']);
  });

  it('filters by name, scope, status, reason and provider, joined by " and ", values quoted or not', async () => {
    shared.sim.seedExceptions([
      spec({ name: 'conn and more', exceptionReason: 'False Positive' }),
      spec({ name: 'res', exceptionScope: 'RESOURCE', accountIds: undefined, resources: [{ resourceId: 'arn:aws:s3:::acme-prod-logs', accountId: '123456789012' }] }),
      spec({ name: 'old', startDate: '2025-01-01', endDate: '2025-02-01' }),
      spec({ name: 'gcp', cloudType: 'GCP', controlIds: [52001], accountIds: ['acme-prod-1234'] }),
    ]);
    const names = async (filter: string) =>
      (await shared.api.get(`exceptions/list?filter=${encodeURIComponent(filter)}`)).body.content.map((e: { name: string }) => e.name);
    expect(await names('exception.name:"conn and more"')).toEqual(['conn and more']);
    expect(await names('exception.scope:RESOURCE')).toEqual(['res']);
    expect(await names('exception.status:EXPIRED')).toEqual(['old']);
    expect(await names('exception.reason:"False Positive"')).toEqual(['conn and more']);
    expect(await names('exception.provider:GCP')).toEqual(['gcp']);
    expect(await names('exception.provider:AWS and exception.status:ACTIVE and exception.scope:CONNECTOR')).toEqual(['conn and more']);
    expect(await names('resource.id:arn:aws:s3:::acme-prod-logs')).toEqual(['res']);
    expect(await names('cid:52001')).toEqual(['gcp']);
    const unknown = await shared.api.get('exceptions/list?filter=exception.colour:red');
    expect(unknown.status).toBe(400);
    expect(unknown.body.errorCode).toBe('INVALID_FILTER');
  });
  it('sees changes in a filtered listing right away (cached views are dropped on change)', async () => {
    const names = async () =>
      (await shared.api.get(`exceptions/list?filter=${encodeURIComponent('exception.scope:CONNECTOR')}&sort=endingDate:asc`)).body.content.map((e: { name: string }) => e.name);
    shared.sim.seedExceptions([spec({ name: 'first', endDate: '2026-10-01' })]);
    expect(await names()).toEqual(['first']);
    expect(await names()).toEqual(['first']);
    const [second] = shared.sim.seedExceptions([spec({ name: 'second', endDate: '2026-09-01' })]);
    expect(await names()).toEqual(['second', 'first']);
    shared.sim.editExceptionAsUi(second, { endDate: '2026-11-01' });
    expect(await names()).toEqual(['first', 'second']);
    await shared.api.del('exceptions/delete', [second]);
    expect(await names()).toEqual(['first']);
  });
});

describe('detail', () => {
  it('returns the detail field names, with the exception summary per scope', async () => {
    const resource = await shared.api.post(
      'exceptions/create',
      createBody({
        name: 'res',
        exceptionScope: 'RESOURCE',
        accountIds: undefined,
        controlIds: [202],
        resources: [{ resourceId: 'arn:aws:ssm:us-east-1:123456789012:parameter/app/"legacy"/db-password', accountId: '123456789012', region: 'us-east-1' }],
      }),
    );
    const detail = await shared.api.get(`exceptions/${resource.body.uuid}`);
    expect(detail.status).toBe(200);
    expect(detail.body).toEqual({
      uuid: resource.body.uuid,
      name: 'res',
      description: 'sandbox is throwaway',
      reason: 'Risk Accepted',
      startDate: '2026-01-01T00:00:00+0000',
      endDate: '2026-12-31T23:59:59+0000',
      createdBy: '',
      updatedBy: '',
      referenceDocLink: '',
      createdOn: '2026-06-15T12:00:00+0000',
      updatedOn: '2026-06-15T12:00:00+0000',
      state: 'ACTIVE',
      provider: 'AWS',
      exceptionSummary: {
        exceptionScope: 'RESOURCE',
        resourceTagNames: [],
        connectorTagNames: [],
        connectors: [],
        resources: [
          {
            serviceType: 'SSM',
            resourceType: 'PARAMETER',
            resourceId: 'arn:aws:ssm:us-east-1:123456789012:parameter/app/"legacy"/db-password',
            account: '123456789012',
            uuid: expect.stringMatching(/^[0-9a-f-]{36}$/),
          },
        ],
        controls: [{ criticality: 'MEDIUM', name: expect.any(String), id: '202' }],
      },
    });

    const connector = await shared.api.post('exceptions/create', createBody({ name: 'conn' }));
    const summary = (await shared.api.get(`exceptions/${connector.body.uuid}`)).body.exceptionSummary;
    expect(summary.connectors).toEqual([{ uuid: expect.any(String), name: 'aws-prod', accountId: '123456789012' }]);
    expect(summary.controls.map((c: { id: string }) => c.id)).toEqual(['1', '2']);

    const tag = await shared.api.post(
      'exceptions/create',
      createBody({ name: 'tag', exceptionScope: 'QUALYSTAG', resourceTagNames: ['legacy'], isAllConnector: 'false', accountIds: undefined, connectorTagNames: ['env:prod'] }),
    );
    const tagSummary = (await shared.api.get(`exceptions/${tag.body.uuid}`)).body.exceptionSummary;
    expect(tagSummary).toMatchObject({ exceptionScope: 'QUALYSTAG', resourceTagNames: ['legacy'], connectorTagNames: ['env:prod'], connectors: [] });
  });

  it('answers 404 with a Spring body for an unknown uuid', async () => {
    const response = await shared.api.get('exceptions/00000000-0000-0000-0000-000000000000');
    expect(response.status).toBe(404);
    expect(response.body).toMatchObject({ status: 404, error: 'Not Found', path: '/cloudview-api/rest/v1/exceptions/00000000-0000-0000-0000-000000000000' });
  });
});

describe('delete', () => {
  it('deletes a list of uuids: 204 and no body', async () => {
    const uuids = shared.sim.seedExceptions([spec({ name: 'd1' }), spec({ name: 'd2' }), spec({ name: 'd3' })]);
    const response = await shared.api.del('exceptions/delete', [uuids[0], uuids[2]]);
    expect(response.status).toBe(204);
    expect(response.body).toBeUndefined();
    expect(shared.sim.exceptions().map((e) => e.name)).toEqual(['d2']);
    // The name is free again.
    expect((await shared.api.post('exceptions/create', createBody({ name: 'd1' }))).status).toBe(200);
  });

  it('answers 404 and deletes nothing when any uuid is unknown', async () => {
    const [uuid] = shared.sim.seedExceptions([spec({ name: 'keep' })]);
    const response = await shared.api.del('exceptions/delete', [uuid, 'no-such-uuid']);
    expect(response.status).toBe(404);
    expect(response.body).toMatchObject({ status: 404, message: expect.stringContaining('no-such-uuid') });
    expect(shared.sim.exceptions()).toHaveLength(1);
  });

  it('answers 400 to a body that is not a non-empty array of strings', async () => {
    for (const body of [{}, [], [1], '"x"']) expect((await shared.api.del('exceptions/delete', body)).status).toBe(400);
  });
});

describe('dates and state', () => {
  it('stamps dates as local midnight and 23:59:59 of the subscription time zone (Asia/Kolkata)', async () => {
    const india = await startSimulator({ timezone: 'Asia/Kolkata', now: () => new Date('2023-05-15T00:00:00Z') });
    try {
      const api2 = wire(india.url);
      const created = await api2.post('exceptions/create', createBody({ startDate: '2023-05-10', endDate: '2023-05-21' }));
      const detail = await api2.get(`exceptions/${created.body.uuid}`);
      expect(detail.body).toMatchObject({ startDate: '2023-05-09T18:30:00+0000', endDate: '2023-05-21T18:29:59+0000', state: 'ACTIVE' });
      const item = (await api2.get('exceptions/list')).body.content[0];
      expect(item).toMatchObject({ startingDate: '2023-05-09T18:30:00+0000', endingDate: '2023-05-21T18:29:59+0000' });
    } finally {
      await india.close();
    }
  });

  it('starts a day whose midnight daylight saving skips at the end of the gap, not an hour into the day before', async () => {
    // America/Santiago, 2026-09-06: 23:59:59 -04 on the 5th is followed by 01:00 -03 on the 6th (04:00 UTC).
    const chile = await startSimulator({ timezone: 'America/Santiago', now: () => new Date('2026-09-06T03:30:00Z') });
    try {
      const api2 = wire(chile.url);
      const created = await api2.post('exceptions/create', createBody({ startDate: '2026-09-06', endDate: '2026-09-06' }));
      expect(created.body.state).toBe('INACTIVE');
      const detail = await api2.get(`exceptions/${created.body.uuid}`);
      expect(detail.body).toMatchObject({ startDate: '2026-09-06T04:00:00+0000', endDate: '2026-09-07T02:59:59+0000' });
    } finally {
      await chile.close();
    }
  });

  it('moves INACTIVE → ACTIVE → EXPIRED with the clock, to the second', async () => {
    const created = await shared.api.post('exceptions/create', createBody({ startDate: '2026-07-01', endDate: '2026-07-10' }));
    expect(created.body.state).toBe('INACTIVE');
    const state = async () => (await shared.api.get(`exceptions/${created.body.uuid}`)).body.state;
    clock.set('2026-06-30T23:59:59Z');
    expect(await state()).toBe('INACTIVE');
    clock.set('2026-07-01T00:00:00Z');
    expect(await state()).toBe('ACTIVE');
    clock.set('2026-07-10T23:59:59Z');
    expect(await state()).toBe('ACTIVE');
    clock.set('2026-07-11T00:00:00Z');
    expect(await state()).toBe('EXPIRED');
    shared.sim.setNow(() => new Date('2026-07-05T00:00:00Z'));
    expect(await state()).toBe('ACTIVE');
    shared.sim.setNow(clock.now);
  });
});

describe('as the Qualys UI', () => {
  it('creates an exception the repository does not own, recorded as the UI user', async () => {
    shared.sim.setQuirks({ namedUsers: true });
    const uuid = shared.sim.createExceptionAsUi(spec({ name: 'ui-made', isAllConnector: undefined }));
    const detail = await shared.api.get(`exceptions/${uuid}`);
    expect(detail.body).toMatchObject({ name: 'ui-made', createdBy: 'qualys-ui-user' });
    expect(() => shared.sim.createExceptionAsUi(spec({ name: 'ui-made' }))).toThrow(/already exists/);
  });

  it('edits an ACTIVE exception in place: same uuid, updatedOn moves, even on a fixed clock', async () => {
    shared.sim.setQuirks({ namedUsers: true });
    const created = await shared.api.post('exceptions/create', createBody());
    const before = (await shared.api.get(`exceptions/${created.body.uuid}`)).body;
    expect(before.updatedBy).toBe('cvex-demo');
    shared.sim.editExceptionAsUi(created.body.uuid, { explanation: 'edited in the UI', endDate: '2026-11-30', controlIds: [1, 67] });
    const after = (await shared.api.get(`exceptions/${created.body.uuid}`)).body;
    expect(after.uuid).toBe(before.uuid);
    expect(after.description).toBe('edited in the UI');
    expect(after.endDate).toBe('2026-11-30T23:59:59+0000');
    expect(after.exceptionSummary.controls.map((c: { id: string }) => c.id)).toEqual(['1', '67']);
    expect(after.updatedBy).toBe('qualys-ui-user');
    expect(after.createdOn).toBe(before.createdOn);
    expect(after.updatedOn > before.updatedOn).toBe(true);
  });

  it('refuses to edit an exception that is not ACTIVE, and rejects bad edits', async () => {
    const [expired, active] = shared.sim.seedExceptions([spec({ name: 'gone', startDate: '2025-01-01', endDate: '2025-01-31' }), spec({ name: 'live' })]);
    expect(() => shared.sim.editExceptionAsUi(expired, { explanation: 'x' })).toThrow(/only ACTIVE/);
    expect(() => shared.sim.editExceptionAsUi(active, { endDate: '2025-12-31' })).toThrow(/before startDate/);
    expect(() => shared.sim.editExceptionAsUi(active, { controlIds: [424242] })).toThrow(/does not exist/);
    expect(() => shared.sim.editExceptionAsUi('nope', { explanation: 'x' })).toThrow(/no exception/);
  });

  it('deletes as the UI', async () => {
    const [uuid] = shared.sim.seedExceptions([spec({ name: 'ui-delete' })]);
    shared.sim.deleteExceptionAsUi(uuid);
    expect((await shared.api.get(`exceptions/${uuid}`)).status).toBe(404);
  });
});

describe('seedExceptions', () => {
  it('validates like the endpoint and creates nothing when one spec is bad', () => {
    expect(() => shared.sim.seedExceptions([spec({ name: 'ok' }), spec({ name: 'bad', controlIds: [123456] })])).toThrow(/does not exist/);
    expect(() => shared.sim.seedExceptions([spec({ name: 'twice' }), spec({ name: 'twice' })])).toThrow(/already exists/);
    expect(shared.sim.exceptions()).toHaveLength(0);
  });
});
