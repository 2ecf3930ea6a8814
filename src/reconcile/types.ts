// The plan is data: computed by pure code, rendered as text / json / markdown, saved and applied.
import type { ExceptionSpec, SourceLocation } from '../model/exception';
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
      /** Why the remote differs: the repository changed, or someone edited it in the Qualys UI. */
      cause: 'changed-in-repo' | 'edited-out-of-band';
      diffs: FieldDiff[];
    };

export type PlanAction = PlanChange['action'];
