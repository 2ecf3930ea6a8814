// Reconciler cost at scale: requests and wall time for the first apply, a no-change plan and a plan
// with 1% changed, for N managed exceptions, against the simulator at 20 ms latency per response and
// a server concurrency limit of 2 (the common Qualys limit), through the real HTTP client.
// Manifests are built in memory (validation has its own benchmark: bench/validate.bench.ts).
// Run: npm run bench reconcile        (BENCH_SIZES=1000 to run only N = 1,000)
import { performance } from 'node:perf_hooks';
import { createCloudViewClient } from '../src/api/client';
import type { ManifestException } from '../src/model/exception';
import { createBodyOf, executePlan, type MarkerStamp } from '../src/reconcile/execute';
import { generateMarkerKey, parseMarkerPublicKey, parseSigningKey } from '../src/reconcile/marker-keys';
import type { PlanOptions } from '../src/reconcile/plan';
import { planAgainstRemote } from '../src/reconcile/remote';
import type { Plan } from '../src/reconcile/types';
import { DEFAULT_SIM_PASSWORD, DEFAULT_SIM_USER, startSimulator } from '../src/simulator';
import { resourceSpec } from './specs';

const LATENCY_MS = 20;
const CONCURRENCY = 2;
const SIZES = (process.env.BENCH_SIZES ?? '1000,10000').split(',').map(Number);
/** The first apply at 10,000 is ~10,000 creates (two minutes at 20 ms): past this many it is measured on a sample and extrapolated (BENCH_MAX_CREATES=10000 measures it all). */
const MAX_MEASURED_CREATES = Number(process.env.BENCH_MAX_CREATES ?? 2_000);

function desiredOf(count: number): ManifestException[] {
  return Array.from({ length: count }, (_, index) => {
    const spec = resourceSpec('bench', index);
    return { spec, metadata: {}, location: { file: 'policies/bench.yaml', line: 1 + index * 12, column: 5 }, path: `exceptions.${index}` };
  });
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

async function benchSize(count: number): Promise<void> {
  const sim = await startSimulator({ latencyMs: LATENCY_MS, concurrencyLimit: CONCURRENCY });
  const client = createCloudViewClient({ baseUrl: sim.url, username: DEFAULT_SIM_USER, password: DEFAULT_SIM_PASSWORD, concurrency: CONCURRENCY, timeoutMs: 30_000 });
  // The recommended setup: an owner, markers signed by a key the config lists.
  const key = generateMarkerKey();
  const stamp: MarkerStamp = { owner: 'bench', signer: parseSigningKey(key.privateKey) };
  const ownership = { owner: 'bench', markerKeys: [parseMarkerPublicKey(key.publicKey)], takeOverFrom: [] };
  const options: PlanOptions = { timeZone: 'UTC', manage: [], now: new Date(), commit: 'local', apiUrl: sim.url, maxDeletes: 10, maxDeletePercent: 25, ownership };
  const row = (label: string, requests: number, ms: number, note = '') =>
    process.stdout.write(`| ${String(count).padStart(6)} | ${label.padEnd(28)} | ${String(requests).padStart(8)} | ${seconds(ms).padStart(9)} | ${note}\n`);
  const measure = async <T>(work: () => Promise<T>): Promise<{ result: T; requests: number; ms: number }> => {
    sim.resetCounters();
    const started = performance.now();
    const result = await work();
    return { result, requests: sim.counters().total, ms: performance.now() - started };
  };

  try {
    const desired = desiredOf(count);
    const measuredCount = Math.min(count, MAX_MEASURED_CREATES);
    const first = await measure(async () => {
      const plan = await planAgainstRemote(client, { exceptions: desired.slice(0, measuredCount) }, options);
      const report = await executePlan(client, plan, { commit: 'local', concurrency: CONCURRENCY, stamp });
      if (report.failed > 0) throw new Error(`${report.failed} creates failed`);
      return plan;
    });
    if (measuredCount === count) {
      row('first apply (plan + creates)', first.requests, first.ms, `${first.result.summary.create} creates`);
    } else {
      const factor = count / measuredCount;
      row('first apply (EXTRAPOLATED)', Math.round(first.requests * factor), first.ms * factor, `measured ${measuredCount} creates: ${first.requests} requests, ${seconds(first.ms)}; ×${factor}`);
      // Fill the rest without the HTTP cost so the plans below run at full size.
      for (const exception of desired.slice(measuredCount)) {
        await client.createException(createBodyOf(exception.spec, 'local', stamp));
      }
    }

    const noChange = await measure(() => planAgainstRemote(client, { exceptions: desired }, options));
    row('no-change plan', noChange.requests, noChange.ms, `${noChange.result.summary.unchanged} unchanged; ceil(N/100) = ${Math.ceil(count / 100)}`);

    const changedCount = Math.max(1, Math.round(count / 100));
    const changed = desired.map((exception, index) => (index % 100 === 0 ? { ...exception, spec: { ...exception.spec, endDate: '2027-03-31' } } : exception));
    const onePercent = await measure(() => planAgainstRemote(client, { exceptions: changed }, options));
    row('plan with 1% changed', onePercent.requests, onePercent.ms, `${onePercent.result.summary.replace} replaces; ${Math.ceil(count / 100)} lists, no detail (the markers say what changed)`);

    const applied = await measure(async () => {
      const plan: Plan = await planAgainstRemote(client, { exceptions: changed }, options);
      return executePlan(client, plan, { commit: 'local', concurrency: CONCURRENCY, stamp });
    });
    row('apply with 1% changed', applied.requests, applied.ms, `plan + ${changedCount} deletes + ${changedCount} creates; ${applied.result.failed} failed`);
    const rateLimited = client.counters().rateLimited;
    if (rateLimited > 0) process.stdout.write(`|        | (429 concurrency answers seen by the client: ${rateLimited}) |\n`);
  } finally {
    await client.close();
    await sim.close();
  }
}

async function main(): Promise<void> {
  process.stdout.write(`Reconciler: simulator latency ${LATENCY_MS} ms, concurrency limit ${CONCURRENCY}, page size 100\n\n`);
  process.stdout.write('|      N | step                         | requests | wall time | note\n|-------:|------------------------------|---------:|----------:|------\n');
  for (const count of SIZES) await benchSize(count);
  process.stdout.write('\nAt ~300 calls an hour (a common Qualys subscription), a no-change plan over 10,000 exceptions uses a third of the hourly budget; one call per exception would need 33 hours.\n');
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
