// A simulator on loopback and the real client against it; builders for manifests and managed specs.
import { type CloudViewClient, createCloudViewClient } from '../../src/api/client';
import type { ExceptionSpec, ManifestException } from '../../src/model/exception';
import { fingerprintSpec } from '../../src/reconcile/fingerprint';
import { addMarker, stampMarker } from '../../src/reconcile/marker';
import { startSimulator } from '../../src/simulator';
import type { SeedFile } from '../../src/simulator/fixture';
import { syntheticAccountId, syntheticBucketId, syntheticSeed } from '../../src/simulator/synthetic-seed';
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
  return { ...specValue, explanation: addMarker(specValue.explanation, stampMarker(specValue.name, fingerprintSpec(specValue), { owner: 'local', commit })) };
}

/**
 * One AWS world of `accounts` SUCCESS connectors, `resourcesPerAccount` buckets each, evaluated on
 * controls 1..controls; control 1 FAILs on every resource, the others PASS; even buckets are tagged.
 */
export const bigSeed = (accounts: number, resourcesPerAccount: number, controls = 1): SeedFile => syntheticSeed({ accounts, resourcesPerAccount, controls });
export const bigAccount = syntheticAccountId;
export const bucketOf = syntheticBucketId;
