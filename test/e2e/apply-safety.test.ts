// Adversarial cases for apply and the plan outputs: saved plans edited by hand, a name taken in
// the UI after the plan, an audit log that cannot be written, remote text with terminal escapes,
// links in a pull-request comment, and a subscription whose clocks skip midnight.
import { readFile, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Plan } from '../../src/reconcile/types';
import { awsException, exceptionRequests, manyExceptions, signalController, startWorld, type World } from '../reconcile/e2e-harness';

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

async function readPlan(current: World, file: string): Promise<Plan> {
  return JSON.parse(await readFile(path.join(current.dir, file), 'utf8')) as Plan;
}

async function writePlan(current: World, file: string, plan: Plan): Promise<void> {
  await writeFile(path.join(current.dir, file), JSON.stringify(plan), 'utf8');
}

describe('apply --plan with a plan file edited by hand', () => {
  it('refuses a delete retargeted at an exception the repository does not own', async () => {
    world = await startWorld();
    await world.writeManifest('aws.yaml', [awsException('team-a-one'), awsException('team-a-two')]);
    expect((await world.run(['apply', '--auto-approve'])).code).toBe(0);
    const uiUuid = world.sim.createExceptionAsUi(awsException('made-in-ui'));
    await world.writeManifest('aws.yaml', [awsException('team-a-one')]);
    expect((await world.run(['plan', '--out', 'plan.json'])).code).toBe(0);

    const plan = await readPlan(world, 'plan.json');
    const change = plan.changes[0];
    expect(change.action).toBe('delete');
    if (change.action !== 'delete') return;
    change.uuid = uiUuid;
    change.name = 'made-in-ui';
    change.remote = { ...change.remote, uuid: uiUuid, name: 'made-in-ui' };
    await writePlan(world, 'plan.json', plan);

    world.sim.resetCounters();
    const result = await world.run(['apply', '--plan', 'plan.json']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('made-in-ui');
    expect(world.sim.counters().byRoute['exceptions.delete'] ?? 0).toBe(0);
    expect(world.sim.exceptions().some((item) => item.uuid === uiUuid)).toBe(true);
  });

  it('counts the deletes a saved plan really holds, not its summary, against the thresholds', async () => {
    world = await startWorld();
    await world.writeManifest('aws.yaml', manyExceptions(12));
    expect((await world.run(['apply', '--auto-approve'])).code).toBe(0);
    await world.writeManifest('aws.yaml', []);
    expect((await world.run(['plan', '--out', 'plan.json'])).code).toBe(0);

    const plan = await readPlan(world, 'plan.json');
    expect(plan.changes).toHaveLength(12);
    plan.summary = { create: 0, delete: 0, replace: 0, unchanged: 12 };
    plan.safety = { ...plan.safety, managed: 1_000_000, deletes: 0, exceedsMaxDeletes: false, exceedsPercent: false, blocked: false };
    plan.remote.managed = 1_000_000;
    await writePlan(world, 'plan.json', plan);

    const result = await world.run(['apply', '--plan', 'plan.json']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('--force');
    expect(world.sim.exceptions()).toHaveLength(12);
  });
});

describe('apply --plan after the account moved', () => {
  it('refuses as stale when a name the plan creates was taken in the UI since', async () => {
    world = await startWorld();
    await world.writeManifest('aws.yaml', [awsException('team-a-one'), awsException('team-a-two')]);
    expect((await world.run(['plan', '--out', 'plan.json'])).code).toBe(0);
    world.sim.createExceptionAsUi(awsException('team-a-two', { explanation: 'Made by hand in the meantime.' }));

    world.sim.resetCounters();
    const result = await world.run(['apply', '--plan', 'plan.json']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('stale');
    expect(result.stderr).toContain('team-a-two');
    // One listing to prove it, and nothing written.
    expect(exceptionRequests(world.sim).byRoute).toEqual({ 'exceptions.list': 1 });
    expect(world.sim.exceptions().map((item) => item.name)).toEqual(['team-a-two']);
  });
});

describe('apply --plan after a UI delete', () => {
  it('refuses as stale when a managed exception the plan replaces was deleted in the UI', async () => {
    world = await startWorld();
    await world.writeManifest('aws.yaml', [awsException('team-a-one'), awsException('team-a-two')]);
    expect((await world.run(['apply', '--auto-approve'])).code).toBe(0);
    await world.writeManifest('aws.yaml', [awsException('team-a-one', { endDate: '2027-03-31' }), awsException('team-a-two')]);
    expect((await world.run(['plan', '--out', 'plan.json'])).code).toBe(0);
    world.sim.deleteExceptionAsUi(world.sim.exceptions().find((item) => item.name === 'team-a-one')!.uuid);
    const result = await world.run(['apply', '--plan', 'plan.json']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('stale');
    expect(world.sim.exceptions().map((item) => item.name)).toEqual(['team-a-two']);
  });
});

describe('audit log', () => {
  it('changes nothing when the audit log cannot be written', async () => {
    world = await startWorld();
    await world.writeManifest('aws.yaml', [awsException('team-a-one')]);
    const result = await world.run(['apply', '--auto-approve', '--audit-log', 'no-such-dir/audit.jsonl']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('no-such-dir/audit.jsonl');
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(world.sim.exceptions()).toHaveLength(0);
  });
});

describe('output safety', () => {
  it('never writes terminal escape sequences from remote names in apply progress lines', async () => {
    world = await startWorld();
    world.sim.createExceptionAsUi(awsException('team-b-\u001b[2J\u001b]0;owned\u0007title'));
    await world.writeConfig({ manage: ['team-b-*'] });
    await world.writeManifest('aws.yaml', []);
    // Adopted by name, and the only managed one: deleting it takes --force.
    const result = await world.run(['apply', '--auto-approve', '--force']);
    expect(result.code, result.stderr).toBe(0);
    expect(world.sim.exceptions()).toHaveLength(0);
    expect(result.stdout).toContain('deleted team-b-');
    expect(result.stdout).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
    expect(result.stderr).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
  });

  it('keeps a remote name with line breaks on its own line (no forged lines, no CI workflow commands)', async () => {
    world = await startWorld();
    world.sim.createExceptionAsUi(awsException('made-in-ui\n::error title=Plan::No changes\r\nPlan: 0 to create'));
    await world.writeManifest('aws.yaml', [awsException('team-a-one')]);
    const result = await world.run(['plan']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('made-in-ui');
    expect(result.stdout).not.toMatch(/^::|^Plan: 0 to create/m);
  });

  it('does not let a manifest put a link into the pull-request comment', async () => {
    world = await startWorld();
    await world.writeManifest('aws.yaml', [awsException('team-a-one')]);
    expect((await world.run(['apply', '--auto-approve'])).code).toBe(0);
    await world.writeManifest('aws.yaml', [awsException('team-a-one', { explanation: 'Approved, see www.evil.example/approval and WWW.other.example' })]);
    const result = await world.run(['plan', '--format', 'markdown']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('evil.example');
    expect(result.stdout).not.toMatch(/www\.evil|WWW\.other/i);
  });
});

describe('time zones where the clocks skip midnight', () => {
  it('apply then plan shows no changes when a start date is a daylight-saving day (America/Santiago)', async () => {
    world = await startWorld({ timezone: 'America/Santiago' });
    // Chile moves its clocks from 00:00 to 01:00 on 2026-09-06: that day has no local midnight.
    await world.writeManifest('aws.yaml', [awsException('team-a-one', { startDate: '2026-09-06', endDate: '2027-04-30' })]);
    expect((await world.run(['apply', '--auto-approve', '--timezone', 'America/Santiago'])).code).toBe(0);
    const again = await world.run(['plan', '--detailed-exitcode', '--timezone', 'America/Santiago']);
    expect(again.stdout).toContain('No changes');
    expect(again.code).toBe(0);
  });

});

describe('ownership markers', () => {
  it('does not claim a UI-made exception whose explanation ends in a loose [cvex:...] look-alike', async () => {
    world = await startWorld();
    const lookAlikes = ['Reviewed in [cvex:deadbeef pending]', 'See [cvex:0123456789abcdef0123 local]', 'Tracked as [cvex:0123456789abcdef SEC-1042]'];
    const uuids = lookAlikes.map((explanation, index) => world!.sim.createExceptionAsUi(awsException(`ui-made-${index}`, { explanation })));
    await world.writeManifest('aws.yaml', [awsException('team-a-one')]);
    const result = await world.run(['plan', '--format', 'json']);
    expect(result.code, result.stderr).toBe(0);
    const plan = JSON.parse(result.stdout) as Plan;
    expect(plan.changes.map((change) => `${change.action}:${change.name}`)).toEqual(['create:team-a-one']);
    expect(plan.unmanaged.map((item) => item.uuid).sort()).toEqual([...uuids].sort());
  });
});

describe('convergence across scopes and fields', () => {
  it('apply then plan shows no changes for every scope, hidden fields, odd text and names (America/St_Johns)', async () => {
    world = await startWorld({ timezone: 'America/St_Johns' });
    await world.writeConfig({ timezone: 'America/St_Johns' });
    await world.writeManifest('aws.yaml', [
      awsException('team-a-crlf', { explanation: '  Leading spaces,\r\nCRLF,\ttab, blank lines\n\n\nand trailing space   \n' }),
      awsException('team-a-ünïcödé "quoted" it\'s [x]*?{a,b}', { controlIds: [2, 1] }),
      awsException('team-a-region', {
        resources: [
          { resourceId: 'arn:aws:s3:::b', accountId: '123456789012', region: 'us-east-1' },
          { resourceId: 'arn:aws:s3:::a', accountId: '123456789012' },
        ],
        informationSecurityPolicy: 'POL-1',
        informationSecurityProcedure: 'PROC-2',
      }),
      { ...awsException('team-a-tag-all'), exceptionScope: 'QUALYSTAG', resources: undefined, resourceTagNames: ['legacy', 'app'], isAllConnector: true },
      { ...awsException('team-a-tag-accounts'), exceptionScope: 'QUALYSTAG', resources: undefined, resourceTagNames: ['legacy'], isAllConnector: false, accountIds: ['123456789012'] },
      { ...awsException('team-a-connector'), exceptionScope: 'CONNECTOR', resources: undefined, accountIds: ['123456789012'] },
    ]);
    const applied = await world.run(['apply', '--auto-approve']);
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    world.sim.resetCounters();
    const again = await world.run(['plan', '--detailed-exitcode', '--skip-inventory']);
    expect(again.code, again.stdout).toBe(0);
    expect(again.stdout).toContain('No changes. 6 exceptions match the repository.');
    expect(exceptionRequests(world.sim).byRoute).toEqual({ 'exceptions.list': 1 });
  });
});

describe('Ctrl-C', () => {
  it('skips the tag stage once interrupted, also when every exception change had already started', async () => {
    world = await startWorld();
    const rules = [{ cloudType: 'AWS', regex: 'arn:aws:s3:::acme-prod.*', tagNames: ['cvex-accepted'] }];
    await world.writeManifest('aws.yaml', [awsException('team-a-one')], rules);
    expect((await world.run(['apply', '--auto-approve'])).code).toBe(0);
    await world.writeManifest('aws.yaml', [awsException('team-a-one'), awsException('team-a-two')], rules);
    world.sim.resetCounters();
    const stop = signalController('SIGINT');
    const result = await world.run(['apply', '--auto-approve'], { signal: stop.signal, onStdout: (text) => text.includes('[1/1]') && stop.interrupt() });
    expect(world.sim.counters().byRoute['exceptions.create']).toBe(1);
    expect(world.sim.counters().byRoute['evaluations.applyTags'] ?? 0).toBe(0);
    expect(result.code).toBe(130);
    expect(result.stdout).toContain('tag stage skipped');
  });
});

describe('UI edits of a managed explanation', () => {
  for (const [label, edit] of [
    ['trailing whitespace after the marker', (text: string) => `${text}   \n\n`],
    ['the marker duplicated', (text: string) => `${text}\n\n${text.slice(text.lastIndexOf('[cvex:'))}`],
    ['text edited before the marker', (text: string) => text.replace('Why', 'Because')],
  ] as const) {
    it(`${label}: still owned, put back, then no changes`, async () => {
      world = await startWorld();
      await world.writeManifest('aws.yaml', [awsException('team-a-one')]);
      expect((await world.run(['apply', '--auto-approve'])).code).toBe(0);
      const before = world.sim.exceptions()[0];
      const later = Date.now() + 3_600_000;
      world.sim.setNow(() => new Date(later));
      world.sim.editExceptionAsUi(before.uuid, { explanation: edit(before.explanation) });
      const plan = JSON.parse((await world.run(['plan', '--format', 'json'])).stdout) as Plan;
      expect(plan.conflicts).toEqual([]);
      expect(plan.changes).toEqual([expect.objectContaining({ action: 'replace', cause: 'edited-out-of-band' })]);
      expect((await world.run(['apply', '--auto-approve'])).code).toBe(0);
      expect((await world.run(['plan', '--detailed-exitcode'])).code).toBe(0);
    });
  }
});
