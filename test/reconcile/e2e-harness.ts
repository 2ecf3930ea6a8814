// Drives `main(['plan' | 'apply', ...])` in process against a real simulator over loopback, with
// manifests in a temp dir and captured output. Nothing is stubbed: the real client talks HTTP.
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { type CliIo, Interrupted } from '../../src/command-line/io';
import { main } from '../../src/cli/main';
import type { ExceptionSpec } from '../../src/model/exception';
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
  writeConfig(config: Record<string, unknown>): Promise<void>;
  close(): Promise<void>;
}

export async function startWorld(options: SimulatorOptions = {}): Promise<World> {
  const sim = await startSimulator(options);
  const dir = await mkdtemp(path.join(tmpdir(), 'cvex-e2e-'));
  await mkdir(path.join(dir, 'policies'), { recursive: true });
  return {
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
    async writeConfig(config) {
      await writeFile(path.join(dir, 'cvex.config.yaml'), stringify(config), 'utf8');
    },
    async close() {
      await sim.close();
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
