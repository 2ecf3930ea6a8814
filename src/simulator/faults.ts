// Fault rules: which request fails how. Probabilities draw from the seeded random source so a run replays.
import type { RandomSource } from './random';
import type { FaultKind, FaultRule, RouteId } from './types';

export const FAULT_KINDS: readonly FaultKind[] = ['500', '429', 'reset', 'hang', 'commit-then-500', 'commit-then-reset', 'commit-then-hang'];

export interface FiredFault {
  kind: FaultKind;
  retryAfterSec: number;
}

export class FaultTable {
  private rules: Array<FaultRule & { remaining: number }> = [];

  constructor(private readonly random: RandomSource) {}

  add(rule: FaultRule): void {
    if (!FAULT_KINDS.includes(rule.kind)) throw new Error(`unknown fault kind ${JSON.stringify(rule.kind)}`);
    const probability = rule.probability ?? 1;
    if (!(probability >= 0 && probability <= 1)) throw new Error(`fault probability must be within 0..1; got ${rule.probability}`);
    this.rules.push({ ...rule, remaining: rule.times ?? Number.POSITIVE_INFINITY });
  }

  clear(): void {
    this.rules = [];
  }

  /** The first matching rule that fires for this request, if any; a fired rule uses up one of its `times`. */
  draw(route: RouteId): FiredFault | undefined {
    for (const rule of this.rules) {
      if (rule.remaining <= 0 || (rule.route !== '*' && rule.route !== route)) continue;
      const probability = rule.probability ?? 1;
      if (probability < 1 && this.random.next() >= probability) continue;
      rule.remaining -= 1;
      if (rule.remaining <= 0) this.rules = this.rules.filter((other) => other !== rule);
      return { kind: rule.kind, retryAfterSec: rule.retryAfterSec ?? 1 };
    }
    return undefined;
  }
}
