// Which evaluation API to read per-resource results from, decided by arithmetic on figures we
// already hold (the per-account control summaries), before a single resource request is sent.
//
// The two ways to learn whether resource r of account a is evaluated for control c, and its result:
//
//  (a) list-by-regex  POST /{cloud}/evaluations/list/resources  {regex: "^(?:r1|r2|...)$"}
//      returns every evaluation of the wanted resources, for ALL their controls (not only the wanted
//      ones). Cost for one cloud = Σ over regex chunks of ceil(E_chunk / P), at least one per chunk,
//      where E = R × ē (R wanted resources, ē evaluations per resource) and P the page size (100).
//
//  (b) per-control    GET /{cloud}/evaluations/{account}/resources/{controlId}
//      returns every resource the account evaluates for that control (wanted or not). Cost =
//      Σ over wanted (account, control) pairs of ceil(N_ac / P), N_ac = passed + failed +
//      passWithException from that pair's summary (0 requests when the summary does not list it).
//
// Worked figures (P = 100): 30 RESOURCE exceptions, one resource each, over 3 accounts and 4 controls,
// ē ≈ 6 evaluations per resource, 40 resources per account and control:
//   (a) ceil(30 × 6 / 100) = 2 requests        (b) 3 × 4 pairs × ceil(40 / 100) = 12 requests  → regex.
// 1,000 resource exceptions on one control of one 1,000-resource account, ē ≈ 10:
//   (a) ceil(1000 × 10 / 100) = 100 requests   (b) 1 pair × ceil(1000 / 100) = 10 requests    → per-control.
// Neither wins always: (a) reads only the wanted resources but all their controls; (b) reads one
// control but all the account's resources. Both are bounded by the account's size, never one
// request per exception. The summaries give N_ac exactly and ē as an estimate, so we pick per cloud.

export const DEFAULT_PAGE_SIZE = 100;

export interface PairSize {
  /** passed + failed + passWithException of one wanted (account, control) pair, from its summary. */
  evaluated: number;
}

export interface CostInput {
  /** Wanted resources per regex chunk (alternationRegexes' split). */
  resourcesPerChunk: number[];
  /** Estimated evaluations per resource in the accounts concerned (ē ≥ 1). */
  evaluationsPerResource: number;
  pairs: PairSize[];
  pageSize?: number;
}

export interface CostEstimate {
  regex: number;
  perControl: number;
  choice: 'regex' | 'per-control';
}

export function estimateResourceCost(input: CostInput): CostEstimate {
  const pageSize = input.pageSize ?? DEFAULT_PAGE_SIZE;
  const perResource = Math.max(1, input.evaluationsPerResource);
  const regex = input.resourcesPerChunk.reduce((sum, count) => sum + Math.max(1, Math.ceil((count * perResource) / pageSize)), 0);
  const perControl = input.pairs.reduce((sum, pair) => sum + (pair.evaluated > 0 ? Math.ceil(pair.evaluated / pageSize) : 0), 0);
  // Ties go to the regex: one POST also tells "resource gone" for every control at once.
  return { regex, perControl, choice: perControl < regex ? 'per-control' : 'regex' };
}

/**
 * ē for one account from its summaries: evaluations in the account divided by the resources it has,
 * and it has at least as many resources as its most populated control. An over-estimate when
 * resources are spread thinly across controls, which only makes the regex look dearer than it is.
 */
export function evaluationsPerResource(summaries: ReadonlyArray<{ passedResources: number; failedResources: number; passWithExceptionResources: number }>): number {
  let total = 0;
  let largest = 0;
  for (const summary of summaries) {
    const evaluated = summary.passedResources + summary.failedResources + summary.passWithExceptionResources;
    total += evaluated;
    largest = Math.max(largest, evaluated);
  }
  return largest === 0 ? 1 : total / largest;
}
