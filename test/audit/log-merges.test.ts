// `cvex log` and merge commits: a conflict resolved by hand is a change of its own (the merge's),
// while what a merge only brings in from one side stays the change of the commit that made it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LogReport } from '../../src/audit/log-report';
import type { ManifestChangeEvent } from '../../src/audit/manifest-changes';
import { main } from '../../src/cli/main';
import type { CliIo } from '../../src/command-line/io';
import { ALICE, BOB, CAROL, createScriptedRepo, type ScriptedRepo } from '../git/scripted-repo';

let repo: ScriptedRepo;
const commits: Record<string, string> = {};

function manifest(oneEnd: string, twoControls: string): string {
  return [
    'version: 1',
    'exceptions:',
    '  - name: team-a-one',
    '    cloudType: AWS',
    '    exceptionScope: CONNECTOR',
    '    exceptionReason: Risk Accepted',
    '    explanation: Sandbox account.',
    '    startDate: "2026-07-01"',
    `    endDate: "${oneEnd}"`,
    '    controlIds: [1]',
    '    accountIds: ["123456789012"]',
    '  - name: team-a-two',
    '    cloudType: AWS',
    '    exceptionScope: CONNECTOR',
    '    exceptionReason: Risk Accepted',
    '    explanation: Shared services.',
    '    startDate: "2026-07-01"',
    '    endDate: "2027-03-31"',
    `    controlIds: ${twoControls}`,
    '    accountIds: ["123456789012"]',
    '',
  ].join('\n');
}

async function changesOf(name: string): Promise<ManifestChangeEvent[]> {
  let stdout = '';
  const io: CliIo = { stdout: { write: (text: string) => (stdout += text) }, stderr: { write: () => true }, env: {}, cwd: repo.dir };
  expect(await main(['log', '--offline', '--format', 'json', name], io)).toBe(0);
  const report = JSON.parse(stdout) as LogReport;
  return report.exceptions.flatMap((timeline) => timeline.events.filter((event): event is ManifestChangeEvent => event.kind === 'change'));
}

beforeAll(async () => {
  repo = await createScriptedRepo();
  commits.base = await repo.commit('Add team A', { 'policies/aws.yaml': manifest('2027-01-31', '[1]') }, { author: ALICE, date: '2026-07-01T09:00:00+00:00' });
  await repo.git(['checkout', '--quiet', '-b', 'renew']);
  commits.pr = await repo.commit('Renew team-a-one to March', { 'policies/aws.yaml': manifest('2027-03-31', '[1]') }, { author: BOB, date: '2026-07-02T09:00:00+00:00' });
  await repo.git(['checkout', '--quiet', 'main']);
  commits.main = await repo.commit(
    'Renew team-a-one to February, widen team-a-two',
    { 'policies/aws.yaml': manifest('2027-02-28', '[1, 2]') },
    { author: ALICE, date: '2026-07-03T09:00:00+00:00' },
  );
  // Both sides changed the same line: the merge stops, and Carol resolves it with a third date.
  await repo.git(['merge', '--quiet', '--no-ff', '-m', 'Merge pull request #7 from acme/renew', 'renew']).catch(() => undefined);
  commits.merge = await repo.commit('Merge pull request #7 from acme/renew', { 'policies/aws.yaml': manifest('2027-06-30', '[1, 2]') }, { author: CAROL, date: '2026-07-04T09:00:00+00:00' });
});

afterAll(() => repo.close());

describe('cvex log and merges', () => {
  it('shows a conflict resolved by hand as the merge commit\'s own change, against the main line', async () => {
    expect((await repo.git(['rev-list', '--parents', '-n', '1', commits.merge])).split(' ')).toHaveLength(3);
    const changes = await changesOf('team-a-one');
    // In the order they took effect on main: the pull request's commit when it was merged.
    expect(changes.map((event) => [event.commit, event.action])).toEqual([
      [commits.base, 'added'],
      [commits.main, 'changed'],
      [commits.pr, 'changed'],
      [commits.merge, 'changed'],
    ]);
    const resolved = changes.at(-1)!;
    expect(resolved).toMatchObject({ author: { name: CAROL.name }, subject: 'Merge pull request #7 from acme/renew' });
    expect(resolved.fields).toEqual([{ field: 'endDate', before: '2027-02-28', after: '2027-06-30' }]);
  });

  it('does not repeat at the merge what one side changed and the merge took as it was', async () => {
    const changes = await changesOf('team-a-two');
    expect(changes.map((event) => [event.commit, event.action])).toEqual([
      [commits.base, 'added'],
      [commits.main, 'changed'],
    ]);
  });
});
