// Ownership at scale, CPU only (no HTTP): classifying N remote exceptions once per plan, and the
// whole pure plan, for marker-owned exceptions (signed: one Ed25519 verification each; unsigned:
// a fingerprint comparison) and for adopted ones (`manage:` holding N exact names, as `cvex import`
// writes it, plus a few globs). Median of 3 runs, process CPU time.
// Run: npm run bench ownership        (BENCH_SIZES=1000 to run only N = 1,000)
import type { RemoteException } from '../src/api/types';
import { endOfLocalDay, startOfLocalDay } from '../src/model/dates';
import type { ManifestException } from '../src/model/exception';
import { fingerprintSpec } from '../src/reconcile/fingerprint';
import { addMarker, stampMarker } from '../src/reconcile/marker';
import { generateMarkerKey, parseMarkerPublicKey, parseSigningKey } from '../src/reconcile/marker-keys';
import { buildOwnershipIndex, DEFAULT_OWNERSHIP, type OwnershipSettings } from '../src/reconcile/ownership-index';
import { buildPlan } from '../src/reconcile/plan';
import type { ExceptionSpec } from '../src/model/exception';
import { resourceSpec } from './specs';

const SIZES = (process.env.BENCH_SIZES ?? '1000,10000').split(',').map(Number);
const key = generateMarkerKey();
const signer = parseSigningKey(key.privateKey);

function remoteOf(spec: ExceptionSpec, index: number, marker: 'signed' | 'unsigned' | 'none'): RemoteException {
  const stamped = marker === 'none' ? undefined : stampMarker(spec.name, fingerprintSpec(spec), { owner: 'bench', commit: 'local', sign: marker === 'signed' ? signer.sign : undefined });
  return {
    uuid: `uuid-${index}`,
    name: spec.name,
    explanation: stamped ? addMarker(spec.explanation, stamped) : spec.explanation,
    exceptionReason: spec.exceptionReason,
    exceptionScope: spec.exceptionScope,
    state: 'ACTIVE',
    startsAt: startOfLocalDay(spec.startDate, 'UTC').toISOString(),
    endsAt: endOfLocalDay(spec.endDate, 'UTC').toISOString(),
    createdOn: '2026-01-02T10:00:00.000Z',
    updatedOn: '2026-01-02T10:00:00.000Z',
  };
}

function cpuMs<T>(work: () => T): { ms: number; result: T } {
  const started = process.cpuUsage();
  const result = work();
  const used = process.cpuUsage(started);
  return { ms: (used.user + used.system) / 1000, result };
}

function median(values: number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
}

function row(count: number, label: string, classify: number, plan: number): void {
  process.stdout.write(`| ${String(count).padStart(6)} | ${label.padEnd(40)} | ${classify.toFixed(0).padStart(11)} ms | ${plan.toFixed(0).padStart(10)} ms | ${((classify * 1000) / count).toFixed(1).padStart(7)} µs\n`);
}

function benchCase(count: number, label: string, marker: 'signed' | 'unsigned' | 'none', settings: OwnershipSettings): void {
  const specs = Array.from({ length: count }, (_, index) => resourceSpec('bench', index));
  const desired: ManifestException[] = specs.map((spec, index) => ({ spec, metadata: {}, location: { file: 'policies/bench.yaml', line: index + 1, column: 3 }, path: `exceptions.${index}` }));
  const remote = specs.map((spec, index) => remoteOf(spec, index, marker));
  const classify: number[] = [];
  const plan: number[] = [];
  for (let run = 0; run < 3; run += 1) {
    const index = cpuMs(() => buildOwnershipIndex({ remote, desired, settings }));
    classify.push(index.ms);
    const built = cpuMs(() =>
      buildPlan(
        { desired, remote, details: new Map(), ownership: index.result },
        { timeZone: 'UTC', manage: settings.manage, now: new Date('2026-06-01T00:00:00Z'), commit: 'local', apiUrl: 'https://x', maxDeletes: 10, maxDeletePercent: 25, ownership: settings },
      ),
    );
    if (built.result.summary.unchanged !== count) throw new Error(`${label}: expected ${count} unchanged, got ${JSON.stringify(built.result.summary)}`);
    plan.push(built.ms);
  }
  row(count, label, median(classify), median(plan));
}

process.stdout.write('Ownership classification (once per plan) and the pure plan, CPU, median of 3\n\n');
process.stdout.write('|      N | exceptions                               |  classify CPU |  plan CPU* | per exc.\n|-------:|------------------------------------------|--------------:|-----------:|--------:\n');
for (const count of SIZES) {
  const signed: OwnershipSettings = { ...DEFAULT_OWNERSHIP, owner: 'bench', markerKeys: [parseMarkerPublicKey(key.publicKey)] };
  benchCase(count, 'owned, signed (Ed25519 verify each)', 'signed', signed);
  benchCase(count, 'owned, unsigned (fingerprint compare)', 'unsigned', { ...DEFAULT_OWNERSHIP, owner: 'bench' });
  const exactNames = Array.from({ length: count }, (_, index) => `bench-${String(index).padStart(5, '0')}`);
  benchCase(count, `adopted: ${count} exact manage names + 3 globs`, 'none', { ...DEFAULT_OWNERSHIP, owner: 'bench', manage: [...exactNames, 'team-a-*', 'team-b-*', 'x-[0-9]*'] });
}
process.stdout.write('\n* plan CPU: buildPlan with the index given (comparison of list fields, listings, safety), classification excluded.\n');
