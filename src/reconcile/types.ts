// The plan is data: computed by pure code, rendered as text / json / markdown, saved and applied.
import type { CloudType, ExceptionSpec, SourceLocation } from '../model/exception';
import type { RemoteException } from '../api/types';

export interface FieldDiff {
  /** Create-API field name, e.g. `endDate`, `controlIds`. */
  field: string;
  before: unknown;
  after: unknown;
}

export type PlanChange =
  | { action: 'create'; name: string; spec: ExceptionSpec; source: SourceLocation }
  | { action: 'delete'; name: string; uuid: string; remote: RemoteException }
  | {
      action: 'replace';
      name: string;
      uuid: string;
      spec: ExceptionSpec;
      source: SourceLocation;
      remote: RemoteException;
      /**
       * Why the remote differs: the repository changed, someone edited it in the Qualys UI, or its
       * dates were stamped in a time zone the subscription no longer has (re-created to re-stamp).
       */
      cause: ReplaceCause;
      diffs: FieldDiff[];
    };

export type ReplaceCause = 'changed-in-repo' | 'edited-out-of-band' | 'zone-mismatch';

export type PlanAction = PlanChange['action'];

/**
 * Which exceptions a plan covers. `full`: every managed exception (deletes included). `paths`: only
 * those the given manifest files declare, and nothing is deleted. `changed-since`: only the names a
 * git diff touched (advisory, cannot be applied).
 */
export type PlanScope =
  | { kind: 'full' }
  | { kind: 'paths'; paths: string[] }
  | { kind: 'changed-since'; ref: string; base: string; names: string[] };

/** Counts of a plan, the contract's minimum for `--format json`. */
export interface PlanSummary {
  create: number;
  delete: number;
  replace: number;
  unchanged: number;
}

/** A remote exception the repository does not own: never deleted or replaced, only listed. */
export interface UnmanagedException {
  uuid: string;
  name: string;
  state: string;
}

/** A manifest whose name is taken by an unmanaged remote exception: an error, not a silent replace. */
export interface PlanConflict {
  name: string;
  uuid: string;
  source: SourceLocation;
  message: string;
}

export interface PlanWarning {
  /** Stable code, e.g. `exception.expired`, `tags.no-match`. */
  code: string;
  message: string;
  name?: string;
}

/** How a tripped guard was lifted: `--force`, or a reviewed allowance of N removals. */
export type SafetyLift = { by: 'force' } | { by: 'trailer' | 'flag'; allowRemovals: number; commit?: string };

/**
 * The removal guards as evaluated (src/reconcile/safety.ts). A removal lifts an exemption: a delete
 * of an exception not yet EXPIRED, or a replace (take-overs included). `maxDeletes` and
 * `maxDeletePercent` count removals.
 */
export interface PlanSafety {
  managed: number;
  /** Every delete, EXPIRED ones included. */
  deletes: number;
  removals: number;
  replaces: number;
  /** Deletes of EXPIRED exceptions: they exempt nothing any more, so they count for no guard. */
  expiredDeletes: number;
  /** Deletes of exceptions claimed by a `manage:` name only (no marker): each needs a lift. */
  adoptedDeletes: number;
  /** Every managed exception would be deleted: only `--force` lifts it. */
  allManagedDeleted: boolean;
  maxDeletes: number;
  maxDeletePercent: number;
  /** Managed exceptions from which the percentage counts: 0, it counts at any size once removals > 1. */
  percentAppliesFrom: number;
  exceedsMaxDeletes: boolean;
  exceedsPercent: boolean;
  /** True when apply refuses (a guard tripped and nothing lifted it). */
  blocked: boolean;
  /** Set by apply when a tripped guard was lifted. */
  lifted?: SafetyLift;
}

/** What the `applyTags` stage would touch. */
export interface TagPreview {
  cloudType: CloudType;
  regex: string;
  tagNames: string[];
  matchCount: number;
  /** True when counting stopped at the preview's page budget: matchCount is a lower bound. */
  matchCountCapped?: boolean;
  /** Up to five resource ids, for a human to eyeball. */
  sampleResourceIds: string[];
}

export interface Plan {
  version: 1;
  createdAt: string;
  /** Origin only: never a path with credentials, never a user name. */
  target: { apiUrl: string; timeZone: string };
  /** Full git commit or 'local'; the create marker carries its first 12 characters. */
  commit: string;
  /** Name globs that claimed exceptions when the plan was made: re-used to check staleness. */
  manage: string[];
  /** What the plan covers; absent in plans saved before scopes existed (read as full). */
  scope: PlanScope;
  changes: PlanChange[];
  summary: PlanSummary;
  unmanaged: UnmanagedException[];
  conflicts: PlanConflict[];
  warnings: PlanWarning[];
  safety: PlanSafety;
  tags: TagPreview[];
  remote: {
    /** sha256 of the managed exceptions' uuid + updatedOn: apply --plan refuses when it moved. */
    fingerprint: string;
    managed: number;
    total: number;
  };
}
