// Builders for reconcile unit tests: a spec, a manifest exception, and the list item / detail
// CloudView would return for it after a create in a given time zone.
import type { RemoteException, RemoteExceptionDetail } from '../../src/api/types';
import type { ExceptionSpec, ManifestException } from '../../src/model/exception';
import { endOfLocalDay, startOfLocalDay } from '../../src/model/dates';
import { fingerprintSpec } from '../../src/reconcile/fingerprint';
import { addMarker, stampMarker } from '../../src/reconcile/marker';
import { generateMarkerKey, parseMarkerPublicKey, parseSigningKey } from '../../src/reconcile/marker-keys';
import { DEFAULT_OWNERSHIP, type OwnershipSettings } from '../../src/reconcile/ownership-index';

/** The recommended setup: markers signed by a key the config lists. */
export const TEST_KEY = generateMarkerKey();
export const TEST_SIGNER = parseSigningKey(TEST_KEY.privateKey);
export const SIGNED_OWNERSHIP: OwnershipSettings = { ...DEFAULT_OWNERSHIP, markerKeys: [parseMarkerPublicKey(TEST_KEY.publicKey)] };

export function spec(overrides: Partial<ExceptionSpec> = {}): ExceptionSpec {
  return {
    name: 'team-a-public-bucket',
    cloudType: 'AWS',
    exceptionScope: 'RESOURCE',
    explanation: 'Static website bucket, public by design.',
    exceptionReason: 'Risk Accepted',
    startDate: '2026-01-01',
    endDate: '2027-06-30',
    controlIds: [50036, 50112],
    resources: [{ resourceId: 'arn:aws:s3:::site', accountId: '123456789012' }],
    ...overrides,
  };
}

export function manifest(specValue: ExceptionSpec, line = 1): ManifestException {
  return { spec: specValue, metadata: {}, location: { file: 'policies/aws.yaml', line, column: 3 }, path: 'exceptions.0' };
}

let counter = 0;
export function remoteOf(
  specValue: ExceptionSpec,
  options: {
    timeZone?: string;
    marker?: boolean;
    uuid?: string;
    createdOn?: string;
    updatedOn?: string;
    owner?: string;
    /** Default: signed with TEST_KEY. */
    signed?: boolean;
    sign?: (message: string) => { keyId: string; value: string };
  } = {},
): RemoteException {
  const timeZone = options.timeZone ?? 'UTC';
  counter += 1;
  const createdOn = options.createdOn ?? '2026-01-02T10:00:00.000Z';
  return {
    uuid: options.uuid ?? `uuid-${counter}`,
    name: specValue.name,
    explanation:
      options.marker === false
        ? specValue.explanation
        : addMarker(specValue.explanation, stampMarker(specValue.name, fingerprintSpec(specValue), { owner: options.owner ?? 'local', commit: 'abcdef012345', sign: options.sign ?? (options.signed === false ? undefined : TEST_SIGNER.sign) })),
    exceptionReason: specValue.exceptionReason,
    exceptionScope: specValue.exceptionScope,
    state: 'ACTIVE',
    startsAt: startOfLocalDay(specValue.startDate, timeZone).toISOString(),
    endsAt: endOfLocalDay(specValue.endDate, timeZone).toISOString(),
    createdOn,
    updatedOn: options.updatedOn ?? createdOn,
  };
}

export function detailOf(specValue: ExceptionSpec, remote: RemoteException): RemoteExceptionDetail {
  return {
    ...remote,
    cloudType: specValue.cloudType,
    controlIds: [...specValue.controlIds],
    resources: (specValue.resources ?? []).map(({ resourceId, accountId }) => ({ resourceId, accountId })),
    accountIds: specValue.accountIds ?? [],
    resourceTagNames: specValue.resourceTagNames ?? [],
    connectorTagNames: specValue.connectorTagNames ?? [],
  };
}
