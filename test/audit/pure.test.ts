// The pure parts of the audit trail: pull-request attribution, the apply record and its
// serialisation, field diffs with defaults merged.
import { describe, expect, it } from 'vitest';
import { buildApplyRecord, parseApplyRecords, serialiseApplyRecord } from '../../src/audit/apply-record';
import { diffFields } from '../../src/audit/manifest-changes';
import { attributePullRequests } from '../../src/audit/pull-requests';
import type { HistoryCommit } from '../../src/git/history-log';
import { parseHistory } from '../../src/git/history-log';
import { readWrittenExceptions } from '../../src/manifest/read-exceptions';
import type { ExceptionSpec } from '../../src/model/exception';
import type { PlanChange } from '../../src/reconcile/types';

function commit(sha: string, parents: string[], subject: string, trailers: HistoryCommit['trailers'] = []): HistoryCommit {
  return { sha, parents, subject, trailers, files: [], authorName: `author-${sha}`, authorEmail: '', authorDate: `2026-01-0${sha.length}`, committerName: '', committerEmail: '', committerDate: `date-${sha}` };
}

describe('attributePullRequests', () => {
  it('gives each branch commit the first merge that brought it in, even when main was merged into the branch', () => {
    // main: a - m1 (PR 1: b1, b2) - m2 (PR 2: c1, merge of main c2, c3) ; squash s (#9) ; direct d with a trailer
    const commits = [
      commit('d', ['s'], 'direct', [{ key: 'Pull-Request', value: 'https://github.com/acme/x/pull/40' }]),
      commit('s', ['m2'], 'Squashed thing (#9)'),
      commit('m2', ['m1', 'c3'], 'Merge pull request #2 from acme/c'),
      commit('c3', ['c2'], 'c3'),
      commit('c2', ['c1', 'm1'], "Merge branch 'main' into c"),
      commit('c1', ['a'], 'c1'),
      commit('m1', ['a', 'b2'], 'Merge pull request #1 from acme/b'),
      commit('b2', ['b1'], 'b2'),
      commit('b1', ['a'], 'b1'),
      commit('a', [], 'root', [{ key: 'PR', value: '#7' }]),
    ];
    const attributed = attributePullRequests(commits, 'd');
    const summary = Object.fromEntries([...attributed].map(([sha, ref]) => [sha, `${ref.via}#${ref.number}`]));
    expect(summary).toEqual({ b1: 'merge#1', b2: 'merge#1', c1: 'merge#2', c2: 'merge#2', c3: 'merge#2', s: 'squash#9', d: 'trailer#40', a: 'trailer#7' });
    expect(attributed.get('c1')).toEqual({ number: 2, via: 'merge', mainlineCommit: 'm2', mergedAt: 'date-m2', mergedBy: 'author-m2' });
  });
});

describe('parseHistory', () => {
  it('reads a -z raw log: header fields, trailers, added / modified / deleted blobs', () => {
    const blob = (digit: string) => digit.repeat(40);
    const text =
      `\x1e${'a'.repeat(40)}\x1f${'b'.repeat(40)}\x1fAl\x1fal@x\x1f2026-01-01T00:00:00+01:00\x1fCo\x1fco@x\x1f2026-01-02T00:00:00Z\x1fsubject: with colon\x1fPR: #4\nAcked-by: Bo\n\x1f\0\n` +
      `:100644 100644 ${blob('1')} ${blob('2')} M\0policies/a b.yaml\0:000000 100644 ${'0'.repeat(40)} ${blob('3')} A\0policies/new.yaml\0:100644 000000 ${blob('4')} ${'0'.repeat(40)} D\0policies/old.yaml\0` +
      `\x1e${'b'.repeat(40)}\x1f\x1fAl\x1fal@x\x1f2026-01-01T00:00:00Z\x1fCo\x1fco@x\x1f2026-01-01T00:00:00Z\x1froot\x1f\x1f\0`;
    const [first, root] = parseHistory(text);
    expect(first).toMatchObject({ parents: ['b'.repeat(40)], authorDate: '2026-01-01T00:00:00+01:00', subject: 'subject: with colon', trailers: [{ key: 'PR', value: '#4' }, { key: 'Acked-by', value: 'Bo' }] });
    expect(first.files).toEqual([
      { path: 'policies/a b.yaml', oldBlob: blob('1'), newBlob: blob('2') },
      { path: 'policies/new.yaml', oldBlob: null, newBlob: blob('3') },
      { path: 'policies/old.yaml', oldBlob: blob('4'), newBlob: null },
    ]);
    expect(root).toMatchObject({ parents: [], files: [], trailers: [] });
  });
});

describe('diffFields', () => {
  it('compares exceptions as merged with defaults, metadata key by key', () => {
    const before = readWrittenExceptions('defaults: { endDate: "2026-12-31", metadata: { owner: a } }\nexceptions:\n  - { name: x, controlIds: [2, 1] }\n', 'f.yaml');
    const after = readWrittenExceptions('defaults: { endDate: "2027-03-31", metadata: { owner: a } }\nexceptions:\n  - { name: x, controlIds: [2, 1], metadata: { ticket: T-1 } }\n', 'f.yaml');
    if (!before.ok || !after.ok) throw new Error('unreadable');
    expect(diffFields(before.exceptions[0], after.exceptions[0])).toEqual([
      { field: 'endDate', before: '2026-12-31', after: '2027-03-31' },
      { field: 'metadata.ticket', before: null, after: 'T-1' },
    ]);
    expect(readWrittenExceptions('exceptions: [\n', 'f.yaml')).toMatchObject({ ok: false });
  });
});

describe('the apply record', () => {
  const remote = { uuid: 'u-old', name: 'x', explanation: 'why\n\n[cvex:0123456789abcdef 0123456789ab]', exceptionReason: 'Other', exceptionScope: 'CONNECTOR', state: 'ACTIVE', startsAt: '', endsAt: '', createdOn: '', updatedOn: '' };
  const spec: ExceptionSpec = { name: 'x', cloudType: 'AWS', exceptionScope: 'CONNECTOR', explanation: 'why', exceptionReason: 'Other', startDate: '2026-01-01', endDate: '2026-12-31', controlIds: [1], accountIds: ['1'] };
  const changes: PlanChange[] = [
    { action: 'replace', name: 'x', uuid: 'u-old', spec: { ...spec, controlIds: [1] }, source: { file: 'f', line: 1, column: 1 }, remote, cause: 'changed-in-repo', diffs: [{ field: 'endDate', before: '2026-06-30', after: '2026-12-31' }], ownership: 'legacy' },
    { action: 'delete', name: 'y', uuid: 'u-y', remote: { ...remote, name: 'y', uuid: 'u-y', explanation: 'no marker' }, ownership: 'adopted' },
  ];

  it('holds per change uuids, fingerprints, fields and result; a change that never started says so', () => {
    const record = buildApplyRecord({
      plan: { changes, target: { apiUrl: 'https://qualysapi.example', timeZone: 'UTC' } },
      results: [{ operation: 'replace', name: 'x', uuidBefore: 'u-old', uuidAfter: 'u-new', result: 'failed', error: 'old exception deleted, new one not created: HTTP 500 secret-password' }],
      time: new Date('2026-07-01T00:00:00Z'),
      actor: 'octocat',
      commit: 'c'.repeat(40),
      rangeFrom: 'b'.repeat(40),
      worktree: 'clean',
      lifted: [{ guard: 'maxDeletes', by: 'trailer', value: 3 }],
      interrupted: true,
    });
    expect(record).toMatchObject({
      outcome: 'interrupted',
      summary: { succeeded: 0, failed: 1, notStarted: 1 },
      range: { from: 'b'.repeat(40), to: 'c'.repeat(40) },
      lifted: [{ guard: 'maxDeletes', by: 'trailer', value: 3 }],
      changes: [
        { action: 'replace', uuidBefore: 'u-old', uuidAfter: 'u-new', fingerprintBefore: '0123456789abcdef', cause: 'changed-in-repo', fields: [{ field: 'endDate', before: '2026-06-30', after: '2026-12-31' }], result: 'failed' },
        { action: 'delete', name: 'y', uuidBefore: 'u-y', uuidAfter: null, fingerprintBefore: null, fingerprintAfter: null, fields: [], result: 'not-started' },
      ],
    });
    const line = serialiseApplyRecord(record, ['secret-password', undefined, 'ab']);
    expect(line).not.toContain('secret-password');
    expect(line).toContain('HTTP 500 [redacted]');
    expect(line).not.toContain('\n');
    expect(parseApplyRecords(`${line}\nnot json\n{"kind":"other"}\n${line}`)).toHaveLength(2);
  });
});
