// The plan-time inventory check of what a plan changes: the accounts, controls and resources of its
// creates and replaces, nothing else (an unchanged exception was checked when it was created, and a
// no-change plan then costs the listing alone). Reads start as soon as a change shows, beside the
// exception listing and through the same client (so within its concurrency): the connectors of the
// change's cloud, then the control summaries of its accounts that are connectors. The check itself
// runs on the final plan's changes and finds those reads in the cache; only the resource results
// (one batched read per cloud, cost.ts) wait for it.
import type { CloudViewApi } from '../api/types';
import type { ExceptionSpec, ManifestException } from '../model/exception';
import type { Finding } from '../model/findings';
import { InventoryCache } from './cache';
import { accountsOf, checkInventory } from './check';

export class ChangeInventoryCheck {
  private readonly prefetched = new Set<string>();

  constructor(
    private readonly api: CloudViewApi,
    readonly cache: InventoryCache = new InventoryCache(),
  ) {}

  /** Starts the reads a change of `spec` will need. Failures surface in check(), which asks again. */
  prefetch(spec: ExceptionSpec): void {
    if (this.prefetched.has(spec.name)) return;
    this.prefetched.add(spec.name);
    const accounts = accountsOf({ spec } as ManifestException);
    const cloud = spec.cloudType;
    this.cache
      .connectors(this.api, cloud)
      .then((connectors) => {
        const known = new Set(connectors.map((connector) => connector.accountId));
        // Connector items without account ids: every account counts as known (check.ts says so once).
        const blind = known.has('');
        for (const accountId of accounts) {
          if (blind || known.has(accountId)) this.cache.summaries(this.api, cloud, accountId).catch(() => undefined);
        }
      })
      .catch(() => undefined);
  }

  /** The inventory findings of the changed exceptions (warnings, or errors with `strict`). */
  check(changed: readonly ManifestException[], strict: boolean): Promise<Finding[]> {
    if (changed.length === 0) return Promise.resolve([]);
    return checkInventory(changed, this.api, { strict, cache: this.cache });
  }
}
