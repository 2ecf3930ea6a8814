// Validate throughput: 10,000 exceptions across 100 manifest files in a temp folder.
// Prints process (CPU) time after start-up, so module loading and file generation are not counted.
// Run: npm run bench validate
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createContext, Script } from 'node:vm';
import { matchAllBounded } from '../src/governance/bounded-regex';
import { loadAndValidate } from '../src/manifest';
import { parseYaml, parseYamlWithYamlPackage } from '../src/manifest/parse-yaml';
import { hasErrors } from '../src/model/findings';

const FILES = 100;
const PER_FILE = 100;
const CLOUDS = [
  { cloudType: 'AWS', account: (n: number) => `1234${String(n).padStart(8, '0')}`, resource: (n: number) => `arn:aws:s3:::acme-bucket-${n}` },
  { cloudType: 'AZURE', account: (n: number) => `0b1f6471-1bf0-4dda-aec3-${String(n).padStart(12, '0')}`, resource: (n: number) => `/subscriptions/x/resourceGroups/rg-${n}/providers/Microsoft.Storage/storageAccounts/st${n}` },
  { cloudType: 'GCP', account: (n: number) => `acme-prod-${n}`, resource: (n: number) => `projects/acme-prod-${n}/instances/vm-${n}` },
] as const;

/** A realistic mix: 60% RESOURCE, 25% CONNECTOR, 15% QUALYSTAG, with metadata on every exception. */
function exceptionYaml(n: number): string {
  const cloud = CLOUDS[n % 3];
  const head = [
    `  - name: bench-exception-${n}`,
    `    cloudType: ${cloud.cloudType}`,
  ];
  const common = [
    `    explanation: "Accepted risk for workload ${n}, reviewed by the security team"`,
    '    exceptionReason: Risk Accepted',
    '    startDate: 2026-11-01',
    `    endDate: 2027-0${1 + (n % 9)}-15`,
    `    controlIds: [${50000 + (n % 400)}, ${51000 + (n % 300)}]`,
  ];
  const metadata = ['    metadata:', '      owner: platform-team', `      ticket: SEC-${10000 + n}`];
  const kind = n % 20;
  let scoped: string[];
  if (kind < 12) {
    scoped = [
      '    exceptionScope: RESOURCE',
      ...common,
      '    resources:',
      `      - resourceId: ${JSON.stringify(cloud.resource(n))}`,
      `        accountId: "${cloud.account(n % 50)}"`,
      '        region: us-east-1',
    ];
  } else if (kind < 17) {
    scoped = ['    exceptionScope: CONNECTOR', ...common, `    accountIds: ["${cloud.account(1000 + n)}"]`];
  } else {
    scoped = ['    exceptionScope: QUALYSTAG', ...common, `    resourceTagNames: [bench-tag-${n}]`, '    isAllConnector: true'];
  }
  return [...head, ...scoped, ...metadata].join('\n');
}

function generate(root: string): string[] {
  const written: string[] = [];
  for (let file = 0; file < FILES; file += 1) {
    const folder = path.join(root, 'policies', `team-${file % 10}`);
    mkdirSync(folder, { recursive: true });
    const items: string[] = [];
    for (let i = 0; i < PER_FILE; i += 1) items.push(exceptionYaml(file * PER_FILE + i));
    const text = `# yaml-language-server: $schema=../../schemas/exception-manifest.schema.json\nversion: 1\nexceptions:\n${items.join('\n')}\n`;
    const target = path.join(folder, `manifest-${file}.yaml`);
    writeFileSync(target, text);
    written.push(target);
  }
  return written;
}

function cpuMs(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
}

async function run(): Promise<void> {
  const root = mkdtempSync(path.join(tmpdir(), 'cvex-bench-validate-'));
  try {
    const written = generate(root);
    const bytes = written.reduce((sum, file) => sum + Buffer.byteLength(readFileSync(file, 'utf8')), 0);
    const now = new Date('2026-11-23T12:00:00Z');
    const runs: Array<{ cpu: number; wall: number }> = [];
    let last;
    for (let run = 0; run < 3; run += 1) {
      const cpu = process.cpuUsage();
      const wall = performance.now();
      last = await loadAndValidate([], { cwd: root, now });
      runs.push({ cpu: cpuMs(cpu), wall: performance.now() - wall });
    }
    if (!last || hasErrors(last.findings) || last.exceptionCount !== FILES * PER_FILE) {
      throw new Error(`bench manifests did not validate clean: ${JSON.stringify(last?.findings.slice(0, 3))}`);
    }
    // How much of it is reading the YAML (js-yaml with positions: these files read cleanly), and
    // what the `yaml` package, the path for anything else, would cost on the same files.
    const texts = written.map((file) => readFileSync(file, 'utf8'));
    const readStart = process.cpuUsage();
    for (const [index, text] of texts.entries()) parseYaml(text, written[index]);
    const reading = cpuMs(readStart);
    const fallbackStart = process.cpuUsage();
    for (const [index, text] of texts.entries()) parseYamlWithYamlPackage(text, written[index]);
    const fallback = cpuMs(fallbackStart);
    // governance.namePattern over every name: a plain loop, the one bounded vm run cvex uses, and
    // (to show why it is one run) a bounded vm call per name.
    const names = last.manifests.exceptions.map((exception) => exception.spec.name);
    const pattern = '^[a-z0-9-]+$';
    const timed = (work: () => void): number => {
      let best = Infinity;
      for (let round = 0; round < 5; round += 1) {
        const start = process.cpuUsage();
        work();
        best = Math.min(best, cpuMs(start));
      }
      return best;
    };
    const direct = timed(() => {
      const compiled = new RegExp(pattern);
      for (const name of names) compiled.test(name);
    });
    const bounded = timed(() => void matchAllBounded(pattern, names));
    const perName = new Script('new RegExp(source).test(text)');
    const perCall = timed(() => {
      const sandbox = createContext({ source: pattern, text: '' });
      for (const name of names) {
        sandbox.text = name;
        perName.runInContext(sandbox, { timeout: 1_000 });
      }
    });
    const [first] = runs;
    const best = runs.reduce((a, b) => (b.cpu < a.cpu ? b : a));
    const rate = (ms: number) => Math.round((last.exceptionCount / ms) * 1000).toLocaleString('en-US');
    process.stdout.write(
      [
        `generated: ${last.exceptionCount} exceptions in ${last.fileCount} files, ${(bytes / 1024 / 1024).toFixed(1)} MiB`,
        `first run (cold, includes ajv compile): ${first.cpu.toFixed(0)} ms process time, ${first.wall.toFixed(0)} ms wall, ${rate(first.cpu)} exceptions/s`,
        `best of ${runs.length} (warm): ${best.cpu.toFixed(0)} ms process time, ${best.wall.toFixed(0)} ms wall, ${rate(best.cpu)} exceptions/s`,
        `of which YAML parsing (js-yaml with positions, parse only): ${reading.toFixed(0)} ms process time (${Math.round((reading / best.cpu) * 100)}% of a warm run)`,
        `yaml package (the fallback path) on the same files: ${fallback.toFixed(0)} ms process time (${(fallback / reading).toFixed(1)}x the js-yaml path)`,
        `governance.namePattern over ${names.length} names: plain RegExp loop ${direct.toFixed(1)} ms, one bounded vm run ${bounded.toFixed(1)} ms (+${(bounded - direct).toFixed(1)} ms), a bounded vm call per name ${perCall.toFixed(0)} ms (process time, best of 5)`,
        `warnings: ${last.findings.length}`,
        '',
      ].join('\n'),
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

run().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
