// What one run has read of the account's inventory: connectors per cloud, control summaries per
// account, per-resource results. Every reader asks here first, so the plan-time checks and the report
// never send the same request twice in a run. Promises are cached, so concurrent askers share one call.
import { ApiError } from '../api/errors';
import type { CloudViewApi, Connector, ControlSummary } from '../api/types';
import type { CloudType } from '../model/exception';
import { DEFAULT_PAGE_SIZE, type CostEstimate, estimateResourceCost, evaluationsPerResource } from './cost';
import { DEFAULT_MAX_REGEX_LENGTH, alternationRegexes } from './regex';

export interface ResourceQuery {
  accountId: string;
  resourceId: string;
  controlIds: readonly number[];
}

/** What the pure steps need to read of the inventory (the cache implements it; unit tests fake it). */
export interface InventorySnapshot {
  connectorsOf(cloudType: CloudType): readonly Connector[] | undefined;
  summariesOf(cloudType: CloudType, accountId: string): readonly ControlSummary[] | undefined;
  /** PASS | FAIL | PASS_WITH_EXCEPTION; null when read and not evaluated; undefined when never read. */
  resultOf(cloudType: CloudType, accountId: string, resourceId: string, controlId: number): string | null | undefined;
}

export interface ResourceSourceDecision extends CostEstimate {
  cloudType: CloudType;
  resources: number;
  pairs: number;
}

const key = (...parts: Array<string | number>): string => parts.join('\u0000');

export class InventoryCache implements InventorySnapshot {
  private readonly connectorLists = new Map<CloudType, Promise<Connector[]>>();
  private readonly connectorsDone = new Map<CloudType, Connector[]>();
  private readonly summaryLists = new Map<string, Promise<ControlSummary[]>>();
  private readonly summariesDone = new Map<string, ControlSummary[]>();
  /** cloud, account, resource → control id → result. Account '' holds evaluations that named none. */
  private readonly results = new Map<string, Map<number, string>>();
  /** (cloud, account, resource) whose every evaluation was read (regex). */
  private readonly resourcesRead = new Set<string>();
  /** (cloud, account, control) whose every resource was read (per-control). */
  private readonly pairsRead = new Set<string>();
  /** Resource reads under way, so concurrent askers share one. */
  private readonly resultsInFlight = new Map<string, Promise<void>>();
  /** How each cloud's resource results were read, with the estimated request counts. */
  readonly decisions: ResourceSourceDecision[] = [];

  constructor(readonly options: { pageSize?: number; maxRegexLength?: number } = {}) {}

  /** One paged, unfiltered connectors listing per cloud (see check.ts for why no filter). */
  connectors(api: CloudViewApi, cloudType: CloudType): Promise<Connector[]> {
    let pending = this.connectorLists.get(cloudType);
    if (!pending) {
      pending = collect(api.listConnectors(cloudType, { pageSize: this.pageSize })).then((list) => {
        this.connectorsDone.set(cloudType, list);
        return list;
      });
      this.connectorLists.set(cloudType, pending);
    }
    return pending;
  }

  /**
   * Every control's summary for one account in ONE unfiltered GET. `filter=cid:<id>` would cost one
   * GET per account × control; unfiltered costs one per account whatever the number of controls.
   * An account the server does not know (404) reads as no summaries.
   */
  summaries(api: CloudViewApi, cloudType: CloudType, accountId: string): Promise<ControlSummary[]> {
    const id = key(cloudType, accountId);
    let pending = this.summaryLists.get(id);
    if (!pending) {
      pending = api.getControlSummaries(cloudType, accountId).then(
        (list) => list,
        (error: unknown) => {
          if (error instanceof ApiError && error.status === 404) return [];
          throw error;
        },
      );
      pending = pending.then((list) => {
        this.summariesDone.set(id, list);
        return list;
      });
      this.summaryLists.set(id, pending);
    }
    return pending;
  }

  connectorsOf(cloudType: CloudType): readonly Connector[] | undefined {
    return this.connectorsDone.get(cloudType);
  }

  summariesOf(cloudType: CloudType, accountId: string): readonly ControlSummary[] | undefined {
    return this.summariesDone.get(key(cloudType, accountId));
  }

  resultOf(cloudType: CloudType, accountId: string, resourceId: string, controlId: number): string | null | undefined {
    const known = this.results.get(key(cloudType, accountId, resourceId))?.get(controlId) ?? this.results.get(key(cloudType, '', resourceId))?.get(controlId);
    if (known !== undefined) return known;
    if (this.resourcesRead.has(key(cloudType, accountId, resourceId)) || this.pairsRead.has(key(cloudType, accountId, controlId))) return null;
    return undefined;
  }

  /**
   * Reads the results of the wanted resources of one cloud, the cheaper way (cost.ts), skipping what
   * this run already read. Needs the accounts' summaries (read here if not yet) to price both ways.
   */
  async loadResults(api: CloudViewApi, cloudType: CloudType, queries: readonly ResourceQuery[]): Promise<void> {
    const unread = (query: ResourceQuery) =>
      query.controlIds.some((controlId) => this.resultOf(cloudType, query.accountId, query.resourceId, controlId) === undefined);
    const waiting = new Set<Promise<void>>();
    const wanted: ResourceQuery[] = [];
    for (const query of queries) {
      if (!unread(query)) continue;
      const pending = this.resultsInFlight.get(key(cloudType, query.accountId, query.resourceId));
      if (pending) waiting.add(pending);
      else wanted.push(query);
    }
    if (wanted.length > 0) {
      const load = this.fetchResults(api, cloudType, wanted);
      const ids = wanted.map((query) => key(cloudType, query.accountId, query.resourceId));
      for (const id of ids) this.resultsInFlight.set(id, load);
      const settle = () => ids.forEach((id) => this.resultsInFlight.get(id) === load && this.resultsInFlight.delete(id));
      load.then(settle, settle);
      waiting.add(load);
    }
    await Promise.all(waiting);
    // A concurrent load may have read other controls of the same resource (per-control): read what is left.
    const left = wanted.length === queries.length ? [] : queries.filter((query) => unread(query) && !this.resultsInFlight.has(key(cloudType, query.accountId, query.resourceId)));
    if (left.length > 0) await this.loadResults(api, cloudType, left);
  }

  private async fetchResults(api: CloudViewApi, cloudType: CloudType, wanted: readonly ResourceQuery[]): Promise<void> {
    const accounts = [...new Set(wanted.map((query) => query.accountId))].sort();
    const summaries = new Map(await Promise.all(accounts.map(async (accountId) => [accountId, await this.summaries(api, cloudType, accountId)] as const)));

    const pairs = new Map<string, { accountId: string; controlId: number; evaluated: number }>();
    for (const query of wanted) {
      for (const controlId of query.controlIds) {
        const id = key(query.accountId, controlId);
        if (pairs.has(id) || this.pairsRead.has(key(cloudType, query.accountId, controlId))) continue;
        const summary = summaries.get(query.accountId)?.find((item) => item.controlId === controlId);
        const evaluated = summary ? summary.passedResources + summary.failedResources + summary.passWithExceptionResources : 0;
        pairs.set(id, { accountId: query.accountId, controlId, evaluated });
      }
    }
    const regexes = alternationRegexes(
      wanted.map((query) => query.resourceId),
      this.options.maxRegexLength ?? DEFAULT_MAX_REGEX_LENGTH,
    );
    const perResource = Math.max(1, ...accounts.map((accountId) => evaluationsPerResource(summaries.get(accountId) ?? [])));
    const estimate = estimateResourceCost({
      resourcesPerChunk: regexes.map((chunk) => chunk.ids.length),
      evaluationsPerResource: perResource,
      pairs: [...pairs.values()],
      pageSize: this.pageSize,
    });
    this.decisions.push({ cloudType, resources: new Set(wanted.map((q) => q.resourceId)).size, pairs: pairs.size, ...estimate });

    if (estimate.choice === 'regex') {
      await Promise.all(
        regexes.map(async ({ regex }) => {
          for await (const evaluation of api.listEvaluationsByRegex(cloudType, regex, { pageSize: this.pageSize })) {
            this.record(cloudType, evaluation.accountId, evaluation.resourceId, evaluation.controlId, evaluation.status);
          }
        }),
      );
      for (const query of wanted) this.resourcesRead.add(key(cloudType, query.accountId, query.resourceId));
    } else {
      await Promise.all(
        [...pairs.values()].map(async (pair) => {
          if (pair.evaluated > 0) {
            const listing = api.listControlResources(cloudType, pair.accountId, pair.controlId, { pageSize: this.pageSize });
            for await (const result of listing) this.record(cloudType, pair.accountId, result.resourceId, pair.controlId, result.result);
          }
          this.pairsRead.add(key(cloudType, pair.accountId, pair.controlId));
        }),
      );
    }
  }

  private get pageSize(): number {
    return this.options.pageSize ?? DEFAULT_PAGE_SIZE;
  }

  private record(cloudType: CloudType, accountId: string, resourceId: string, controlId: number, result: string): void {
    const id = key(cloudType, accountId, resourceId);
    let byControl = this.results.get(id);
    if (!byControl) {
      byControl = new Map();
      this.results.set(id, byControl);
    }
    byControl.set(controlId, result.toUpperCase());
  }
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const list: T[] = [];
  for await (const item of items) list.push(item);
  return list;
}

export function createInventoryCache(options?: { pageSize?: number; maxRegexLength?: number }): InventoryCache {
  return new InventoryCache(options);
}
