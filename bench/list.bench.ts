// Paging through 10,000 exceptions at a simulated 20 ms per call: how many requests, which page
// size the server actually served, and how long it takes. Every call counts against a Qualys
// subscription's budget (commonly 300 calls per hour), so requests per exception is the figure to watch.
import { createCloudViewClient } from '../src/api/client';
import { DEFAULT_SIM_PASSWORD, DEFAULT_SIM_USER, startSimulator } from '../src/simulator';
import { connectorSpec } from './specs';

const EXCEPTIONS = 10_000;
const LATENCY_MS = 20;

interface RunResult {
  label: string;
  requests: number;
  serverRequests: number;
  items: number;
  askedPageSize: number;
  servedPageSize: number | undefined;
  wallMs: number;
}

async function run(label: string, url: string, counters: () => number, concurrency: number, pageSize: number): Promise<RunResult> {
  let servedPageSize: number | undefined;
  const client = createCloudViewClient({
    baseUrl: url,
    username: DEFAULT_SIM_USER,
    password: DEFAULT_SIM_PASSWORD,
    concurrency,
    pageSize,
    onPage: (_route, info) => {
      servedPageSize ??= info.serverPageSize;
    },
  });
  const before = counters();
  const started = process.hrtime.bigint();
  const names = new Set<string>();
  for await (const exception of client.listExceptions()) names.add(exception.name);
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  const result = {
    label,
    requests: client.requestCount(),
    serverRequests: counters() - before,
    items: names.size,
    askedPageSize: pageSize,
    servedPageSize,
    wallMs,
  };
  await client.close();
  if (result.items !== EXCEPTIONS) throw new Error(`${label}: read ${result.items} exceptions, expected ${EXCEPTIONS}`);
  return result;
}

async function main(): Promise<void> {
  const sim = await startSimulator({ latencyMs: LATENCY_MS });
  try {
    const seeded = process.hrtime.bigint();
    sim.seedExceptions(Array.from({ length: EXCEPTIONS }, (_, i) => connectorSpec('bench', i)));
    const seedMs = Number(process.hrtime.bigint() - seeded) / 1e6;
    console.log(`simulator: ${EXCEPTIONS} exceptions seeded in ${seedMs.toFixed(0)} ms (bulk, no HTTP); latency ${LATENCY_MS} ms per call, server page cap 100`);
    const total = () => sim.counters().total;
    const results = [
      await run('default (concurrency 2, pages ahead)', sim.url, total, 2, 100),
      await run('sequential (concurrency 1)', sim.url, total, 1, 100),
      await run('asks 1000, server caps to 100', sim.url, total, 2, 1000),
    ];
    console.log('');
    console.log('| run | requests | server saw | page size asked → served | wall time | requests / exception |');
    console.log('|---|---:|---:|---|---:|---:|');
    for (const r of results) {
      console.log(
        `| ${r.label} | ${r.requests} | ${r.serverRequests} | ${r.askedPageSize} → ${r.servedPageSize ?? '?'} | ${(r.wallMs / 1000).toFixed(2)} s | ${(r.requests / r.items).toFixed(4)} |`,
      );
    }
  } finally {
    await sim.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
