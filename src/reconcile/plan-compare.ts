// `cvex apply --plan FILE`: a plan file is evidence of a review, not a source of specs. Apply
// recomputes the plan with the file's scope from the manifests and a fresh listing, and this
// compares the two change by change (action, name, uuid, spec fingerprint, take-over) and tag rule
// by tag rule. Any difference refuses the file; the recomputed plan is what runs. Pure.
import { fingerprintSpec } from './fingerprint';
import type { Plan, PlanChange, TagPreview } from './types';

/** Differences listed in full; the count is always given. */
export const DIFFERENCES_LISTED = 10;

function keyOf(change: Pick<PlanChange, 'action' | 'name'>): string {
  return `${change.action}\u0000${change.name}`;
}

function describe(change: PlanChange): string {
  const uuid = change.action === 'create' ? '' : ` (${change.uuid})`;
  const takeOver = change.action === 'replace' && change.takeOver ? ` taking it over from '${change.takeOver.from}'` : '';
  return `${change.action} ${JSON.stringify(change.name)}${uuid}${takeOver}`;
}

function compareOne(saved: PlanChange, fresh: PlanChange): string | undefined {
  const name = JSON.stringify(saved.name);
  if (saved.action !== 'create' && fresh.action !== 'create' && saved.uuid !== fresh.uuid) {
    return `the file would ${saved.action} ${name} with uuid ${saved.uuid}; CloudView holds it as ${fresh.uuid}`;
  }
  if (saved.action !== 'delete' && fresh.action !== 'delete' && fingerprintSpec(saved.spec) !== fingerprintSpec(fresh.spec)) {
    return `the file's spec of ${saved.action} ${name} (fingerprint ${fingerprintSpec(saved.spec)}) is not the manifests' (${fingerprintSpec(fresh.spec)})`;
  }
  const savedFrom = saved.action === 'replace' ? saved.takeOver?.from : undefined;
  const freshFrom = fresh.action === 'replace' ? fresh.takeOver?.from : undefined;
  if (savedFrom !== freshFrom) return `the file's ${saved.action} ${name} ${savedFrom ? `takes it over from '${savedFrom}'` : 'is no take-over'}; a fresh plan ${freshFrom ? `takes it over from '${freshFrom}'` : 'does not take it over'}`;
  return undefined;
}

function tagKey(tag: Pick<TagPreview, 'cloudType' | 'regex' | 'tagNames'>): string {
  return JSON.stringify([tag.cloudType, tag.regex, [...tag.tagNames].sort()]);
}

/** Why the saved plan is not what the manifests and the account give now; empty when it is. */
export function compareSavedPlan(saved: Plan, fresh: Plan): string[] {
  const differences: string[] = [];
  if (saved.owner !== fresh.owner) differences.push(`the file was planned for owner '${saved.owner}'; this repository is '${fresh.owner}'`);
  const freshByKey = new Map(fresh.changes.map((change) => [keyOf(change), change]));
  const savedKeys = new Set<string>();
  for (const change of saved.changes) {
    const key = keyOf(change);
    if (savedKeys.has(key)) {
      differences.push(`the file holds ${describe(change)} twice`);
      continue;
    }
    savedKeys.add(key);
    const match = freshByKey.get(key);
    if (!match) differences.push(`the file would ${describe(change)}; a fresh plan does not`);
    else {
      const difference = compareOne(change, match);
      if (difference) differences.push(difference);
    }
  }
  for (const change of fresh.changes) {
    if (!savedKeys.has(keyOf(change))) differences.push(`a fresh plan would ${describe(change)}; the file does not`);
  }
  // The file was reviewed without them: a conflict now means the account moved since.
  for (const conflict of fresh.conflicts) if (!saved.conflicts.some((known) => known.name === conflict.name)) differences.push(`a fresh plan meets a conflict: ${conflict.message}`);
  const freshTags = new Set(fresh.tags.map(tagKey));
  const savedTags = new Set(saved.tags.map(tagKey));
  for (const tag of saved.tags) if (!freshTags.has(tagKey(tag))) differences.push(`the file's tag rule ${tag.cloudType} /${tag.regex}/ → ${tag.tagNames.join(', ')} is not in the manifests`);
  for (const tag of fresh.tags) if (!savedTags.has(tagKey(tag))) differences.push(`the manifests' tag rule ${tag.cloudType} /${tag.regex}/ → ${tag.tagNames.join(', ')} is not in the file`);
  return differences;
}
