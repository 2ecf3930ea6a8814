// The plan as JSON (schemas/plan.schema.json): the same document `--out` saves.
import type { Plan } from '../reconcile/types';

export function renderJsonPlan(plan: Plan): string {
  return `${JSON.stringify(plan, null, 2)}\n`;
}
