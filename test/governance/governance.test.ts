import { describe, expect, it } from 'vitest';
import { checkGovernance, withGovernance } from '../../src/governance';
import type { ExceptionSpec, ManifestException } from '../../src/model/exception';

function exception(
  overrides: Partial<ExceptionSpec> = {},
  metadata: Record<string, string> = { owner: 'team-a', ticket: 'SEC-1' },
  location = { file: 'policies/aws.yaml', line: 3, column: 5 },
  path = 'exceptions.0',
): ManifestException {
  return {
    spec: {
      name: 'team-a-s3-logging',
      cloudType: 'AWS',
      exceptionScope: 'CONNECTOR',
      explanation: 'logging bucket',
      exceptionReason: 'Risk Accepted',
      startDate: '2026-01-01',
      endDate: '2026-03-01',
      controlIds: [50036],
      accountIds: ['123456789012'],
      informationSecurityPolicy: 'POL-7',
      ...overrides,
    },
    metadata,
    location,
    path,
  };
}

describe('checkGovernance', () => {
  it('points at the field that breaks the rule when its position is known, else at the exception', () => {
    const located: ManifestException = {
      ...exception({ endDate: '2027-06-01' }, {}),
      fieldLocations: { endDate: { file: 'policies/aws.yaml', line: 9, column: 5 }, metadata: { file: 'policies/aws.yaml', line: 12, column: 5 } },
    };
    const findings = checkGovernance([located], { maxDurationDays: { 'Risk Accepted': 30 }, requiredMetadata: ['owner'], namePattern: '^x' });
    expect(findings.map((f) => `${f.rule} ${f.line}:${f.column} ${f.path}`)).toEqual([
      'governance.name-pattern 3:5 exceptions.0.name',
      'governance.max-duration 9:5 exceptions.0.endDate',
      'governance.required-metadata 12:5 exceptions.0.metadata.owner',
    ]);
  });

  it('finds nothing without rules or when every rule holds', () => {
    expect(checkGovernance([exception()], undefined)).toEqual([]);
    expect(checkGovernance([exception()], {})).toEqual([]);
    expect(
      checkGovernance([exception()], {
        maxDurationDays: { 'Risk Accepted': 59 },
        requirePolicyFor: ['Risk Accepted'],
        namePattern: '^team-[a-z]+-',
        requiredMetadata: ['owner', 'ticket'],
      }),
    ).toEqual([]);
  });

  it('limits endDate - startDate per reason, at the exception and endDate path', () => {
    // 2026-01-01 → 2026-03-01 is 59 days.
    const findings = checkGovernance([exception()], { maxDurationDays: { 'Risk Accepted': 58, 'False Positive': 1 } });
    expect(findings).toEqual([
      {
        severity: 'error',
        rule: 'governance.max-duration',
        message: expect.stringContaining('59 days'),
        file: 'policies/aws.yaml',
        line: 3,
        column: 5,
        path: 'exceptions.0.endDate',
      },
    ]);
    expect(checkGovernance([exception({ exceptionReason: 'Other' })], { maxDurationDays: { 'Risk Accepted': 1 } })).toEqual([]);
  });

  it('leaves malformed dates to the manifest validator', () => {
    expect(checkGovernance([exception({ endDate: '2026-02-30' })], { maxDurationDays: { 'Risk Accepted': 1 } })).toEqual([]);
  });

  it('requires informationSecurityPolicy for the listed reasons only', () => {
    const rules = { requirePolicyFor: ['Risk Accepted' as const] };
    const missing = checkGovernance([exception({ informationSecurityPolicy: undefined })], rules);
    expect(missing.map((f) => [f.rule, f.path])).toEqual([['governance.require-policy', 'exceptions.0.informationSecurityPolicy']]);
    expect(checkGovernance([exception({ informationSecurityPolicy: '  ' })], rules)).toHaveLength(1);
    expect(checkGovernance([exception({ exceptionReason: 'False Positive', informationSecurityPolicy: undefined })], rules)).toEqual([]);
  });

  it('checks names against namePattern', () => {
    const findings = checkGovernance([exception({ name: 'Bad Name' })], { namePattern: '^[a-z0-9-]+$' });
    expect(findings.map((f) => [f.rule, f.path])).toEqual([['governance.name-pattern', 'exceptions.0.name']]);
  });

  it('requires non-empty metadata keys', () => {
    const findings = checkGovernance([exception({}, { owner: 'team-a', ticket: ' ' })], { requiredMetadata: ['owner', 'ticket', 'expiresReviewedBy'] });
    expect(findings.map((f) => [f.rule, f.path])).toEqual([
      ['governance.required-metadata', 'exceptions.0.metadata.ticket'],
      ['governance.required-metadata', 'exceptions.0.metadata.expiresReviewedBy'],
    ]);
  });

  it("uses each exception's own path in its file (not its rank among the valid ones) and sorts by file and line", () => {
    const rules = { namePattern: '^ok-' };
    // exceptions.1 of b.yaml failed the schema and was left out by the loader: the paths must not shift.
    const findings = checkGovernance(
      [
        exception({ name: 'b-second' }, {}, { file: 'policies/b.yaml', line: 20, column: 5 }, 'exceptions.2'),
        exception({ name: 'a-only' }, {}, { file: 'policies/a.yaml', line: 4, column: 5 }, 'exceptions.0'),
        exception({ name: 'b-first' }, {}, { file: 'policies/b.yaml', line: 8, column: 5 }, 'exceptions.0'),
        exception({ name: 'ok-fine' }, {}, { file: 'policies/b.yaml', line: 30, column: 5 }, 'exceptions.3'),
      ],
      rules,
    );
    expect(findings.map((f) => `${f.file}:${f.line} ${f.path}`)).toEqual([
      'policies/a.yaml:4 exceptions.0.name',
      'policies/b.yaml:8 exceptions.0.name',
      'policies/b.yaml:20 exceptions.2.name',
    ]);
  });

  it('reports every broken rule of one exception', () => {
    const findings = checkGovernance([exception({ name: 'X', informationSecurityPolicy: undefined, endDate: '2027-01-01' }, {})], {
      maxDurationDays: { 'Risk Accepted': 90 },
      requirePolicyFor: ['Risk Accepted'],
      namePattern: '^[a-z]',
      requiredMetadata: ['owner'],
    });
    expect(findings.map((f) => f.rule)).toEqual([
      'governance.max-duration',
      'governance.require-policy',
      'governance.name-pattern',
      'governance.required-metadata',
    ]);
    expect(findings.every((f) => f.severity === 'error')).toBe(true);
  });
});

describe('withGovernance', () => {
  it('merges governance errors into a validation result, sorted by file and line', () => {
    const warning = { severity: 'warning' as const, rule: 'date.past', message: 'ended', file: 'policies/b.yaml', line: 2, column: 1, path: '' };
    const result = {
      findings: [warning],
      manifests: { files: ['policies/a.yaml', 'policies/b.yaml'], exceptions: [exception({ name: 'Bad' }, {}, { file: 'policies/a.yaml', line: 9, column: 5 })], applyTags: [] },
      fileCount: 2,
      exceptionCount: 1,
    };
    const merged = withGovernance(result, { namePattern: '^[a-z]' });
    expect(merged.findings.map((f) => `${f.file}:${f.line} ${f.rule}`)).toEqual(['policies/a.yaml:9 governance.name-pattern', 'policies/b.yaml:2 date.past']);
    expect(merged.fileCount).toBe(2);
    expect(result.findings).toHaveLength(1);
    expect(withGovernance(result, undefined)).toBe(result);
  });
});

describe('governance.namePattern runs with a time bound', () => {
  it('reports a catastrophically backtracking pattern at its config line instead of hanging', () => {
    // `^(a+)+$` against 35 a's and a '!' takes minutes with a backtracking engine.
    const names = [exception({ name: 'team-a-ok' }), exception({ name: `${'a'.repeat(35)}!` }, undefined, { file: 'policies/a.yaml', line: 7, column: 5 }, 'exceptions.1')];
    const source = { file: 'cvex.config.yaml', locations: { 'governance.namePattern': { file: 'cvex.config.yaml', line: 4, column: 16 } } };
    // Unbounded, this test would run for minutes: its own time limit is what fails then.
    const findings = checkGovernance(names, { namePattern: '^(a+)+$' }, source, { regexTimeLimitMs: 200 });
    expect(findings).toEqual([
      {
        severity: 'error',
        rule: 'governance.name-pattern-timeout',
        message: expect.stringMatching(/^governance\.namePattern \/\^\(a\+\)\+\$\/ did not finish within 200 ms over 2 names: it backtracks catastrophically/),
        file: 'cvex.config.yaml',
        line: 4,
        column: 16,
        path: 'governance.namePattern',
      },
    ]);
  }, 5_000);

  it('tests every name in one bounded run, with the same verdicts as a plain RegExp', () => {
    const names = Array.from({ length: 10_000 }, (_v, i) => (i % 7 === 0 ? `Team-${i}` : `team-${i}`));
    const exceptions = names.map((name, i) => exception({ name }, undefined, { file: 'policies/a.yaml', line: i + 1, column: 5 }, `exceptions.${i}`));
    const findings = checkGovernance(exceptions, { namePattern: '^[a-z0-9-]+$' });
    const expected = names.filter((name) => !/^[a-z0-9-]+$/.test(name));
    expect(findings.map((f) => f.message.match(/name '([^']+)'/)?.[1])).toEqual(expected);
  });
});
