// Names a person can type in the Qualys UI, imported and adopted: plan then shows no changes.
import { afterEach, describe, expect, it } from 'vitest';
import type { Plan } from '../../src/reconcile/types';
import { awsException, startWorld, type World } from '../reconcile/e2e-harness';

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

describe('cvex import with awkward names', () => {
  it('adopts names with glob characters, quotes, backslashes and unicode exactly', async () => {
    world = await startWorld();
    const names = ['team{a,b}', 'team{1..3}', 'a\\b', 'quote"d', "it's", 'x/y', '!neg', '#hash', 'sp ace', 'ünïcödé-例外', 'star*', 'q?', '[br]', '+(ext)'];
    for (const [index, name] of names.entries()) {
      world.sim.createExceptionAsUi(awsException(name, { resources: [{ resourceId: `arn:aws:s3:::odd-${index}`, accountId: '123456789012' }] }));
    }
    const imported = await world.run(['import', '--out', 'policies']);
    expect(imported.code, imported.stderr).toBe(0);
    const result = await world.run(['plan', '--format', 'json']);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const plan = JSON.parse(result.stdout) as Plan;
    expect(plan.conflicts.map((conflict) => conflict.name)).toEqual([]);
    expect(plan.unmanaged).toEqual([]);
    expect(plan.summary).toEqual({ create: 0, delete: 0, replace: 0, unchanged: names.length });
  });
});

describe('cvex import round trip', () => {
  it('every scope, odd whitespace, in Pacific/Kiritimati: import then plan shows no changes', async () => {
    world = await startWorld({ timezone: 'Pacific/Kiritimati' });
    await world.writeConfig({ timezone: 'Pacific/Kiritimati' });
    world.sim.createExceptionAsUi(awsException('ui-crlf', { explanation: '  Leading spaces,\r\nCRLF lines,\ttabs and trailing space   \n\n' }));
    world.sim.createExceptionAsUi(awsException('ui-region', { resources: [{ resourceId: 'arn:aws:s3:::with-region', accountId: '123456789012', region: 'us-east-1' }], informationSecurityPolicy: 'POL-1', informationSecurityProcedure: 'PROC-2' }));
    world.sim.createExceptionAsUi({ ...awsException('ui-tag-accounts'), exceptionScope: 'QUALYSTAG', resources: undefined, resourceTagNames: ['b', 'a'], isAllConnector: false, accountIds: ['123456789012'] });
    world.sim.createExceptionAsUi({ ...awsException('ui-tag-all'), exceptionScope: 'QUALYSTAG', resources: undefined, resourceTagNames: ['legacy'], isAllConnector: true });
    world.sim.createExceptionAsUi({ ...awsException('ui-connector'), exceptionScope: 'CONNECTOR', resources: undefined, accountIds: ['123456789012'] });
    const imported = await world.run(['import', '--out', 'policies']);
    expect(imported.code, imported.stderr).toBe(0);
    expect((await world.run(['validate'])).code).toBe(0);
    const result = await world.run(['plan', '--detailed-exitcode']);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain('No changes. 5 exceptions match the repository.');
  });
});

describe('plan JSON', () => {
  it('is valid against schemas/plan.schema.json with every kind of change, conflict, warning and tag preview', async () => {
    const Ajv = (await import('ajv')).default;
    const schema = (await import('../../schemas/plan.schema.json')).default;
    world = await startWorld();
    await world.writeManifest('aws.yaml', [awsException('team-a-one'), awsException('team-a-two'), awsException('team-a-three')]);
    expect((await world.run(['apply', '--auto-approve'])).code).toBe(0);
    world.sim.createExceptionAsUi(awsException('made-in-ui', { resources: [{ resourceId: 'arn:aws:s3:::ui', accountId: '123456789012' }] }));
    await world.writeManifest(
      'aws.yaml',
      [
        awsException('team-a-one', { endDate: '2027-03-31' }),
        awsException('team-a-new', { startDate: '2025-01-01', endDate: '2025-02-01' }),
        awsException('made-in-ui', { resources: [{ resourceId: 'arn:aws:s3:::ui', accountId: '123456789012' }] }),
        awsException('team-a-three', { resources: [{ resourceId: 'arn:aws:s3:::cvex-team-a-three', accountId: '123456789012', region: 'eu-west-1' }] }),
      ],
      [{ cloudType: 'AWS', regex: 'matches-nothing-.*', tagNames: ['x'] }],
    );
    const result = await world.run(['plan', '--format', 'json']);
    expect(result.code).toBe(1);
    const plan = JSON.parse(result.stdout) as Plan;
    expect(plan.changes.map((change) => change.action).sort()).toEqual(['create', 'delete', 'replace', 'replace']);
    expect(plan.conflicts).toHaveLength(1);
    const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
    expect(validate(plan), JSON.stringify(validate.errors)).toBe(true);
  });
});
