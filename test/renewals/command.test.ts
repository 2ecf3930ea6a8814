// `cvex renewals` listing (no network): text, json and markdown; and what it refuses.
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main';
import type { CliIo } from '../../src/command-line/io';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'cvex-renewals-'));
  await mkdir(path.join(dir, 'policies'));
  await writeFile(path.join(dir, 'cvex.config.yaml'), 'version: 1\nmaxDeletes: 1\n');
  await writeFile(
    path.join(dir, 'policies/aws.yaml'),
    [
      'version: 1',
      'defaults: { cloudType: AWS, exceptionReason: Other, exceptionScope: CONNECTOR, controlIds: [2], accountIds: ["123456789012"], startDate: "2026-10-01" }',
      'exceptions:',
      '  - { name: a-one, explanation: one., endDate: "2026-12-05", metadata: { owner: team-a, ticket: T-1 } }',
      '  - { name: a-two, explanation: two., endDate: "2026-12-09", metadata: { owner: team-a } }',
      '  - { name: b-one, explanation: three., endDate: "2027-06-01", metadata: { owner: team-b } }',
      '  - { name: old, explanation: four., endDate: "2026-11-01" }',
      '',
    ].join('\n'),
  );
});
afterEach(() => rm(dir, { recursive: true, force: true }));

async function cvex(argv: string[], env: NodeJS.ProcessEnv = {}) {
  let stdout = '';
  let stderr = '';
  const io: CliIo = { stdout: { write: (text: string) => (stdout += text) }, stderr: { write: (text: string) => (stderr += text) }, env, cwd: dir };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}

describe('cvex renewals', () => {
  it('lists the groups: one renewal per pull request under maxDeletes 1, the expired apart', async () => {
    const text = await cvex(['renewals', '--now', '2026-11-30']);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toBe(
      [
        'cvex/renew/team-a  Renew 1 exception of team-a ending by 2026-12-05 (part 1 of 2)',
        '  a-one  2026-12-05 → 2027-03-05  ticket T-1',
        '',
        'cvex/renew/team-a-part-2  Renew 1 exception of team-a ending by 2026-12-09 (part 2 of 2)',
        '  a-two  2026-12-09 → 2027-03-09',
        '',
        'cvex/remove-expired  Remove 1 expired exception from the repository',
        '  old  ended 2026-11-01: remove',
        '',
        '3 pull requests (at most 1 renewal each).',
        '',
      ].join('\n'),
    );
    const json = JSON.parse((await cvex(['renewals', '--now', '2026-11-30', '--within', '2w', '--until', '2027-01-31', '--format', 'json'])).stdout);
    expect(json).toMatchObject({ version: 1, today: '2026-11-30', withinDays: 14, windowEnd: '2026-12-14', guard: { perGroup: 1, maxDeletes: 1, managed: 4 } });
    expect(json.groups.map((group: { branch: string; items: Array<{ newEndDate?: string }> }) => [group.branch, group.items.map((item) => item.newEndDate ?? null)])).toEqual([
      ['cvex/renew/team-a', ['2027-01-31']],
      ['cvex/renew/team-a-part-2', ['2027-01-31']],
      ['cvex/remove-expired', [null]],
    ]);
    const markdown = (await cvex(['renewals', '--now', '2026-11-30', '--format', 'markdown'])).stdout;
    expect(markdown).toContain('| a-one | team-a | T-1 | 2026-12-05 | 5 | 2027-03-05 | not read | policies/aws.yaml:4 |');
  });

  it('refuses bad flags, and opening pull requests without a repository or a token', async () => {
    expect((await cvex(['renewals', '--within', 'soon'])).code).toBe(2);
    const option = await cvex(['renewals', '--remote=--upload-pack=touch /tmp/x']);
    expect(option.code).toBe(2);
    expect(option.stderr).toContain("--remote: '--upload-pack=touch /tmp/x' is not a remote name or URL");
    const outside = await cvex(['renewals', '--open-pull-requests']);
    expect(outside.code).toBe(1);
    expect(outside.stderr).toContain('--open-pull-requests works in a git checkout');
  });

  it('reads --coverage like every other file: an endless device or a folder is refused at once, by path', async () => {
    const endless = await cvex(['renewals', '--now', '2026-11-30', '--coverage', '/dev/zero']);
    expect(endless.code).toBe(2);
    expect(endless.stderr).toContain('--coverage: cannot read /dev/zero as `cvex report --format json` output (not a regular file');
    const folder = await cvex(['renewals', '--now', '2026-11-30', '--coverage', 'policies']);
    expect(folder.stderr).toContain('(is a folder, not a file)');
  });
});
