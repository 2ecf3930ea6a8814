// The exceptions the benchmarks create: numbered names (`prefix-00042`) so listings sort as they
// are made, one AWS account, dates that keep them ACTIVE through 2027.
import type { ExceptionSpec } from '../src/model/exception';

const ACCOUNT = '123456789012';

export function numberedName(prefix: string, index: number): string {
  return `${prefix}-${String(index).padStart(5, '0')}`;
}

/** A RESOURCE exception on one bucket of its own. */
export function resourceSpec(prefix: string, index: number): ExceptionSpec {
  return {
    name: numberedName(prefix, index),
    cloudType: 'AWS',
    exceptionScope: 'RESOURCE',
    explanation: `Accepted risk for workload ${index}, reviewed by the platform team.`,
    exceptionReason: 'Risk Accepted',
    startDate: '2026-11-01',
    endDate: '2027-04-30',
    controlIds: [1, 2],
    resources: [{ resourceId: `arn:aws:s3:::${prefix}-${index}`, accountId: ACCOUNT }],
  };
}

/** A CONNECTOR exception over the account. */
export function connectorSpec(prefix: string, index: number): ExceptionSpec {
  return {
    name: numberedName(prefix, index),
    cloudType: 'AWS',
    exceptionScope: 'CONNECTOR',
    explanation: `benchmark exception ${index}`,
    exceptionReason: 'Risk Accepted',
    startDate: '2026-01-01',
    endDate: '2027-12-31',
    controlIds: [67],
    accountIds: [ACCOUNT],
  };
}
