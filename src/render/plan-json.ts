// The plan as JSON (schemas/plan.schema.json): the same document `--out` saves.
import type { Plan } from '../reconcile/types';
import { jsonSafe } from './escape';

export function renderJsonPlan(plan: Plan): string {
  return `${jsonSafe(JSON.stringify(plan, null, 2))}\n`;
}
