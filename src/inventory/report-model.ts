// The coverage report as data (pure): per managed exception, its state, days to expiry, how many
// evaluations it turns into PASS_WITH_EXCEPTION now, and the STALE / OVER-BROAD flags.
//
// Attribution. The summaries count PASS_WITH_EXCEPTION per account × control, whoever caused it.
// CloudView's precedence is RESOURCE > CONNECTOR > QUALYSTAG, so a pair's count goes first to the
// managed RESOURCE exceptions (exact, from per-resource results), the rest to a CONNECTOR exception
// on that pair, and only what is left to a QUALYSTAG one. Tags are not readable from the API, so a
// QUALYSTAG count is an upper bound (`approximate`). Unmanaged exceptions are not read (that would
// cost one detail each), so what they exempt on a managed CONNECTOR/QUALYSTAG pair is counted there.
import type { RemoteException } from '../api/types';
import type { CloudType, ExceptionResource, SourceLocation } from '../model/exception';
import { daysBetween, localDateOf, parseQualysTimestamp } from '../model/dates';
import type { InventorySnapshot } from './cache';

export const REPORT_VERSION = 1;
export const DEFAULT_OVER_BROAD_THRESHOLD = 50;

/** What an exception targets: from the repository manifest (clean plan) or the detail endpoint. */
export interface ExceptionTargets {
  cloudType: CloudType;
  exceptionScope: string;
  controlIds: number[];
  resources: ExceptionResource[];
  accountIds: string[];
  resourceTagNames: string[];
  isAllConnector: boolean;
  connectorTagNames: string[];
}

export type TargetsSource = 'repo' | 'detail' | 'none';

export interface ReportSubject {
  remote: RemoteException;
  /** Undefined when not read (an expired exception that is not in the repository). */
  targets?: ExceptionTargets;
  targetsFrom: TargetsSource;
  /** The manifest that declares it, when there is one. */
  source?: SourceLocation;
}

export type StaleReason = 'resource-gone' | 'now-passes' | 'nothing-failing';

export interface CoverageRow {
  name: string;
  uuid: string;
  cloudType: CloudType | null;
  scope: string;
  state: string;
  /** Calendar days in the subscription's time zone. */
  startDate: string;
  endDate: string;
  /** From today to endDate in the subscription's time zone; negative once expired; null when unreadable. */
  daysToExpiry: number | null;
  accounts: number | null;
  controls: number | null;
  /** Evaluations this exception turns into PASS_WITH_EXCEPTION now (0 unless ACTIVE). */
  passWithException: number;
  /** Evaluations in reach that still FAIL (for an INACTIVE one: what it would exempt); null when unknowable (tags). */
  failing: number | null;
  /** Evaluations in reach that PASS; null when unknowable. */
  passing: number | null;
  /** Targets (resource × control, or account × control) with no evaluation at all. */
  missing: number | null;
  stale: boolean;
  staleReason: StaleReason | null;
  overBroad: boolean;
  /** e.g. `covers 120 > 50`, `3 accounts`. */
  overBroadReasons: string[];
  /** True when counts are upper bounds (QUALYSTAG: tag membership is not readable). */
  approximate: boolean;
  targetsFrom: TargetsSource;
  file: string | null;
  line: number | null;
}

export interface CoverageSummary {
  managed: number;
  active: number;
  inactive: number;
  expired: number;
  otherState: number;
  stale: number;
  overBroad: number;
  passWithException: number;
}

export interface CoverageReport {
  version: typeof REPORT_VERSION;
  generatedAt: string;
  timeZone: string;
  overBroadThreshold: number;
  summary: CoverageSummary;
  exceptions: CoverageRow[];
}

export interface CoverageOptions {
  now: Date;
  timeZone: string;
  overBroadThreshold: number;
}

function localDate(instant: string, timeZone: string): string | null {
  try {
    return localDateOf(parseQualysTimestamp(instant), timeZone);
  } catch {
    return null;
  }
}

const pairKey = (cloud: string, accountId: string, controlId: number): string => `${cloud}\u0000${accountId}\u0000${controlId}`;

interface Counts {
  exempt: number;
  failing: number | null;
  passing: number | null;
  missing: number | null;
  accounts: number;
  approximate: boolean;
  staleReason: StaleReason;
  /** Some of its reach is unknown (connectors listed without their account id): never called stale. */
  reachUnknown?: boolean;
}

/** Accounts a QUALYSTAG exception can reach: its accountIds, or every connector of the cloud. */
function reachOfTag(targets: ExceptionTargets, inventory: InventorySnapshot): { accounts: string[]; viaConnectors: boolean; unknownConnectors: number } {
  const accounts = new Set(targets.accountIds);
  const viaConnectors = targets.isAllConnector || targets.connectorTagNames.length > 0;
  let unknownConnectors = 0;
  // Connector tags are not readable either: every connector of the cloud is the upper bound. A
  // connector listed without its account id (a reading of the API) reaches an account nobody can name.
  if (viaConnectors) {
    for (const connector of inventory.connectorsOf(targets.cloudType) ?? []) {
      if (connector.accountId) accounts.add(connector.accountId);
      else unknownConnectors += 1;
    }
  }
  return { accounts: [...accounts].sort(), viaConnectors, unknownConnectors };
}

/** Accounts each subject's counts need summaries for (ACTIVE and INACTIVE ones with targets). */
export function accountsToRead(subjects: readonly ReportSubject[], inventory: InventorySnapshot): Map<CloudType, Set<string>> {
  const byCloud = new Map<CloudType, Set<string>>();
  for (const subject of subjects) {
    const { targets } = subject;
    if (!targets || !isLive(subject.remote.state)) continue;
    const accounts = byCloud.get(targets.cloudType) ?? new Set<string>();
    byCloud.set(targets.cloudType, accounts);
    const scope = targets.exceptionScope.toUpperCase();
    if (scope === 'RESOURCE') for (const resource of targets.resources) accounts.add(resource.accountId);
    else if (scope === 'CONNECTOR') for (const accountId of targets.accountIds) accounts.add(accountId);
    else for (const accountId of reachOfTag(targets, inventory).accounts) accounts.add(accountId);
  }
  return byCloud;
}

/** ACTIVE exempts now; INACTIVE will. EXPIRED and unknown states exempt nothing and are not counted. */
export function isLive(state: string): boolean {
  const upper = state.toUpperCase();
  return upper === 'ACTIVE' || upper === 'INACTIVE';
}

export function buildCoverageReport(subjects: readonly ReportSubject[], inventory: InventorySnapshot, options: CoverageOptions): CoverageReport {
  const today = localDateOf(options.now, options.timeZone);
  // Pass 1: RESOURCE exceptions, exact per resource; remember which PASS_WITH_EXCEPTION they explain.
  const claimedByResource = new Map<string, Set<string>>();
  const counts = new Map<ReportSubject, Counts>();
  // By name, so which of two same-scope exceptions an evaluation is attributed to does not depend on listing order.
  const byScope = (scope: string) =>
    subjects
      .filter((subject) => subject.targets && isLive(subject.remote.state) && subject.targets.exceptionScope.toUpperCase() === scope)
      .sort((a, b) => (a.remote.name < b.remote.name ? -1 : a.remote.name > b.remote.name ? 1 : 0));

  for (const subject of byScope('RESOURCE')) {
    const targets = subject.targets!;
    const active = subject.remote.state.toUpperCase() === 'ACTIVE';
    const tally: Counts = { exempt: 0, failing: 0, passing: 0, missing: 0, accounts: 0, approximate: false, staleReason: 'nothing-failing' };
    const seen = new Set<string>();
    const accounts = new Set<string>();
    let exemptedByOthers = 0;
    for (const resource of targets.resources) {
      const resourceKey = `${resource.accountId}\u0000${resource.resourceId}`;
      if (seen.has(resourceKey)) continue;
      seen.add(resourceKey);
      accounts.add(resource.accountId);
      for (const controlId of new Set(targets.controlIds)) {
        const result = inventory.resultOf(targets.cloudType, resource.accountId, resource.resourceId, controlId);
        if (result === 'PASS_WITH_EXCEPTION') {
          if (active) {
            tally.exempt += 1;
            const pair = pairKey(targets.cloudType, resource.accountId, controlId);
            const claimed = claimedByResource.get(pair) ?? new Set<string>();
            claimed.add(resource.resourceId);
            claimedByResource.set(pair, claimed);
          } else exemptedByOthers += 1;
        } else if (result === 'FAIL') tally.failing! += 1;
        else if (result === 'PASS') tally.passing! += 1;
        else tally.missing! += 1;
      }
    }
    tally.accounts = accounts.size;
    const evaluated = tally.exempt + tally.failing! + tally.passing! + exemptedByOthers;
    tally.staleReason = evaluated === 0 ? 'resource-gone' : tally.missing === 0 && tally.failing === 0 && exemptedByOthers === 0 ? 'now-passes' : 'nothing-failing';
    if (!active) tally.exempt = 0;
    // An INACTIVE exception would also take over what others exempt now (RESOURCE wins).
    if (!active) tally.failing = tally.failing! + exemptedByOthers;
    counts.set(subject, tally);
  }

  // Pass 2: CONNECTOR, from the summaries, minus what RESOURCE exceptions explain.
  const coveredByConnector = new Set<string>();
  const pairCounts = (targets: ExceptionTargets, accountId: string, controlId: number) => {
    const summaries = inventory.summariesOf(targets.cloudType, accountId);
    const summary = summaries?.find((item) => item.controlId === controlId);
    if (!summary) return undefined;
    const claimed = claimedByResource.get(pairKey(targets.cloudType, accountId, controlId))?.size ?? 0;
    return { summary, unclaimed: Math.max(0, summary.passWithExceptionResources - claimed) };
  };
  for (const subject of byScope('CONNECTOR')) {
    const targets = subject.targets!;
    const active = subject.remote.state.toUpperCase() === 'ACTIVE';
    const accounts = [...new Set(targets.accountIds)];
    const tally: Counts = { exempt: 0, failing: 0, passing: 0, missing: 0, accounts: accounts.length, approximate: false, staleReason: 'nothing-failing' };
    /** PASS_WITH_EXCEPTION on its pairs that RESOURCE exceptions, or an earlier CONNECTOR exception, explain. */
    let explainedByResources = 0;
    for (const accountId of accounts) {
      for (const controlId of new Set(targets.controlIds)) {
        const pair = pairCounts(targets, accountId, controlId);
        if (!pair) {
          tally.missing! += 1;
          continue;
        }
        explainedByResources += pair.summary.passWithExceptionResources - pair.unclaimed;
        tally.passing! += pair.summary.passedResources;
        if (active) {
          const key = pairKey(targets.cloudType, accountId, controlId);
          // Two CONNECTOR exceptions on one account and control exempt those evaluations once: the
          // first (by name) counts them, so the report's total is not doubled.
          if (coveredByConnector.has(key)) explainedByResources += pair.unclaimed;
          else tally.exempt += pair.unclaimed;
          tally.failing! += pair.summary.failedResources;
          coveredByConnector.add(key);
        } else {
          tally.failing! += pair.summary.failedResources + pair.unclaimed;
        }
      }
    }
    if (tally.exempt + tally.failing! + tally.passing! === 0) tally.staleReason = 'resource-gone';
    // Everything it names passes (not: its failures are another exception's to explain).
    else if (tally.exempt + tally.failing! === 0 && tally.missing === 0 && explainedByResources === 0) tally.staleReason = 'now-passes';
    counts.set(subject, tally);
  }

  // Pass 3: QUALYSTAG, what neither RESOURCE nor CONNECTOR exceptions explain on the pairs it reaches.
  for (const subject of byScope('QUALYSTAG')) {
    const targets = subject.targets!;
    const active = subject.remote.state.toUpperCase() === 'ACTIVE';
    const reach = reachOfTag(targets, inventory);
    const tally: Counts = { exempt: 0, failing: null, passing: null, missing: 0, accounts: reach.accounts.length, approximate: true, staleReason: 'nothing-failing' };
    if (reach.unknownConnectors > 0) {
      tally.missing! += reach.unknownConnectors * new Set(targets.controlIds).size;
      tally.reachUnknown = true;
    }
    let wouldExempt = 0;
    for (const accountId of reach.accounts) {
      for (const controlId of new Set(targets.controlIds)) {
        const pair = pairCounts(targets, accountId, controlId);
        if (!pair) {
          tally.missing! += 1;
          continue;
        }
        if (coveredByConnector.has(pairKey(targets.cloudType, accountId, controlId))) continue;
        if (active) tally.exempt += pair.unclaimed;
        else wouldExempt += pair.summary.failedResources + pair.unclaimed;
      }
    }
    if (!active) tally.failing = wouldExempt;
    counts.set(subject, tally);
  }

  const rows = subjects.map((subject) => toRow(subject, counts.get(subject), today, options));
  rows.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.uuid < b.uuid ? -1 : 1));
  return {
    version: REPORT_VERSION,
    generatedAt: options.now.toISOString(),
    timeZone: options.timeZone,
    overBroadThreshold: options.overBroadThreshold,
    summary: summarise(rows),
    exceptions: rows,
  };
}

function toRow(subject: ReportSubject, tally: Counts | undefined, today: string, options: CoverageOptions): CoverageRow {
  const { remote, targets } = subject;
  const state = remote.state.toUpperCase();
  const endDate = localDate(remote.endsAt, options.timeZone);
  const scope = (targets?.exceptionScope ?? remote.exceptionScope).toUpperCase();
  const row: CoverageRow = {
    name: remote.name,
    uuid: remote.uuid,
    cloudType: targets?.cloudType ?? null,
    scope,
    state,
    startDate: localDate(remote.startsAt, options.timeZone) ?? remote.startsAt,
    endDate: endDate ?? remote.endsAt,
    daysToExpiry: endDate === null ? null : daysBetween(today, endDate),
    accounts: tally?.accounts ?? (targets ? new Set([...targets.accountIds, ...targets.resources.map((r) => r.accountId)]).size : null),
    controls: targets ? new Set(targets.controlIds).size : null,
    passWithException: state === 'ACTIVE' ? tally?.exempt ?? 0 : 0,
    failing: tally ? tally.failing : null,
    passing: tally ? tally.passing : null,
    missing: tally ? tally.missing : null,
    stale: false,
    staleReason: null,
    overBroad: false,
    overBroadReasons: [],
    approximate: tally?.approximate ?? false,
    targetsFrom: subject.targetsFrom,
    file: subject.source?.file ?? null,
    line: subject.source?.line ?? null,
  };
  if (tally) {
    // What it exempts now (ACTIVE) or would exempt once it starts (INACTIVE).
    const covers = state === 'ACTIVE' ? tally.exempt : tally.failing ?? 0;
    if (covers === 0 && !tally.reachUnknown) {
      row.stale = true;
      row.staleReason = tally.staleReason;
    }
    if (scope === 'CONNECTOR' || scope === 'QUALYSTAG') {
      if (covers > options.overBroadThreshold) row.overBroadReasons.push(`covers ${covers} > ${options.overBroadThreshold}`);
      if (tally.accounts > 1) row.overBroadReasons.push(`${tally.accounts} accounts`);
      row.overBroad = row.overBroadReasons.length > 0;
    }
  }
  return row;
}

function summarise(rows: readonly CoverageRow[]): CoverageSummary {
  const summary: CoverageSummary = { managed: rows.length, active: 0, inactive: 0, expired: 0, otherState: 0, stale: 0, overBroad: 0, passWithException: 0 };
  for (const row of rows) {
    if (row.state === 'ACTIVE') summary.active += 1;
    else if (row.state === 'INACTIVE') summary.inactive += 1;
    else if (row.state === 'EXPIRED') summary.expired += 1;
    else summary.otherState += 1;
    if (row.stale) summary.stale += 1;
    if (row.overBroad) summary.overBroad += 1;
    summary.passWithException += row.passWithException;
  }
  return summary;
}
