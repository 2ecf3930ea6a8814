// What the rest of the program sees of CloudView. The wire shapes (create vs list vs detail
// field names) are mapped to these in exactly one module: src/api/wire.ts.
import type { CloudType, ExceptionResource, ExceptionSpec } from '../model/exception';
import type { ListingReport, PageInfo } from './paginate';

export type { ListingReport, PageInfo };

/** An exception as the list endpoint returns it (no cloud type, controls or targets there). */
export interface RemoteException {
  uuid: string;
  name: string;
  /** Wire `description`. */
  explanation: string;
  /** Wire `reason`; kept as a string: the server may know reasons we do not. */
  exceptionReason: string;
  /** Wire `scope`. */
  exceptionScope: string;
  /** ACTIVE | INACTIVE | EXPIRED, or any other value the server invents (opaque). */
  state: string;
  /** Wire `startingDate` (list) / `startDate` (detail): an instant, ISO 8601 in UTC, normalised to `...Z`. */
  startsAt: string;
  /** Wire `endingDate` / `endDate`: the last second of the end day in the subscription's time zone, ISO in UTC. */
  endsAt: string;
  createdOn: string;
  updatedOn: string;
  createdBy?: string;
  updatedBy?: string;
}

/** An exception as the detail endpoint returns it. */
export interface RemoteExceptionDetail extends RemoteException {
  /**
   * Wire `provider`, at the top of the detail or inside `exceptionSummary`. Undefined when the server
   * names no cloud: take it from the manifest of the same name, or from a listing filtered by
   * `exception.provider:<CLOUD>` (src/import/resolve-cloud.ts); never assume one.
   */
  cloudType?: CloudType;
  /** Wire `exceptionSummary.controls[].id`, a string on the wire. */
  controlIds: number[];
  /** Wire `exceptionSummary.resources[]` with `account` → `accountId`. The detail carries no region. */
  resources: ExceptionResource[];
  /**
   * Wire `exceptionSummary.connectors[]`, read as account ids (`accountId`, `account` or the per-cloud
   * key; a connector given as `{uuid, name}` only is looked up in the connectors listing by the client).
   */
  accountIds: string[];
  resourceTagNames: string[];
  connectorTagNames: string[];
  referenceDocLink?: string;
}

export interface CreatedException {
  uuid: string;
  name: string;
  state: string;
}

export interface Evaluation {
  uuid: string;
  resourceId: string;
  evaluatedOn: string;
  status: string;
  connectorUuid: string;
  serviceType: string;
  resourceType: string;
  resourceName: string;
  region: string;
  controlId: number;
  controlName: string;
  accountId: string;
}

export interface ApplyTagsResult {
  controlIds: number[];
  message: string;
}

export interface ControlSummary {
  controlId: number;
  controlName: string;
  policyNames: string[];
  criticality: string;
  service: string;
  result: string;
  passedResources: number;
  failedResources: number;
  passWithExceptionResources: number;
}

export interface ControlResourceResult {
  resourceId: string;
  region: string;
  accountId: string;
  evaluatedOn: string;
  resourceType: string;
  connectorId: string;
  /** PASS | FAIL | PASS_WITH_EXCEPTION */
  result: string;
}

export interface Connector {
  connectorId: string;
  name: string;
  description: string;
  cloudType: CloudType;
  /** SUCCESS | PENDING | REGIONS_DISCOVERED | ERROR */
  state: string;
  /** AWS account id, Azure subscription id or GCP project id. */
  accountId: string;
  totalAssets: number;
  lastSyncedOn: string;
}

export interface ListOptions {
  /** Qualys query syntax, e.g. `exception.scope:CONNECTOR`. */
  filter?: string;
  sort?: string;
  pageSize?: number;
  /** Only the first page (one request, no look-ahead): a look-up by `exception.name` filter. */
  firstPageOnly?: boolean;
  /** Called once per page of this listing as it arrives (what the server says of its size and totals). */
  onPage?(info: PageInfo): void;
  /**
   * Called once when the listing completes: pages read, duplicates dropped, and whether the list held
   * still while it was read (`consistent`). Not called when the consumer stops early or it fails.
   */
  onListing?(report: ListingReport): void;
}

/**
 * The remote, as an interface: src/api/client.ts implements it over HTTP. Iterators page lazily, under
 * every reading of the paging the documentation allows (src/api/paginate.ts), each item once.
 */
export interface CloudViewApi {
  listExceptions(options?: ListOptions): AsyncIterable<RemoteException>;
  getException(uuid: string): Promise<RemoteExceptionDetail>;
  /** Never retried blindly: after an ambiguous failure the caller checks by name. */
  createException(spec: ExceptionSpec): Promise<CreatedException>;
  /** One DELETE for the whole list. Never retried blindly. */
  deleteExceptions(uuids: readonly string[]): Promise<void>;
  listEvaluationsByRegex(cloudType: CloudType, regex: string, options?: ListOptions): AsyncIterable<Evaluation>;
  applyTags(cloudType: CloudType, tagNames: readonly string[], regex: string): Promise<ApplyTagsResult>;
  getControlSummaries(cloudType: CloudType, accountId: string, filter?: string): Promise<ControlSummary[]>;
  listControlResources(cloudType: CloudType, accountId: string, controlId: number, options?: ListOptions): AsyncIterable<ControlResourceResult>;
  listConnectors(cloudType: CloudType, options?: ListOptions): AsyncIterable<Connector>;
}
