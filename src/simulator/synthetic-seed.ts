// Generated seeds for sizes the shipped fixture does not have: one AWS world of K accounts with
// R buckets each, evaluated on C controls. Tests and benchmarks of the inventory checks and the
// coverage report share it, so their figures describe the same account.
import type { SeedControl, SeedFile } from './fixture';

export interface SyntheticSeedOptions {
  accounts: number;
  resourcesPerAccount: number;
  /** Controls 1..controls. Default 1. */
  controls?: number;
  /** Tags a resource carries. Default: every even bucket is tagged `even`. */
  tagsOf?: (resourceIndex: number) => string[];
  /** A resource's result on a control. Default: control 1 fails everywhere, the others pass. */
  resultOf?: (controlId: number, resourceIndex: number) => 'PASS' | 'FAIL';
}

/** The AWS account id of the synthetic account `index`. */
export const syntheticAccountId = (index: number): string => String(100000000000 + index);

/** The resource id of bucket `index` in a synthetic account. */
export const syntheticBucketId = (accountId: string, index: number): string => `arn:aws:s3:::bucket-${accountId}-${index}`;

export function syntheticSeed(options: SyntheticSeedOptions): SeedFile {
  const tagsOf = options.tagsOf ?? ((r: number) => (r % 2 === 0 ? ['even'] : []));
  const resultOf = options.resultOf ?? ((controlId: number) => (controlId === 1 ? 'FAIL' : 'PASS'));
  const controls: SeedControl[] = Array.from({ length: options.controls ?? 1 }, (_, i) => ({
    id: i + 1,
    name: `control ${i + 1}`,
    criticality: 'HIGH',
    service: 'S3',
    policyNames: ['AWS Best Practices Policy'],
    settingName: 'setting',
  }));
  const accountIds = Array.from({ length: options.accounts }, (_, i) => syntheticAccountId(i));
  return {
    evaluatedOn: '2026-11-20T06:00:00Z',
    firstEvaluatedOn: '2026-01-05T06:00:00Z',
    clouds: {
      AWS: {
        controls,
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
          Array.from({ length: options.resourcesPerAccount }, (_, r) => ({
            uuid: `10000000-0000-4000-8000-${String(a * 100000 + r).padStart(12, '0')}`,
            resourceId: syntheticBucketId(accountId, r),
            accountId,
            region: 'us-east-1',
            serviceType: 'S3',
            resourceType: 'BUCKET',
            resourceName: `bucket-${r}`,
            tags: tagsOf(r),
            results: Object.fromEntries(controls.map((control) => [String(control.id), resultOf(control.id, r)])),
          })),
        ),
      },
      AZURE: { controls: [], connectors: [], resources: [] },
      GCP: { controls: [], connectors: [], resources: [] },
    },
  };
}
