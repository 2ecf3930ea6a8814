// No manifests is an error, never an empty desired state that deletes: the wrong folder, a typo in
// `manifests:`, a glob that cannot match. And a blank value never reaches a create. Each case runs
// validate, plan and apply against the simulator holding managed exceptions: exit 1, nothing sent,
// nothing deleted, and the message points at the config line.
import { mkdirSync, symlinkSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/command-line/io';
import { main } from '../../src/cli/main';
import { DEFAULT_SIM_PASSWORD, DEFAULT_SIM_USER } from '../../src/simulator';
import { awsException, manyExceptions, startWorld, type World } from '../reconcile/e2e-harness';


// The worlds write their own cvex.config.yaml (ownership: 'none'): the tests point at its lines.
let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

/** A world whose account holds 7 exceptions this repository applied. */
async function managedWorld(): Promise<World> {
  const current = await startWorld({ ownership: 'none' });
  await current.writeManifest('aws.yaml', manyExceptions(7));
  expect((await current.run(['apply', '--auto-approve'])).code).toBe(0);
  return current;
}

async function runIn(current: World, cwd: string, argv: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  const io: CliIo = {
    stdout: { write: (text: string) => (out += text) },
    stderr: { write: (text: string) => (out += text) },
    env: { QUALYS_API_URL: current.sim.url, QUALYS_USERNAME: DEFAULT_SIM_USER, QUALYS_PASSWORD: DEFAULT_SIM_PASSWORD },
    cwd,
  };
  return { code: await main(argv, io), out };
}

const COMMANDS = [['validate'], ['plan'], ['plan', '--detailed-exitcode'], ['apply', '--auto-approve', '--force']];

describe('no manifests is an error', () => {
  it('from the wrong folder, validate, plan and apply fail and plan no deletes', async () => {
    world = await managedWorld();
    const elsewhere = path.join(world.dir, 'docs');
    mkdirSync(elsewhere);
    for (const argv of COMMANDS) {
      world.sim.resetCounters();
      const { code, out } = await runIn(world, elsewhere, argv);
      expect(code, argv.join(' ')).toBe(1);
      expect(out).toContain('no policies/ folder here');
      expect(out).toContain('run cvex from the repository root');
      expect(out).not.toMatch(/to delete|  -  /);
      expect(world.sim.counters().total).toBe(0);
    }
    expect(world.sim.exceptions()).toHaveLength(7);
  });

  it('a typo in `manifests:` (polices/) is an error at its line, with a suggestion; nothing is deleted', async () => {
    world = await managedWorld();
    await world.writeConfig({ manifests: ['polices/**/*.yaml'] });
    for (const argv of COMMANDS) {
      world.sim.resetCounters();
      const result = await world.run(argv);
      expect(result.code, argv.join(' ')).toBe(1);
      expect(`${result.stdout}${result.stderr}`).toMatch(/cvex\.config\.yaml:2:5: error:? (manifests\.base-missing: )?`polices\/\*\*\/\*\.yaml`: the folder polices does not exist \(did you mean policies\?\)/);
      expect(world.sim.counters().total).toBe(0);
    }
    expect(world.sim.exceptions()).toHaveLength(7);
  });

  it.each([['policies/***/*.yaml'], ['policies/[z-a]*.yaml']])('%j cannot match by construction: an error, also beside a glob that matches', async (glob) => {
    world = await managedWorld();
    await world.writeConfig({ manifests: ['policies/*.yaml', glob] });
    for (const argv of COMMANDS) {
      world.sim.resetCounters();
      const result = await world.run(argv);
      expect(result.code, argv.join(' ')).toBe(1);
      expect(`${result.stdout}${result.stderr}`).toMatch(/cvex\.config\.yaml:3:5: error:? (manifests\.glob-invalid: )?`/);
      expect(world.sim.counters().total).toBe(0);
    }
  });

  it('a valid glob that matches nothing, beside one that matches, is only a warning', async () => {
    world = await managedWorld();
    mkdirSync(path.join(world.dir, 'legacy'));
    await world.writeConfig({ manifests: ['policies/*.yaml', 'legacy/*.yaml'] });
    const validate = await world.run(['validate']);
    expect(validate.code).toBe(0);
    expect(validate.stdout).toContain('cvex.config.yaml:3:5: warning: `legacy/*.yaml`: no manifest matches this pattern [manifests.1]');
    const plan = await world.run(['plan', '--detailed-exitcode']);
    expect(plan.code).toBe(0);
  });

  it('a manifest linked from elsewhere in the repository is read; one linked from outside is an error', async () => {
    world = await managedWorld();
    mkdirSync(path.join(world.dir, 'shared'));
    await writeFile(path.join(world.dir, 'shared', 'extra.yaml'), 'exceptions: []\n');
    symlinkSync('../shared/extra.yaml', path.join(world.dir, 'policies', 'extra.yaml'));
    const linked = await world.run(['validate', '--format', 'json']);
    expect(JSON.parse(linked.stdout)).toMatchObject({ valid: true, files: 2 });
    symlinkSync('/etc/hostname', path.join(world.dir, 'policies', 'host.yaml'));
    world.sim.resetCounters();
    const outside = await world.run(['apply', '--auto-approve']);
    expect(outside.code).toBe(1);
    expect(outside.stderr).toContain('policies/host.yaml: error file.outside-repository: a symbolic link to a file outside the repository; not read');
    expect(world.sim.counters().total).toBe(0);
  });
});

describe('blank strings are rejected after trimming', () => {
  it("accountIds: ['123456789012', ' '] fails validate at file:line:column, and apply sends nothing", async () => {
    world = await startWorld({ ownership: 'none' });
    const spec = awsException('team-a-connector', { exceptionScope: 'CONNECTOR', resources: undefined, accountIds: ['123456789012', ' '] });
    await world.writeManifest('aws.yaml', [spec]);
    const validate = await world.run(['validate']);
    expect(validate.code).toBe(1);
    expect(validate.stdout).toMatch(/^policies\/aws\.yaml:\d+:\d+: error: `accountIds\[1\]` must not be blank \(only whitespace\); got " " \[exceptions\.0\.accountIds\.1\]$/m);
    world.sim.resetCounters();
    expect((await world.run(['apply', '--auto-approve'])).code).toBe(1);
    expect(world.sim.counters().total).toBe(0);
  });
});
