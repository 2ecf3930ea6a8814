// `cvex log [NAME...]`: per exception, its timeline from the repository alone: every manifest
// change (commit, author, date, pull request, fields old → new), every apply (from the git notes),
// and with a target its state in Qualys now. docs/audit.md.
import { createCloudViewClient } from '../api/client';
import { currentStates } from '../audit/current-state';
import type { LogReport } from '../audit/log-report';
import { readAuditHistory } from '../audit/read-history';
import { applyEventsOf, buildTimelines, type CurrentState, type ExceptionTimeline } from '../audit/timeline';
import { type CommandSpec, parseChoice, parseCommandLine } from '../command-line/define';
import { type CliIo, closeOnInterrupt, UsageError } from '../command-line/io';
import { resolveConfiguredTarget } from '../command-line/context';
import { resolveToday } from '../command-line/today';
import { CREDENTIALS_EPILOG, TARGET_ENV, TARGET_FLAGS } from '../command-line/target';
import { configuredManifests, loadConfig } from '../config';
import { githubToken, tokenAuthEnv } from '../git/remote-auth';
import { readRemoteUrl } from '../git/remote-url';
import { createGitHubClient, GitHubError, repositoryOfRemoteUrl, resolveGitHubTarget } from '../github/rest-client';
import { fetchApprovers } from '../github/reviews';
import { DEFAULT_MANIFEST_GLOBS, loadAndValidate } from '../manifest';
import { isCalendarDate, startOfLocalDay } from '../model/dates';
import { classifyRemote, listRemoteExceptions } from '../reconcile/remote';
import { resolveOwnership } from '../command-line/owner';
import { originOf } from '../reconcile/plan';
import { renderLogCsv } from '../render/log-csv';
import { parseRemote } from './notes';
import { renderLogJson } from '../render/log-json';
import { renderLogMarkdown } from '../render/log-markdown';
import { renderLogText } from '../render/log-text';

const FORMATS = ['text', 'json', 'csv', 'markdown'] as const;

export const logDefinition = {
  name: 'log',
  usage: ['log [NAME...] [options]'],
  description: `Per exception (all, or the NAMEs and name globs given), its history from the repository: each
manifest change (commit, author, date, pull request, the fields that changed old → new) and each
apply (when, by whom, uuid old → new, result) from the apply records in git notes. With a target
(--platform, --api-url or QUALYS_API_URL) it adds each exception's state in Qualys now, for one
listing. It reads the whole history in one pass, fetches the remote's apply records first (unless
--offline), and says what it cannot see (a shallow clone, no apply records).`,
  positionals: true,
  flags: {
    since: { type: 'string', value: 'DATE', description: "events from this day (YYYY-MM-DD, in the subscription's time zone) or instant (ISO 8601)" },
    until: { type: 'string', value: 'DATE', description: 'events up to the end of this day, or up to this instant' },
    format: { type: 'string', value: 'text|json|csv|markdown', description: 'output (default text)' },
    config: { type: 'string', value: 'FILE', description: 'cvex.config.yaml to read (default ./cvex.config.yaml when present)' },
    github: { type: 'boolean', description: "add each pull request's approvers from the GitHub API (GITHUB_TOKEN; one request per pull request)" },
    remote: { type: 'string', value: 'NAME|URL', description: 'where to fetch the apply records from (default origin)' },
    offline: { type: 'boolean', description: 'no network: neither fetch the apply records, nor ask Qualys or GitHub' },
    ...TARGET_FLAGS,
  },
  epilog: `Exit codes: 0 listed, 1 not a git repository or a failure, 2 usage error.
${CREDENTIALS_EPILOG} GitHub: GITHUB_TOKEN (or GH_TOKEN), GITHUB_REPOSITORY, GITHUB_API_URL.`,
} as const satisfies CommandSpec;

/**
 * `2026-07-01` → its first instant (since) or last (until) in `timeZone`: an auditor's "July" is
 * the subscription's July, the days the exceptions' own dates count in. An ISO instant as is.
 */
export function parseBound(value: string | undefined, flag: 'since' | 'until', timeZone = 'UTC'): string | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (isCalendarDate(text)) {
    if (flag === 'since') return startOfLocalDay(text, timeZone).toISOString();
    const next = new Date(Date.parse(`${text}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
    return new Date(startOfLocalDay(next, timeZone).getTime() - 1).toISOString();
  }
  if (/^\d{4}-\d{2}-\d{2}T/.test(text) && !Number.isNaN(Date.parse(text))) return new Date(Date.parse(text)).toISOString();
  throw new UsageError(`--${flag}: expected a date YYYY-MM-DD or an ISO 8601 instant, got '${value}'`);
}

type Values = Record<string, string | boolean | undefined>;

function targetGiven(values: Values, env: NodeJS.ProcessEnv): boolean {
  return values.platform !== undefined || values['api-url'] !== undefined || Boolean(env[TARGET_ENV.apiUrl]?.trim());
}

async function stateInQualys(values: Values, io: CliIo, desired: Parameters<typeof currentStates>[0]['desired']): Promise<{ states: Map<string, CurrentState>; origin: string }> {
  const { config, target } = await resolveConfiguredTarget(values, io);
  const settings = await resolveOwnership({ config, baseUrl: target.client.baseUrl, env: io.env, cwd: io.cwd, command: 'log' });
  const client = createCloudViewClient(target.client);
  const stopClosing = closeOnInterrupt(io, client);
  try {
    const remote = (await listRemoteExceptions(client)).items;
    // Whose each exception is, as a plan would say (verified markers, other owners, adopted names).
    const ownership = await classifyRemote(remote, desired, { manage: settings.manage, ownership: settings, history: { cwd: io.cwd, manifestGlobs: config.manifests } });
    return { states: currentStates({ remote, desired, ownership, timeZone: target.timeZone }), origin: originOf(client.baseUrl) };
  } finally {
    stopClosing();
    await client.close();
  }
}

async function addApprovers(exceptions: ExceptionTimeline[], io: CliIo): Promise<NonNullable<LogReport['sources']['github']>> {
  const repository = io.env.GITHUB_REPOSITORY?.trim() || repositoryOfRemoteUrl((await readRemoteUrl(io.cwd)) ?? '');
  const target = resolveGitHubTarget(io.env, repository, githubToken(io.env));
  if (typeof target === 'string') return { skipped: target };
  const numbers = exceptions.flatMap((timeline) => timeline.events.flatMap((event) => (event.kind === 'change' && event.pullRequest ? [event.pullRequest.number] : [])));
  const client = createGitHubClient(target);
  let approvers: Map<number, string[]>;
  try {
    approvers = await fetchApprovers(client, numbers);
  } catch (error) {
    if (error instanceof GitHubError) return { skipped: error.message };
    throw error;
  }
  for (const timeline of exceptions) {
    for (const event of timeline.events) {
      if (event.kind !== 'change' || !event.pullRequest) continue;
      event.approvers = [...new Set([...event.approvers, ...(approvers.get(event.pullRequest.number) ?? [])])].sort();
    }
  }
  return { requests: client.requestCount };
}

export async function logCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandLine(logDefinition, argv);
  const format = parseChoice(values.format, FORMATS, 'format');
  const offline = values.offline === true;
  if (offline && values.github) throw new UsageError('--github asks GitHub: it cannot be combined with --offline');

  const config = await loadConfig(io.cwd, values.config);
  const { timeZone } = resolveToday({ timezone: values.timezone }, config);
  const since = parseBound(values.since, 'since', timeZone);
  const until = parseBound(values.until, 'until', timeZone);
  if (since !== undefined && until !== undefined && since > until) throw new UsageError(`--since ${values.since} is after --until ${values.until}`);
  const globs = config.manifests ?? DEFAULT_MANIFEST_GLOBS;
  const validation = await loadAndValidate(configuredManifests(config), { cwd: io.cwd, timeZone: config.timezone });
  const current = new Map(validation.manifests.exceptions.map((exception) => [exception.spec.name, { file: exception.location.file, line: exception.location.line }]));

  const remote = parseRemote(values.remote);
  const history = await readAuditHistory({
    cwd: io.cwd,
    manifestGlobs: globs,
    ...(offline ? {} : { fetchFrom: remote, fetchEnv: tokenAuthEnv(githubToken(io.env), io.env.GITHUB_SERVER_URL || undefined) }),
  });
  const limitations = [...history.limitations];

  let now: { states: Map<string, CurrentState>; origin: string } | undefined;
  if (!offline && targetGiven(values, io.env)) now = await stateInQualys(values, io, validation.manifests.exceptions);

  const exceptions = buildTimelines({
    changes: history.changes,
    applies: applyEventsOf(history.applyRecords),
    current,
    ...(now ? { now: now.states } : {}),
    filters: { names: positionals, ...(since ? { since } : {}), ...(until ? { until } : {}) },
  });
  const github = values.github ? await addApprovers(exceptions, io) : undefined;
  if (github && 'skipped' in github) limitations.push(`approvers from GitHub: ${github.skipped}`);
  for (const name of positionals) {
    if (!/[*?[\]{}]/.test(name) && !exceptions.some((timeline) => timeline.name === name)) limitations.push(`'${name}' appears nowhere in the history, the apply records or the manifests`);
  }

  const report: LogReport = {
    version: 1,
    generatedAt: new Date().toISOString(),
    head: history.head,
    filters: { names: positionals, ...(since ? { since } : {}), ...(until ? { until } : {}) },
    sources: {
      commits: history.commitCount,
      applyRecords: history.applyRecords.length,
      notes: history.notes,
      shallow: history.shallow,
      ...(now ? { target: now.origin } : {}),
      ...(github ? { github } : {}),
    },
    limitations,
    exceptions,
  };
  io.stdout.write(format === 'json' ? renderLogJson(report) : format === 'csv' ? renderLogCsv(report) : format === 'markdown' ? renderLogMarkdown(report) : renderLogText(report));
  return 0;
}
