// One round trip — plan → apply → plan → import → plan — through the real CLI in process, against the
// simulator playing each dialect (src/simulator/dialects.ts): every plausible reading of the API
// documentation converges; every hostile server is refused with a clear error and nothing changed.
// Pages of 2, so every list pages; three exceptions made in the UI beforehand, so the first listing does.
import { afterAll, describe, expect, it } from 'vitest';
import type { ExceptionSpec } from '../../src/model/exception';
import type { Plan } from '../../src/reconcile/types';
import { DIALECT_NAMES, type DialectName } from '../../src/simulator';
import { startWorld, type World } from '../reconcile/e2e-harness';

const AWS_PROD = '123456789012';
const AZ_PROD = '0b5e7a3c-9d1f-4e2a-8c6b-1f2e3d4c5b6a';

const base = { explanation: 'Accepted by the platform team.', exceptionReason: 'Risk Accepted', startDate: '2026-11-01', endDate: '2027-04-30' } as const;
const spec = (name: string, rest: Omit<ExceptionSpec, keyof typeof base | 'name'>): ExceptionSpec => ({ name, ...base, ...rest });

/** What the repository wants: every scope and cloud, all of it in the simulator's seed (so --strict passes). */
const MANAGED: ExceptionSpec[] = [
  spec('team-aws-bucket', { cloudType: 'AWS', exceptionScope: 'RESOURCE', controlIds: [1, 2], resources: [{ resourceId: 'arn:aws:s3:::acme-prod-public-assets', accountId: AWS_PROD }] }),
  spec('team-aws-ssh', { cloudType: 'AWS', exceptionScope: 'CONNECTOR', controlIds: [67], accountIds: ['210987654321'] }),
  spec('team-aws-legacy', { cloudType: 'AWS', exceptionScope: 'QUALYSTAG', controlIds: [202], resourceTagNames: ['legacy'], isAllConnector: true }),
  spec('team-azure-storage', { cloudType: 'AZURE', exceptionScope: 'CONNECTOR', controlIds: [50036], accountIds: [AZ_PROD] }),
  spec('team-gcp-static', { cloudType: 'GCP', exceptionScope: 'RESOURCE', controlIds: [52001], resources: [{ resourceId: '//storage.googleapis.com/projects/_/buckets/acme-prod-1234-static', accountId: 'acme-prod-1234' }] }),
];

/** Made in the Qualys UI before the repository existed; `cvex import` adopts them. */
const MADE_IN_UI: ExceptionSpec[] = [
  spec('ui-aws-logs', { cloudType: 'AWS', exceptionScope: 'RESOURCE', controlIds: [1], resources: [{ resourceId: 'arn:aws:s3:::acme-prod-logs', accountId: AWS_PROD }] }),
  spec('ui-azure-blobs', { cloudType: 'AZURE', exceptionScope: 'CONNECTOR', controlIds: [50037], accountIds: [AZ_PROD] }),
  spec('ui-gcp-dev', { cloudType: 'GCP', exceptionScope: 'CONNECTOR', controlIds: [52002], accountIds: ['acme-dev-5678'] }),
];

type Outcome =
  /** The round trip ends with no changes; `budget`: most requests the whole trip may cost. */
  | { outcome: 'converges'; budget: number; moving?: 'once' | 'always' }
  /** The first plan fails with this error and nothing is ever changed; `budget`: most requests plan + apply may cost. */
  | { outcome: 'refuses'; error: RegExp; budget: number };

/**
 * Every dialect must say what it expects: a new dialect without a line here fails to compile. Budgets
 * are the measured cost (pages of 2) plus a little slack; the documented reading costs 70 requests.
 */
const EXPECTED: Record<DialectName, Outcome> = {
  documented: { outcome: 'converges', budget: 75 },
  // One more request per v1 listing: page 1 repeats page 0 before the client knows the base (84).
  'v1-one-based': { outcome: 'converges', budget: 90 },
  // An empty page ends a v1 list whose last page was full (72).
  'v1-minimal': { outcome: 'converges', budget: 78 },
  'provider-in-summary': { outcome: 'converges', budget: 75 },
  // import reads one exception.provider listing per cloud (74).
  'no-provider': { outcome: 'converges', budget: 80 },
  'connector-account': { outcome: 'converges', budget: 75 },
  // import reads the connectors of each cloud once to place {uuid, name} connectors (74).
  'connector-refs': { outcome: 'converges', budget: 80 },
  'connectors-without-accounts': { outcome: 'converges', budget: 75 },
  // Summaries as bare arrays are not paged (48).
  scripts: { outcome: 'converges', budget: 55 },
  'all-readings': { outcome: 'converges', budget: 92 },
  // The first listing moves and is read again (72).
  'shrinking-list': { outcome: 'converges', budget: 78, moving: 'once' },
  'growing-list': { outcome: 'converges', budget: 78, moving: 'once' },
  // Every listing is read twice; one unmanaged exception is never seen (85).
  'unstable-list': { outcome: 'converges', budget: 92, moving: 'always' },
  // The listing stops after 3 pages, before any inventory read (6: plan and apply).
  'repeating-pages': { outcome: 'refuses', error: /page 2 repeats page 0; the server is not paging/, budget: 6 },
  // ... after ceil(3 / 2) + 2 = 4 pages (8).
  'endless-pages': { outcome: 'refuses', error: /4 pages of 2 and still no last page, although the server says it holds 3 items/, budget: 8 },
  // ... after 1 request (2).
  'oversized-body': { outcome: 'refuses', error: /the response body is larger than 8 MiB, the most cvex reads from exceptions.list/, budget: 2 },
  'endless-body': { outcome: 'refuses', error: /the response body is larger than 8 MiB, the most cvex reads from exceptions.list/, budget: 2 },
};

const figures: string[] = [];
afterAll(() => {
  console.log(['dialect | plan | apply | plan | import | plan | total', ...figures].join('\n'));
});

async function step(world: World, argv: string[]): Promise<{ code: number; stdout: string; stderr: string; requests: number }> {
  world.sim.resetCounters();
  const result = await world.run(argv);
  return { ...result, requests: world.sim.counters().total };
}

const planJson = (stdout: string) => JSON.parse(stdout) as Plan;

describe.each(DIALECT_NAMES)('round trip against the %s dialect', (dialect) => {
  it(EXPECTED[dialect].outcome === 'converges' ? 'converges: plan, apply, plan (no changes), import, plan (no changes)' : 'refuses with a clear error, changing nothing', async () => {
    const expected = EXPECTED[dialect];
    const world = await startWorld({ dialect, maxPageSize: 2 });
    try {
      for (const made of MADE_IN_UI) world.sim.createExceptionAsUi(made);
      await world.writeManifest('team.yaml', MANAGED);

      const first = await step(world, ['plan', '--strict', '--format', 'json']);
      if (expected.outcome === 'refuses') {
        expect(first.code).toBe(1);
        expect(first.stderr).toMatch(expected.error);
        const apply = await step(world, ['apply', '--auto-approve']);
        expect(apply.code).toBe(1);
        expect(apply.stderr).toMatch(expected.error);
        expect(world.sim.exceptions().map((item) => item.name).sort()).toEqual(MADE_IN_UI.map((item) => item.name).sort());
        figures.push(`${dialect} | ${first.requests} | ${apply.requests} | - | - | - | ${first.requests + apply.requests}`);
        expect(first.requests + apply.requests).toBeLessThanOrEqual(expected.budget);
        return;
      }
      expect(first.code, first.stderr).toBe(0);
      const planned = planJson(first.stdout);
      expect(planned.summary).toEqual({ create: 5, delete: 0, replace: 0, unchanged: 0 });
      expect(planned.unmanaged.map((item) => item.name).sort()).toEqual(expected.moving === 'always' ? ['ui-aws-logs', 'ui-azure-blobs'] : ['ui-aws-logs', 'ui-azure-blobs', 'ui-gcp-dev']);
      expect(planned.warnings.some((warning) => warning.code === 'listing.inconsistent')).toBe(expected.moving === 'always');

      const apply = await step(world, ['apply', '--auto-approve', '--strict']);
      expect(apply.code, apply.stderr).toBe(0);
      expect(apply.stdout).toContain('Apply complete: 5 succeeded, 0 failed.');

      const second = await step(world, ['plan', '--strict', '--detailed-exitcode']);
      expect(second.code, second.stdout + second.stderr).toBe(0);
      // A no-change plan costs the listing alone: ceil(8 / 2) = 4 requests in all, 8 when every listing moves (read twice).
      expect(second.requests).toBe(expected.moving === 'always' ? 8 : 4);
      expect(second.stdout).toContain('No changes. 5 exceptions match the repository.');

      const imported = await step(world, ['import', '--out', 'policies']);
      expect(imported.code, imported.stderr).toBe(0);
      expect(imported.stdout).toMatch(expected.moving === 'always' ? /imported 2 of 7 remote exceptions/ : /imported 3 of 8 remote exceptions/);
      if (expected.moving === 'always') expect(imported.stderr).toMatch(/the exceptions list changed while it was read, twice/);

      const last = await step(world, ['plan', '--strict', '--detailed-exitcode']);
      expect(last.code, last.stdout + last.stderr).toBe(0);
      expect(last.stdout).toContain(`No changes. ${expected.moving === 'always' ? 7 : 8} exceptions match the repository.`);
      expect(world.sim.exceptions()).toHaveLength(8);

      const total = first.requests + apply.requests + second.requests + imported.requests + last.requests;
      figures.push(`${dialect} | ${first.requests} | ${apply.requests} | ${second.requests} | ${imported.requests} | ${last.requests} | ${total}`);
      expect(total).toBeLessThanOrEqual(expected.budget);
    } finally {
      await world.close();
    }
  });
});
