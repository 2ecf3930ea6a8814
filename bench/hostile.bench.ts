// What a broken or hostile server costs before the client stops: requests spent on paging that never
// ends, and memory and time spent on a body that is too large or never ends. Each case runs against the
// simulator over loopback (pages of 2 where paging matters) with the client's default limits.
import { createCloudViewClient } from '../src/api/client';
import { DEFAULT_SIM_PASSWORD, DEFAULT_SIM_USER, type SimulatorQuirks, startSimulator } from '../src/simulator';
import { connectorSpec } from './specs';

const EXCEPTIONS = 5;

interface Case {
  label: string;
  quirks: SimulatorQuirks;
  read: 'exceptions' | 'connectors';
}

const CASES: Case[] = [
  { label: 'pages A, B, A, B (exceptions)', quirks: { brokenPaging: { 'exceptions.list': 'repeat' } }, read: 'exceptions' },
  { label: `ever-new pages, totalElements ${EXCEPTIONS} (exceptions)`, quirks: { brokenPaging: { 'exceptions.list': 'endless' } }, read: 'exceptions' },
  { label: 'ever-new pages, no totals (connectors)', quirks: { brokenPaging: { 'connectors.list': 'endless-bare' } }, read: 'connectors' },
  { label: 'body padded to 64 MiB (exceptions, cap 8 MiB)', quirks: { hugeBody: { 'exceptions.list': 'oversized' } }, read: 'exceptions' },
  { label: 'endless body (exceptions, cap 8 MiB)', quirks: { hugeBody: { 'exceptions.list': 'endless' } }, read: 'exceptions' },
  { label: 'endless body (connectors, cap 4 MiB)', quirks: { hugeBody: { 'connectors.list': 'endless' } }, read: 'connectors' },
];

async function main(): Promise<void> {
  const rows: string[] = [];
  for (const testCase of CASES) {
    const sim = await startSimulator({ maxPageSize: 2, quirks: testCase.quirks });
    sim.seedExceptions(Array.from({ length: EXCEPTIONS }, (_, index) => connectorSpec('hostile', index)));
    const client = createCloudViewClient({ baseUrl: sim.url, username: DEFAULT_SIM_USER, password: DEFAULT_SIM_PASSWORD, concurrency: 1 });
    global.gc?.();
    const rssBefore = process.memoryUsage().rss;
    let peakRss = rssBefore;
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 5);
    const started = process.hrtime.bigint();
    let outcome = 'read whole (unexpected)';
    try {
      const listing = testCase.read === 'exceptions' ? client.listExceptions() : client.listConnectors('AWS');
      for await (const _ of listing) {
        /* drain */
      }
    } catch (error) {
      outcome = (error as Error).message.replace(/^unexpected response shape from [a-z.]+: /, '').slice(0, 110);
    }
    const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
    clearInterval(sampler);
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    rows.push(
      `${testCase.label.padEnd(48)} ${String(sim.counters().total).padStart(5)} req ${wallMs.toFixed(0).padStart(6)} ms  RSS +${((peakRss - rssBefore) / 2 ** 20).toFixed(0).padStart(3)} MiB  ${outcome}`,
    );
    await client.close();
    await sim.close();
  }
  console.log(rows.join('\n'));
}

void main();
