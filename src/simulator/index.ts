// startSimulator: a stateful CloudView on 127.0.0.1 for tests, the demo and benchmarks.
// See docs/simulator.md for the routes, the knobs and the decisions made where the documentation says nothing.
import { formatQualysTimestamp, isValidTimeZone } from '../model/dates';
import type { ExceptionSpec } from '../model/exception';
import { dialectQuirks } from './dialects';
import { EvaluationWorld } from './evaluations';
import { FaultTable } from './faults';
import { createRandom } from './random';
import { loadSeed } from './fixture';
import { SimulatorServer } from './server';
import { SimulatorStore, stateOf } from './store';
import { DEFAULT_SIM_PASSWORD, DEFAULT_SIM_USER, type Simulator, type SimulatorLimits, type SimulatorOptions } from './types';
import { SimulatorValidationError, validateCreateBody, validateUiEdit } from './validate';

export { DEFAULT_SIM_PASSWORD, DEFAULT_SIM_USER } from './types';
export type { FaultKind, FaultRule, RequestCounters, RouteId, Simulator, SimulatorLimits, SimulatorOptions, SimulatorQuirks, UiEdit } from './types';
export { SimulatorValidationError } from './validate';
export { DIALECT_NAMES, DIALECTS, dialectQuirks, isDialectName, type DialectName } from './dialects';

/** The user the simulator records for changes made "in the Qualys UI". */
export const UI_USER = 'qualys-ui-user';

/** The longest delay a Node timer holds (2^31 - 1 ms); past it Node fires after 1 ms. */
const MAX_LATENCY_MS = 2_147_483_647;

const validLatency = (ms: number): boolean => ms >= 0 && ms <= MAX_LATENCY_MS;

function positiveInteger(value: number | undefined, name: string, fallback: number | undefined): number | undefined {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer; got ${value}`);
  return value;
}

function checkRateLimit(rate: { limit: number; windowSec: number } | undefined): { limit: number; windowSec: number } | undefined {
  if (rate === undefined) return undefined;
  positiveInteger(rate.limit, 'rateLimit.limit', undefined);
  if (!(rate.windowSec > 0)) throw new RangeError(`rateLimit.windowSec must be > 0; got ${rate.windowSec}`);
  return { limit: rate.limit, windowSec: rate.windowSec };
}

export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const timezone = options.timezone ?? 'UTC';
  if (!isValidTimeZone(timezone)) throw new RangeError(`not an IANA time zone: ${JSON.stringify(timezone)}`);
  const latencyMs = options.latencyMs ?? 0;
  if (!validLatency(latencyMs)) throw new RangeError(`latencyMs must be within 0..${MAX_LATENCY_MS}; got ${options.latencyMs}`);
  const world = new EvaluationWorld(loadSeed(options.seedFile, options.seed));
  const store = new SimulatorStore(timezone, options.stateFile);
  const random = createRandom(options.randomSeed ?? 1);
  const faults = new FaultTable(random);
  const user = options.user ?? DEFAULT_SIM_USER;
  const server = new SimulatorServer(store, world, faults, {
    user,
    password: options.password ?? DEFAULT_SIM_PASSWORD,
    latencyMs,
    maxPageSize: positiveInteger(options.maxPageSize, 'maxPageSize', 100)!,
    concurrencyLimit: positiveInteger(options.concurrencyLimit, 'concurrencyLimit', undefined),
    rateLimit: checkRateLimit(options.rateLimit),
    quirks: { ...dialectQuirks(options.dialect ?? 'documented'), ...structuredClone(options.quirks ?? {}) },
    maxExplanationLength: positiveInteger(options.maxExplanationLength, 'maxExplanationLength', undefined),
    now: options.now ?? (() => new Date()),
  });
  const port = await server.listen(options.port ?? 0);
  const settings = server.settings;
  const nowMs = () => settings.now().getTime();

  const validate = (spec: ExceptionSpec): ExceptionSpec => {
    // The same checks as the create endpoint; the wire form of isAllConnector is a string, booleans pass too.
    return validateCreateBody(JSON.parse(JSON.stringify(spec)), world);
  };

  let closing: Promise<void> | undefined;
  const simulator: Simulator = {
    url: `http://127.0.0.1:${port}`,
    port,
    timezone,
    close: () => (closing ??= server.close()),
    counters: () => server.getCounters(),
    resetCounters: () => server.resetCounters(),
    injectFault: (rule) => faults.add(rule),
    clearFaults: () => faults.clear(),
    setLatency: (ms) => {
      if (!validLatency(ms)) throw new RangeError(`latency must be within 0..${MAX_LATENCY_MS}; got ${ms}`);
      settings.latencyMs = ms;
    },
    setNow: (now) => {
      settings.now = now;
    },
    setLimits: (limits: SimulatorLimits) => {
      if (limits.maxPageSize !== undefined) settings.maxPageSize = positiveInteger(limits.maxPageSize, 'maxPageSize', 100)!;
      if (limits.concurrencyLimit !== undefined) {
        settings.concurrencyLimit = limits.concurrencyLimit === null ? undefined : positiveInteger(limits.concurrencyLimit, 'concurrencyLimit', undefined);
      }
      if (limits.rateLimit !== undefined) settings.rateLimit = limits.rateLimit === null ? undefined : checkRateLimit(limits.rateLimit);
      if (limits.maxExplanationLength !== undefined) {
        settings.maxExplanationLength = limits.maxExplanationLength === null ? undefined : positiveInteger(limits.maxExplanationLength, 'maxExplanationLength', undefined);
      }
    },
    setQuirks: (quirks) => server.setQuirks(quirks),
    quirks: () => structuredClone(settings.quirks),
    createExceptionAsUi: (spec) => store.create([validate(spec)], nowMs(), UI_USER)[0].uuid,
    seedExceptions: (specs) => store.create(specs.map(validate), nowMs(), user).map((record) => record.uuid),
    editExceptionAsUi: (uuid, edit) => {
      const record = store.get(uuid);
      if (!record) throw new Error(`no exception ${uuid}`);
      const state = stateOf(record, nowMs());
      if (state !== 'ACTIVE') throw new SimulatorValidationError('INVALID_VALUE', `only ACTIVE exceptions can be edited; ${uuid} is ${state}`);
      const spec: ExceptionSpec = structuredClone(record.spec);
      for (const [key, value] of Object.entries(edit)) if (value !== undefined) (spec as unknown as Record<string, unknown>)[key] = value;
      validateUiEdit(spec, world);
      store.update(uuid, spec, nowMs(), UI_USER);
    },
    deleteExceptionAsUi: (uuid) => {
      if (store.delete([uuid]).length > 0) throw new Error(`no exception ${uuid}`);
    },
    exceptions: () =>
      [...store.all()].map((record) => ({
        ...structuredClone(record.spec),
        uuid: record.uuid,
        createdOn: formatQualysTimestamp(new Date(record.createdOnMs)),
        updatedOn: formatQualysTimestamp(new Date(record.updatedOnMs)),
      })),
  };
  return simulator;
}
