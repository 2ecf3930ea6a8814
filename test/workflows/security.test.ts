// Security properties of the workflows, read from the YAML: which steps see the Qualys secrets,
// no untrusted event text in scripts, no privileged triggers, writes only from `main`.
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const WORKFLOWS = path.resolve(__dirname, '../../.github/workflows');
const files = readdirSync(WORKFLOWS).filter((name) => /\.ya?ml$/.test(name)).sort();

interface Step {
  name?: string;
  id?: string;
  run?: string;
  uses?: string;
  env?: Record<string, string>;
}
interface Job {
  if?: string;
  env?: Record<string, string>;
  steps: Step[];
}
interface Workflow {
  on: Record<string, unknown>;
  env?: Record<string, string>;
  jobs: Record<string, Job>;
}

const load = (name: string): Workflow => parse(readFileSync(path.join(WORKFLOWS, name), 'utf8')) as Workflow;
const usesSecrets = (env: Record<string, string> | undefined): string[] =>
  Object.entries(env ?? {}).filter(([, value]) => /secrets\./.test(String(value))).map(([key]) => key);

describe.each(files)('%s', (name) => {
  const workflow = load(name);

  it('never uses pull_request_target or workflow_run', () => {
    expect(Object.keys(workflow.on)).not.toContain('pull_request_target');
    expect(Object.keys(workflow.on)).not.toContain('workflow_run');
  });

  it('gives the Qualys secrets only to the steps that run cvex against the API (never npm ci, never at job level)', () => {
    expect(usesSecrets(workflow.env)).toEqual([]);
    for (const job of Object.values(workflow.jobs)) {
      expect(usesSecrets(job.env)).toEqual([]);
      for (const step of job.steps) {
        if (usesSecrets(step.env).length === 0) continue;
        expect(step.run ?? '', step.name ?? step.id).toMatch(/\bcvex (plan|apply|tag|report)\b/);
      }
    }
  });

  it('does not leave the token in .git/config for the code it runs (persist-credentials: false)', () => {
    for (const job of Object.values(workflow.jobs)) {
      for (const step of job.steps.filter((s) => s.uses?.startsWith('actions/checkout@'))) {
        expect((step as { with?: Record<string, unknown> }).with?.['persist-credentials']).toBe(false);
      }
    }
  });

  it('interpolates no event text into run: scripts (it goes through env)', () => {
    for (const job of Object.values(workflow.jobs)) {
      for (const step of job.steps) expect(step.run ?? '', step.name ?? step.id).not.toMatch(/\$\{\{/);
    }
  });

  it('a run by hand (workflow_dispatch) writes to Qualys only from main', () => {
    if (!('workflow_dispatch' in workflow.on)) return;
    for (const job of Object.values(workflow.jobs)) {
      const writes = job.steps.some((step) => /\bcvex (apply|tag)\b/.test(step.run ?? ''));
      if (writes) expect(job.if ?? '').toMatch(/github\.ref\s*==\s*'refs\/heads\/main'/);
    }
  });
});
