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
  | {
      action: 'create';
      name: string;
      spec: ExceptionSpec;
      source: SourceLocation;
      /** The remote listing moved while read (warning `listing.inconsistent`): the name may exist already. */
      unconfirmed?: true;
    }
  | { action: 'delete'; name: string; uuid: string; remote: RemoteException }
  | {
      action: 'replace';
      name: string;
      uuid: string;
      spec: ExceptionSpec;
      source: SourceLocation;
      remote: RemoteException;
      /** Why the remote differs: the repository changed, or someone edited it in the Qualys UI. */
      cause: 'changed-in-repo' | 'edited-out-of-band';
      diffs: FieldDiff[];
    };

export type PlanAction = PlanChange['action'];

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

/** Delete thresholds as evaluated when the plan was made. */
export interface PlanSafety {
  managed: number;
  deletes: number;
  maxDeletes: number;
  maxDeletePercent: number;
  /** The percentage rule only applies from this many managed exceptions up (tiny accounts would always trip it). */
  percentAppliesFrom: number;
  exceedsMaxDeletes: boolean;
  exceedsPercent: boolean;
  /** True when apply will refuse without `--force`. */
  blocked: boolean;
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
