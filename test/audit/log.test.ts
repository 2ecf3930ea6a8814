// `cvex log` over a scripted history: direct commits with trailers, a merge of pull request #12, a
// squash merge of #15, a move to another file, and an apply after each step against the simulator
// over loopback (records in git notes, pushed to a bare `origin`). Every field of the timeline is
// checked, then the text, markdown and CSV forms, the filters, --github and what a shallow clone
// or a clone without notes says it cannot see.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main';
import type { CliIo } from '../../src/command-line/io';
import type { LogReport } from '../../src/audit/log-report';
import type { ApplyEvent, ExceptionTimeline } from '../../src/audit/timeline';
import type { ManifestChangeEvent } from '../../src/audit/manifest-changes';
import { gitProcessCounter } from '../../src/git/exec-git';
import { DEFAULT_SIM_PASSWORD, DEFAULT_SIM_USER, startSimulator, type Simulator } from '../../src/simulator';
import { startFakeGitHub, type FakeGitHub } from '../workflows/fake-github';
import { ALICE, BOB, CAROL, createBareRemote, createScriptedRepo, type ScriptedRepo } from '../git/scripted-repo';

let sim: Simulator;
let github: FakeGitHub;
let origin: { dir: string; close(): Promise<void> };
let repo: ScriptedRepo;
const commits: Record<string, string> = {};
const uuids: Record<string, string> = {};

async function cvex(argv: string[], env: NodeJS.ProcessEnv = {}, cwd = repo.dir) {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env: { QUALYS_USERNAME: DEFAULT_SIM_USER, QUALYS_PASSWORD: DEFAULT_SIM_PASSWORD, ...env },
    cwd,
  };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}

const target = () => ({ QUALYS_API_URL: sim.url });

function awsManifest(options: { oneEnd?: string; oneControls?: string; withTwo?: boolean; withThree?: boolean }): string {
  return [
    '# Team A: AWS exceptions',
    'version: 1',
    'defaults:',
    '  cloudType: AWS',
    '  exceptionReason: Risk Accepted',
    '  startDate: "2026-07-01"',
    '  endDate: "2027-03-31"',
    '  metadata: { owner: team-a }',
    'exceptions:',
    '  - name: team-a-one',
    '    exceptionScope: RESOURCE',
    '    explanation: The log bucket keeps no versions.',
    ...(options.oneEnd ? [`    endDate: "${options.oneEnd}"`] : []),
    `    controlIds: ${options.oneControls ?? '[1, 2]'}`,
    '    resources:',
    '      - { resourceId: "arn:aws:s3:::cvex-team-a-one", accountId: "123456789012" }',
    '    metadata: { ticket: SEC-1 }',
    ...(options.withTwo
      ? ['  - name: team-a-two', '    exceptionScope: CONNECTOR', '    explanation: Sandbox.', '    controlIds: [2]', '    accountIds: ["123456789012"]']
      : []),
    ...(options.withThree
      ? ['  - name: team-a-three', '    exceptionScope: CONNECTOR', '    explanation: Shared services.', '    controlIds: [1]', '    accountIds: ["123456789012"]']
      : []),
    '',
  ].join('\n');
}

/** Applies as of `time`: the apply record's time, and the simulator's clock, read the faked Date. */
async function applyAt(actor: string, time: string): Promise<void> {
  vi.setSystemTime(new Date(time));
  const applied = await cvex(['apply', '--auto-approve', '--skip-inventory'], { ...target(), GITHUB_ACTOR: actor });
  expect(applied.code, applied.stderr + applied.stdout).toBe(0);
  expect((await cvex(['notes', 'push'])).code).toBe(0);
}

const uuidOf = (name: string) => sim.exceptions().find((item) => item.name === name)?.uuid;

beforeAll(async () => {
  sim = await startSimulator();
  github = await startFakeGitHub('acme/exceptions');
  origin = await createBareRemote();
  repo = await createScriptedRepo({ bare: origin.dir });
  // Only Date is faked: the history is dated in July, each apply an hour after what it applies.
  vi.useFakeTimers({ toFake: ['Date'] });

  commits.c1 = await repo.commit(
    'Add team A exceptions\n\nPull-Request: #3\nReviewed-by: Dan Moe <dan@example.com>',
    { 'policies/aws.yaml': awsManifest({ withTwo: true }), 'README.md': 'exceptions\n' },
    { author: ALICE, date: '2026-07-01T09:00:00+00:00' },
  );
  await repo.git(['push', '--quiet', 'origin', 'main']);
  await applyAt('octocat', '2026-07-01T10:00:00Z');
  uuids.one1 = uuidOf('team-a-one')!;
  uuids.two = uuidOf('team-a-two')!;

  // Pull request #12: a branch with two commits (one touches no manifest), merged by Carol.
  await repo.git(['checkout', '--quiet', '-b', 'renew-one']);
  commits.c2 = await repo.commit('Renew team-a-one until June, one control', { 'policies/aws.yaml': awsManifest({ withTwo: true, oneEnd: '2027-06-30', oneControls: '[1]' }) }, { author: BOB, date: '2026-07-05T10:00:00+00:00' });
  await repo.commit('Docs', { 'README.md': 'exceptions as code\n' }, { author: BOB, date: '2026-07-05T11:00:00Z' });
  await repo.git(['checkout', '--quiet', 'main']);
  commits.m12 = await repo.mergePullRequest('renew-one', 12, { author: CAROL, date: '2026-07-06T12:00:00+00:00' });
  await applyAt('merger-bot', '2026-07-06T13:00:00Z');
  uuids.one2 = uuidOf('team-a-one')!;

  // Pull request #15, squash-merged: team-a-two goes, team-a-three comes.
  await repo.git(['checkout', '--quiet', '-b', 'swap']);
  await repo.commit('wip', { 'policies/aws.yaml': awsManifest({ oneEnd: '2027-06-30', oneControls: '[1]', withThree: true }) }, { author: ALICE, date: '2026-07-09T08:00:00Z' });
  await repo.git(['checkout', '--quiet', 'main']);
  commits.s15 = await repo.squashPullRequest('swap', 15, 'Replace team-a-two with team-a-three', { author: ALICE, date: '2026-07-10T09:00:00+00:00' });
  await applyAt('octocat', '2026-07-10T10:00:00Z');
  uuids.three = uuidOf('team-a-three')!;

  // A move of team-a-three to a file of its own, no field changed: no apply needed.
  commits.c4 = await repo.commit(
    'Shared services in their own file',
    {
      'policies/aws.yaml': awsManifest({ oneEnd: '2027-06-30', oneControls: '[1]' }),
      'policies/shared.yaml': [
        'version: 1',
        'exceptions:',
        '  - name: team-a-three',
        '    cloudType: AWS',
        '    exceptionReason: Risk Accepted',
        '    startDate: "2026-07-01"',
        '    endDate: "2027-03-31"',
        '    metadata: { owner: team-a }',
        '    exceptionScope: CONNECTOR',
        '    explanation: Shared services.',
        '    controlIds: [1]',
        '    accountIds: ["123456789012"]',
        '',
      ].join('\n'),
    },
    { author: CAROL, date: '2026-07-20T09:00:00Z' },
  );
  await repo.git(['push', '--quiet', 'origin', 'main']);
  vi.useRealTimers();

  github.reviews.set(12, [
    { user: { login: 'carol' }, state: 'APPROVED' },
    { user: { login: 'erin' }, state: 'APPROVED' },
    { user: { login: 'erin' }, state: 'DISMISSED' },
    { user: { login: 'frank' }, state: 'COMMENTED' },
  ]);
  github.reviews.set(15, [{ user: { login: 'dan' }, state: 'APPROVED' }]);
}, 120_000);

afterAll(async () => {
  await sim.close();
  await github.close();
  await repo.close();
  await origin.close();
});

function timeline(report: LogReport, name: string): ExceptionTimeline {
  const found = report.exceptions.find((item) => item.name === name);
  if (!found) throw new Error(`no timeline for ${name}: ${report.exceptions.map((item) => item.name).join(', ')}`);
  return found;
}

const changes = (item: ExceptionTimeline) => item.events.filter((event): event is ManifestChangeEvent => event.kind === 'change');
const applies = (item: ExceptionTimeline) => item.events.filter((event): event is ApplyEvent => event.kind === 'apply');

describe('cvex log', { timeout: 60_000 }, () => {
  let report: LogReport;

  it('reads the history, the apply records (fetched from origin) and the state in Qualys', async () => {
    // A fresh clone has no notes locally: they come from origin.
    const clone = await createScriptedRepo({ bare: origin.dir });
    await clone.git(['fetch', '--quiet', 'origin', 'main']);
    await clone.git(['checkout', '--quiet', '-B', 'main', 'origin/main']);
    const before = sim.counters().total;
    const result = await cvex(['log', '--format', 'json', '--github'], { ...target(), GITHUB_TOKEN: github.token, GITHUB_API_URL: github.url, GITHUB_REPOSITORY: github.repository }, clone.dir);
    expect(result.code, result.stderr).toBe(0);
    // The state in Qualys costs one listing: one page here.
    expect(sim.counters().total - before).toBe(1);
    // Approvers: one GitHub request per pull request (#3, #12, #15), the token in the header only.
    expect(github.requests.map((request) => request.path.split('?')[0]).sort()).toEqual(['/repos/acme/exceptions/pulls/12/reviews', '/repos/acme/exceptions/pulls/15/reviews', '/repos/acme/exceptions/pulls/3/reviews']);
    report = JSON.parse(result.stdout) as LogReport;
    await clone.close();

    expect(report).toMatchObject({ version: 1, head: commits.c4, filters: { names: [] }, limitations: [] });
    expect(report.sources).toMatchObject({ applyRecords: 3, notes: { fetched: 'fetched' }, shallow: false, target: new URL(sim.url).origin, github: { requests: 3 } });
    // c1, c2, the docs commit, the merge, the squash, the move (the squashed branch is not in main).
    expect(report.sources.commits).toBe(6);
    expect(report.exceptions.map((item) => item.name)).toEqual(['team-a-one', 'team-a-three', 'team-a-two']);
  });

  it('team-a-one: added (trailer PR, reviewer), applied, changed in PR #12 (merge), applied as a replace', () => {
    const one = timeline(report, 'team-a-one');
    expect(one).toMatchObject({ file: 'policies/aws.yaml', line: 10 });
    expect(one.events.map((event) => `${event.kind}:${event.action}`)).toEqual(['change:added', 'apply:create', 'change:changed', 'apply:replace']);
    const [added, changed] = changes(one);
    expect(added).toMatchObject({
      action: 'added',
      commit: commits.c1,
      subject: 'Add team A exceptions',
      author: { name: ALICE.name, email: ALICE.email },
      date: '2026-07-01T09:00:00+00:00',
      effectiveAt: '2026-07-01T09:00:00+00:00',
      pullRequest: { number: 3, via: 'trailer', mainlineCommit: commits.c1 },
      approvers: ['Dan Moe'],
      file: 'policies/aws.yaml',
      fingerprintBefore: null,
    });
    // Fields as merged with defaults: endDate and owner come from `defaults:`.
    expect(added.fields).toEqual(
      expect.arrayContaining([
        { field: 'endDate', before: null, after: '2027-03-31' },
        { field: 'controlIds', before: null, after: [1, 2] },
        { field: 'metadata.owner', before: null, after: 'team-a' },
        { field: 'metadata.ticket', before: null, after: 'SEC-1' },
      ]),
    );
    expect(changed).toMatchObject({
      action: 'changed',
      commit: commits.c2,
      author: { name: BOB.name },
      date: '2026-07-05T10:00:00+00:00',
      effectiveAt: '2026-07-06T12:00:00+00:00',
      pullRequest: { number: 12, via: 'merge', mainlineCommit: commits.m12, mergedAt: '2026-07-06T12:00:00+00:00', mergedBy: CAROL.name },
      approvers: ['carol'],
      fields: [
        { field: 'endDate', before: '2027-03-31', after: '2027-06-30' },
        { field: 'controlIds', before: [1, 2], after: [1] },
      ],
    });
    expect(changed.fingerprintBefore).toBe(added.fingerprintAfter);
    const [create, replace] = applies(one);
    expect(create).toMatchObject({ action: 'create', actor: 'octocat', commit: commits.c1, range: { from: null, to: commits.c1 }, uuidBefore: null, uuidAfter: uuids.one1, fingerprintAfter: added.fingerprintAfter, result: 'succeeded' });
    expect(replace).toMatchObject({
      action: 'replace',
      actor: 'merger-bot',
      commit: commits.m12,
      range: { from: commits.c1, to: commits.m12 },
      uuidBefore: uuids.one1,
      uuidAfter: uuids.one2,
      fingerprintBefore: added.fingerprintAfter,
      fingerprintAfter: changed.fingerprintAfter,
      cause: 'changed-in-repo',
      result: 'succeeded',
    });
    expect(replace.fields.map((field) => field.field).sort()).toEqual(['controlIds', 'endDate']);
    expect(create.time).toBe('2026-07-01T10:00:00.000Z');
    expect(replace.time).toBe('2026-07-06T13:00:00.000Z');
    expect(one.now).toEqual({ uuid: uuids.one2, state: 'ACTIVE', updatedOn: expect.any(String), drift: 'in-sync' });
  });

  it('team-a-two: removed by the squash merge of #15, then deleted by the next apply', () => {
    const two = timeline(report, 'team-a-two');
    expect(two.file).toBeUndefined();
    expect(two.events.map((event) => `${event.kind}:${event.action}`)).toEqual(['change:added', 'apply:create', 'change:removed', 'apply:delete']);
    expect(changes(two)[1]).toMatchObject({
      commit: commits.s15,
      subject: 'Replace team-a-two with team-a-three (#15)',
      pullRequest: { number: 15, via: 'squash', mainlineCommit: commits.s15, mergedAt: '2026-07-10T09:00:00+00:00' },
      approvers: ['dan'],
      fields: [],
      fingerprintAfter: null,
    });
    expect(applies(two)[1]).toMatchObject({ action: 'delete', uuidBefore: uuids.two, uuidAfter: null, fingerprintAfter: null, commit: commits.s15, range: { from: commits.m12, to: commits.s15 } });
    expect(two.now).toBeUndefined();
  });

  it('team-a-three: added by #15, created, then moved to another file with nothing changed', () => {
    const three = timeline(report, 'team-a-three');
    expect(three).toMatchObject({ file: 'policies/shared.yaml', line: 3 });
    expect(three.events.map((event) => `${event.kind}:${event.action}`)).toEqual(['change:added', 'apply:create', 'change:moved']);
    expect(changes(three)[1]).toMatchObject({ commit: commits.c4, author: { name: CAROL.name }, previousFile: 'policies/aws.yaml', file: 'policies/shared.yaml', fields: [] });
    expect(changes(three)[1].pullRequest).toBeUndefined();
    expect(three.now).toMatchObject({ uuid: uuids.three, drift: 'in-sync' });
  });

  it('reads the history in a fixed number of git processes, however long it is', async () => {
    const before = gitProcessCounter.count;
    expect((await cvex(['log', '--offline'])).code).toBe(0);
    const short = gitProcessCounter.count - before;
    for (let index = 0; index < 15; index += 1) {
      await repo.commit(`tweak ${index}`, { 'policies/aws.yaml': awsManifest({ oneEnd: `2027-06-${String(index + 10)}`, oneControls: '[1]' }) }, { date: `2026-08-${String(index + 10)}T09:00:00Z` });
    }
    const after = gitProcessCounter.count;
    const long = await cvex(['log', '--offline', '--format', 'json', 'team-a-one']);
    expect(gitProcessCounter.count - after).toBe(short);
    expect(short).toBeLessThanOrEqual(6);
    const item = (JSON.parse(long.stdout) as LogReport).exceptions[0];
    expect(changes(item)).toHaveLength(17);
    // Changed in the repository, not applied yet: the state now says so.
    const drift = JSON.parse((await cvex(['log', '--format', 'json', 'team-a-one'], target())).stdout) as LogReport;
    expect(drift.exceptions[0].now).toMatchObject({ uuid: uuids.one2, state: 'ACTIVE', drift: 'differs', detail: 'differs in endDate' });
    await repo.git(['reset', '--quiet', '--hard', commits.c4]);
  });

  it('text, markdown and csv carry the same facts; manifest text cannot inject markup', async () => {
    const text = (await cvex(['log', 'team-a-one', '--offline'])).stdout;
    expect(text).toContain('team-a-one  policies/aws.yaml:10');
    expect(text).toMatch(/2026-07-01 09:00 {2}added in [0-9a-f]{12} by Alice Doe, PR #3 \(named in a trailer\); approved by Dan Moe: Add team A exceptions/);
    expect(text).toContain('2026-07-06 12:00  changed in ' + commits.c2.slice(0, 12) + ' by Bob Roe, PR #12 (merged 2026-07-06 12:00 by Carol Poe): Renew team-a-one until June, one control');
    expect(text).toContain('      endDate: "2027-03-31" → "2027-06-30"');
    expect(text).toContain('      controlIds: [1, 2] → [1]');
    expect(text).toContain(`applied replace by merger-bot: ${uuids.one1} → ${uuids.one2}, succeeded (commit ${commits.m12.slice(0, 12)})`);
    expect(text).toContain('1 exception: 2 manifest changes, 2 applies');

    const markdown = (await cvex(['log', '--format', 'markdown', '--offline'])).stdout;
    expect(markdown).toContain('#### team-a-one');
    expect(markdown).toContain(`| 2026-07-06 12:00 | changed | \`${commits.c2.slice(0, 12)}\` | Bob Roe | #12 |`);
    expect(markdown).toContain('endDate: "2027-03-31" → "2027-06-30"');

    // A subject and a metadata value written to ping people and inject HTML: shown as text.
    await repo.commit('Ping @security-team <img src=x onerror=alert(1)> [x](https://evil.example)', {
      'policies/aws.yaml': awsManifest({ oneEnd: '2027-06-30', oneControls: '[1]' }).replace('ticket: SEC-1', 'ticket: "SEC-1 @admins"'),
    });
    const injected = (await cvex(['log', '--format', 'markdown', '--offline', 'team-a-one'])).stdout;
    await repo.git(['reset', '--quiet', '--hard', commits.c4]);
    expect(injected).toContain('Ping @&#8203;security-team &lt;img src=x onerror=alert\\(1\\)&gt; \\[x\\]\\(https:&#8203;//evil.example\\)');
    expect(injected).not.toMatch(/@(security-team|admins)/);
    expect(injected).not.toContain('<img');

    const csv = (await cvex(['log', '--format', 'csv', '--offline', 'team-a-two'])).stdout.split('\r\n');
    expect(csv[0]).toBe('name,event,time,action,commit,author,pullRequest,mergedAt,mergedBy,approvers,fields,actor,uuidBefore,uuidAfter,fingerprintBefore,fingerprintAfter,result,state,updatedOn,drift,file');
    expect(csv[3]).toContain(`team-a-two,change,2026-07-10T09:00:00+00:00,removed,${commits.s15},Alice Doe <alice@example.com>,15,2026-07-10T09:00:00+00:00`);
    expect(csv[4]).toContain(`team-a-two,apply,`);
    expect(csv[4]).toContain(`,delete,${commits.s15},`);
    expect(csv[4]).toContain(`,octocat,${uuids.two},,`);
  });

  it('--since / --until keep the events of a period, and the exceptions that have some', async () => {
    const july6 = JSON.parse((await cvex(['log', '--format', 'json', '--offline', '--since', '2026-07-06', '--until', '2026-07-10'])).stdout) as LogReport;
    expect(july6.filters).toEqual({ names: [], since: '2026-07-06T00:00:00.000Z', until: '2026-07-10T23:59:59.999Z' });
    expect(july6.exceptions.map((item) => [item.name, item.events.filter((event) => event.kind === 'change').map((event) => event.action)])).toEqual([
      ['team-a-one', ['changed']],
      ['team-a-three', ['added']],
      ['team-a-two', ['removed']],
    ]);
    // A day is the subscription's day: the removal at 09:00 UTC on 10 July is 23:00 on 9 July in Honolulu.
    const removedOn = async (...zone: string[]) =>
      (JSON.parse((await cvex(['log', '--format', 'json', '--offline', '--since', '2026-07-10', '--until', '2026-07-10', ...zone, 'team-a-two'])).stdout) as LogReport);
    const utc = await removedOn();
    expect(utc.exceptions.flatMap((item) => item.events.filter((event) => event.kind === 'change').map((event) => event.action))).toEqual(['removed']);
    const honolulu = await removedOn('--timezone', 'Pacific/Honolulu');
    expect(honolulu.filters).toEqual({ names: ['team-a-two'], since: '2026-07-10T10:00:00.000Z', until: '2026-07-11T09:59:59.999Z' });
    expect(honolulu.exceptions.flatMap((item) => item.events.filter((event) => event.kind === 'change'))).toEqual([]);
    const usage = await cvex(['log', '--since', '2026-13-01']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("--since: expected a date YYYY-MM-DD or an ISO 8601 instant, got '2026-13-01'");
  });

  it('says what it cannot see: a shallow clone without the apply records', async () => {
    const shallow = await createScriptedRepo();
    await shallow.git(['fetch', '--quiet', '--depth', '1', `file://${origin.dir}`, 'main']);
    await shallow.git(['checkout', '--quiet', '-B', 'main', 'FETCH_HEAD']);
    const result = await cvex(['log', '--format', 'json'], {}, shallow.dir);
    expect(result.code, result.stderr).toBe(0);
    const seen = JSON.parse(result.stdout) as LogReport;
    expect(seen.sources).toMatchObject({ shallow: true, commits: 1, applyRecords: 0 });
    expect(seen.limitations).toEqual([
      expect.stringMatching(/^could not fetch refs\/notes\/cvex \(.*\): only the apply records already in this clone are shown$/),
      'shallow clone: history before 2026-07-20 is not here, so earlier changes are missing (`git fetch --unshallow` reads it all)',
      'no apply records in this clone (refs/notes/cvex is empty): when each change took effect in Qualys is not shown',
    ]);
    const text = (await cvex(['log', '--offline'], {}, shallow.dir)).stdout;
    expect(text).toContain('Not visible: shallow clone: history before 2026-07-20');
    expect(text).toContain('Not visible: no apply records in this clone (refs/notes/cvex is empty and was not fetched)');
    await shallow.close();
  });

  it('outside git, or --github without a token, says so', async () => {
    const outside = await createBareRemote();
    const result = await cvex(['log'], {}, outside.dir);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('not a git repository');
    await outside.close();
    const noToken = JSON.parse((await cvex(['log', '--format', 'json', '--github'], { GITHUB_REPOSITORY: 'acme/exceptions' })).stdout) as LogReport;
    expect(noToken.sources.github).toEqual({ skipped: 'no GITHUB_TOKEN (or GH_TOKEN) in the environment' });
    expect(noToken.limitations).toContain('approvers from GitHub: no GITHUB_TOKEN (or GH_TOKEN) in the environment');
  });
});
