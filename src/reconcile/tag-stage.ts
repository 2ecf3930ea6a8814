// The applyTags stage: tag evaluations whose resource id matches a regex, so QUALYSTAG exceptions
// cover them. It must run on a schedule (resources added later stay untagged until it runs again),
// so `cvex tag` reuses these two functions alone.
import type { CloudViewApi } from '../api/types';
import type { ApplyTagsRule } from '../model/exception';
import type { PlanWarning, TagPreview } from './types';

export const TAG_PREVIEW_LIMITS = {
  sample: 5,
  /** Counting stops here (one page of the regex list, which the client asks 2,000 at a time): a preview must not spend the hourly request budget. */
  maxCounted: 1_000,
} as const satisfies Record<string, number>;

type TagRule = Pick<ApplyTagsRule, 'cloudType' | 'regex' | 'tagNames'>;

export async function previewTagStage(
  api: Pick<CloudViewApi, 'listEvaluationsByRegex'>,
  rules: readonly TagRule[],
): Promise<{ previews: TagPreview[]; warnings: PlanWarning[] }> {
  const previews: TagPreview[] = [];
  const warnings: PlanWarning[] = [];
  for (const rule of rules) {
    let matchCount = 0;
    let capped = false;
    const sample = new Set<string>();
    for await (const evaluation of api.listEvaluationsByRegex(rule.cloudType, rule.regex)) {
      matchCount += 1;
      if (sample.size < TAG_PREVIEW_LIMITS.sample) sample.add(evaluation.resourceId);
      if (matchCount >= TAG_PREVIEW_LIMITS.maxCounted) {
        capped = true;
        break;
      }
    }
    const preview: TagPreview = { cloudType: rule.cloudType, regex: rule.regex, tagNames: [...rule.tagNames], matchCount, sampleResourceIds: [...sample] };
    if (capped) preview.matchCountCapped = true;
    previews.push(preview);
    if (matchCount === 0) {
      warnings.push({ code: 'tags.no-match', message: `applyTags ${rule.cloudType} /${rule.regex}/ matches no evaluation: check the regex (Java syntax; escape " and / with \\\\)` });
    }
  }
  return { previews, warnings };
}

export interface TagRunResult {
  cloudType: string;
  regex: string;
  tagNames: string[];
  ok: boolean;
  message: string;
  controlIds: number[];
}

/** Runs every rule; one failing rule does not stop the others. */
export async function runTagStage(api: Pick<CloudViewApi, 'applyTags'>, rules: readonly TagRule[]): Promise<TagRunResult[]> {
  const results: TagRunResult[] = [];
  for (const rule of rules) {
    const base = { cloudType: rule.cloudType, regex: rule.regex, tagNames: [...rule.tagNames] };
    try {
      const result = await api.applyTags(rule.cloudType, rule.tagNames, rule.regex);
      results.push({ ...base, ok: true, message: result.message, controlIds: result.controlIds });
    } catch (error) {
      results.push({ ...base, ok: false, message: error instanceof Error ? error.message : String(error), controlIds: [] });
    }
  }
  return results;
}
