// The shape of the seed fixture (connectors, controls, resources with per-control results) and its loading.
// The shipped fixture is required, not read from disk, so it travels into dist/ with the compiled code.
import type { CloudType } from '../model/exception';
// A static import (not require) so tsc copies the fixture into dist/.
import shippedSeed from './seed.json';
import { decodeText, readBoundedSync } from '../files/read-bounded';

export interface SeedControl {
  id: number;
  name: string;
  criticality: string;
  service: string;
  policyNames: string[];
  /** The evidence setting a per-resource result reports. */
  settingName: string;
}

export interface SeedConnector {
  uuid: string;
  name: string;
  description: string;
  /** SUCCESS | PENDING | REGIONS_DISCOVERED | ERROR */
  state: string;
  /** AWS account id, Azure subscription id or GCP project id. */
  accountId: string;
  /** Azure only. */
  directoryId?: string;
  applicationId?: string;
  /** Connector tags, matched by QUALYSTAG exceptions' connectorTagNames. */
  tags: string[];
  groups: string[];
  /** Minutes between syncs. */
  pollingFrequency: number;
  /** ISO instant. */
  lastSyncedOn: string;
}

export interface SeedResource {
  uuid: string;
  resourceId: string;
  accountId: string;
  region: string;
  serviceType: string;
  resourceType: string;
  resourceName: string;
  /** Azure only. */
  resourceGroupName?: string;
  /** Tags every evaluation of this resource carries (applyTags adds more per evaluation). */
  tags: string[];
  /** Control id → PASS | FAIL. */
  results: Record<string, string>;
}

export interface SeedCloud {
  controls: SeedControl[];
  connectors: SeedConnector[];
  resources: SeedResource[];
}

export interface SeedFile {
  /** ISO instant of the last evaluation run (evaluatedOn / lastEvaluated). */
  evaluatedOn: string;
  /** ISO instant of the first evaluation run (firstEvaluated). */
  firstEvaluatedOn: string;
  clouds: Record<CloudType, SeedCloud>;
}

/** A seed given as data (tests, benchmarks), else the file, else the shipped fixture. */
export function loadSeed(seedFile?: string, seed?: SeedFile): SeedFile {
  if (seed !== undefined) return checkSeed(structuredClone(seed), 'given as data');
  const raw: unknown = seedFile === undefined ? structuredClone(shippedSeed) : readSeedFile(seedFile);
  return checkSeed(raw, seedFile ?? 'src/simulator/seed.json');
}

function readSeedFile(seedFile: string): unknown {
  try {
    return JSON.parse(decodeText(readBoundedSync(seedFile, 'simulator'), 'a JSON seed'));
  } catch (error) {
    throw new Error(`seed ${seedFile}: ${(error as Error).message}`);
  }
}

function checkSeed(raw: unknown, source: string): SeedFile {
  const fail = (what: string): never => {
    throw new Error(`seed ${source}: ${what}`);
  };
  if (typeof raw !== 'object' || raw === null) fail('not a JSON object');
  const seed = raw as SeedFile;
  if (typeof seed.clouds !== 'object' || seed.clouds === null) fail('missing "clouds"');
  for (const cloud of ['AWS', 'AZURE', 'GCP'] as const) {
    const entry = seed.clouds[cloud] ?? { controls: [], connectors: [], resources: [] };
    seed.clouds[cloud] = entry;
    for (const key of ['controls', 'connectors', 'resources'] as const) {
      if (!Array.isArray(entry[key])) fail(`clouds.${cloud}.${key} must be an array`);
    }
    for (const control of entry.controls) if (!Number.isInteger(control.id)) fail(`clouds.${cloud}: control id ${control.id} is not an integer`);
    const accounts = new Set(entry.connectors.map((c) => c.accountId));
    for (const resource of entry.resources) {
      if (!accounts.has(resource.accountId)) fail(`clouds.${cloud}: resource ${resource.resourceId} names unknown account ${resource.accountId}`);
      resource.tags ??= [];
    }
    for (const connector of entry.connectors) {
      connector.tags ??= [];
      connector.groups ??= [];
    }
  }
  seed.evaluatedOn ??= '2026-11-20T06:00:00Z';
  seed.firstEvaluatedOn ??= '2026-01-05T06:00:00Z';
  return seed;
}
