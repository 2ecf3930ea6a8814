// Request cost of `cvex report` (and of the plan-time inventory checks) for N managed exceptions over
// K accounts, against the simulator through the real HTTP client. The figure to watch is requests per
// exception: with the repository's manifests it must stay far below 1 (ceil(N/100) list pages + K
// summaries + a few resource pages); without them (targets only from the API) each live exception
// costs one detail request, which is the documented fallback, not the normal path.
// Run: npm run bench report        (BENCH_SIZES=10,100 BENCH_ACCOUNTS=5 to change the grid)
import { createCloudViewClient } from '../src/api/client';
import { InventoryCache, checkInventory, gatherCoverageReport } from '../src/inventory';
import type { ExceptionSpec, ManifestException } from '../src/model/exception';
import { fingerprintSpec } from '../src/reconcile/fingerprint';
import { addMarker, stampMarker } from '../src/reconcile/marker';
import { DEFAULT_SIM_PASSWORD, DEFAULT_SIM_USER, startSimulator } from '../src/simulator';
import { syntheticAccountId, syntheticBucketId, syntheticSeed } from '../src/simulator/synthetic-seed';

const SIZES = (process.env.BENCH_SIZES ?? '10,100,1000').split(',').map(Number);
const ACCOUNTS = Number(process.env.BENCH_ACCOUNTS ?? 3);
const RESOURCES_PER_ACCOUNT = 400;
const CONTROLS = 5;

const accountOf = syntheticAccountId;
const bucketOf = syntheticBucketId;

/** K accounts of 400 buckets on 5 controls; every third bucket fails control 1, every fifth passes everything. */
const seed = syntheticSeed({
  accounts: ACCOUNTS,
  resourcesPerAccount: RESOURCES_PER_ACCOUNT,
  controls: CONTROLS,
  tagsOf: (r) => (r % 10 === 0 ? ['shared'] : []),
  resultOf: (controlId, r) => (r % 5 !== 0 && (controlId === 1 ? r % 3 === 0 : r % 4 === 0) ? 'FAIL' : 'PASS'),
});

/** Mostly RESOURCE exceptions (one bucket, one or two controls), one CONNECTOR and one QUALYSTAG per 50. */
function specs(count: number): ExceptionSpec[] {
  return Array.from({ length: count }, (_, i) => {
    const account = accountOf(i % ACCOUNTS);
    const base = {
      name: `bench-${String(i).padStart(5, '0')}`,
      cloudType: 'AWS' as const,
      explanation: `benchmark exception ${i}`,
      exceptionReason: 'Risk Accepted' as const,
      startDate: '2026-01-01',
      endDate: '2027-12-31',
    };
    if (i % 50 === 49) return { ...base, exceptionScope: 'CONNECTOR' as const, controlIds: [2], accountIds: [account] };
    if (i % 50 === 48) return { ...base, exceptionScope: 'QUALYSTAG' as const, controlIds: [3], resourceTagNames: ['shared'], isAllConnector: true };
    const bucket = Math.floor(i / ACCOUNTS) % RESOURCES_PER_ACCOUNT;
    return { ...base, exceptionScope: 'RESOURCE' as const, controlIds: i % 2 === 0 ? [1] : [1, 4], resources: [{ resourceId: bucketOf(account, bucket), accountId: account }] };
  });
}

const routes = (byRoute: Record<string, number | undefined>): string =>
  Object.entries(byRoute)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([route, n]) => `${route.replace(/^(exceptions|evaluations|connectors)\./, '$1.')}=${n}`)
    .join(' ');

async function main(): Promise<void> {
  console.log(`cvex report: requests for N managed exceptions over K=${ACCOUNTS} accounts (${RESOURCES_PER_ACCOUNT} resources x ${CONTROLS} controls each), page size 100`);
  console.log('');
  const header = ['N', 'K', 'report (repo)', 'per exception', 'report (API only)', 'check', 'resource source', 'routes (repo)'];
  const rows: string[][] = [];
  for (const size of SIZES) {
    const sim = await startSimulator({ seed, now: () => new Date('2026-06-15T12:00:00Z') });
    const client = createCloudViewClient({ baseUrl: sim.url, username: DEFAULT_SIM_USER, password: DEFAULT_SIM_PASSWORD });
    try {
      const wanted = specs(size);
      sim.seedExceptions(wanted.map((spec) => ({ ...spec, explanation: addMarker(spec.explanation, stampMarker(spec.name, fingerprintSpec(spec), { owner: 'local', commit: 'abcdef012345' })) })));
      const manifests: ManifestException[] = wanted.map((spec, i) => ({ spec, metadata: {}, location: { file: 'policies/bench.yaml', line: i + 1, column: 3 }, path: `exceptions.${i}` }));
      const options = { manage: [], timeZone: 'UTC', now: new Date('2026-06-15T12:00:00Z'), overBroadThreshold: 50 };

      sim.resetCounters();
      const cache = new InventoryCache();
      const report = await gatherCoverageReport(client, { ...options, manifests, cache });
      const repo = sim.counters();
      if (report.exceptions.length !== size) throw new Error(`expected ${size} rows, got ${report.exceptions.length}`);

      sim.resetCounters();
      await gatherCoverageReport(client, { ...options, manifests: [] });
      const apiOnly = sim.counters().total;

      sim.resetCounters();
      await checkInventory(manifests, client, { strict: false });
      const check = sim.counters().total;

      const decision = cache.decisions.map((d) => `${d.choice} (regex ${d.regex} vs per-control ${d.perControl})`).join(', ') || '-';
      rows.push([String(size), String(ACCOUNTS), String(repo.total), (repo.total / size).toFixed(3), String(apiOnly), String(check), decision, routes(repo.byRoute)]);
    } finally {
      await client.close();
      await sim.close();
    }
  }
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i].length)));
  for (const row of [header, ...rows]) console.log(row.map((cell, i) => cell.padEnd(widths[i])).join('  ').trimEnd());
  console.log('');
  console.log('report (repo): ceil(N/100) list pages + Cq connector listings + K summaries + min(regex, per-control) pages;');
  console.log('report (API only): the same + one detail per live exception not vouched for by the repository (the fallback);');
  console.log('check: one connectors listing per cloud + K summaries + min(regex, per-control) pages (no exceptions listing).');
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
