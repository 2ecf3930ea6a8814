// Adopting a large account: `cvex import` splits what it writes on a stable key so every file stays
// within the manifest limits, and spreads its one-detail-per-exception cost over budgeted runs that
// stop cleanly, record what they read in the files they wrote, and converge to the bytes of one run.
// N = 1,100 here (past the one-file-per-cloud size, so split 16 ways as at 10,000); the 10,000 run
// is `npm run bench import`.
import { readdir, readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_EXCEPTIONS_PER_FILE, MAX_MANIFEST_BYTES } from '../../src/manifest';
import type { Plan } from '../../src/reconcile/types';
import { manyExceptions, startWorld, type World } from '../reconcile/e2e-harness';

const worlds: World[] = [];
afterEach(async () => {
  for (const world of worlds.splice(0)) await world.close();
});

const N = 1_100;

/** A simulator holding N exceptions made in the UI (11 pages of 100), and a repository without manifests. */
async function account(count = N): Promise<World> {
  const world = await startWorld({ maxPageSize: 100 });
  worlds.push(world);
  for (const spec of manyExceptions(count, 'ui-made')) world.sim.createExceptionAsUi(spec);
  return world;
}

/** Every file the import wrote, and the config, as bytes. */
async function snapshot(world: World): Promise<Record<string, string>> {
  const files: Record<string, string> = { 'cvex.config.yaml': await readFile(path.join(world.dir, 'cvex.config.yaml'), 'utf8') };
  for (const name of (await readdir(path.join(world.dir, 'policies'))).sort()) files[name] = await readFile(path.join(world.dir, 'policies', name), 'utf8');
  return files;
}

async function importRuns(world: World, flags: string[]): Promise<{ runs: number; requests: number; outputs: string[] }> {
  const outputs: string[] = [];
  let requests = 0;
  for (let run = 1; run <= 50; run += 1) {
    world.sim.resetCounters();
    const result = await world.run(['import', '--out', 'policies', ...flags]);
    expect(result.code, result.stderr).toBe(0);
    requests += world.sim.counters().total;
    outputs.push(result.stdout);
    if (!result.stdout.includes('stopped at')) return { runs: run, requests, outputs };
  }
  throw new Error('the import did not converge in 50 runs');
}

describe('cvex import of a large account', () => {
  it('splits the files 16 ways per cloud by sha256(name), each within the limits; validate and plan then pass with no changes', async () => {
    const world = await account();
    const result = await world.run(['import', '--out', 'policies']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`${N} exceptions to read, one detail request each, after 11 list requests: ${N + 11} requests in all`);
    const files = (await readdir(path.join(world.dir, 'policies'))).sort();
    expect(files).toEqual([...'0123456789abcdef'].map((digit) => `imported-aws-${digit}.yaml`));
    for (const file of files) {
      const text = await readFile(path.join(world.dir, 'policies', file), 'utf8');
      expect(Buffer.byteLength(text)).toBeLessThanOrEqual(MAX_MANIFEST_BYTES);
      expect((text.match(/^ {2}- name: /gm) ?? []).length).toBeLessThanOrEqual(MAX_EXCEPTIONS_PER_FILE);
    }
    expect((await world.run(['validate'])).code).toBe(0);
    world.sim.resetCounters();
    const plan = JSON.parse((await world.run(['plan', '--format', 'json'])).stdout) as Plan;
    expect(plan.summary).toEqual({ create: 0, delete: 0, replace: 0, unchanged: N });
    expect(world.sim.counters().total).toBe(11);
  }, 120_000);

  it('in runs of 100 requests: each stops cleanly at its budget, states the cost and what is left, and the runs converge to the bytes of one run', async () => {
    // Two repositories of one account (the same key in their configs): one imports in one run, the other in runs.
    const once = await account();
    expect((await once.run(['import', '--out', 'policies'])).code).toBe(0);
    const oneRun = await snapshot(once);

    const world = await startWorld({ sim: once.sim, key: once.key });
    worlds.unshift(world);
    const { runs, requests, outputs } = await importRuns(world, ['--max-requests', '100']);
    // 89 details a run after 11 list requests: ceil(1,100 / 89) = 13 runs, 13 × 11 + 1,100 requests.
    expect(outputs[0]).toContain(`${N} exceptions to read, one detail request each, after 11 list requests per run: at --max-requests 100, this run reads 89; 13 runs and about 1243 requests in all`);
    expect(outputs[0]).toContain('stopped at the request budget (--max-requests 100): 1011 exceptions left to read; run `cvex import` again to continue where this run stopped (about 1143 requests in 12 runs)');
    // Progress lines in the log, with the requests left.
    expect(outputs[0]).toMatch(/^read 89 of 89 details this run \(1011 left to read\); about 1143 requests left in all$/m);
    expect(runs).toBe(13);
    expect(requests).toBe(13 * 11 + N);
    // No hidden state: the files and the config are the record, and they are one run's bytes.
    expect(await snapshot(world)).toEqual(oneRun);
    expect((await world.run(['plan', '--detailed-exitcode'])).code).toBe(0);
  }, 240_000);

  it('refuses a budget below one step (the list pages + 1), naming the minimum, before reading past the first page', async () => {
    const world = await account();
    const tooSmall = await world.run(['import', '--out', 'policies', '--max-requests', '11']);
    expect(tooSmall.code).toBe(2);
    expect(tooSmall.stderr).toContain('--max-requests 11 is below what one run needs: 12 (11 list requests and 1 detail)');
    expect(world.sim.counters().total).toBe(1);
    await expect(readdir(path.join(world.dir, 'policies'))).resolves.toEqual([]);
    world.sim.resetCounters();
    expect((await world.run(['import', '--max-requests', '1'])).code).toBe(2);
    expect((await world.run(['import', '--max-requests', '100', '--all'])).code).toBe(2);
    expect((await world.run(['import', '--max-requests', '100', '--no-adopt'])).code).toBe(2);
    expect(world.sim.counters().total).toBe(0);
  });

  it('never moves what an earlier import wrote: one file per cloud stays, new exceptions of a grown account go to the split files', async () => {
    const world = await account(30);
    expect((await world.run(['import', '--out', 'policies'])).code).toBe(0);
    const small = await readFile(path.join(world.dir, 'policies', 'imported-aws.yaml'), 'utf8');
    for (const spec of manyExceptions(N, 'ui-later')) world.sim.createExceptionAsUi(spec);
    const result = await world.run(['import', '--out', 'policies']);
    expect(result.code, result.stderr).toBe(0);
    expect(await readFile(path.join(world.dir, 'policies', 'imported-aws.yaml'), 'utf8')).toBe(small);
    const files = await readdir(path.join(world.dir, 'policies'));
    expect(files).toHaveLength(17);
    expect((await world.run(['validate'])).code).toBe(0);
    expect((await world.run(['plan', '--detailed-exitcode'])).code).toBe(0);
  }, 120_000);
});
