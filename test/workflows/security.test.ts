// Security properties of the workflows, read from the YAML: which jobs and steps see which Qualys
// secrets, no untrusted event text in scripts, no privileged triggers, writes only from `main`,
// actions pinned by commit SHA, Node 24, artifact retention within what GitHub keeps.
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { callerWorkflows, localReusable, publishedReusable } from '../../src/init/workflows';

const ROOT = path.resolve(__dirname, '../..');
const WORKFLOWS = path.join(ROOT, '.github/workflows');
const files = readdirSync(WORKFLOWS).filter((name) => /\.ya?ml$/.test(name)).sort();
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };

interface Step {
  name?: string;
  id?: string;
  run?: string;
  uses?: string;
  env?: Record<string, string>;
  with?: Record<string, unknown>;
}
interface Job {
  if?: string;
  env?: Record<string, string>;
  uses?: string;
  secrets?: Record<string, string> | 'inherit';
  environment?: string;
  steps?: Step[];
}
interface Workflow {
  on: Record<string, any>;
  env?: Record<string, string>;
  jobs: Record<string, Job>;
}

const text = (name: string): string => readFileSync(path.join(WORKFLOWS, name), 'utf8');
const load = (name: string): Workflow => parse(text(name)) as Workflow;
const usesSecrets = (env: Record<string, string> | undefined): string[] =>
  Object.entries(env ?? {}).filter(([, value]) => /secrets\./.test(String(value))).map(([key]) => key);
const secretsNamed = (source: string): string[] => [...new Set([...source.matchAll(/secrets\.([A-Za-z_][A-Za-z0-9_]*)/g)].map((match) => match[1]))].sort();
const WRITE_SECRETS = ['QUALYS_USERNAME', 'QUALYS_PASSWORD', 'CVEX_SIGNING_KEY'];
const READ_SECRETS = ['QUALYS_READ_PASSWORD', 'QUALYS_READ_USERNAME'];

describe.each(files)('%s', (name) => {
  const workflow = load(name);
  const jobs = Object.values(workflow.jobs);

  it('never uses pull_request_target or workflow_run', () => {
    expect(Object.keys(workflow.on)).not.toContain('pull_request_target');
    expect(Object.keys(workflow.on)).not.toContain('workflow_run');
  });

  it('gives the Qualys secrets only to the steps that run cvex against the API (never npm ci, never at job level)', () => {
    expect(usesSecrets(workflow.env)).toEqual([]);
    for (const job of jobs) {
      expect(usesSecrets(job.env)).toEqual([]);
      for (const step of job.steps ?? []) {
        if (usesSecrets(step.env).length === 0) continue;
        expect(step.run ?? '', step.name ?? step.id).toMatch(/\bcvex (plan|apply|tag|report)\b/);
      }
    }
  });

  it('reads the write credentials only in jobs that run in an environment', () => {
    for (const job of jobs) {
      const named = secretsNamed(JSON.stringify(job.steps ?? []));
      if (named.some((secret) => WRITE_SECRETS.includes(secret))) expect(job.environment, JSON.stringify(named)).toBe('${{ inputs.environment }}');
    }
  });

  it('does not leave the token in .git/config for the code it runs (persist-credentials: false)', () => {
    for (const job of jobs) {
      for (const step of (job.steps ?? []).filter((s) => s.uses?.startsWith('actions/checkout@'))) {
        expect(step.with?.['persist-credentials']).toBe(false);
      }
    }
  });

  it('interpolates no event text into run: scripts (it goes through env)', () => {
    for (const job of jobs) {
      for (const step of job.steps ?? []) expect(step.run ?? '', step.name ?? step.id).not.toMatch(/\$\{\{/);
    }
  });

  it('writes to Qualys only from main (a run by hand from a branch does nothing)', () => {
    for (const job of jobs) {
      const writes = (job.steps ?? []).some((step) => /\bcvex (apply|tag)\b/.test(step.run ?? '')) || /cvex-(apply|tag)\.yml/.test(job.uses ?? '');
      if (writes) expect(job.if ?? '').toMatch(/github\.ref\s*==\s*'refs\/heads\/main'/);
    }
  });

  it('pins every action by its full commit SHA, with the release in a comment', () => {
    for (const line of text(name).split('\n')) {
      const match = /^\s*(?:-\s+)?uses:\s*(\S+)(.*)$/.exec(line);
      if (!match || match[1].startsWith('./') || /^cloudview-exceptions\/cloudview-exceptions\//.test(match[1])) continue;
      expect(line).toMatch(/uses: [\w.-]+\/[\w.-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/);
    }
  });

  it('runs Node 24 (ci.yml also tests the older lines the package supports)', () => {
    for (const job of jobs) {
      for (const step of (job.steps ?? []).filter((s) => s.uses?.startsWith('actions/setup-node@'))) {
        expect(String(step.with?.['node-version'])).toBe(name === 'ci.yml' ? '${{ matrix.node }}' : '24');
      }
    }
  });

  it('asks GitHub to keep artifacts no longer than it keeps them by default (90 days)', () => {
    const inputs = (workflow.on.workflow_call?.inputs ?? {}) as Record<string, { default?: unknown }>;
    for (const [input, spec] of Object.entries(inputs)) if (input === 'retention-days') expect(Number(spec.default)).toBeLessThanOrEqual(90);
    for (const job of jobs) {
      for (const step of (job.steps ?? []).filter((s) => s.uses?.startsWith('actions/upload-artifact@'))) {
        expect(step.with?.['retention-days']).toBe('${{ inputs.retention-days }}');
      }
    }
  });
});

describe('trust separation', () => {
  it('the plan and drift workflows declare and read only the read-only credentials', () => {
    for (const name of ['cvex-plan.yml', 'cvex-drift.yml']) {
      expect(Object.keys(load(name).on.workflow_call.secrets).sort(), name).toEqual(READ_SECRETS);
      expect(secretsNamed(text(name)), name).toEqual(READ_SECRETS);
    }
  });

  it('the callers pass plan and drift the read-only credentials by name, never `inherit`', () => {
    for (const [name, job] of [['exceptions-plan.yml', 'plan'], ['exceptions-drift.yml', 'drift']] as const) {
      expect(Object.keys(load(name).jobs[job].secrets as Record<string, string>).sort(), name).toEqual(READ_SECRETS);
    }
    expect(load('exceptions-apply.yml').jobs.apply.secrets).toBeUndefined();
    expect(load('exceptions-drift.yml').jobs.tag.secrets).toBeUndefined();
  });

  it('the plan job installs the tool from the base branch with no install scripts, and runs the pull request\'s files with it', () => {
    const steps = load('cvex-plan.yml').jobs.plan.steps ?? [];
    const base = steps.find((step) => step.with?.path === 'base');
    expect(base?.with?.ref).toBe('${{ github.event.pull_request.base.sha }}');
    const install = steps.find((step) => /^npm ci\b/.test(step.run ?? '')) as Step & { 'working-directory'?: string };
    expect(install.run).toContain('--ignore-scripts');
    expect(install['working-directory']).toBe('base');
    for (const step of steps.filter((s) => /\bnpx\b.*\bcvex (validate|plan) /.test(s.run ?? ''))) expect(step.run).toContain('npx --no-install --prefix "$GITHUB_WORKSPACE/base" cvex');
  });

  it('every workflow that installs cvex uses the installed binary, never a registry fallback', () => {
    for (const name of files) {
      for (const match of text(name).matchAll(/\bnpx\b[^\n]*/g)) expect(match[0], name).toMatch(/^npx --no-install( --prefix "\$GITHUB_WORKSPACE\/base")? cvex /);
    }
  });
});

describe('versions', () => {
  it('every reusable workflow names the version of the package it ships with', () => {
    for (const name of files.filter((file) => file.startsWith('cvex-'))) expect(load(name).env?.CVEX_WORKFLOW_VERSION, name).toBe(pkg.version);
  });

  it('the documents name the package with its scope and this version, and the reusable workflows at it', () => {
    const documents = ['README.md', 'CHANGELOG.md', ...readdirSync(path.join(ROOT, 'docs')).map((file) => `docs/${file}`)];
    for (const document of documents) {
      const content = readFileSync(path.join(ROOT, document), 'utf8');
      for (const match of content.matchAll(/@cloudview-exceptions\/cvex(@[\w.]+)?/g)) {
        const after = content.slice(match.index + match[0].length, match.index + match[0].length + 20);
        // A path into the installed package, or the pin itself in package.json.
        if (after.startsWith('/')) continue;
        if (after.startsWith('": "')) {
          expect(after.slice(4).split('"')[0], document).toBe(pkg.version);
          continue;
        }
        expect(match[1], `${document}: ${match[0]}`).toMatch(document === 'CHANGELOG.md' ? /^@(X\.Y\.Z|\d+\.\d+\.\d+)$/ : new RegExp(`^@${pkg.version.replace(/\./g, '\\.')}$`));
      }
      for (const match of content.matchAll(/cvex-[a-z]+\.yml@v([\w.]+)/g)) expect(match[1], document).toBe(pkg.version);
      expect(content, document).not.toMatch(/\bnpx (?!--no-install\b|--yes @cloudview-exceptions\/cvex@)/);
    }
  });

  it("this repository's callers are the ones `cvex init` writes, with local references", () => {
    const local = callerWorkflows({ owner: 'cloudview-exceptions', reusable: localReusable });
    const published = callerWorkflows({ owner: 'cloudview-exceptions', reusable: publishedReusable('cloudview-exceptions/cloudview-exceptions', pkg.version) });
    for (const [file, expected] of Object.entries(local)) {
      expect(readFileSync(path.join(ROOT, file), 'utf8'), file).toBe(expected);
      expect(published[file].replace(new RegExp(`cloudview-exceptions/cloudview-exceptions/(\\.github/workflows/[\\w-]+\\.yml)@v${pkg.version.replace(/\./g, '\\.')}`, 'g'), './$1')).toBe(expected);
    }
  });
});
