// `cvex apply` writes its record into git notes on the applied commit: over loopback against the
// simulator, in a temporary repository, and says where the record went (or that there is none).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { main } from '../../src/cli/main';
import type { CliIo } from '../../src/command-line/io';
import { parseApplyRecords } from '../../src/audit/apply-record';
import { DEFAULT_SIM_PASSWORD, DEFAULT_SIM_USER, startSimulator, type Simulator } from '../../src/simulator';
import { awsException } from '../reconcile/e2e-harness';
import { createBareRemote, createScriptedRepo, type ScriptedRepo } from '../git/scripted-repo';

let sim: Simulator;
let repo: ScriptedRepo;

beforeEach(async () => {
  sim = await startSimulator();
  repo = await createScriptedRepo();
});
afterEach(async () => {
  await sim.close();
  await repo.close();
});

async function cvex(argv: string[], env: NodeJS.ProcessEnv = {}, cwd = repo.dir): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env: { QUALYS_API_URL: sim.url, QUALYS_USERNAME: DEFAULT_SIM_USER, QUALYS_PASSWORD: DEFAULT_SIM_PASSWORD, ...env },
    cwd,
  };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}

const manifest = (exceptions: unknown[]) => stringify({ version: 1, exceptions });

async function notesOn(commit: string) {
  return parseApplyRecords(await repo.git(['notes', '--ref=refs/notes/cvex', 'show', commit]));
}

describe('apply records in git notes', () => {
  it('attaches one JSON line per apply to the applied commit, with the range since the previous apply', async () => {
    const first = await repo.commit('two exceptions', { 'policies/aws.yaml': manifest([awsException('team-a-one'), awsException('team-a-two')]) });
    const applied = await cvex(['apply', '--auto-approve'], { GITHUB_ACTOR: 'octocat' });
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toContain(`Recorded in git: a note on ${first.slice(0, 12)} in refs/notes/cvex (not pushed: \`cvex notes push\` shares it).`);
    const [record] = await notesOn(first);
    const created = sim.exceptions();
    expect(record).toMatchObject({
      version: 1,
      kind: 'cvex-apply',
      actor: 'octocat',
      commit: first,
      range: { from: null, to: first },
      target: new URL(sim.url).origin,
      worktree: 'clean',
      outcome: 'succeeded',
      summary: { succeeded: 2, failed: 0, notStarted: 0 },
      lifted: [],
    });
    expect(Date.parse(record.time)).not.toBeNaN();
    const one = record.changes.find((change) => change.name === 'team-a-one')!;
    expect(one).toMatchObject({ action: 'create', uuidBefore: null, uuidAfter: created.find((item) => item.name === 'team-a-one')!.uuid, fingerprintBefore: null, result: 'succeeded' });
    expect(one.fingerprintAfter).toMatch(/^[0-9a-f]{16}$/);
    expect(one.fields).toContainEqual({ field: 'endDate', before: null, after: '2027-04-30' });

    // A commit that changes nothing cvex sees, then a renewal: the range runs from the first apply.
    await repo.commit('readme', { 'README.md': 'hello\n' });
    const second = await repo.commit('renew team-a-one', {
      'policies/aws.yaml': manifest([awsException('team-a-one', { endDate: '2027-06-30' }), awsException('team-a-two')]),
    });
    const renewed = await cvex(['apply', '--auto-approve'], { GITHUB_ACTOR: 'octocat' });
    expect(renewed.code, renewed.stderr).toBe(0);
    const [replace] = await notesOn(second);
    expect(replace.range).toEqual({ from: first, to: second });
    expect(replace.changes).toEqual([
      expect.objectContaining({
        action: 'replace',
        name: 'team-a-one',
        uuidBefore: one.uuidAfter,
        uuidAfter: sim.exceptions().find((item) => item.name === 'team-a-one')!.uuid,
        fingerprintBefore: one.fingerprintAfter,
        cause: 'changed-in-repo',
        fields: [{ field: 'endDate', before: '2027-04-30', after: '2027-06-30' }],
        result: 'succeeded',
      }),
    ]);
    expect(replace.changes[0].fingerprintAfter).not.toBe(one.fingerprintAfter);

    // Applying the same commit again (a re-run) appends to its note.
    await repo.commit('remove team-a-two', { 'policies/aws.yaml': manifest([awsException('team-a-one', { endDate: '2027-06-30' })]) });
    const head = await repo.git(['rev-parse', 'HEAD']);
    await repo.git(['checkout', '--quiet', second]);
    expect((await cvex(['apply', '--auto-approve'])).code).toBe(0);
    expect(await notesOn(second)).toHaveLength(1);
    await repo.git(['checkout', '--quiet', head]);
    const deleted = await cvex(['apply', '--auto-approve']);
    expect(deleted.code, deleted.stderr).toBe(0);
    const [removal] = await notesOn(head);
    expect(removal.changes).toEqual([expect.objectContaining({ action: 'delete', name: 'team-a-two', uuidAfter: null, fingerprintAfter: null, fields: [] })]);
    expect(removal.range.from).toBe(second);

    const everything = await repo.git(['log', '--notes=refs/notes/cvex', '--format=%N']);
    expect(everything).not.toContain(DEFAULT_SIM_PASSWORD);
  });

  it('records a local apply of uncommitted edits as such, and a failed change with its error', async () => {
    const commit = await repo.commit('one', { 'policies/aws.yaml': manifest([awsException('team-a-one')]) });
    await repo.commit('config', { 'cvex.config.yaml': '' });
    // Edited, not committed: applied all the same, recorded as `modified`.
    const { writeFile } = await import('node:fs/promises');
    await writeFile(`${repo.dir}/policies/aws.yaml`, manifest([awsException('team-a-one'), awsException('team-a-bad', { controlIds: [999999] })]));
    const applied = await cvex(['apply', '--auto-approve', '--skip-inventory']);
    const head = await repo.git(['rev-parse', 'HEAD']);
    expect(head).not.toBe(commit);
    const [record] = await notesOn(head);
    expect(record.worktree).toBe('modified');
    expect(applied.code).toBe(1);
    expect(record.outcome).toBe('failed');
    expect(record.summary).toEqual({ succeeded: 1, failed: 1, notStarted: 0 });
    expect(record.changes.find((change) => change.name === 'team-a-bad')).toMatchObject({
      action: 'create',
      uuidAfter: null,
      result: 'failed',
      error: expect.stringContaining('control 999999 does not exist'),
    });
    expect(record.changes.find((change) => change.name === 'team-a-one')).toMatchObject({ result: 'succeeded' });
  });

  it('CVEX_GIT_RECORD=off (a rehearsal, the demo) records nothing', async () => {
    await repo.commit('one', { 'policies/aws.yaml': manifest([awsException('team-a-one')]) });
    const applied = await cvex(['apply', '--auto-approve'], { CVEX_GIT_RECORD: 'off' });
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toContain('CVEX_GIT_RECORD=off: nothing recorded in git.');
    expect(await repo.git(['notes', '--ref=refs/notes/cvex', 'list'])).toBe('');
  });

  it('outside git, says nothing is recorded in git', async () => {
    const outside = await createBareRemote();
    const { mkdir, writeFile } = await import('node:fs/promises');
    const dir = `${outside.dir}-work`;
    await mkdir(`${dir}/policies`, { recursive: true });
    await writeFile(`${dir}/policies/aws.yaml`, manifest([awsException('team-a-one')]));
    const applied = await cvex(['apply', '--auto-approve'], {}, dir);
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toContain('Not a git repository: nothing recorded in git');
    await outside.close();
  });

  it('cvex notes push / fetch share the records through a remote, merging both sides line by line', async () => {
    const origin = await createBareRemote();
    await repo.git(['remote', 'add', 'origin', origin.dir]);
    const commit = await repo.commit('one', { 'policies/aws.yaml': manifest([awsException('team-a-one')]) });
    await repo.git(['push', '--quiet', 'origin', 'main']);
    expect((await cvex(['notes', 'push'])).stdout).toContain('No apply records here yet');
    expect((await cvex(['apply', '--auto-approve'])).code).toBe(0);
    const pushed = await cvex(['notes', 'push']);
    expect(pushed.code, pushed.stderr).toBe(0);
    expect(pushed.stdout).toContain("Pushed refs/notes/cvex to origin.");

    // A second clone applies the same commit again and pushes: both records are kept.
    const clone = await createScriptedRepo({ bare: origin.dir });
    await clone.git(['fetch', '--quiet', 'origin', 'main']);
    await clone.git(['checkout', '--quiet', '-B', 'main', 'origin/main']);
    expect((await cvex(['notes', 'fetch'], {}, clone.dir)).stdout).toContain('Fetched refs/notes/cvex');
    await sim.close();
    sim = await startSimulator();
    expect((await cvex(['apply', '--auto-approve'], { USER: 'second' }, clone.dir)).code).toBe(0);
    // Meanwhile the first clone applies again too (to another account), and pushes first.
    await sim.close();
    sim = await startSimulator();
    expect((await cvex(['apply', '--auto-approve'], { USER: 'first' })).code).toBe(0);
    expect((await cvex(['notes', 'push'])).code).toBe(0);
    const raced = await cvex(['notes', 'push'], {}, clone.dir);
    expect(raced.code, raced.stderr).toBe(0);
    await repo.git(['fetch', '--quiet', 'origin', '+refs/notes/cvex:refs/notes/cvex']);
    const records = await notesOn(commit);
    expect(records.map((record) => record.actor).sort()).toEqual(expect.arrayContaining(['first', 'second']));
    expect(records).toHaveLength(3);
    await clone.close();
    await origin.close();
  });
});
