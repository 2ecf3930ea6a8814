import Ajv from 'ajv';
import { describe, expect, it } from 'vitest';
import planSchema from '../../schemas/plan.schema.json';
import { buildPlan, type PlanOptions } from '../../src/reconcile/plan';
import { parsePlan, PlanFileError } from '../../src/reconcile/plan-file';
import { renderJsonPlan } from '../../src/render/plan-json';
import { escapeMarkdown, terminalSafe } from '../../src/render/escape';
import { renderMarkdownPlan } from '../../src/render/plan-markdown';
import { renderTextPlan } from '../../src/render/plan-text';
import { detailOf, manifest, remoteOf, SIGNED_OWNERSHIP, spec } from './helpers';

const options: PlanOptions = {
  timeZone: 'UTC',
  manage: [],
  now: new Date('2026-06-01T12:00:00Z'),
  commit: '0123456789abcdef0123456789abcdef01234567',
  apiUrl: 'https://qualysguard.qualys.com/cloudview-api',
  maxDeletes: 10,
  maxDeletePercent: 25,
  ownership: SIGNED_OWNERSHIP,
};

function samplePlan() {
  const changed = spec({ name: 'changed' });
  const changedRemote = remoteOf(changed);
  return buildPlan(
    {
      desired: [manifest(spec({ name: 'new-one' })), manifest({ ...changed, endDate: '2027-12-31' })],
      remote: [changedRemote, remoteOf(spec({ name: 'gone' })), remoteOf(spec({ name: 'ui-made' }), { marker: false })],
      details: new Map([[changedRemote.uuid, detailOf(changed, changedRemote)]]),
    },
    options,
  );
}

describe('plan renderers', () => {
  it('text: + / -/+ / - with old → new and a summary, colours only when asked', () => {
    const text = renderTextPlan(samplePlan(), { color: false });
    expect(text).toContain('  +  new-one');
    expect(text).toContain('  -/+ changed  uuid-');
    expect(text).toContain('       the exemption is lifted between delete and create; the uuid changes');
    expect(text).toContain('endDate: "2027-06-30" → "2027-12-31"');
    expect(text).toContain('  -  gone');
    expect(text).toContain('Unmanaged (not owned by the repository, never changed): 1');
    expect(text).toContain('Plan: 1 to create, 1 to replace, 1 to delete, 0 unchanged.');
    expect(text).not.toContain('\u001b[');
    expect(renderTextPlan(samplePlan(), { color: true })).toContain('\u001b[32m+');
  });

  it('text: strips terminal control sequences from user text', () => {
    expect(terminalSafe('evil\u001b[2Jname')).toBe('evil?[2Jname');
  });

  it('json: validates against schemas/plan.schema.json and round-trips through the plan file reader', () => {
    const json = renderJsonPlan(samplePlan());
    const validate = new Ajv({ strict: false }).compile(planSchema);
    expect(validate(JSON.parse(json)), JSON.stringify(validate.errors)).toBe(true);
    expect(parsePlan(json, 'plan.json')).toEqual(JSON.parse(json));
  });

  it('plan file: refuses another version or a damaged plan', () => {
    const plan = JSON.parse(renderJsonPlan(samplePlan()));
    expect(() => parsePlan(JSON.stringify({ ...plan, version: 2 }), 'p.json')).toThrow(PlanFileError);
    expect(() => parsePlan(JSON.stringify({ ...plan, changes: [{ action: 'create', name: 'x' }] }), 'p.json')).toThrow(/not a valid plan/);
    expect(() => parsePlan('{', 'p.json')).toThrow(/not JSON/);
  });

  it('markdown: a table with escaped user text', () => {
    const markdown = renderMarkdownPlan(samplePlan());
    expect(markdown).toContain('### cvex plan: 1 to create, 1 to replace, 1 to delete, 0 unchanged.');
    expect(markdown).toContain('| ➕ create | new-one |');
    expect(markdown).toContain('<details><summary>1 unmanaged exceptions');
  });

  it('markdown: neutralises mentions, HTML, code, pipes, newlines and links', () => {
    const escaped = escapeMarkdown('@org/team <b>x</b> `code` a|b\nnext [link](https://evil.example) #12');
    expect(escaped).toBe('@&#8203;org/team &lt;b&gt;x&lt;/b&gt; \\`code\\` a\\|b next \\[link\\]\\(https:&#8203;//evil.example\\) #&#8203;12');
    expect(escaped).not.toMatch(/\n|<|(^|[^\\])\|/);
  });

  it('markdown: no GitHub math either ($...$ and $`...`$ render as LaTeX)', () => {
    const escaped = escapeMarkdown('cost $\\Huge{FREE}$ or $`x`$');
    expect(escaped).not.toMatch(/(^|[^\\])\$/);
    expect(escaped).toContain('\\$');
  });
});

describe('plan renderers: ownership', () => {
  function ownershipPlan() {
    const taken = spec({ name: 'taken-over' });
    const takenRemote = remoteOf(taken, { owner: 'team-b' });
    const adopted = remoteOf(spec({ name: 'adopted-gone' }), { marker: false });
    const legacy = { ...remoteOf(spec({ name: 'legacy-elsewhere' }), { marker: false }), explanation: 'x\n\n[cvex:0123456789abcdef local]' };
    const unverified = remoteOf(spec({ name: 'typed-in-ui' }), { signed: false });
    const foreign = remoteOf(spec({ name: 'theirs' }), { owner: 'team-c' });
    return buildPlan(
      {
        desired: [manifest({ ...taken, endDate: '2027-12-31' })],
        remote: [takenRemote, adopted, legacy, unverified, foreign],
        details: new Map([[takenRemote.uuid, detailOf(taken, takenRemote)]]),
      },
      { ...options, manage: ['adopted-*'], ownership: { ...SIGNED_OWNERSHIP, takeOverFrom: ['team-b'] } },
    );
  }

  it('text: -/+ take over, adopted deletes, other owners, unverified and legacy listings', () => {
    const plan = ownershipPlan();
    expect(plan.changes.map((change) => `${change.action}:${change.name}:${change.action === 'create' ? '' : change.ownership}`)).toEqual([
      'replace:taken-over:foreign',
      'delete:adopted-gone:adopted',
    ]);
    const text = renderTextPlan(plan, { color: false });
    expect(text).toContain('  -/+ taken-over  ');
    expect(text).toContain('take over from team-b');
    expect(text).toContain('adopted by name: another repository may claim it too (needs --force)');
    expect(text).toContain("Owned by 'team-b' (another repository; never changed): 1");
    expect(text).toContain("Owned by 'team-c' (another repository; never changed): 1");
    expect(text).toContain("This repository's owner 'local' in a marker that does not verify (never changed, never trusted): 1");
    expect(text).toContain('typed-in-ui');
    expect(text).toContain('Old cvex markers (no owner) this repository does not declare (never changed): 1');
    // The adopted delete trips a removal guard; the take-over counts as a removal (a replace).
    expect(plan.warnings.find((warning) => warning.code === 'safety.threshold')?.message).toContain('adopted by name only');
    expect(plan.safety).toMatchObject({ deletes: 1, replaces: 1, removals: 2, adoptedDeletes: 1, blocked: true });
  });

  it('json and markdown: valid against the schema, every listing rendered', () => {
    const plan = ownershipPlan();
    const validate = new Ajv({ strict: false }).compile(planSchema);
    expect(validate(JSON.parse(renderJsonPlan(plan))), JSON.stringify(validate.errors)).toBe(true);
    expect(plan.foreign).toEqual([
      { owner: 'team-b', count: 1, names: ['taken-over'] },
      { owner: 'team-c', count: 1, names: ['theirs'] },
    ]);
    const markdown = renderMarkdownPlan(plan);
    expect(markdown).toContain('| 🔁 -/+ take over | taken-over | take over from team-b');
    expect(markdown).toContain('2 exceptions of other owners (never changed by cvex)');
    expect(markdown).toContain("exceptions carry this repository's owner in a marker that does not verify");
  });
});
