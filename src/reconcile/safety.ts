// The removal guards: how much of what the repository owns one apply may take away. Pure.
//
// A removal is anything that lifts an exemption: a delete of an exception still in force (deleting
// an EXPIRED one takes nothing away), and every replace (the API has no update: delete, then
// create; the resources are not exempt in between, and stay so if the create fails).
// The mistakes they stop: a wrong directory or a typo in `manifests:` that leaves the desired
// state empty or partial, a time-zone or renewal change that would replace everything at once.
import type { Plan, PlanChange, PlanSafety, SafetyLift } from './types';

export const SAFETY_DEFAULTS = {
  maxDeletes: 10,
  maxDeletePercent: 25,
  /** The percentage counts at any repository size; a single removal never trips it. */
  percentAppliesFrom: 0,
} satisfies Record<string, number>;

export interface SafetyLimits {
  maxDeletes: number;
  maxDeletePercent: number;
}

/** What can lift a tripped guard: `--force`, or a reviewed allowance (commit trailer or approved input). */
export interface SafetyOverride {
  force?: boolean;
  /** `Cvex-Allow-Removals: N` found in the applied commit range, or `--allow-removals N`. */
  allowance?: { removals: number; source: 'trailer' | 'flag'; commit?: string };
}

function isExpired(remote: { state: string }): boolean {
  return String(remote.state).toUpperCase() === 'EXPIRED';
}

export interface RemovalCounts {
  removals: number;
  replaces: number;
  /** Every delete, EXPIRED ones included. */
  deletes: number;
  expiredDeletes: number;
  /** Deletes of adopted-by-name exceptions still in force. */
  adoptedDeletes: number;
}

export function countRemovals(changes: readonly PlanChange[]): RemovalCounts {
  const counts: RemovalCounts = { removals: 0, replaces: 0, deletes: 0, expiredDeletes: 0, adoptedDeletes: 0 };
  for (const change of changes) {
    if (change.action === 'replace') {
      counts.replaces += 1;
      counts.removals += 1;
    } else if (change.action === 'delete') {
      counts.deletes += 1;
      if (isExpired(change.remote)) {
        counts.expiredDeletes += 1;
        continue;
      }
      counts.removals += 1;
      // Claimed by a `manage:` name only (no marker): another repository may claim it too.
      if (change.ownership === 'adopted') counts.adoptedDeletes += 1;
    }
  }
  return counts;
}

/**
 * The guards for `changes` against `managed` managed exceptions:
 * - more removals than `maxDeletes`;
 * - more than `maxDeletePercent` of the managed exceptions, as soon as more than one is removed;
 * - any adopted-by-name exception deleted;
 * - every managed exception deleted (needs --force: a reviewed allowance does not lift it).
 * A reviewed allowance of N lifts the first three when removals <= N.
 */
export function evaluateSafety(managed: number, changes: readonly PlanChange[], limits: SafetyLimits, override: SafetyOverride = {}): PlanSafety {
  const counts = countRemovals(changes);
  const exceedsMaxDeletes = counts.removals > limits.maxDeletes;
  const exceedsPercent = counts.removals > 1 && managed > 0 && (counts.removals * 100) / managed > limits.maxDeletePercent;
  const allManagedDeleted = managed > 0 && counts.deletes >= managed && counts.removals > 0;
  const countGuards = exceedsMaxDeletes || exceedsPercent || counts.adoptedDeletes > 0;
  const tripped = countGuards || allManagedDeleted;

  let lifted: SafetyLift | undefined;
  let blocked = tripped;
  if (tripped && override.force) {
    lifted = { by: 'force' };
    blocked = false;
  } else if (tripped && !allManagedDeleted && override.allowance && counts.removals <= override.allowance.removals) {
    const { source, removals, commit } = override.allowance;
    lifted = { by: source, allowRemovals: removals, ...(commit ? { commit } : {}) };
    blocked = false;
  }
  return {
    managed,
    deletes: counts.deletes,
    removals: counts.removals,
    replaces: counts.replaces,
    expiredDeletes: counts.expiredDeletes,
    adoptedDeletes: counts.adoptedDeletes,
    allManagedDeleted,
    maxDeletes: limits.maxDeletes,
    maxDeletePercent: limits.maxDeletePercent,
    percentAppliesFrom: SAFETY_DEFAULTS.percentAppliesFrom,
    exceedsMaxDeletes,
    exceedsPercent,
    blocked,
    ...(lifted ? { lifted } : {}),
  };
}

/** Every guard that tripped, as a reader would name it; empty when none did. */
export function trippedGuards(safety: PlanSafety): string[] {
  const reasons: string[] = [];
  if (safety.allManagedDeleted) reasons.push(`every managed exception (${safety.managed}) would be deleted`);
  if (safety.exceedsMaxDeletes) reasons.push(`${safety.removals} removals exceed the limit of ${safety.maxDeletes} (--max-deletes, config maxDeletes)`);
  if (safety.exceedsPercent) {
    reasons.push(`${safety.removals} removals are more than ${safety.maxDeletePercent}% of the ${safety.managed} managed exceptions (--max-delete-percent, config maxDeletePercent)`);
  }
  if (safety.adoptedDeletes > 0) {
    reasons.push(`${safety.adoptedDeletes} ${safety.adoptedDeletes === 1 ? 'exception is' : 'exceptions are'} adopted by name only (no cvex marker): another repository may claim it too`);
  }
  return reasons;
}

/** What lifts the guards that tripped, for the refusal message and the plan warning. */
export function liftHint(safety: PlanSafety): string {
  if (safety.allManagedDeleted) return 'only --force lifts this (check you are in the right repository and `manifests:` matches your files)';
  return `review the plan, then add the trailer \`Cvex-Allow-Removals: ${safety.removals}\` to the merge commit (or pass --allow-removals ${safety.removals}), or --force`;
}

/** The plan's warning when a guard tripped. */
export function safetyWarning(safety: Pick<Plan, 'safety'>['safety']): { code: string; message: string } | undefined {
  const reasons = trippedGuards(safety);
  if (reasons.length === 0) return undefined;
  return { code: 'safety.threshold', message: `apply refuses: ${reasons.join('; ')}. ${capitalise(liftHint(safety))}.` };
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** The trailer a reviewed merge carries to allow N removals: `Cvex-Allow-Removals: N`. */
export const ALLOW_REMOVALS_TRAILER = 'Cvex-Allow-Removals';

/**
 * The allowance the trailers of the applied range grant: the largest valid N (a PR's commit and its
 * merge may both carry it; adding them up would allow more than anyone reviewed). Values that are
 * not a whole number are returned apart, to be reported, never guessed at.
 */
export function allowanceFromTrailers(trailers: ReadonlyArray<{ commit: string; value: string }>): {
  allowance?: { removals: number; commit: string };
  invalid: Array<{ commit: string; value: string }>;
} {
  let allowance: { removals: number; commit: string } | undefined;
  const invalid: Array<{ commit: string; value: string }> = [];
  for (const trailer of trailers) {
    if (!/^\d{1,6}$/.test(trailer.value)) {
      invalid.push(trailer);
      continue;
    }
    const removals = Number(trailer.value);
    if (!allowance || removals > allowance.removals) allowance = { removals, commit: trailer.commit };
  }
  return { allowance, invalid };
}
