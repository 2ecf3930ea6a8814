// What the client-against-simulator tests share: a simulator on a fixed clock, a client on a fake
// clock (backoff in milliseconds), both closed after each test, and a CONNECTOR spec to create.
import { afterEach } from 'vitest';
import { createCloudViewClient, type CloudViewClient, type CloudViewClientOptions } from '../../src/api/client';
import type { ExceptionSpec } from '../../src/model/exception';
import { DEFAULT_SIM_PASSWORD, DEFAULT_SIM_USER, type Simulator, type SimulatorOptions, startSimulator } from '../../src/simulator';
import { fakeClock } from './helpers';

export const NOW = new Date('2026-11-23T12:00:00Z');
export const AWS_PROD = '123456789012';

export const connectorSpec = (name: string, extra: Partial<ExceptionSpec> = {}): ExceptionSpec => ({
  name,
  cloudType: 'AWS',
  exceptionScope: 'CONNECTOR',
  explanation: `why ${name}`,
  exceptionReason: 'Risk Accepted',
  startDate: '2026-11-01',
  endDate: '2026-12-31',
  controlIds: [67],
  accountIds: [AWS_PROD],
  ...extra,
});

export async function all<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

/**
 * Registers the hook that closes, after each test, what `setup` opened and what `closeLater` is
 * given. `defaults` are each file's own simulator and client options (page size, timeout).
 */
export function useSimulatorClient(defaults: { sim?: SimulatorOptions; client?: Partial<CloudViewClientOptions> } = {}) {
  const open: Array<{ close(): Promise<void> }> = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((thing) => thing.close()));
  });
  const closeLater = <T extends { close(): Promise<void> }>(thing: T): T => {
    open.push(thing);
    return thing;
  };
  async function setup(sim: SimulatorOptions = {}, client: Partial<CloudViewClientOptions> = {}): Promise<{ sim: Simulator; client: CloudViewClient }> {
    const simulator = closeLater(await startSimulator({ now: () => NOW, ...defaults.sim, ...sim }));
    const api = closeLater(
      createCloudViewClient({ baseUrl: simulator.url, username: DEFAULT_SIM_USER, password: DEFAULT_SIM_PASSWORD, clock: fakeClock(), ...defaults.client, ...client }),
    );
    return { sim: simulator, client: api };
  }
  return { setup, closeLater };
}
