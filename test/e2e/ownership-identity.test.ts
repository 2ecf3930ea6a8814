// Who a repository is: its owner (required against a real platform), the repository it belongs to
// (apply refuses in a copy), its signing key (cvex keygen), and the room its marker takes.
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main';
import type { CliIo } from '../../src/command-line/io';
import { generateMarkerKey } from '../../src/reconcile/marker-keys';
import type { Plan } from '../../src/reconcile/types';
import { awsException, startWorld, type World } from '../reconcile/e2e-harness';

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

const REAL = { QUALYS_API_URL: 'https://qualysguard.example.invalid' };

describe('owner identity', () => {
  for (const argv of [['plan'], ['apply', '--auto-approve'], ['report'], ['tag']]) {
    it(`cvex ${argv[0]} refuses a real platform without owner:, printing the lines to add`, async () => {
      world = await startWorld({ ownership: 'none' });
      await world.writeManifest('aws.yaml', [awsException('team-a-one')], [{ cloudType: 'AWS', regex: '^x$', tagNames: ['t'] }]);
      const result = await world.run(argv, { env: { ...REAL, GITHUB_REPOSITORY: 'acme/cloud-policies' } });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('has no owner');
      expect(result.stderr).toContain('  owner: cloud-policies\n  repository: acme/cloud-policies');
    });
  }

  it('cvex import against a real platform needs an owner it can name', async () => {
    world = await startWorld({ ownership: 'none' });
    const result = await world.run(['import'], { env: REAL });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--owner SLUG');
    expect((await world.run(['import', '--owner', 'Not_A_Slug'], { env: REAL })).stderr).toContain('is not an owner slug');
  });

  it('the simulator needs none (owner local), and import writes owner and repository when it can name them', async () => {
    world = await startWorld({ ownership: 'none' });
    await world.writeManifest('aws.yaml', [awsException('team-a-one')]);
    expect((await world.run(['apply', '--auto-approve'])).code).toBe(0);
    expect(world.sim.exceptions()[0].explanation).toContain('[cvex:local ');
    world.sim.createExceptionAsUi(awsException('made-in-ui', { resources: [{ resourceId: 'arn:aws:s3:::ui', accountId: '123456789012' }] }));
    const imported = await world.run(['import'], { env: { GITHUB_REPOSITORY: 'acme/Cloud_Policies' } });
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stdout).toContain('wrote owner: cloud-policies');
    const config = await readFile(path.join(world.dir, 'cvex.config.yaml'), 'utf8');
    expect(config).toMatch(/^owner: cloud-policies\nrepository: acme\/Cloud_Policies\nmanage:\n {2}- made-in-ui\n$/);
  });

  it('against the simulator with no config (owner local, no key, no git) the quickstart loop works: apply, edit, plan, remove', async () => {
    world = await startWorld({ ownership: 'none' });
    await world.writeManifest('aws.yaml', [awsException('team-a-one'), awsException('team-a-two')]);
    expect((await world.run(['apply', '--auto-approve'])).code).toBe(0);
    await world.writeManifest('aws.yaml', [awsException('team-a-one', { endDate: '2027-03-31' })]);
    const plan = JSON.parse((await world.run(['plan', '--format', 'json'])).stdout) as Plan;
    expect(plan.conflicts).toEqual([]);
    expect(plan.changes.map((change) => `${change.action}:${change.name}`)).toEqual(['replace:team-a-one', 'delete:team-a-two']);
  });

  it("owner: local is the simulator's and refused against a real platform", async () => {
    world = await startWorld({ ownership: 'none' });
    await world.writeConfig({ owner: 'local' });
    await world.writeManifest('aws.yaml', [awsException('team-a-one')]);
    const result = await world.run(['plan'], { env: REAL });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("owner 'local' is reserved for the local simulator");
  });

  it('apply refuses in another repository than the config names, before anything is read', async () => {
    world = await startWorld();
    await world.writeConfig({ repository: 'acme/policies' });
    await world.writeManifest('aws.yaml', [awsException('team-a-one')]);
    const copy = await world.run(['apply', '--auto-approve'], { env: { GITHUB_REPOSITORY: 'someone/policies-copy' } });
    expect(copy.code).toBe(1);
    expect(copy.stderr).toContain('belongs to acme/policies, but this is someone/policies-copy');
    expect(copy.stderr).toContain('owner: policies-copy');
    expect(world.sim.counters().total).toBe(0);
    expect((await world.run(['apply', '--auto-approve'], { env: { GITHUB_REPOSITORY: 'acme/policies' } })).code).toBe(0);
  });
});

describe('signing key', () => {
  it('apply refuses without CVEX_SIGNING_KEY, or with a key markerKeys does not list; plan needs none', async () => {
    world = await startWorld();
    await world.writeManifest('aws.yaml', [awsException('team-a-one')]);
    expect((await world.run(['plan'], { env: { CVEX_SIGNING_KEY: '' } })).code).toBe(0);
    const missing = await world.run(['apply', '--auto-approve'], { env: { CVEX_SIGNING_KEY: '' } });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('set CVEX_SIGNING_KEY');
    const other = generateMarkerKey();
    const wrong = await world.run(['apply', '--auto-approve'], { env: { CVEX_SIGNING_KEY: other.privateKey } });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain(`key ${other.id}, which markerKeys does not list`);
    expect(wrong.stderr).not.toContain(other.privateKey);
    const garbled = await world.run(['apply', '--auto-approve'], { env: { CVEX_SIGNING_KEY: 'ed25519:not-a-key' } });
    expect(garbled.code).toBe(1);
    expect(world.sim.exceptions()).toEqual([]);
  });
});

describe('cvex keygen', () => {
  function io(cwd: string, tty: boolean): { io: CliIo; out: () => string; err: () => string } {
    let stdout = '';
    let stderr = '';
    return {
      io: { stdout: { write: (text: string) => (stdout += text), isTTY: tty }, stderr: { write: (text: string) => (stderr += text) }, env: {}, cwd },
      out: () => stdout,
      err: () => stderr,
    };
  }

  it('adds the public key to markerKeys and pipes the private key; the pair signs and verifies; never onto a terminal', async () => {
    world = await startWorld({ ownership: 'unsigned', owner: 'team-a' });
    await world.writeManifest('aws.yaml', [awsException('team-a-one')]);
    const before = await readFile(path.join(world.dir, 'cvex.config.yaml'), 'utf8');
    const terminal = io(world.dir, true);
    expect(await main(['keygen'], terminal.io)).toBe(1);
    expect(terminal.out()).toBe('');
    expect(terminal.err()).toContain('gh secret set CVEX_SIGNING_KEY');
    expect(await readFile(path.join(world.dir, 'cvex.config.yaml'), 'utf8')).toBe(before);

    const piped = io(world.dir, false);
    expect(await main(['keygen'], piped.io)).toBe(0);
    const privateKey = piped.out().trim();
    expect(privateKey).toMatch(/^ed25519:[A-Za-z0-9_-]{43}$/);
    const config = await readFile(path.join(world.dir, 'cvex.config.yaml'), 'utf8');
    expect(config).toMatch(/markerKeys:\n {2}- ed25519:[A-Za-z0-9_-]{43}\n/);
    expect(config).not.toContain(privateKey);
    expect(piped.err()).toMatch(/added key [0-9a-f]{8} to markerKeys in cvex\.config\.yaml/);

    const applied = await world.run(['apply', '--auto-approve'], { env: { CVEX_SIGNING_KEY: privateKey } });
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout + applied.stderr).not.toContain(privateKey);
    expect(world.sim.exceptions()[0].explanation).toMatch(/\[cvex:team-a [0-9a-f]{16} local [0-9a-f]{8}\.[A-Za-z0-9_-]{86}\]$/);
    expect((await world.run(['plan', '--detailed-exitcode'])).code).toBe(0);

    // A second key (rotation): both listed; markers signed by the first still verify.
    expect(await main(['keygen'], io(world.dir, false).io)).toBe(0);
    expect((await readFile(path.join(world.dir, 'cvex.config.yaml'), 'utf8')).match(/- ed25519:/g)).toHaveLength(2);
    expect((await world.run(['plan', '--detailed-exitcode'])).code).toBe(0);
  });
});

describe('marker fit', () => {
  it('validate reports an explanation that would not fit with its marker, at the field; plan sends nothing', async () => {
    world = await startWorld({ maxExplanationLength: 400 });
    await world.writeConfig({ maxExplanationLength: 400 });
    // 300 characters fit alone (and without a signature); the signed marker of owner e2e adds 138.
    await world.writeManifest('aws.yaml', [awsException('team-a-one', { explanation: 'x'.repeat(300) }), awsException('team-a-two')]);
    const validated = await world.run(['validate']);
    expect(validated.code).toBe(1);
    expect(validated.stdout).toMatch(/policies\/aws\.yaml:\d+:\d+: error: 'team-a-one': the explanation is 300 characters; with the cvex marker \(138 more: owner 'e2e', signed\) it would be 438, over the 400/);
    const json = JSON.parse((await world.run(['validate', '--format', 'json'])).stdout) as { errors: Array<{ rule: string; path: string }> };
    expect(json.errors).toEqual([expect.objectContaining({ rule: 'explanation.too-long', path: 'exceptions.0.explanation' })]);
    const planned = await world.run(['plan']);
    expect(planned.code).toBe(1);
    expect(world.sim.counters().total).toBe(0);

    // Without the check, the simulator (like CloudView) refuses the create: that is what it prevents.
    await world.writeConfig({ maxExplanationLength: 4000 });
    const applied = await world.run(['apply', '--auto-approve']);
    expect(applied.code).toBe(1);
    expect(applied.stderr).toContain('at most 400');
    expect(world.sim.exceptions().map((item) => item.name)).toEqual(['team-a-two']);

    // Unsigned, the marker is shorter: the same text fits.
    await world.writeConfig({ maxExplanationLength: 400, markerKeys: undefined });
    const unsigned = await world.run(['validate']);
    expect(unsigned.code, unsigned.stdout).toBe(0);
  });

  it('the plan JSON records owner, scope and the new listings', async () => {
    world = await startWorld();
    await world.writeManifest('aws.yaml', [awsException('team-a-one')]);
    const plan = JSON.parse((await world.run(['plan', '--format', 'json', 'policies/aws.yaml'])).stdout) as Plan;
    expect(plan).toMatchObject({ owner: 'e2e', scope: { kind: 'paths', paths: ['policies/aws.yaml'] }, foreign: [], unverified: [], legacy: [] });
  });
});
