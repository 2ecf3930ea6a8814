// Saves and loads a plan (schemas/plan.schema.json). A loaded plan is validated before anything
// uses it: `apply --plan` must apply exactly what was reviewed, or nothing.
import { writeFile } from 'node:fs/promises';
import { FileReadError, readBoundedText } from '../files/read-bounded';
import { renderJsonPlan } from '../render/plan-json';
import { PLAN_VERSION } from './plan';
import type { Plan } from './types';
import { validatorFor } from '../validators';

export class PlanFileError extends Error {
  override name = 'PlanFileError';
}

export function parsePlan(text: string, displayName: string): Plan {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    // V8's message quotes the text it failed on; a file that is not a plan may hold anything.
    const position = /position (\d+)/.exec((error as Error).message)?.[1];
    throw new PlanFileError(`${displayName} is not JSON${position === undefined ? '' : ` (syntax error at character ${position})`}`);
  }
  const version = (value as { version?: unknown } | null)?.version;
  if (version !== PLAN_VERSION) {
    throw new PlanFileError(`${displayName} is a version ${JSON.stringify(version)} plan; this cvex reads version ${PLAN_VERSION}`);
  }
  const validatePlan = validatorFor('plan');
  if (!validatePlan(value)) {
    const [first] = validatePlan.errors ?? [];
    throw new PlanFileError(`${displayName} is not a valid plan: ${first ? `${first.instancePath || '(root)'} ${first.message}` : 'unknown error'}`);
  }
  return value as Plan;
}

export async function loadPlanFile(file: string, displayName = file): Promise<Plan> {
  let text: string;
  try {
    // A regular file within 64 MiB: `--plan /dev/zero` is refused at once, not read until memory runs out.
    text = await readBoundedText(file, 'plan', 'a JSON plan');
  } catch (error) {
    if (!(error instanceof FileReadError)) throw error;
    throw new PlanFileError(`cannot read plan ${displayName}: ${error.message}`);
  }
  return parsePlan(text, displayName);
}

export async function savePlanFile(file: string, plan: Plan): Promise<void> {
  await writeFile(file, renderJsonPlan(plan), 'utf8');
}
