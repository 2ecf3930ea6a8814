#!/usr/bin/env node
// @ts-check
// One sticky pull-request comment / one open issue per marker, for the GitOps workflows
// (.github/workflows/exceptions-*.yml). The text is cvex's own markdown (a file); this script only
// adds the hidden marker, a status line and a footer, then finds what it posted before and edits it
// instead of posting again. GitHub REST API over undici; tested against a local fake in
// test/workflows/gh-sticky.test.ts.
//
//   node scripts/gh-sticky.js comment     --pr N --marker '<!-- cvex-plan -->' --body-file plan.md [--outcome success|failure|skipped] [--note TEXT]
//   node scripts/gh-sticky.js issue       --label cvex-drift --marker '<!-- cvex-drift -->' --title TITLE --body-file drift.md
//                                         [--plan-json drift.json] [--mention '@org/team ...' --allowlist .github/CODEOWNERS]
//     (the issue body is edited silently; a comment, which notifies, is posted only when the set of
//     (action, name, cause) of the plan changed since the last run; mentions only of allowlisted handles)
//   node scripts/gh-sticky.js close-issue --label cvex-drift --marker '<!-- cvex-drift -->' [--body-file plan.md]
//   node scripts/gh-sticky.js summary     --title 'cvex apply' --text-file apply.txt [--outcome success|failure]
//     (appends cvex's text report to $GITHUB_STEP_SUMMARY in a code block no report can break out of)
//
// Env: GITHUB_TOKEN (or GH_TOKEN), GITHUB_REPOSITORY, GITHUB_API_URL; for the footer GITHUB_SERVER_URL,
// GITHUB_RUN_ID, GITHUB_SHA; GH_STICKY_AUTHOR, the login whose comment is edited (default
// github-actions[bot], GITHUB_TOKEN's). The token is only ever sent in the Authorization header.
'use strict';

const { createHash } = require('node:crypto');
const { appendFileSync, existsSync, readFileSync } = require('node:fs');
const { parseArgs } = require('node:util');
const { codeSpan, createGitHub, gitHubFromEnv, runUrl } = require('./github-api.js');

// GitHub rejects comment and issue bodies over 65,536 characters.
const MAX_BODY = 65_000;
// GitHub takes at most 1 MiB of job summary per step.
const MAX_SUMMARY = 900_000;

/**
 * The posted text: marker, a status line when the step did not succeed, cvex's markdown, a footer.
 * @param {{marker: string, body: string, outcome?: string, env?: NodeJS.ProcessEnv, note?: string}} options
 */
function buildBody({ marker, body, outcome = 'success', env = {}, note = '' }) {
  const run = runUrl(env);
  const runLink = run ? `the [run log](${run})` : 'the run log';
  const parts = marker ? [marker] : [];
  if (outcome === 'failure') {
    parts.push(`> [!WARNING]\n> \`cvex\` failed: see ${runLink}. What follows may be incomplete.`);
  } else if (outcome === 'skipped' && note) {
    parts.push(`> [!NOTE]\n> No plan: ${note.replace(/\r?\n/g, ' ')} See ${runLink}.`);
  } else if (outcome === 'skipped') {
    parts.push(`> [!NOTE]\n> No plan: the manifests did not validate, so nothing was sent to Qualys. The errors are annotated on the diff; see ${runLink}.`);
  } else if (outcome !== 'success') {
    parts.push(`> [!NOTE]\n> No plan: the run was ${outcome}; see ${runLink}.`);
  }
  // A skipped step wrote nothing; a body file lying around is not this run's.
  let text = outcome === 'skipped' ? '' : (marker ? body.replace(marker, '') : body).trim();
  if (text.length > MAX_BODY) {
    text = `${text.slice(0, MAX_BODY)}\n\n… truncated: the full text is in ${runLink} (job summary and artifacts).`;
  }
  if (text) parts.push(text);
  const footer = [run && `[workflow run](${run})`, env.GITHUB_SHA && `commit ${env.GITHUB_SHA.slice(0, 12)}`].filter(Boolean).join(' · ');
  parts.push(`<sub>Posted by cvex${footer ? ` · ${footer}` : ''}</sub>`);
  return `${parts.join('\n\n')}\n`;
}

/**
 * A plain-text report as a markdown section: a heading with the outcome, then the text in a fence
 * longer than any run of backticks inside it. ANSI colours are dropped.
 * @param {{title: string, text: string, outcome?: string}} options
 */
function buildSummary({ title, text, outcome = 'success' }) {
  // eslint-disable-next-line no-control-regex
  let plain = text.replace(/\u001b\[[0-9;]*m/g, '').trimEnd();
  if (plain.length > MAX_SUMMARY) plain = `${plain.slice(0, MAX_SUMMARY)}\n… truncated`;
  const longest = Math.max(0, ...(plain.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  const status = outcome === 'success' ? 'succeeded' : outcome === 'failure' ? 'FAILED' : outcome;
  return `### ${title}: ${status}\n\n${fence}text\n${plain || '(no output)'}\n${fence}\n`;
}

/** Who GITHUB_TOKEN comments as; set GH_STICKY_AUTHOR when posting with another token. */
const DEFAULT_AUTHOR = 'github-actions[bot]';

/**
 * Edits the comment on pull request `pr` that carries `marker` and was written by `author`, or posts
 * one. Anyone can comment on a pull request, marker included: editing their comment would put the
 * plan under their name, where they could rewrite it, and leave ours stale.
 * @param {ReturnType<typeof createGitHub>} github
 * @param {{pr: number, marker: string, body: string, author?: string}} options
 */
async function upsertComment(github, { pr, marker, body, author = DEFAULT_AUTHOR }) {
  const comments = await github.list(`/issues/${pr}/comments`);
  const existing = comments.find(
    (comment) => typeof comment.body === 'string' && comment.body.includes(marker) && comment.user?.login === author,
  );
  if (existing) {
    const updated = await github.call('PATCH', `/issues/comments/${existing.id}`, { body });
    return { action: 'updated', url: updated?.html_url ?? existing.html_url, id: existing.id };
  }
  const created = await github.call('POST', `/issues/${pr}/comments`, { body });
  return { action: 'created', url: created?.html_url, id: created?.id };
}

/** Open issues (not pull requests) with `label` whose body carries `marker`, opened by `author`, oldest first. */
async function findIssues(github, { label, marker, author = DEFAULT_AUTHOR }) {
  const issues = await github.list(`/issues?state=open&labels=${encodeURIComponent(label)}&sort=created&direction=asc`);
  return issues.filter(
    (issue) => !issue.pull_request && typeof issue.body === 'string' && issue.body.includes(marker) && (issue.user === undefined || issue.user?.login === author),
  );
}

const SET_MARKER = /<!-- cvex-drift-set:([0-9a-f]{16}) -->/;
const MAX_LISTED = 20;

/**
 * What a drift is about, for "did it change?": the (action, name, cause) of every change and
 * conflict of a saved plan (`cvex plan --out FILE`), sorted, and a short hash of them.
 * @param {any} plan
 */
function driftSet(plan) {
  const items = [
    ...(plan.changes ?? []).map((/** @type {any} */ change) => ({ action: String(change.action), name: String(change.name), cause: String(change.cause ?? change.action) })),
    ...(plan.conflicts ?? []).map((/** @type {any} */ conflict) => ({ action: 'conflict', name: String(conflict.name), cause: 'conflict' })),
  ].sort((a, b) => `${a.name}\t${a.action}`.localeCompare(`${b.name}\t${b.action}`));
  const key = createHash('sha256').update(items.map((item) => `${item.action}\t${item.name}\t${item.cause}`).join('\n')).digest('hex').slice(0, 16);
  return { items, key };
}

/**
 * The handles of `requested` that the allowlist files (CODEOWNERS syntax: owners are the @words
 * after a path) name, spelled as the allowlist spells them. Never text from a manifest.
 * @param {string[]} requested
 * @param {string[]} allowlistTexts
 */
function allowedMentions(requested, allowlistTexts) {
  const allowed = new Map();
  for (const text of allowlistTexts) {
    for (const line of text.split('\n')) {
      const content = line.replace(/#.*/, '').trim();
      for (const word of content.split(/\s+/).slice(1)) {
        if (/^@[A-Za-z0-9][A-Za-z0-9-]*(\/[A-Za-z0-9._-]+)?$/.test(word)) allowed.set(word.toLowerCase(), word);
      }
    }
  }
  const kept = [];
  const dropped = [];
  for (const handle of requested) {
    const match = allowed.get(handle.toLowerCase());
    if (match) kept.push(match);
    else dropped.push(handle);
  }
  return { kept: [...new Set(kept)], dropped };
}

/** @param {{items: {action: string, name: string, cause: string}[]}} set @param {string[]} mentions @param {NodeJS.ProcessEnv} env */
function driftComment(set, mentions, env) {
  const run = runUrl(env);
  const lines = [
    `The drift changed since the last run: now ${set.items.length} ${set.items.length === 1 ? 'difference' : 'differences'} between the repository and Qualys.`,
    '',
    ...set.items.slice(0, MAX_LISTED).map((item) => `- ${item.action} ${codeSpan(item.name)}${item.cause !== item.action ? ` (${item.cause})` : ''}`),
    ...(set.items.length > MAX_LISTED ? [`- … and ${set.items.length - MAX_LISTED} more (see the issue)`] : []),
  ];
  if (run) lines.push('', `[workflow run](${run})`);
  if (mentions.length > 0) lines.push('', `cc ${mentions.join(' ')}`);
  return `${lines.join('\n')}\n`;
}

/**
 * Edits the open issue labelled `label` that carries `marker`, or opens one (creating the label).
 * Editing notifies nobody; so when `set` is given, a comment is posted (with the mentions) when the
 * issue is opened or its set of (action, name, cause) differs from the one the body records.
 * @param {ReturnType<typeof createGitHub>} github
 * @param {{label: string, marker: string, title: string, body: string, set?: {items: any[], key: string}, mentions?: string[], env?: NodeJS.ProcessEnv, author?: string}} options
 */
async function upsertIssue(github, { label, marker, title, body, set, mentions = [], env = {}, author = DEFAULT_AUTHOR }) {
  const text = set ? `${body.trimEnd()}\n<!-- cvex-drift-set:${set.key} -->\n` : body;
  const [existing] = await findIssues(github, { label, marker, author });
  let result;
  let previousKey;
  if (existing) {
    previousKey = SET_MARKER.exec(existing.body)?.[1];
    const updated = await github.call('PATCH', `/issues/${existing.number}`, { title, body: text });
    result = { action: 'updated', url: updated?.html_url ?? existing.html_url, number: existing.number };
  } else {
    const { status } = await github.request('GET', `/labels/${encodeURIComponent(label)}`);
    if (status === 404) {
      await github.call('POST', '/labels', { name: label, color: 'd93f0b', description: 'Opened and closed by cvex workflows' });
    }
    const created = await github.call('POST', '/issues', { title, body: text, labels: [label] });
    result = { action: 'created', url: created?.html_url, number: created?.number };
  }
  const changed = set !== undefined && previousKey !== set.key;
  if (changed && set) await github.call('POST', `/issues/${result.number}/comments`, { body: driftComment(set, mentions, env) });
  return { ...result, notified: changed };
}

/**
 * Closes every open issue labelled `label` that carries `marker`, with a comment saying why.
 * @param {ReturnType<typeof createGitHub>} github
 * @param {{label: string, marker: string, comment: string, author?: string}} options
 */
async function closeIssues(github, { label, marker, comment, author = DEFAULT_AUTHOR }) {
  const issues = await findIssues(github, { label, marker, author });
  for (const issue of issues) {
    await github.call('POST', `/issues/${issue.number}/comments`, { body: comment });
    await github.call('PATCH', `/issues/${issue.number}`, { state: 'closed', state_reason: 'completed' });
  }
  return { action: issues.length > 0 ? 'closed' : 'none', numbers: issues.map((issue) => issue.number) };
}

/**
 * @param {string[]} argv
 * @param {NodeJS.ProcessEnv} env
 * @param {(line: string) => void} print
 */
async function run(argv, env, print) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      pr: { type: 'string' },
      marker: { type: 'string' },
      label: { type: 'string' },
      title: { type: 'string' },
      'body-file': { type: 'string' },
      'text-file': { type: 'string' },
      outcome: { type: 'string' },
      note: { type: 'string' },
      'plan-json': { type: 'string' },
      mention: { type: 'string' },
      allowlist: { type: 'string', multiple: true },
    },
  });
  const [command] = positionals;
  const need = (/** @type {keyof typeof values} */ name) => {
    const value = values[name];
    if (typeof value !== 'string' || value === '') throw new Error(`${command}: --${name} is required`);
    return value;
  };
  if (command === 'summary') {
    const target = env.GITHUB_STEP_SUMMARY;
    if (!target) throw new Error('GITHUB_STEP_SUMMARY is not set');
    const textFile = need('text-file');
    const text = existsSync(textFile) ? readFileSync(textFile, 'utf8') : '';
    appendFileSync(target, buildSummary({ title: need('title'), text, outcome: values.outcome ?? 'success' }));
    print(`summary written (${text.length} characters of ${textFile})`);
    return { action: 'summary' };
  }
  const github = gitHubFromEnv(env);
  const author = env.GH_STICKY_AUTHOR || DEFAULT_AUTHOR;
  const marker = need('marker');
  const bodyFile = values['body-file'];
  const fileText = bodyFile !== undefined && existsSync(bodyFile) ? readFileSync(bodyFile, 'utf8') : '';

  switch (command) {
    case 'comment': {
      const pr = Number(need('pr'));
      if (!Number.isInteger(pr) || pr <= 0) throw new Error(`comment: --pr must be a pull request number, not '${values.pr}'`);
      const body = buildBody({ marker, body: fileText, outcome: values.outcome ?? 'success', env, note: values.note });
      const result = await upsertComment(github, { pr, marker, body, author });
      print(`${result.action} comment ${result.url ?? ''}`.trim());
      return result;
    }
    case 'issue': {
      const body = buildBody({ marker, body: fileText, outcome: values.outcome ?? 'success', env });
      const planFile = values['plan-json'];
      const set = planFile !== undefined && existsSync(planFile) ? driftSet(JSON.parse(readFileSync(planFile, 'utf8'))) : undefined;
      const requested = (values.mention ?? '').split(/[\s,]+/).filter(Boolean);
      const allowlists = (values.allowlist ?? []).filter((file) => existsSync(file)).map((file) => readFileSync(file, 'utf8'));
      const { kept, dropped } = allowedMentions(requested, allowlists);
      if (dropped.length > 0) print(`not mentioned (not in ${(values.allowlist ?? []).join(', ') || 'an allowlist'}): ${dropped.join(' ')}`);
      const result = await upsertIssue(github, { label: need('label'), marker, title: need('title'), body, set, mentions: kept, env, author });
      print(`${result.action} issue ${result.url ?? `#${result.number}`}${result.notified ? ' (drift changed: commented)' : ''}`);
      return result;
    }
    case 'close-issue': {
      const comment = buildBody({ marker: '', body: `Clean again: the account matches the repository.\n\n${fileText}`, env });
      const result = await closeIssues(github, { label: need('label'), marker, comment, author });
      print(result.action === 'closed' ? `closed issue ${result.numbers.map((n) => `#${n}`).join(', ')}` : 'no open issue to close');
      return result;
    }
    default:
      throw new Error(`unknown command '${command ?? ''}': comment, issue, close-issue or summary`);
  }
}

module.exports = { buildBody, buildSummary, createGitHub, upsertComment, upsertIssue, closeIssues, driftSet, allowedMentions, run, MAX_BODY };

if (require.main === module) {
  run(process.argv.slice(2), process.env, (line) => process.stdout.write(`${line}\n`)).catch((error) => {
    process.stderr.write(`gh-sticky: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}
