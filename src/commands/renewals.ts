// `cvex renewals`: the renewal pull requests the scheduled workflow keeps open, one per
// metadata.owner (split to stay within the removal guards), and one that removes expired
// exceptions. Lists them (text, json, markdown), or with --open-pull-requests makes them so.
import * as path from 'node:path';
import { createCloudViewClient } from '../api/client';
import { type CommandSpec, parseChoice, parseCommandLine } from '../command-line/define';
import { type CliIo, closeOnInterrupt, UsageError } from '../command-line/io';
import { resolveToday, TODAY_FLAGS } from '../command-line/today';
import { resolveConfiguredTarget } from '../command-line/context';
import { CREDENTIALS_EPILOG, TARGET_ENV, TARGET_FLAGS } from '../command-line/target';
import { configuredManifests, loadConfig } from '../config';
import { withGovernance } from '../governance';
import { findExpiring, parseWithin } from '../governance/expiring';
import { readRepositoryInfo } from '../git/repository-info';
import { githubToken, tokenAuthEnv } from '../git/remote-auth';
import { readRemoteUrl } from '../git/remote-url';
import { createGitHubClient, repositoryOfRemoteUrl, resolveGitHubTarget } from '../github/rest-client';
import { DEFAULT_OVER_BROAD_THRESHOLD, gatherCoverageReport, type CoverageReport, type CoverageRow } from '../inventory';
import { loadAndValidate } from '../manifest';
import { startOfLocalDay } from '../model/dates';
import { hasErrors } from '../model/findings';
import { SAFETY_DEFAULTS } from '../reconcile/plan';
import { plural } from '../render/plural';
import { renderRenewalBody, type RenewalContext } from '../render/renewal-markdown';
import { planRenewalGroups, type RenewalGroup } from '../renewals/group';
import { publishRenewals } from '../renewals/publish';
import { parseRemote } from './notes';
import { parseRenewalLength } from './renew';
import { readBoundedText } from '../files/read-bounded';

const FORMATS = ['text', 'json', 'markdown'] as const;

export const renewalsDefinition = {
  name: 'renewals',
  usage: ['renewals [options]', 'renewals --open-pull-requests [options]'],
  description: `Plans the renewal pull requests: exceptions ending within the window, grouped by metadata.owner and
split so that applying one group stays within the removal guards (every renewal is a replace), and
one group that removes the exceptions already expired. Each group has a stable branch name, a title
and a body (owner, ticket, days left, and what it exempts today when \`cvex report\` data is at hand:
--coverage FILE, or a target). With --open-pull-requests it makes them: per group the branch
restarts from HEAD, gets \`cvex renew\` (or the removal), is pushed, and one pull request is opened
or updated; pull requests of groups that no longer exist are closed.`,
  positionals: false,
  flags: {
    within: { type: 'string', value: 'DURATION', description: 'window: exceptions ending within it are renewed (default 30d)' },
    by: { type: 'string', value: 'DURATION', description: 'renew by this much from each current endDate (default 90d)' },
    until: { type: 'string', value: 'YYYY-MM-DD', description: 'renew until this date instead' },
    format: { type: 'string', value: 'text|json|markdown', description: 'output when listing (default text)' },
    coverage: { type: 'string', value: 'FILE', description: 'a saved `cvex report --format json`: what each exception exempts today' },
    'open-pull-requests': { type: 'boolean', description: 'push the branches and open or update the pull requests (GITHUB_TOKEN of a GitHub App)' },
    base: { type: 'string', value: 'BRANCH', description: 'the branch pull requests go into (default main)' },
    remote: { type: 'string', value: 'NAME', description: 'the remote to push to (default origin)' },
    config: { type: 'string', value: 'FILE', description: 'config file (default cvex.config.yaml)' },
    now: TODAY_FLAGS.now,
    ...TARGET_FLAGS,
  },
  epilog: `Exit codes: 0 done, 1 the manifests have errors or a pull request could not be made, 2 usage error.
GitHub: GITHUB_TOKEN (or GH_TOKEN), GITHUB_REPOSITORY, GITHUB_API_URL. ${CREDENTIALS_EPILOG}`,
} as const satisfies CommandSpec;

type Values = Record<string, string | boolean | undefined>;

async function readCoverage(values: Values, io: CliIo, manifests: Parameters<typeof gatherCoverageReport>[1]['manifests'], manage: string[]): Promise<CoverageReport | undefined> {
  if (typeof values.coverage === 'string') {
    try {
      return JSON.parse(await readBoundedText(path.resolve(io.cwd, values.coverage), 'report', 'JSON')) as CoverageReport;
    } catch (error) {
      throw new UsageError(`--coverage: cannot read ${values.coverage} as \`cvex report --format json\` output (${(error as Error).message})`);
    }
  }
  if (values.platform === undefined && values['api-url'] === undefined && !io.env[TARGET_ENV.apiUrl]?.trim()) return undefined;
  const { target } = await resolveConfiguredTarget(values, io);
  const client = createCloudViewClient(target.client);
  const stopClosing = closeOnInterrupt(io, client);
  try {
    return await gatherCoverageReport(client, { manifests, manage, timeZone: target.timeZone, now: new Date(), overBroadThreshold: DEFAULT_OVER_BROAD_THRESHOLD });
  } finally {
    stopClosing();
    await client.close();
  }
}

function describeGroup(group: RenewalGroup): string {
  const lines = [`${group.branch}  ${group.title}`];
  for (const item of group.items) {
    const what = group.kind === 'remove-expired' ? `ended ${item.endDate}: remove` : item.refused ? `not renewed: ${item.refused}` : `${item.endDate} → ${item.newEndDate}${item.newStartDate ? ` (startDate → ${item.newStartDate})` : ''}`;
    lines.push(`  ${item.name}  ${what}${item.ticket ? `  ticket ${item.ticket}` : ''}`);
  }
  return lines.join('\n');
}

export async function renewalsCommand(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseCommandLine(renewalsDefinition, argv);
  const withinText = values.within ?? '30d';
  const withinDays = parseWithin(withinText);
  if (withinDays === undefined) throw new UsageError(`--within must be days or weeks such as 30d or 4w, not '${withinText}'`);
  const length = parseRenewalLength(values.until === undefined && values.by === undefined ? { by: '90d' } : values);
  const format = parseChoice(values.format, FORMATS, 'format');
  const remote = parseRemote(values.remote);

  const config = await loadConfig(io.cwd, values.config);
  const { timeZone, today } = resolveToday({ now: values.now, timezone: typeof values.timezone === 'string' ? values.timezone : undefined }, config);
  const validation = withGovernance(await loadAndValidate(configuredManifests(config), { cwd: io.cwd, now: startOfLocalDay(today, timeZone), timeZone }), config.governance, config);
  if (hasErrors(validation.findings)) {
    io.stderr.write('cvex renewals: the manifests have errors (run `cvex validate`); no renewal is planned.\n');
    return 1;
  }
  const exceptions = validation.manifests.exceptions;
  const startDates = new Map(exceptions.map((exception) => [exception.spec.name, exception.spec.startDate]));
  const expiring = findExpiring(exceptions, { today, timeZone, withinDays });
  const coverage = await readCoverage(values, io, exceptions, config.manage ?? []);
  const rows = new Map<string, CoverageRow>((coverage?.exceptions ?? []).map((row) => [row.name, row]));
  const plan = planRenewalGroups({
    exceptions: expiring.exceptions.map((item) => ({ ...item, startDate: startDates.get(item.name)! })),
    length,
    today,
    governance: config.governance,
    guard: {
      maxDeletes: config.maxDeletes ?? SAFETY_DEFAULTS.maxDeletes,
      maxDeletePercent: config.maxDeletePercent ?? SAFETY_DEFAULTS.maxDeletePercent,
      managed: coverage?.summary.managed ?? exceptions.length,
    },
    coverage: rows,
  });
  const context: RenewalContext = {
    today,
    timeZone,
    withinDays,
    lengthText: 'until' in length ? `until ${length.until}` : `by ${plural(length.byDays, 'day')} from each current end date`,
    guard: plan.guard,
    coverage: coverage !== undefined,
  };
  const groups = plan.groups.map((group) => ({ ...group, body: renderRenewalBody(group, context) }));

  if (values['open-pull-requests']) return openPullRequests(values, io, { config, groups, length, today, timeZone, remote });

  if (format === 'json') {
    io.stdout.write(`${JSON.stringify({ version: 1, today, timeZone, withinDays, windowEnd: expiring.windowEnd, guard: plan.guard, groups }, null, 2)}\n`);
  } else if (format === 'markdown') {
    io.stdout.write(groups.length === 0 ? `No exception ends within ${plural(withinDays, 'day')} of ${today}.\n` : `${groups.map((group) => group.body).join('\n---\n\n')}`);
  } else {
    io.stdout.write(groups.length === 0 ? `No exception ends within ${plural(withinDays, 'day')} of ${today}.\n` : `${groups.map(describeGroup).join('\n\n')}\n\n${plural(groups.length, 'pull request')} (at most ${plural(plan.guard.perGroup, 'renewal')} each).\n`);
  }
  return 0;
}

async function openPullRequests(
  values: Values,
  io: CliIo,
  input: { config: Awaited<ReturnType<typeof loadConfig>>; groups: Array<RenewalGroup & { body: string }>; length: ReturnType<typeof parseRenewalLength>; today: string; timeZone: string; remote: string },
): Promise<number> {
  const repository = await readRepositoryInfo(io.cwd);
  if (!repository?.head) {
    io.stderr.write('cvex renewals: --open-pull-requests works in a git checkout of the repository (with commits).\n');
    return 1;
  }
  const { remote } = input;
  const token = githubToken(io.env);
  const target = resolveGitHubTarget(io.env, io.env.GITHUB_REPOSITORY?.trim() || repositoryOfRemoteUrl((await readRemoteUrl(io.cwd, remote)) ?? ''), token);
  if (typeof target === 'string') {
    io.stderr.write(`cvex renewals: cannot open pull requests: ${target}.\n`);
    return 1;
  }
  const results = await publishRenewals({
    cwd: io.cwd,
    topLevel: repository.topLevel,
    config: input.config,
    groups: input.groups,
    length: input.length,
    today: input.today,
    timeZone: input.timeZone,
    github: createGitHubClient(target),
    remote,
    base: typeof values.base === 'string' && values.base.trim() ? values.base.trim() : 'main',
    gitEnv: tokenAuthEnv(token, io.env.GITHUB_SERVER_URL || undefined),
  });
  for (const result of results) {
    io.stdout.write(`${result.action.padEnd(17)} ${result.branch}${result.pullRequest ? ` #${result.pullRequest}` : ''}${result.message ? `: ${result.message}` : ''}\n`);
  }
  if (results.length === 0) io.stdout.write('No renewal pull request needed.\n');
  return results.some((result) => result.action === 'failed') ? 1 : 0;
}
