// The plan as a pull-request comment: links to the planned lines, warnings, the closing line about
// the merge, collapsed sections, GitHub's size limit and the artifact that holds the rest.
import { describe, expect, it } from 'vitest';
import { buildPlan, type PlanOptions } from '../../src/reconcile/plan';
import { MAX_COMMENT, renderMarkdownPlan } from '../../src/render/plan-markdown';
import { detailOf, manifest, remoteOf, SIGNED_OWNERSHIP, spec } from './helpers';

const SHA = '0123456789abcdef0123456789abcdef01234567';
const HEAD = `https://github.com/acme/exceptions/blob/${SHA}`;
const BASE = 'https://github.com/acme/exceptions/blob/base0000';

const options: PlanOptions = {
  timeZone: 'UTC',
  manage: [],
  now: new Date('2026-06-01T12:00:00Z'),
  commit: SHA,
  apiUrl: 'https://qualysguard.qualys.com',
  maxDeletes: 1000,
  maxDeletePercent: 100,
  ownership: SIGNED_OWNERSHIP,
};

function samplePlan() {
  const changed = spec({ name: 'changed' });
  const changedRemote = remoteOf(changed);
  return buildPlan(
    {
      desired: [manifest(spec({ name: 'new-one' }), 12), manifest({ ...changed, endDate: '2027-12-31' }, 30)],
      remote: [changedRemote, remoteOf(spec({ name: 'gone' }))],
      details: new Map([[changedRemote.uuid, detailOf(changed, changedRemote)]]),
    },
    options,
  );
}

describe('plan comment', () => {
  it('links creates and replaces to their line at the planned commit and deletes to theirs at the base; names the artifact; ends with the merge', () => {
    const text = renderMarkdownPlan(samplePlan(), {
      links: { head: HEAD, base: BASE },
      baseLocations: new Map([['gone', { file: 'policies/old team.yaml', line: 7, column: 5 }]]),
      validationWarnings: [{ severity: 'warning', rule: 'date.past', message: '`endDate` is in the past', file: 'policies/aws.yaml', line: 40, column: 5, path: 'exceptions.3.endDate' }],
      artifact: 'cvex-plan-7-99-1',
    });
    expect(text).toContain(`[policies/aws.yaml:12](${HEAD}/policies/aws.yaml#L12)`);
    expect(text).toContain(`changed in the repository ([policies/aws.yaml:30](${HEAD}/policies/aws.yaml#L30))`);
    expect(text).toContain(`was [policies/old team.yaml:7](${BASE}/policies/old%20team.yaml#L7)`);
    expect(text).toContain(`- \\\`endDate\\\` is in the past ([policies/aws.yaml:40](${HEAD}/policies/aws.yaml#L40))`);
    expect(text).toContain('The full plan (JSON and this text) is the artifact `cvex-plan-7-99-1` of this run.');
    expect(text.trimEnd().split('\n').at(-1)).toBe(
      '**Merging applies this plan** to `https://qualysguard.qualys.com`: 1 to create, 1 to replace, 1 to delete. The apply workflow plans again from `main` when it runs, so what was merged before it is included.',
    );
    expect(text).not.toContain('<details><summary>3 changes');
  });

  it('without links (a local run) shows file:line as text, and a plan without changes says merging changes nothing', () => {
    expect(renderMarkdownPlan(samplePlan())).toContain('(policies/aws.yaml:12)');
    const empty = buildPlan({ desired: [], remote: [], details: new Map() }, options);
    expect(renderMarkdownPlan(empty).trimEnd().split('\n').at(-1)).toBe('**Merging changes nothing** in `https://qualysguard.qualys.com`.');
  });

  it("a pull request's plan of what it changes speaks for those changes only: the apply plans in full", () => {
    const scope = { kind: 'changed-since' as const, ref: 'origin/main', base: 'a'.repeat(40), names: ['new-one'] };
    const changed = buildPlan({ desired: [manifest(spec({ name: 'new-one' }), 3)], remote: [], details: new Map() }, { ...options, scope });
    expect(renderMarkdownPlan(changed).trimEnd().split('\n').at(-1)).toBe(
      '**Merging applies these changes** to `https://qualysguard.qualys.com`: 1 to create, 0 to replace, 0 to delete. The apply workflow plans the whole repository again from `main` when it runs, so what was merged before it and any drift are included, and the removal guards are checked then.',
    );
    const none = buildPlan({ desired: [], remote: [], details: new Map() }, { ...options, scope: { ...scope, names: [] } });
    expect(renderMarkdownPlan(none).trimEnd().split('\n').at(-1)).toBe(
      '**Merging changes nothing this pull request declares** in `https://qualysguard.qualys.com`; the apply plans the whole repository again from `main`, so it also corrects any drift.',
    );
  });

  it("previews the removal guards of a pull request's plan against what the base branch declares", () => {
    const scope = { kind: 'changed-since' as const, ref: 'origin/main', base: 'a'.repeat(40), names: ['gone-1', 'gone-2'] };
    const guarded = { ...options, maxDeletes: 10, maxDeletePercent: 25, scope };
    // The base declares four; the pull request removes two (read by name), the other two stay.
    const kept = [manifest(spec({ name: 'kept-1' }), 3), manifest(spec({ name: 'kept-2' }), 20)];
    const removing = buildPlan({ desired: kept, remote: [remoteOf(spec({ name: 'gone-1' })), remoteOf(spec({ name: 'gone-2' }))], details: new Map() }, guarded);
    expect(removing.safety).toMatchObject({ managed: 4, removals: 2, exceedsPercent: true, blocked: true });
    expect(removing.warnings.find((warning) => warning.code === 'safety.threshold')?.message).toBe(
      'apply refuses: 2 removals are more than 25% of the 4 managed exceptions (--max-delete-percent, config maxDeletePercent). Review the plan, then add the trailer `Cvex-Allow-Removals: 2` to the merge commit (or pass --allow-removals 2), or --force. (Counted against the 4 exceptions the base branch declares; the apply counts again against the account.)',
    );
    expect(renderMarkdownPlan(removing).trimEnd().split('\n').at(-1)).toMatch(/the removal guards are checked then\. As planned it trips a removal guard, so apply will refuse it unless the merged commits carry the reviewed trailer `Cvex-Allow-Removals: 2`\.$/);
    // One removal of four trips nothing: the percentage counts from two removals.
    const one = buildPlan({ desired: [...kept, manifest(spec({ name: 'gone-2' }), 30)], remote: [remoteOf(spec({ name: 'gone-1' }))], details: new Map() }, { ...guarded, scope: { ...scope, names: ['gone-1'] } });
    expect(one.safety).toMatchObject({ managed: 4, removals: 1, blocked: false });
    expect(renderMarkdownPlan(one)).not.toContain('Cvex-Allow-Removals');
  });

  it('collapses a long change list, and cuts rows to stay under the limit, saying how many and where they are', () => {
    const many = Array.from({ length: 3000 }, (_, index) =>
      manifest(spec({ name: `exception-${String(index).padStart(4, '0')}-${'x'.repeat(60)}`, explanation: 'y'.repeat(500) }), index + 1),
    );
    const plan = buildPlan({ desired: many, remote: [], details: new Map() }, options);
    const text = renderMarkdownPlan(plan, { links: { head: HEAD }, artifact: 'cvex-plan-1-2-1' });
    expect(text.length).toBeLessThanOrEqual(MAX_COMMENT);
    expect(text).toContain('<details><summary>3000 changes</summary>');
    expect(text).toMatch(/\| … \| \d+ more \| see the artifact `cvex-plan-1-2-1` of this run \|/);
    expect(text.trimEnd().split('\n').at(-1)).toMatch(/^\*\*Merging applies this plan\*\*.*3000 to create/);
  });

  it('a plan with conflicts says merging would apply nothing', () => {
    const taken = spec({ name: 'taken' });
    const plan = buildPlan({ desired: [manifest(taken, 3)], remote: [remoteOf(taken, { marker: false })], details: new Map() }, options);
    const text = renderMarkdownPlan(plan, { links: { head: HEAD } });
    expect(text).toContain(`([policies/aws.yaml:3](${HEAD}/policies/aws.yaml#L3))`);
    expect(text.trimEnd().split('\n').at(-1)).toBe('**Merging now would apply nothing:** apply refuses while there is a conflict.');
  });
});
