// scripts/gh-gitops.js against a fake GitHub on loopback: the target a run may use, whether an apply
// is queued or running, and the apply result on every pull request of the applied range.
import { mkdtemp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type FakeGitHub, startFakeGitHub } from './fake-github';

interface GitopsModule {
  run(argv: string[], env: NodeJS.ProcessEnv, print: (line: string) => void): Promise<Record<string, unknown>>;
}
// A plain CommonJS script (it runs in the workflows without a build step).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const gitops = require('../../scripts/gh-gitops.js') as GitopsModule;

let github: FakeGitHub;
let dir: string;
let printed: string[];

beforeEach(async () => {
  github = await startFakeGitHub();
  dir = await mkdtemp(path.join(tmpdir(), 'cvex-gitops-'));
  printed = [];
});
afterEach(() => github.close());

function env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { GITHUB_TOKEN: github.token, GITHUB_REPOSITORY: github.repository, GITHUB_API_URL: github.url, GITHUB_SERVER_URL: 'https://github.example', GITHUB_RUN_ID: '5', GITHUB_OUTPUT: path.join(dir, 'output'), ...extra };
}
const run = (argv: string[], extra?: NodeJS.ProcessEnv) => gitops.run(argv, env(extra), (line) => printed.push(line));

async function config(name: string, text: string | undefined): Promise<string> {
  const folder = path.join(dir, name);
  await mkdir(folder, { recursive: true });
  if (text !== undefined) await writeFile(path.join(folder, 'cvex.config.yaml'), text);
  return folder;
}

describe('gh-gitops target', () => {
  it('takes the repository variable first, else the base branch config; a pull request that changes the target is flagged', async () => {
    const base = await config('base', 'version: 1\nplatform: us2\n');
    const same = await config('same', 'version: 1\nplatform: US2\ntimezone: UTC\n');
    const moved = await config('moved', 'version: 1\napiUrl: https://collector.example\n');
    expect(await run(['target', '--base', base, '--head', same])).toMatchObject({ flag: '--platform=US2', changed: false });
    expect(await run(['target', '--base', base, '--head', moved])).toMatchObject({ flag: '--platform=US2', changed: true });
    expect(await run(['target', '--base', base], { QUALYS_API_URL_VARIABLE: 'https://qualysguard.example' })).toMatchObject({ flag: '--api-url=https://qualysguard.example' });
    expect(await readFile(path.join(dir, 'output'), 'utf8')).toContain('changed=true\nnote=this pull request changes the target');
    // Removing the target, or a config that does not parse, counts as a change too.
    expect(await run(['target', '--base', base, '--head', await config('none', undefined)])).toMatchObject({ changed: true });
    expect(await run(['target', '--base', base, '--head', await config('broken', 'platform: [')])).toMatchObject({ changed: true, note: expect.stringContaining('does not parse') });
  });

  it('no target at all is a warning with what to set; two variables are an error', async () => {
    const empty = await config('empty', 'version: 1\n');
    expect(await run(['target', '--base', empty])).toMatchObject({ flag: '' });
    expect(printed.at(-1)).toMatch(/^::warning title=cvex target::no target: set the repository variable QUALYS_PLATFORM/);
    await expect(run(['target', '--base', empty], { QUALYS_PLATFORM_VARIABLE: 'US1', QUALYS_API_URL_VARIABLE: 'https://x.example' })).rejects.toThrow(/keep one/);
  });
});

describe('gh-gitops apply-busy', () => {
  it('is busy while a run of the apply workflow is queued, waiting or in progress', async () => {
    github.workflowRuns.set('exceptions-apply.yml', [{ id: 3, status: 'completed' }]);
    expect(await run(['apply-busy', '--workflow', 'exceptions-apply.yml'])).toMatchObject({ busy: false });
    for (const status of ['queued', 'waiting', 'in_progress'] as const) {
      github.workflowRuns.set('exceptions-apply.yml', [{ id: 4, status }, { id: 3, status: 'completed' }]);
      expect(await run(['apply-busy', '--workflow', 'exceptions-apply.yml'])).toMatchObject({ busy: true });
    }
    expect(await readFile(path.join(dir, 'output'), 'utf8')).toMatch(/busy=false\nbusy=true\n/);
  });
});

describe('gh-gitops apply-result', () => {
  it('comments on each merged pull request of the range once, with counts and one row per operation', async () => {
    const [a, b] = [github.addPullRequest(), github.addPullRequest()];
    github.commits.push({ sha: 'aa01', pulls: [] }, { sha: 'aa02', pulls: [a] }, { sha: 'aa03', pulls: [a] }, { sha: 'aa04', pulls: [b] });
    const audit = path.join(dir, 'audit.jsonl');
    await writeFile(
      audit,
      [
        { operation: 'create', name: 'new-one', uuidBefore: null, uuidAfter: 'u-1', result: 'succeeded' },
        { operation: 'replace', name: 'changed', uuidBefore: 'u-2', uuidAfter: 'u-3', result: 'succeeded' },
        { operation: 'delete', name: 'gone|`x`', uuidBefore: 'u-4', uuidAfter: null, result: 'failed', error: 'boom' },
      ]
        .map((record) => JSON.stringify(record))
        .join('\n'),
    );
    expect(await run(['apply-result', '--before', 'aa01', '--after', 'aa04', '--audit-log', audit, '--outcome', 'failure'])).toEqual({ numbers: [a, b], capped: false });
    for (const pr of [a, b]) {
      const comments = github.issues.get(pr)!.comments;
      expect(comments).toHaveLength(1);
      expect(comments[0].body).toContain('### cvex apply: FAILED');
      expect(comments[0].body).toContain('1 created, 1 replaced, 0 deleted, 1 failed');
      expect(comments[0].body).toContain("| ❌ delete failed | `gone\\|'x'` | `u-4` |");
      expect(comments[0].body).toContain('[run](https://github.example/acme/exceptions/actions/runs/5)');
    }
  });

  it('reads the apply report when there is one: a refusal and why, a lifted guard, the exemptions left missing', async () => {
    const pr = github.addPullRequest();
    github.commits.push({ sha: 'cc01', pulls: [pr] });
    const report = path.join(dir, 'apply-report.json');
    const audit = path.join(dir, 'audit.jsonl');
    // The audit log also holds records that are not changes: with a report they are not read at all.
    await writeFile(audit, `${JSON.stringify({ operation: 'liftGuards', result: 'succeeded' })}\n`);
    await writeFile(report, JSON.stringify({ outcome: 'refused', refusal: 'removal guards: 3 removals exceed the limit of 2', results: [], missing: [] }));
    await run(['apply-result', '--after', 'cc01', '--report', report, '--audit-log', audit, '--outcome', 'failure']);
    const [refused] = github.issues.get(pr)!.comments;
    expect(refused.body).toContain('### cvex apply: REFUSED');
    expect(refused.body).toContain('Nothing was sent: `removal guards: 3 removals exceed the limit of 2`');
    expect(refused.body).not.toContain('liftGuards');

    await writeFile(
      report,
      JSON.stringify({
        outcome: 'failed',
        safety: { lifted: { by: 'trailer', allowRemovals: 3, commit: 'cc01cc01cc01cc01' } },
        results: [
          { operation: 'replace', name: 'kept', uuidBefore: 'u-1', uuidAfter: 'u-2', result: 'succeeded' },
          { operation: 'replace', name: 'lost', uuidBefore: 'u-3', uuidAfter: null, result: 'failed', missing: true },
          { operation: 'replace', name: 'later', uuidBefore: 'u-4', uuidAfter: null, result: 'skipped' },
        ],
        missing: [{ name: 'lost', uuidBefore: 'u-3', error: 'boom' }],
      }),
    );
    await run(['apply-result', '--after', 'cc01', '--report', report, '--outcome', 'failure']);
    const failed = github.issues.get(pr)!.comments[1].body;
    expect(failed).toContain('### cvex apply: FAILED');
    expect(failed).toContain('0 created, 1 replaced, 0 deleted, 1 failed, 1 skipped (still in place).');
    expect(failed).toContain('| ⏸️ replace skipped | `later` | `u-4` |');
    expect(failed).toContain('The removal guards were lifted by the reviewed trailer `Cvex-Allow-Removals: 3` of commit `cc01cc01cc01`.');
    expect(failed).toContain('**1 exemption is missing** (deleted and not re-created): `lost`.');
    expect(failed).toContain('Run the apply workflow again');
  });

  it('without a usable before (a run by hand, a new branch), asks about the applied commit alone', async () => {
    const pr = github.addPullRequest();
    github.commits.push({ sha: 'bb01', pulls: [pr] });
    expect(await run(['apply-result', '--before', '0000000000000000000000000000000000000000', '--after', 'bb01', '--audit-log', path.join(dir, 'none.jsonl')])).toEqual({ numbers: [pr], capped: false });
    expect(github.issues.get(pr)!.comments[0].body).toContain('Nothing needed to change.');
    expect(github.requests.map((request) => request.path.split('?')[0])).toEqual(['/repos/acme/exceptions/commits/bb01/pulls', `/repos/acme/exceptions/issues/${pr}/comments`]);
  });
});
