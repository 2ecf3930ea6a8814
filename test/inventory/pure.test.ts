// Unit tests of the pure parts: regex escaping and chunking, the cost arithmetic, the report model
// on a hand-made inventory, and the renderers.
import { describe, expect, it } from 'vitest';
import type { Connector, ControlSummary, RemoteException } from '../../src/api/types';
import type { InventorySnapshot } from '../../src/inventory';
import { alternationRegexes, buildCoverageReport, escapeJavaRegex, estimateResourceCost, evaluationsPerResource } from '../../src/inventory';
import { manifestVouchesFor, targetsOfDetail } from '../../src/inventory/report-data';
import type { ExceptionTargets, ReportSubject } from '../../src/inventory/report-model';
import type { ExceptionSpec } from '../../src/model/exception';
import { fingerprintSpec } from '../../src/reconcile/fingerprint';
import { addMarker, stampMarker } from '../../src/reconcile/marker';
import { buildOwnershipIndex, DEFAULT_OWNERSHIP } from '../../src/reconcile/ownership-index';
import { csvField, renderCsvReport } from '../../src/render/report-csv';
import { renderJsonReport } from '../../src/render/report-json';
import { renderMarkdownReport } from '../../src/render/report-markdown';
import { renderTextReport } from '../../src/render/report-text';

describe('escapeJavaRegex', () => {
  it('escapes Java metacharacters and, per the seed, " and /', () => {
    expect(escapeJavaRegex('arn:aws:ssm:us-east-1:1:parameter/app/"legacy"/x')).toBe('arn:aws:ssm:us-east-1:1:parameter\\/app\\/\\"legacy\\"\\/x');
    expect(escapeJavaRegex('a.b*c+d?e^f$g|h(i)j[k]l{m}n\\o')).toBe('a\\.b\\*c\\+d\\?e\\^f\\$g\\|h\\(i\\)j\\[k\\]l\\{m\\}n\\\\o');
    // Letters and digits never: `\1` would be a backreference.
    expect(escapeJavaRegex('abc123-_:')).toBe('abc123-_:');
  });

  it('matches exactly the literal once compiled (JS agrees with Java on these escapes)', () => {
    const id = '//storage.googleapis.com/projects/_/buckets/a.b(c)';
    const [chunk] = alternationRegexes([id, 'other']);
    const regex = new RegExp(chunk.regex);
    expect(regex.test(id)).toBe(true);
    expect(regex.test(`${id}x`)).toBe(false);
    expect(regex.test('//storage.googleapis.com/projects/_/buckets/aXb(c)')).toBe(false);
  });
});

describe('alternationRegexes', () => {
  it('dedupes, sorts and splits under the length cap', () => {
    const ids = Array.from({ length: 50 }, (_, i) => `resource-${String(i).padStart(3, '0')}`);
    const chunks = alternationRegexes([...ids, ...ids], 200);
    expect(chunks.flatMap((chunk) => chunk.ids)).toEqual(ids);
    expect(chunks.every((chunk) => chunk.regex.length <= 200)).toBe(true);
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks[0].regex).toMatch(/^\^\(\?:resource-000\|resource-001\|/);
  });

  it('gives an id longer than the cap its own regex', () => {
    const long = 'x'.repeat(300);
    expect(alternationRegexes(['a', long, 'b'], 100).map((chunk) => chunk.ids)).toEqual([['a', 'b'], [long]]);
  });
});

describe('estimateResourceCost', () => {
  it('prefers the regex for a few resources spread over many pairs', () => {
    // 30 resources, ē = 6: ceil(180 / 100) = 2; 12 pairs of 40 resources: 12.
    const pairs = Array.from({ length: 12 }, () => ({ evaluated: 40 }));
    expect(estimateResourceCost({ resourcesPerChunk: [30], evaluationsPerResource: 6, pairs })).toEqual({ regex: 2, perControl: 12, choice: 'regex' });
  });

  it('prefers per-control for many resources on one pair', () => {
    expect(estimateResourceCost({ resourcesPerChunk: [600, 400], evaluationsPerResource: 10, pairs: [{ evaluated: 1000 }] })).toEqual({
      regex: 100,
      perControl: 10,
      choice: 'per-control',
    });
  });

  it('costs nothing per control for a pair no summary lists, and ties go to the regex', () => {
    expect(estimateResourceCost({ resourcesPerChunk: [1], evaluationsPerResource: 1, pairs: [{ evaluated: 0 }, { evaluated: 5 }] })).toEqual({
      regex: 1,
      perControl: 1,
      choice: 'regex',
    });
  });

  it('estimates evaluations per resource from the summaries', () => {
    const s = (passed: number, failed: number, pwe = 0) => ({ passedResources: passed, failedResources: failed, passWithExceptionResources: pwe });
    expect(evaluationsPerResource([s(50, 50), s(100, 0), s(20, 0, 80)])).toBe(3);
    expect(evaluationsPerResource([])).toBe(1);
  });
});

// ---- report model ---------------------------------------------------------------------------------

function remote(name: string, overrides: Partial<RemoteException> = {}): RemoteException {
  return {
    uuid: `uuid-${name}`,
    name,
    explanation: 'x',
    exceptionReason: 'Risk Accepted',
    exceptionScope: 'RESOURCE',
    state: 'ACTIVE',
    startsAt: '2026-01-01T00:00:00.000Z',
    endsAt: '2026-06-30T23:59:59.000Z',
    createdOn: '2026-01-01T00:00:00.000Z',
    updatedOn: '2026-01-01T00:00:00.000Z',
    ...overrides,
  };
}

function targets(overrides: Partial<ExceptionTargets>): ExceptionTargets {
  return { cloudType: 'AWS', exceptionScope: 'RESOURCE', controlIds: [1], resources: [], accountIds: [], resourceTagNames: [], isAllConnector: false, connectorTagNames: [], ...overrides };
}

function summary(controlId: number, passed: number, failed: number, pwe: number): ControlSummary {
  return { controlId, controlName: '', policyNames: [], criticality: '', service: '', result: '', passedResources: passed, failedResources: failed, passWithExceptionResources: pwe };
}

function snapshot(data: { summaries?: Record<string, ControlSummary[]>; results?: Record<string, string>; connectors?: string[] }): InventorySnapshot {
  return {
    connectorsOf: () => (data.connectors ?? []).map((accountId) => ({ accountId }) as Connector),
    summariesOf: (_cloud, accountId) => data.summaries?.[accountId],
    resultOf: (_cloud, accountId, resourceId, controlId) => data.results?.[`${accountId}/${resourceId}/${controlId}`] ?? null,
  };
}

const OPTIONS = { now: new Date('2026-06-15T12:00:00Z'), timeZone: 'UTC', overBroadThreshold: 50 };

describe('buildCoverageReport', () => {
  it('computes days to expiry in the subscription time zone', () => {
    // 2026-06-30 23:59:59 in Kolkata is 18:29:59 UTC; at 20:00 UTC on 06-15 it is already 06-16 there.
    const subject: ReportSubject = {
      remote: remote('tz', { startsAt: '2025-12-31T18:30:00+0000', endsAt: '2026-06-30T18:29:59+0000' }),
      targetsFrom: 'none',
    };
    const report = buildCoverageReport([subject], snapshot({}), { ...OPTIONS, now: new Date('2026-06-15T20:00:00Z'), timeZone: 'Asia/Kolkata' });
    expect(report.exceptions[0]).toMatchObject({ startDate: '2026-01-01', endDate: '2026-06-30', daysToExpiry: 14 });
    const utc = buildCoverageReport([subject], snapshot({}), { ...OPTIONS, now: new Date('2026-06-15T20:00:00Z') });
    expect(utc.exceptions[0]).toMatchObject({ endDate: '2026-06-30', daysToExpiry: 15 });
  });

  it('attributes a pair by precedence: RESOURCE, then CONNECTOR, then QUALYSTAG', () => {
    const inventory = snapshot({
      summaries: { A: [summary(1, 10, 0, 7)] },
      results: { 'A/r1/1': 'PASS_WITH_EXCEPTION', 'A/r2/1': 'PASS_WITH_EXCEPTION' },
    });
    const subjects: ReportSubject[] = [
      { remote: remote('res'), targets: targets({ resources: [{ resourceId: 'r1', accountId: 'A' }, { resourceId: 'r2', accountId: 'A' }] }), targetsFrom: 'repo' },
      { remote: remote('conn', { exceptionScope: 'CONNECTOR' }), targets: targets({ exceptionScope: 'CONNECTOR', accountIds: ['A'] }), targetsFrom: 'repo' },
      { remote: remote('tag', { exceptionScope: 'QUALYSTAG' }), targets: targets({ exceptionScope: 'QUALYSTAG', accountIds: ['A'], resourceTagNames: ['t'] }), targetsFrom: 'repo' },
    ];
    const rows = Object.fromEntries(buildCoverageReport(subjects, inventory, OPTIONS).exceptions.map((row) => [row.name, row]));
    expect(rows.res.passWithException).toBe(2);
    expect(rows.conn.passWithException).toBe(5);
    expect(rows.tag).toMatchObject({ passWithException: 0, stale: true, approximate: true });
  });

  it('marks a QUALYSTAG exception with connector tags as reaching every connector (upper bound)', () => {
    const inventory = snapshot({ connectors: ['A', 'B', 'C'], summaries: { A: [summary(1, 0, 0, 3)], B: [summary(1, 0, 0, 2)] } });
    const subject: ReportSubject = {
      remote: remote('tag', { exceptionScope: 'QUALYSTAG' }),
      targets: targets({ exceptionScope: 'QUALYSTAG', connectorTagNames: ['env:prod'], resourceTagNames: ['t'] }),
      targetsFrom: 'detail',
    };
    expect(buildCoverageReport([subject], inventory, OPTIONS).exceptions[0]).toMatchObject({ accounts: 3, missing: 1, passWithException: 5, overBroad: true });
  });

  it('tells a CONNECTOR exception whose accounts now pass from one whose failures a RESOURCE exception explains', () => {
    const inventory = snapshot({
      summaries: { A: [summary(1, 4, 0, 0)], B: [summary(1, 4, 0, 1)] },
      results: { 'B/r1/1': 'PASS_WITH_EXCEPTION' },
    });
    const subjects: ReportSubject[] = [
      { remote: remote('passes', { exceptionScope: 'CONNECTOR' }), targets: targets({ exceptionScope: 'CONNECTOR', accountIds: ['A'] }), targetsFrom: 'repo' },
      { remote: remote('res'), targets: targets({ resources: [{ resourceId: 'r1', accountId: 'B' }] }), targetsFrom: 'repo' },
      { remote: remote('explained', { exceptionScope: 'CONNECTOR' }), targets: targets({ exceptionScope: 'CONNECTOR', accountIds: ['B'] }), targetsFrom: 'repo' },
    ];
    const rows = Object.fromEntries(buildCoverageReport(subjects, inventory, OPTIONS).exceptions.map((row) => [row.name, row]));
    expect(rows.passes).toMatchObject({ passWithException: 0, passing: 4, stale: true, staleReason: 'now-passes' });
    expect(rows.explained).toMatchObject({ passWithException: 0, passing: 4, stale: true, staleReason: 'nothing-failing' });
  });

  it('counts evaluations two CONNECTOR exceptions both cover once, for the first by name', () => {
    const inventory = snapshot({ summaries: { A: [summary(1, 2, 0, 6)] } });
    const subjects: ReportSubject[] = [
      { remote: remote('b-second', { exceptionScope: 'CONNECTOR' }), targets: targets({ exceptionScope: 'CONNECTOR', accountIds: ['A'] }), targetsFrom: 'repo' },
      { remote: remote('a-first', { exceptionScope: 'CONNECTOR' }), targets: targets({ exceptionScope: 'CONNECTOR', accountIds: ['A'] }), targetsFrom: 'repo' },
    ];
    const report = buildCoverageReport(subjects, inventory, OPTIONS);
    const rows = Object.fromEntries(report.exceptions.map((row) => [row.name, row]));
    expect(rows['a-first']).toMatchObject({ passWithException: 6, stale: false });
    // Redundant, not "now passes": its evaluations still fail without an exception.
    expect(rows['b-second']).toMatchObject({ passWithException: 0, stale: true, staleReason: 'nothing-failing' });
    expect(report.summary.passWithException).toBe(6);
  });

  it('does not count or flag unknown states', () => {
    const subject: ReportSubject = { remote: remote('odd', { state: 'ARCHIVED' }), targets: targets({ resources: [{ resourceId: 'r', accountId: 'A' }] }), targetsFrom: 'repo' };
    const report = buildCoverageReport([subject], snapshot({}), OPTIONS);
    expect(report.exceptions[0]).toMatchObject({ state: 'ARCHIVED', stale: false, passWithException: 0, failing: null });
    expect(report.summary.otherState).toBe(1);
  });
});

// ---- renderers ------------------------------------------------------------------------------------

function sampleReport() {
  const subjects: ReportSubject[] = [
    {
      remote: remote('team "a", <b>|c\nd @org/team =cmd'),
      targets: targets({ resources: [{ resourceId: 'r', accountId: 'A' }] }),
      targetsFrom: 'repo',
      source: { file: 'policies/a.yaml', line: 3, column: 5 },
    },
    { remote: remote('wide', { exceptionScope: 'CONNECTOR' }), targets: targets({ exceptionScope: 'CONNECTOR', accountIds: ['A', 'B'] }), targetsFrom: 'detail' },
  ];
  const inventory = snapshot({ summaries: { A: [summary(1, 0, 0, 40)], B: [summary(1, 0, 0, 20)] }, results: { 'A/r/1': 'PASS' } });
  return buildCoverageReport(subjects, inventory, OPTIONS);
}

describe('renderers', () => {
  it('csv quotes ", commas and newlines, and defuses formulas', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField('=HYPERLINK("x")')).toBe('"\'=HYPERLINK(""x"")"');
    expect(csvField(-3)).toBe('-3');
    expect(csvField(null)).toBe('');
    const csv = renderCsvReport(sampleReport());
    const lines = csv.split('\r\n');
    expect(lines[0]).toBe(
      'name,uuid,cloudType,scope,state,startDate,endDate,daysToExpiry,accounts,controls,passWithException,failing,passing,missing,approximate,stale,staleReason,overBroad,overBroadReasons,targetsFrom,file,line',
    );
    expect(lines[1].startsWith('"team ""a"", <b>|c\nd @org/team =cmd","uuid-team')).toBe(true);
    expect(lines).toHaveLength(4);
    expect(csv).toContain(',true,now-passes,false,,repo,policies/a.yaml,3\r\n');
    expect(csv).toContain('wide,uuid-wide,AWS,CONNECTOR,ACTIVE,2026-01-01,2026-06-30,15,2,1,60,0,0,0,false,false,,true,covers 60 > 50; 2 accounts,detail,,\r\n');
  });

  it('markdown escapes user text', () => {
    const markdown = renderMarkdownReport(sampleReport());
    expect(markdown).toContain('team "a", &lt;b&gt;\\|c d @&#8203;org/team =cmd');
    expect(markdown).not.toContain('<b>');
    expect(markdown).toContain('**over-broad** (covers 60 &gt; 50, 2 accounts)');
    expect(markdown).toContain('**stale** (now-passes)');
    expect(markdown.split('\n').filter((line) => line.startsWith('| ')).length).toBe(3);
  });

  it('text shows one row per exception with its flags, json round-trips', () => {
    const report = sampleReport();
    const text = renderTextReport(report);
    expect(text).toContain('2 managed exceptions: 2 active, 0 inactive, 0 expired; 60 evaluations exempted; 1 stale, 1 over-broad');
    expect(text).toMatch(/wide\s+AWS\/CONNECTOR\s+ACTIVE\s+2026-06-30 \(15d\)\s+2\s+60\s+OVER-BROAD \(covers 60 > 50, 2 accounts\)/);
    expect(text).not.toContain('\nd @org');
    expect(JSON.parse(renderJsonReport(report))).toEqual(report);
  });
});

describe('targets of a managed exception', () => {
  const base = {
    uuid: 'u',
    name: 'n',
    explanation: 'x',
    exceptionReason: 'Other',
    exceptionScope: 'QUALYSTAG',
    state: 'ACTIVE',
    startsAt: '',
    endsAt: '',
    createdOn: '2026-01-01T00:00:00Z',
    updatedOn: '2026-01-01T00:00:00Z',
    cloudType: 'AWS' as const,
    controlIds: [1],
    resources: [],
    resourceTagNames: ['t'],
  };

  it('infers isAllConnector when the detail does not say and names neither accounts nor connector tags', () => {
    expect(targetsOfDetail({ ...base, accountIds: [], connectorTagNames: [] })?.isAllConnector).toBe(true);
    expect(targetsOfDetail({ ...base, accountIds: ['A'], connectorTagNames: [] })?.isAllConnector).toBe(false);
    expect(targetsOfDetail({ ...base, accountIds: [], connectorTagNames: [], isAllConnector: 'False' } as never)?.isAllConnector).toBe(false);
  });

  it('lets the manifest stand in only when the marker fingerprint matches and nobody edited it', () => {
    const wanted: ExceptionSpec = {
      name: 'n',
      cloudType: 'AWS',
      exceptionScope: 'CONNECTOR',
      explanation: 'why',
      exceptionReason: 'Other',
      startDate: '2026-01-01',
      endDate: '2026-12-31',
      controlIds: [1],
      accountIds: ['A'],
    };
    const item = (explanation: string, updatedOn = '2026-01-01T00:00:00Z'): RemoteException => ({ ...remote('n'), explanation, updatedOn });
    const marked = addMarker('why', stampMarker(wanted.name, fingerprintSpec(wanted), { owner: 'local', commit: 'abcdef012345' }));
    const manifestOf = (value: ExceptionSpec) => ({ spec: value, metadata: {}, location: { file: 'f', line: 1, column: 1 }, path: 'exceptions.0' });
    // Ownership as a plan decides it, from the manifest the report is given.
    const vouches = (manifest: ReturnType<typeof manifestOf> | undefined, remoteItem: RemoteException) =>
      manifestVouchesFor(manifest, remoteItem, buildOwnershipIndex({ remote: [remoteItem], desired: manifest ? [manifest] : [], settings: DEFAULT_OWNERSHIP }).of(remoteItem));
    expect(vouches(manifestOf(wanted), item(marked))).toBe(true);
    expect(vouches(manifestOf({ ...wanted, controlIds: [1, 2] }), item(marked))).toBe(false);
    expect(vouches(manifestOf(wanted), item('why'))).toBe(false);
    expect(vouches(manifestOf(wanted), item(marked, '2026-02-01T00:00:00Z'))).toBe(false);
    expect(vouches(undefined, item(marked))).toBe(false);
  });
});
