// The plan is data: computed by pure code, rendered as text / json / markdown, saved and applied.
import type { CloudType, ExceptionSpec, SourceLocation } from '../model/exception';
import type { RemoteException } from '../api/types';

export interface FieldDiff {
  /** Create-API field name, e.g. `endDate`, `controlIds`. */
  field: string;
  before: unknown;
  after: unknown;
  /** `fingerprint` only: neither a detail nor the history showed the old values of the fields the list lacks. */
  oldValuesUnknown?: true;
}

/**
 * Why the repository may change a remote exception (src/reconcile/ownership-index.ts): its own
 * verified marker, adopted by a `manage:` name (no marker), the old marker without an owner, or a
 * take-over of another owner's (or an unverified) marker that `takeOverFrom` asks for.
 */
export type ChangeOwnership = 'owned' | 'adopted' | 'legacy' | 'foreign' | 'unverified';

export type PlanChange =
  | {
      action: 'create';
      name: string;
      spec: ExceptionSpec;
      source: SourceLocation;
      /** The remote listing moved while read (warning `listing.inconsistent`): the name may exist already. */
      unconfirmed?: true;
    }
  | { action: 'delete'; name: string; uuid: string; remote: RemoteException; ownership: ChangeOwnership }
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
      ownership: ChangeOwnership;
      /**
       * Where the old values in `diffs` come from: the exception's detail (edited in the UI, adopted,
       * sampled), the repository's history at the marker's commit, or the list item alone (then the
       * fields it lacks are only known to differ: a `fingerprint` diff with `oldValuesUnknown`).
       */
      oldValuesFrom?: 'detail' | 'history' | 'list';
      /** Re-stamps another owner's exception with ours (config `takeOverFrom`). */
      takeOver?: { from: string };
      /** The difference was found by reading the detail of a sampled exception (`--sample-details`). */
      sampled?: boolean;
    };

/** Exceptions another repository's marker claims, by owner: never changed. */
export interface ForeignOwner {
  owner: string;
  count: number;
  /** Up to FOREIGN_NAMES_LISTED names, sorted. */
  names: string[];
}

/** A remote exception carrying this repository's owner in a marker that does not verify: never changed. */
export interface UnverifiedException {
  uuid: string;
  name: string;
  state: string;
  reason: string;
}

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
  /** The owner whose marker the remote exception carries, when it names one. */
  owner?: string;
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
  /** The repository's owner slug: the marker of every exception it creates carries it. */
  owner: string;
  /** What the plan covers: everything, or what some manifest files or a diff declare. */
  scope: PlanScope;
  /** Name globs that claimed exceptions when the plan was made: re-used to check staleness. */
  manage: string[];
  changes: PlanChange[];
  summary: PlanSummary;
  /** Made in the UI: no marker, not claimed by `manage:`. */
  unmanaged: UnmanagedException[];
  /** Claimed by another owner's marker, counted by owner. */
  foreign: ForeignOwner[];
  /** This owner's marker, not verifying; listed when no manifest declares the name (else a conflict). */
  unverified: UnverifiedException[];
  /** The old marker (no owner), not declared by this repository: never changed, never deleted. */
  legacy: UnmanagedException[];
  conflicts: PlanConflict[];
  warnings: PlanWarning[];
  safety: PlanSafety;
  tags: TagPreview[];
  remote: {
    /** sha256 of the managed exceptions' uuid + updatedOn: apply --plan refuses when it moved. */
    fingerprint: string;
    managed: number;
    total: number;
    /** Details read for drift sampling (`--sample-details`). */
    sampled?: number;
  };
}
