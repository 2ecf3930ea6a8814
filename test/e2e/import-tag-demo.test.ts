// cvex import, cvex tag and cvex demo end to end: the real client against the simulator over loopback.
import { readFile, readdir } from 'node:fs/promises';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/command-line/io';
import { main } from '../../src/cli/main';
import type { ExceptionSpec } from '../../src/model/exception';
import { awsException, startWorld, type World } from '../reconcile/e2e-harness';

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

const uiMade: ExceptionSpec[] = [
  awsException('ui-bucket [legacy]', { explanation: 'Made by hand.\nSecond line with "quotes" and a #hash.' }),
  {
    name: 'ui-azure-dev-subscription',
    cloudType: 'AZURE',
    exceptionScope: 'CONNECTOR',
    explanation: 'Dev subscription is out of scope.',
    exceptionReason: 'Other',
    startDate: '2026-11-10',
    endDate: '2027-01-31',
    controlIds: [50120],
    accountIds: ['7c1d2e3f-4a5b-4c6d-9e8f-0a1b2c3d4e5f'],
  },
  {
    name: 'ui-gcp-public-sites',
    cloudType: 'GCP',
    exceptionScope: 'QUALYSTAG',
    explanation: 'Public website buckets are public on purpose.',
    exceptionReason: 'False Positive',
    startDate: '2026-11-01',
    endDate: '2027-11-30',
    controlIds: [52002],
    resourceTagNames: ['public-website'],
    isAllConnector: true,
  },
];

describe('cvex import', () => {
  it('writes stable manifests per cloud, adopts them, and plan then shows no changes (Asia/Kolkata)', async () => {
    world = await startWorld({ timezone: 'Asia/Kolkata' });
    await world.writeConfig({ timezone: 'Asia/Kolkata' });
    const uuids = uiMade.map((spec) => world!.sim.createExceptionAsUi(spec));

    const imported = await world.run(['import', '--out', 'policies']);
    expect(imported.stderr).toBe('');
    expect(imported.code).toBe(0);
    expect(imported.stdout).toContain('imported 3 of 3 remote exceptions');
    expect((await readdir(path.join(world.dir, 'policies'))).sort()).toEqual(['imported-aws.yaml', 'imported-azure.yaml', 'imported-gcp.yaml']);
    const aws = await readFile(path.join(world.dir, 'policies', 'imported-aws.yaml'), 'utf8');
    expect(aws).toContain('startDate: 2026-11-01');
    expect(aws).toContain(`importedUuid: ${uuids[0]}`);
    const config = await readFile(path.join(world.dir, 'cvex.config.yaml'), 'utf8');
    expect(config).toContain('timezone: Asia/Kolkata');
    expect(config).toContain('ui-bucket \\[legacy\\]');

    expect((await world.run(['validate'])).code).toBe(0);
    const plan = await world.run(['plan', '--detailed-exitcode']);
    expect(plan.stderr).toBe('');
    expect(plan.stdout).toContain('No changes. 3 exceptions match the repository.');
    expect(plan.code).toBe(0);

    // Importing again writes the same bytes and adopts nothing new.
    const again = await world.run(['import', '--out', 'policies', '--all']);
    expect(again.code).toBe(0);
    expect(again.stdout).not.toContain('adopted');
    expect(await readFile(path.join(world.dir, 'policies', 'imported-aws.yaml'), 'utf8')).toBe(aws);
    // Nothing changed in CloudView.
    expect(world.sim.exceptions().map((item) => item.uuid).sort()).toEqual([...uuids].sort());
  });

  it('makes adopted exceptions owned: removing one from the repository deletes it', async () => {
    world = await startWorld();
    for (const spec of uiMade) world.sim.createExceptionAsUi(spec);
    world.sim.createExceptionAsUi(awsException('someone-elses', { resources: [{ resourceId: 'arn:aws:s3:::other', accountId: '123456789012' }] }));
    expect((await world.run(['import', '--out', 'policies'])).code).toBe(0);
    const file = path.join(world.dir, 'policies', 'imported-aws.yaml');
    const text = await readFile(file, 'utf8');
    // Keep everything but `someone-elses`: it is still in the repo only if we keep it.
    expect(text).toContain('name: someone-elses');
    const { writeFile } = await import('node:fs/promises');
    await writeFile(file, text.replace(/  - name: someone-elses[\s\S]*?(?=  - name:|$)/, ''));
    const plan = await world.run(['plan', '--format', 'json']);
    const parsed = JSON.parse(plan.stdout);
    expect(parsed.changes.map((change: { action: string; name: string }) => `${change.action}:${change.name}`)).toEqual(['delete:someone-elses']);
  });

  it('creates the config file named by --config when it does not exist yet', async () => {
    world = await startWorld();
    world.sim.createExceptionAsUi(uiMade[1]);
    const imported = await world.run(['import', '--out', 'policies', '--config', 'team.config.yaml']);
    expect(imported.stderr).toBe('');
    expect(imported.code).toBe(0);
    expect(await readFile(path.join(world.dir, 'team.config.yaml'), 'utf8')).toContain('ui-azure-dev-subscription');
    expect((await world.run(['plan', '--detailed-exitcode', '--config', 'team.config.yaml'])).code).toBe(0);
    // Other commands still refuse a config file that is not there.
    expect((await world.run(['plan', '--config', 'missing.yaml'])).code).toBe(1);
  });

  it('refuses flags it does not know and needs credentials', async () => {
    world = await startWorld();
    expect((await world.run(['import', '--bogus'])).code).toBe(2);
    const noCreds = await world.run(['import'], { env: { QUALYS_PASSWORD: '' } });
    expect(noCreds.code).toBe(2);
    expect(noCreds.stderr).toContain('QUALYS_PASSWORD');
    expect(world.sim.counters().total).toBe(0);
  });
});

describe('cvex tag', () => {
  const rule = { cloudType: 'GCP', regex: '^//sqladmin\\.googleapis\\.com/projects/[a-z0-9-]+/instances/orders-db$', tagNames: ['data-pii-orders'] };

  it('previews with --dry-run, then tags; one request per rule', async () => {
    world = await startWorld();
    await world.writeManifest('tags.yaml', [awsException('team-a-one')], [rule]);
    const dry = await world.run(['tag', '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/GCP .*data-pii-orders\]: 3 evaluations/);
    expect(world.sim.counters().byRoute['evaluations.applyTags'] ?? 0).toBe(0);

    world.sim.resetCounters();
    const tagged = await world.run(['tag', '--format', 'json']);
    expect(tagged.code).toBe(0);
    const result = JSON.parse(tagged.stdout);
    expect(result.rules).toEqual([expect.objectContaining({ ok: true, message: 'Tag applied successfully to 3 evaluations' })]);
    expect(world.sim.counters()).toMatchObject({ total: 1, byRoute: { 'evaluations.applyTags': 1 } });
  });

  it('sends nothing when a manifest is invalid', async () => {
    world = await startWorld();
    await world.writeManifest('tags.yaml', [awsException('team-a-one')], [{ ...rule, regex: '([unclosed' }]);
    const result = await world.run(['tag']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('regex');
    expect(result.stderr).toContain('nothing was sent');
    expect(world.sim.counters().total).toBe(0);
  });

  it('reports a failing rule and exits 1, still running the others', async () => {
    world = await startWorld();
    await world.writeManifest('tags.yaml', [awsException('team-a-one')], [rule, { ...rule, cloudType: 'AWS', regex: '^arn:aws:s3:::.*$', tagNames: ['buckets'] }]);
    // applyTags is retried like a read (re-tagging is harmless): 5 failures exhaust the first rule's attempts.
    world.sim.injectFault({ route: 'evaluations.applyTags', kind: '500', times: 5 });
    const result = await world.run(['tag']);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/✗ GCP .*data-pii-orders\]: /);
    expect(result.stdout).toMatch(/✓ AWS .*buckets\]: Tag applied successfully/);
    expect(result.stdout).toContain('1 of 2 rules applied, 1 failed.');
    expect(world.sim.counters().byRoute['evaluations.applyTags']).toBe(6);
  });
});

describe('cvex demo (npm start)', () => {
  it('plans policies/ against a fresh simulator, applies, and converges', async () => {
    let stdout = '';
    let stderr = '';
    const io: CliIo = {
      stdout: { write: (text: string) => (stdout += text) },
      stderr: { write: (text: string) => (stderr += text) },
      env: { PATH: process.env.PATH, QUALYS_API_URL: 'https://qualysguard.qualys.com', QUALYS_PASSWORD: 'must-not-be-used' },
      cwd: path.resolve(__dirname, '../fixtures/example-repo'),
    };
    const code = await main(['demo', '--apply'], io);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(/CloudView simulator listening on http:\/\/127\.0\.0\.1:\d+/);
    expect(stdout).toMatch(/Plan: \d+ to create, 0 to replace, 0 to delete, 0 unchanged\./);
    expect(stdout).toContain('made-in-the-qualys-ui');
    expect(stdout).toMatch(/Apply complete: \d+ succeeded, 0 failed\./);
    expect(stdout).toMatch(/No changes\. \d+ exceptions match the repository\./);
    expect(stdout).not.toContain('must-not-be-used');
  });
});
