// Drives `main(['plan' | 'apply', ...])` in process against a real simulator over loopback, with
// manifests in a temp dir and captured output. Nothing is stubbed: the real client talks HTTP.
//
// Each world is a repository set up as recommended: cvex.config.yaml names an owner and lists a
// marker key, and CVEX_SIGNING_KEY holds its private half (`ownership: 'signed'`, the default).
// `'unsigned'` has an owner but no keys (markers verified by fingerprint and history); `'none'`
// writes no config (owner `local` on loopback). The temp dir is no git repository unless a test
// makes it one. Two worlds can share one simulator (`sim:`): two repositories, one subscription.
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { type CliIo, Interrupted } from '../../src/command-line/io';
import { main } from '../../src/cli/main';
import type { ExceptionSpec } from '../../src/model/exception';
import { generateMarkerKey, type GeneratedMarkerKey } from '../../src/reconcile/marker-keys';
import { DEFAULT_SIM_PASSWORD, DEFAULT_SIM_USER, startSimulator, type Simulator, type SimulatorOptions } from '../../src/simulator';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  prompt?: (question: string) => Promise<string>;
  env?: NodeJS.ProcessEnv;
  interrupted?: Promise<void>;
  /** Aborted with an `Interrupted` reason, as the entry point does on SIGINT / SIGTERM. */
  signal?: AbortSignal;
  /** Sees stdout as it is written (e.g. to interrupt after the first progress line). */
  onStdout?: (text: string) => void;
}

/** An AbortController whose abort() carries the reason the CLI entry gives a signal. */
export function signalController(signal: 'SIGINT' | 'SIGTERM' = 'SIGINT'): { signal: AbortSignal; interrupt(): void } {
  const controller = new AbortController();
  return { signal: controller.signal, interrupt: () => controller.abort(new Interrupted(signal)) };
}

export interface World {
  sim: Simulator;
  dir: string;
  run(argv: string[], options?: RunOptions): Promise<RunResult>;
  /** Writes policies/<file> with these exceptions (and applyTags rules). */
  writeManifest(file: string, exceptions: ExceptionSpec[], applyTags?: unknown[]): Promise<void>;
  /** Writes cvex.config.yaml: the world's ownership keys (owner, markerKeys) unless `config` sets them, then `config`. */
  writeConfig(config: Record<string, unknown>): Promise<void>;
  /** The world's owner slug and signing key (undefined with `ownership: 'none'` / `'unsigned'`). */
  owner?: string;
  key?: GeneratedMarkerKey;
  close(): Promise<void>;
}

export type WorldOwnership = 'signed' | 'unsigned' | 'none';

export interface WorldOptions extends SimulatorOptions {
  /** Default 'signed'. */
  ownership?: WorldOwnership;
  /** Default 'e2e'. */
  owner?: string;
  /** Share this simulator (it is closed by whoever started it). */
  sim?: Simulator;
  /** A signing key to reuse (two worlds of one repository); default a fresh one. */
  key?: GeneratedMarkerKey;
}

export async function startWorld(options: WorldOptions = {}): Promise<World> {
  const { ownership = 'signed', owner = 'e2e', sim: shared, key: givenKey, ...simulatorOptions } = options;
  const sim = shared ?? (await startSimulator(simulatorOptions));
  const dir = await mkdtemp(path.join(tmpdir(), 'cvex-e2e-'));
  await mkdir(path.join(dir, 'policies'), { recursive: true });
  const key = ownership === 'signed' ? (givenKey ?? generateMarkerKey()) : undefined;
  const baseConfig: Record<string, unknown> = ownership === 'none' ? {} : { owner, ...(key ? { markerKeys: [key.publicKey] } : {}) };
  const writeConfig = (config: Record<string, unknown>) => writeFile(path.join(dir, 'cvex.config.yaml'), stringify({ ...baseConfig, ...config }), 'utf8');
  if (ownership !== 'none') await writeConfig({});
  return {
    ...(ownership !== 'none' ? { owner } : {}),
    ...(key ? { key } : {}),
    sim,
    dir,
    async run(argv, runOptions = {}) {
      let stdout = '';
      let stderr = '';
      const io: CliIo = {
        stdout: {
          write: (text: string) => {
            stdout += text;
            runOptions.onStdout?.(text);
          },
        },
        stderr: { write: (text: string) => (stderr += text) },
        env: {
          QUALYS_API_URL: sim.url,
          QUALYS_USERNAME: DEFAULT_SIM_USER,
          QUALYS_PASSWORD: DEFAULT_SIM_PASSWORD,
          USER: 'e2e-tester',
          ...(key ? { CVEX_SIGNING_KEY: key.privateKey } : {}),
          ...runOptions.env,
        },
        cwd: dir,
        prompt: runOptions.prompt,
        interrupted: runOptions.interrupted,
        signal: runOptions.signal,
      };
      const code = await main(argv, io);
      return { code, stdout, stderr };
    },
    async writeManifest(file, exceptions, applyTags) {
      const document: Record<string, unknown> = { exceptions };
      if (applyTags) document.applyTags = applyTags;
      await writeFile(path.join(dir, 'policies', file), stringify(document), 'utf8');
    },
    writeConfig,
    async close() {
      if (!shared) await sim.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A valid AWS RESOURCE exception for the simulator's seed (controls 1, 2; a bucket of its own in the prod account). */
export function awsException(name: string, overrides: Partial<ExceptionSpec> = {}): ExceptionSpec {
  return {
    name,
    cloudType: 'AWS',
    exceptionScope: 'RESOURCE',
    explanation: `Why ${name} is accepted.`,
    exceptionReason: 'Risk Accepted',
    startDate: '2026-11-01',
    endDate: '2027-04-30',
    controlIds: [1, 2],
    resources: [{ resourceId: `arn:aws:s3:::cvex-${name}`, accountId: '123456789012' }],
    ...overrides,
  };
}

export function manyExceptions(count: number, prefix = 'team-a'): ExceptionSpec[] {
  return Array.from({ length: count }, (_, index) => awsException(`${prefix}-${String(index).padStart(5, '0')}`));
}

/**
 * The simulator's counters for the exceptions routes only: what the reconciler itself spends.
 * The plan-time inventory checks (connectors, summaries) are a fixed cost, asserted on their own.
 */
export function exceptionRequests(sim: Simulator): { total: number; byRoute: Record<string, number> } {
  const byRoute = Object.fromEntries(Object.entries(sim.counters().byRoute).filter(([route]) => route.startsWith('exceptions.'))) as Record<string, number>;
  return { total: Object.values(byRoute).reduce((sum, count) => sum + count, 0), byRoute };
}
