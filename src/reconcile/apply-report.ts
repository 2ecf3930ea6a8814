// What `cvex apply --report FILE` writes (schemas/apply-report.schema.json): the outcome of one apply,
// per change, with the gap each replace left the resources unexempt, the guards a review lifted and
// every exemption left missing. Written on every outcome, refusals included, so a workflow can post
// it. Never holds credentials: names, uuids, results and messages that were already cleaned.
import { writeFile } from 'node:fs/promises';
import type { ApplyReport, MissingExemption, OperationResult } from './execute';
import type { TagRunResult } from './tag-stage';
import type { Plan, PlanSafety, PlanScope } from './types';

export const APPLY_REPORT_VERSION = 1;

export type ApplyOutcome = 'applied' | 'no-changes' | 'failed' | 'interrupted' | 'refused';

export interface ApplyReportFile {
  version: typeof APPLY_REPORT_VERSION;
  startedAt: string;
  finishedAt: string;
  outcome: ApplyOutcome;
  /** Why nothing was sent, when refused. */
  refusal?: string;
  /** The failure that ended the run (network, credentials, a wrong time zone). */
  error?: string;
  target?: Plan['target'];
  commit: string;
  /** The applied commit range (`--commits`), when given. */
  commits?: string;
  actor: string | null;
  scope?: PlanScope;
  safety?: PlanSafety;
  summary: { planned: number; succeeded: number; failed: number; skipped: number; notStarted: number; missing: number };
  results: OperationResult[];
  missing: MissingExemption[];
  tags: Array<Pick<TagRunResult, 'cloudType' | 'regex' | 'tagNames' | 'ok' | 'message'>>;
  /** The signal that stopped the run. */
  interrupted?: 'SIGINT' | 'SIGTERM';
}

export interface ApplyReportInput {
  startedAt: Date;
  finishedAt: Date;
  outcome: ApplyOutcome;
  refusal?: string;
  error?: string;
  commit: string;
  commits?: string;
  actor: string | null;
  plan?: Pick<Plan, 'target' | 'scope' | 'changes'>;
  safety?: PlanSafety;
  execution?: ApplyReport;
  tags?: readonly TagRunResult[];
  interrupted?: 'SIGINT' | 'SIGTERM';
}

export function buildApplyReport(input: ApplyReportInput): ApplyReportFile {
  const execution = input.execution;
  return {
    version: APPLY_REPORT_VERSION,
    startedAt: input.startedAt.toISOString(),
    finishedAt: input.finishedAt.toISOString(),
    outcome: input.outcome,
    ...(input.refusal ? { refusal: input.refusal } : {}),
    ...(input.error ? { error: input.error } : {}),
    ...(input.plan ? { target: input.plan.target, scope: input.plan.scope } : {}),
    commit: input.commit,
    ...(input.commits ? { commits: input.commits } : {}),
    actor: input.actor,
    ...(input.safety ? { safety: input.safety } : {}),
    summary: {
      planned: input.plan?.changes.length ?? 0,
      succeeded: execution?.succeeded ?? 0,
      failed: execution?.failed ?? 0,
      skipped: execution?.skipped ?? 0,
      notStarted: execution?.notStarted ?? 0,
      missing: execution?.missing.length ?? 0,
    },
    results: execution?.results ?? [],
    missing: execution?.missing ?? [],
    tags: (input.tags ?? []).map(({ cloudType, regex, tagNames, ok, message }) => ({ cloudType, regex, tagNames, ok, message })),
    ...(input.interrupted ? { interrupted: input.interrupted } : {}),
  };
}

export async function writeApplyReport(file: string, report: ApplyReportFile): Promise<void> {
  await writeFile(file, `${JSON.stringify(report, null, 2)}\n`, 'utf8');
}
