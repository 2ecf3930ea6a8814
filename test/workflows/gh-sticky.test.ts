import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type FakeGitHub, startFakeGitHub } from './fake-github';

interface StickyModule {
  buildBody(options: { marker: string; body: string; outcome?: string; env?: NodeJS.ProcessEnv }): string;
  buildSummary(options: { title: string; text: string; outcome?: string }): string;
  run(argv: string[], env: NodeJS.ProcessEnv, print: (line: string) => void): Promise<{ action: string }>;
  MAX_BODY: number;
}
// A plain CommonJS script (it runs in the workflows without a build step).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const sticky = require('../../scripts/gh-sticky.js') as StickyModule;

const PLAN_MARKER = '<!-- cvex-plan -->';
const DRIFT_MARKER = '<!-- cvex-drift -->';

let github: FakeGitHub;
let dir: string;
let printed: string[];

beforeEach(async () => {
  github = await startFakeGitHub();
  dir = await mkdtemp(path.join(tmpdir(), 'cvex-sticky-'));
  printed = [];
});
afterEach(() => github.close());

function env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    GITHUB_TOKEN: github.token,
    GITHUB_REPOSITORY: github.repository,
    GITHUB_API_URL: github.url,
    GITHUB_SERVER_URL: 'https://github.example',
    GITHUB_RUN_ID: '77',
    GITHUB_SHA: '0123456789abcdef0123',
    ...extra,
  };
}

async function file(name: string, text: string): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, text);
  return file;
}

const run = (argv: string[], extraEnv?: NodeJS.ProcessEnv) => sticky.run(argv, env(extraEnv), (line) => printed.push(line));

describe('gh-sticky comment', () => {
  it('posts one comment, then edits it on every later push', async () => {
    const pr = github.addPullRequest();
    const issue = github.issues.get(pr)!;
    issue.comments.push({ id: 1, body: 'LGTM, a human', html_url: '' });
    // More than one page of comments before ours: the marker is still found.
    for (let i = 0; i < 120; i += 1) issue.comments.push({ id: 2 + i, body: `chatter ${i}`, html_url: '' });

    const first = await file('plan1.md', '### cvex plan: 1 to create\n');
    expect(await run(['comment', '--pr', String(pr), '--marker', PLAN_MARKER, '--body-file', first])).toMatchObject({ action: 'created' });
    const second = await file('plan2.md', '### cvex plan: 2 to create\n');
    expect(await run(['comment', '--pr', String(pr), '--marker', PLAN_MARKER, '--body-file', second])).toMatchObject({ action: 'updated' });

    const ours = issue.comments.filter((comment) => comment.body.includes(PLAN_MARKER));
    expect(ours).toHaveLength(1);
    expect(ours[0].body).toContain('2 to create');
    expect(ours[0].body).not.toContain('1 to create');
    expect(issue.comments[0].body).toBe('LGTM, a human');
    expect(printed[0]).toMatch(/^created comment https:\/\/github\.example\/acme\/exceptions\/issues\/\d+#issuecomment-\d+$/);
    expect(github.requests.every((request) => request.authorization === `Bearer ${github.token}`)).toBe(true);
  });

  it('edits only its own comment: a comment by someone else that carries the marker is left alone', async () => {
    const pr = github.addPullRequest();
    const issue = github.issues.get(pr)!;
    // Anyone can comment on a public pull request, before the first plan is posted.
    issue.comments.push({ id: 1, body: `${PLAN_MARKER}\nPlan: no changes (trust me)`, html_url: '', user: { login: 'mallory', type: 'User' } });
    const first = await file('plan1.md', '### cvex plan: 1 to create\n');
    expect(await run(['comment', '--pr', String(pr), '--marker', PLAN_MARKER, '--body-file', first])).toMatchObject({ action: 'created' });
    const second = await file('plan2.md', '### cvex plan: 2 to create\n');
    expect(await run(['comment', '--pr', String(pr), '--marker', PLAN_MARKER, '--body-file', second])).toMatchObject({ action: 'updated' });
    expect(issue.comments[0].body).toBe(`${PLAN_MARKER}\nPlan: no changes (trust me)`);
    const ours = issue.comments.filter((comment) => comment.user?.login === 'github-actions[bot]');
    expect(ours).toHaveLength(1);
    expect(ours[0].body).toContain('2 to create');
  });

  it('says there is no plan when the plan step was skipped, and still updates the same comment', async () => {
    const pr = github.addPullRequest();
    const plan = await file('plan.md', '### cvex plan: no changes\n');
    await run(['comment', '--pr', String(pr), '--marker', PLAN_MARKER, '--body-file', plan]);
    await run(['comment', '--pr', String(pr), '--marker', PLAN_MARKER, '--body-file', path.join(dir, 'missing.md'), '--outcome', 'skipped']);
    const [comment] = github.issues.get(pr)!.comments;
    expect(github.issues.get(pr)!.comments).toHaveLength(1);
    expect(comment.body).toContain('No plan: the manifests did not validate');
    expect(comment.body).not.toContain('no changes');
  });

  it('refuses a bad pull request number and reports API errors without the token', async () => {
    await expect(run(['comment', '--pr', 'abc', '--marker', PLAN_MARKER])).rejects.toThrow(/--pr must be/);
    const error = await run(['comment', '--pr', '1', '--marker', PLAN_MARKER], { GITHUB_TOKEN: 'wrong-token' }).catch((e: Error) => e);
    expect(String(error)).toMatch(/401 Bad credentials/);
    expect(String(error)).not.toContain('wrong-token');
  });
});

describe('gh-sticky issue / close-issue', () => {
  const issueArgs = (bodyFile: string) => ['issue', '--label', 'cvex-drift', '--marker', DRIFT_MARKER, '--title', 'Qualys exceptions drifted', '--body-file', bodyFile];

  it('opens one labelled issue, updates it, and closes it when clean', async () => {
    // A pull request with the label and the marker is never taken for the issue.
    const pr = github.addPullRequest();
    Object.assign(github.issues.get(pr)!, { labels: [{ name: 'cvex-drift' }], body: DRIFT_MARKER });

    expect(await run(issueArgs(await file('d1.md', 'drift one')))).toMatchObject({ action: 'created' });
    expect(github.labels.has('cvex-drift')).toBe(true);
    expect(await run(issueArgs(await file('d2.md', 'drift two')))).toMatchObject({ action: 'updated' });
    const open = [...github.issues.values()].filter((issue) => !issue.pull_request);
    expect(open).toHaveLength(1);
    expect(open[0]).toMatchObject({ state: 'open', title: 'Qualys exceptions drifted', labels: [{ name: 'cvex-drift' }] });
    expect(open[0].body).toContain('drift two');
    expect(open[0].body.startsWith(DRIFT_MARKER)).toBe(true);

    const clean = await file('clean.md', '### cvex plan: no changes');
    expect(await run(['close-issue', '--label', 'cvex-drift', '--marker', DRIFT_MARKER, '--body-file', clean])).toMatchObject({ action: 'closed' });
    expect(open[0]).toMatchObject({ state: 'closed', state_reason: 'completed' });
    expect(open[0].comments.at(-1)?.body).toContain('Clean again');
    expect(github.issues.get(pr)!.state).toBe('open');

    expect(await run(['close-issue', '--label', 'cvex-drift', '--marker', DRIFT_MARKER])).toMatchObject({ action: 'none' });
    // Drift again after closing: a new issue, not a reopened one.
    expect(await run(issueArgs(await file('d3.md', 'drift three')))).toMatchObject({ action: 'created' });
    expect(printed.at(-1)).toMatch(/^created issue /);
  });
});

describe('buildBody', () => {
  it('adds the marker once, a status for failures, and a footer pointing at the run', () => {
    const body = sticky.buildBody({
      marker: PLAN_MARKER,
      body: `${PLAN_MARKER}\n### plan\n`,
      outcome: 'failure',
      env: { GITHUB_REPOSITORY: 'o/r', GITHUB_RUN_ID: '9', GITHUB_SHA: 'abcdef' },
    });
    expect(body.split(PLAN_MARKER)).toHaveLength(2);
    expect(body).toContain('`cvex` failed: see the [run log](https://github.com/o/r/actions/runs/9)');
    expect(body).toContain('### plan');
    expect(body.trimEnd().endsWith('commit abcdef</sub>')).toBe(true);
  });

  it('keeps under the GitHub body limit', () => {
    const body = sticky.buildBody({ marker: PLAN_MARKER, body: 'x'.repeat(200_000) });
    expect(body.length).toBeLessThan(65_536);
    expect(body).toContain('truncated');
  });
});

describe('gh-sticky summary', () => {
  it('appends the text report in a fence it cannot break out of, colours dropped', async () => {
    const summary = path.join(dir, 'summary.md');
    await writeFile(summary, '### before\n');
    const report = await file('apply.txt', '\u001b[32m+ created\u001b[0m team-```-x\n');
    await run(['summary', '--title', 'cvex apply', '--text-file', report, '--outcome', 'failure'], { GITHUB_STEP_SUMMARY: summary, GITHUB_TOKEN: '' });
    expect(await readFile(summary, 'utf8')).toBe('### before\n### cvex apply: FAILED\n\n````text\n+ created team-```-x\n````\n');
    expect(sticky.buildSummary({ title: 't', text: '' })).toBe('### t: succeeded\n\n```text\n(no output)\n```\n');
  });
});

describe('gh-sticky issue: notify only when the drift changed, mention only allowlisted handles', () => {
  const plan = (changes: Array<{ action: string; name: string; cause?: string }>) => file('drift.json', JSON.stringify({ changes, conflicts: [] }));

  it('comments when opened and when the set of (action, name, cause) changes, never for an edit of the same drift', async () => {
    const body = await file('drift.md', '### cvex plan: 1 to replace\n');
    const codeowners = await file('CODEOWNERS', '/policies/ @acme/Security @bob # reviewers\n# @commented-out\n');
    const issue = (planFile: string, mention = '') =>
      run(['issue', '--label', 'cvex-drift', '--marker', DRIFT_MARKER, '--title', 'Drift', '--body-file', body, '--plan-json', planFile, '--mention', mention, '--allowlist', codeowners]);

    expect(await issue(await plan([{ action: 'replace', name: 'a', cause: 'edited-out-of-band' }]), '@acme/security @mallory @commented-out')).toMatchObject({ action: 'created', notified: true });
    const [opened] = [...github.issues.values()];
    expect(opened.comments).toHaveLength(1);
    // The allowlist's spelling, never the requested one; handles not in CODEOWNERS are dropped and named.
    expect(opened.comments[0].body).toContain('cc @acme/Security\n');
    expect(opened.comments[0].body).not.toMatch(/@mallory|@commented-out/);
    expect(printed).toContain('not mentioned (not in ' + codeowners + '): @mallory @commented-out');

    // Same set, in another order of arrival: the body is edited, nobody is notified.
    expect(await issue(await plan([{ action: 'replace', name: 'a', cause: 'edited-out-of-band' }]))).toMatchObject({ action: 'updated', notified: false });
    expect(opened.comments).toHaveLength(1);
    // Another cause for the same name is a new drift.
    expect(await issue(await plan([{ action: 'replace', name: 'a', cause: 'changed-in-repo' }]))).toMatchObject({ action: 'updated', notified: true });
    expect(opened.comments).toHaveLength(2);
    // Names from manifests are code spans: no markup, no mentions.
    await issue(await plan([{ action: 'create', name: '@everyone <b>x</b> `y`' }]));
    expect(opened.comments[2].body).toContain("- create `@everyone <b>x</b> 'y'`");
  });

  it('edits only an issue it opened: one someone else opened with the marker is left alone', async () => {
    github.issues.set(99, { number: 99, title: 'fake', body: `${DRIFT_MARKER}\nall fine`, state: 'open', labels: [{ name: 'cvex-drift' }], comments: [], user: { login: 'mallory' } });
    const body = await file('drift.md', '### cvex plan: 1 to create\n');
    expect(await run(['issue', '--label', 'cvex-drift', '--marker', DRIFT_MARKER, '--title', 'Drift', '--body-file', body])).toMatchObject({ action: 'created' });
    expect(github.issues.get(99)!.body).toBe(`${DRIFT_MARKER}\nall fine`);
  });

  it('says why there is no plan when the workflow gives a reason', async () => {
    const pr = github.addPullRequest();
    await run(['comment', '--pr', String(pr), '--marker', PLAN_MARKER, '--body-file', path.join(dir, 'missing.md'), '--outcome', 'skipped', '--note', 'this pull request changes the target.']);
    expect(github.issues.get(pr)!.comments[0].body).toContain('> No plan: this pull request changes the target. See the [run log]');
  });
});
