// A simulator on loopback and the real client against it; builders for manifests and managed specs.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { type CloudViewClient, createCloudViewClient } from '../../src/api/client';
import type { ExceptionSpec, ManifestException } from '../../src/model/exception';
import { fingerprintSpec } from '../../src/reconcile/fingerprint';
import { addMarker } from '../../src/reconcile/ownership';
import { startSimulator } from '../../src/simulator';
import { DEFAULT_SIM_PASSWORD, DEFAULT_SIM_USER, type Simulator, type SimulatorOptions } from '../../src/simulator/types';

export const AWS_PROD = '123456789012';
export const AWS_STAGING = '210987654321';
/** Seeded in ERROR state. */
export const AWS_SANDBOX = '555566667777';
export const AZ_PROD = '0b5e7a3c-9d1f-4e2a-8c6b-1f2e3d4c5b6a';

export const arn = {
  prodLogs: 'arn:aws:s3:::acme-prod-logs', // 1 PASS, 2 FAIL, 3 PASS
  prodPublic: 'arn:aws:s3:::acme-prod-public-assets', // 1 FAIL, 2 FAIL, 3 PASS
  prodBackups: 'arn:aws:s3:::acme-prod-backups', // 1 PASS, 2 PASS, 3 FAIL
  stagingPublic: 'arn:aws:s3:::acme-staging-public-assets',
  sandboxPublic: 'arn:aws:s3:::acme-sandbox-public-assets',
  /** Holds `"` and `/`: the seed's escaping rule. 202 FAIL. */
  legacyParam: 'arn:aws:ssm:us-east-1:123456789012:parameter/app/"legacy"/db-password',
};

export interface World {
  sim: Simulator;
  client: CloudViewClient;
  close(): Promise<void>;
}

export async function startWorld(options: SimulatorOptions = {}): Promise<World> {
  const sim = await startSimulator(options);
  const client = createCloudViewClient({ baseUrl: sim.url, username: DEFAULT_SIM_USER, password: DEFAULT_SIM_PASSWORD });
  return {
    sim,
    client,
    async close() {
      await client.close();
      await sim.close();
    },
  };
}

export function spec(overrides: Partial<ExceptionSpec> = {}): ExceptionSpec {
  return {
    name: 'team-a-public-bucket',
    cloudType: 'AWS',
    exceptionScope: 'RESOURCE',
    explanation: 'Static website bucket, public by design.',
    exceptionReason: 'Risk Accepted',
    startDate: '2026-01-01',
    endDate: '2026-06-30',
    controlIds: [1, 2],
    resources: [{ resourceId: arn.prodPublic, accountId: AWS_PROD }],
    ...overrides,
  };
}

export function manifest(specValue: ExceptionSpec, line = 1, file = 'policies/aws.yaml'): ManifestException {
  return { spec: specValue, metadata: {}, location: { file, line, column: 5 }, path: 'exceptions.0' };
}

/** The spec as `cvex apply` sends it: the ownership marker at the end of the explanation. */
export function managed(specValue: ExceptionSpec, commit = 'abcdef012345'): ExceptionSpec {
  return { ...specValue, explanation: addMarker(specValue.explanation, { fingerprint: fingerprintSpec(specValue), commit }) };
}

/** A seed file in a temp dir (connectors, controls, resources with results) for sizes the shipped seed lacks. */
export async function writeSeed(seed: unknown): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'cvex-seed-'));
  const file = path.join(dir, 'seed.json');
  await writeFile(file, JSON.stringify(seed));
  return file;
}

/**
 * One AWS world of `accounts` SUCCESS connectors, `resourcesPerAccount` buckets each, evaluated on
 * controls 1..controls; control 1 FAILs on every resource, the others PASS.
 */
export function bigSeed(accounts: number, resourcesPerAccount: number, controls = 1): unknown {
  const accountIds = Array.from({ length: accounts }, (_, i) => String(100000000000 + i));
  const controlList = Array.from({ length: controls }, (_, i) => ({
    id: i + 1,
    name: `control ${i + 1}`,
    criticality: 'HIGH',
    service: 'S3',
    policyNames: ['AWS Best Practices Policy'],
    settingName: 'setting',
  }));
  return {
    clouds: {
      AWS: {
        controls: controlList,
        connectors: accountIds.map((accountId, i) => ({
          uuid: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
          name: `aws-${i}`,
          description: '',
          state: 'SUCCESS',
          accountId,
          tags: [],
          groups: [],
          pollingFrequency: 240,
          lastSyncedOn: '2026-11-20T06:00:00Z',
        })),
        resources: accountIds.flatMap((accountId, a) =>
          Array.from({ length: resourcesPerAccount }, (_, r) => ({
            uuid: `10000000-0000-4000-8000-${String(a * 100000 + r).padStart(12, '0')}`,
            resourceId: bucketOf(accountId, r),
            accountId,
            region: 'us-east-1',
            serviceType: 'S3',
            resourceType: 'BUCKET',
            resourceName: `bucket-${r}`,
            tags: r % 2 === 0 ? ['even'] : [],
            results: Object.fromEntries(controlList.map((control) => [String(control.id), control.id === 1 ? 'FAIL' : 'PASS'])),
          })),
        ),
      },
      AZURE: { controls: [], connectors: [], resources: [] },
      GCP: { controls: [], connectors: [], resources: [] },
    },
  };
}

export const bigAccount = (index: number): string => String(100000000000 + index);
export const bucketOf = (accountId: string, index: number): string => `arn:aws:s3:::bucket-${accountId}-${index}`;
