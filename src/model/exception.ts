// The domain model shared by every pipeline step. Field names are the create API's own
// (POST /rest/v1/exceptions/create), so a manifest, a plan and a create body read the same.

export const CLOUD_TYPES = ['AWS', 'AZURE', 'GCP'] as const;
export type CloudType = (typeof CLOUD_TYPES)[number];

export const EXCEPTION_SCOPES = ['RESOURCE', 'CONNECTOR', 'QUALYSTAG'] as const;
export type ExceptionScope = (typeof EXCEPTION_SCOPES)[number];

export const EXCEPTION_REASONS = ['False Positive', 'Risk Accepted', 'Other'] as const;
export type ExceptionReason = (typeof EXCEPTION_REASONS)[number];

export interface ExceptionResource {
  resourceId: string;
  accountId: string;
  region?: string;
}

/** Calendar date `YYYY-MM-DD` in the subscription's time zone. */
export type LocalDate = string;

/** One exception as the repository wants it: exactly the fields the create API takes. */
export interface ExceptionSpec {
  name: string;
  cloudType: CloudType;
  exceptionScope: ExceptionScope;
  explanation: string;
  exceptionReason: ExceptionReason;
  startDate: LocalDate;
  endDate: LocalDate;
  controlIds: number[];
  resources?: ExceptionResource[];
  accountIds?: string[];
  resourceTagNames?: string[];
  /** A YAML boolean here; the wire form is the string "true" / "false". */
  isAllConnector?: boolean;
  connectorTagNames?: string[];
  informationSecurityPolicy?: string;
  informationSecurityProcedure?: string;
}

export interface SourceLocation {
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
}

/** An exception as loaded from a manifest file, after defaults are merged. */
export interface ManifestException {
  spec: ExceptionSpec;
  /** Repository-only annotations (owner, ticket, ...): never sent, never diffed. */
  metadata: Record<string, string>;
  /** Where the exception's mapping starts. */
  location: SourceLocation;
  /** Its field path in the file, e.g. `exceptions.3`: findings about a field append `.endDate`. */
  path: string;
  /** Where each field present starts (a field from `defaults` points into `defaults`): findings about a field point at it. */
  fieldLocations?: Partial<Record<keyof ExceptionSpec | 'metadata', SourceLocation>>;
}

/** Where a field of the exception starts (`endDate`, `metadata.owner`, ...), else where the exception starts. */
export function locationOfField(exception: Pick<ManifestException, 'location' | 'fieldLocations'>, field: string): SourceLocation {
  const top = field.split('.')[0] as keyof NonNullable<ManifestException['fieldLocations']>;
  return exception.fieldLocations?.[top] ?? exception.location;
}

export interface ApplyTagsRule {
  cloudType: CloudType;
  regex: string;
  tagNames: string[];
  location: SourceLocation;
}

export interface LoadedManifests {
  /** Every file read, in a stable order. */
  files: string[];
  exceptions: ManifestException[];
  applyTags: ApplyTagsRule[];
  /** Each file's `defaults:` block as written, for the files that have one (a changed-since plan compares them). */
  defaultsByFile?: Record<string, unknown>;
}

/** The create API's fields in the order manifests, plans and imports write them. */
export const SPEC_FIELDS = [
  'name',
  'cloudType',
  'exceptionScope',
  'explanation',
  'exceptionReason',
  'startDate',
  'endDate',
  'controlIds',
  'resources',
  'accountIds',
  'resourceTagNames',
  'isAllConnector',
  'connectorTagNames',
  'informationSecurityPolicy',
  'informationSecurityProcedure',
] as const satisfies ReadonlyArray<keyof ExceptionSpec>;
