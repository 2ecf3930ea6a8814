#!/usr/bin/env node
// @ts-check
// One sticky pull-request comment / one open issue per marker, for the GitOps workflows
// (.github/workflows/exceptions-*.yml). The text is cvex's own markdown (a file); this script only
// adds the hidden marker, a status line and a footer, then finds what it posted before and edits it
// instead of posting again. GitHub REST API over undici; tested against a local fake in
// test/workflows/gh-sticky.test.ts.
//
//   node scripts/gh-sticky.js comment     --pr N --marker '<!-- cvex-plan -->' --body-file plan.md [--outcome success|failure|skipped]
//   node scripts/gh-sticky.js issue       --label cvex-drift --marker '<!-- cvex-drift -->' --title TITLE --body-file drift.md
//   node scripts/gh-sticky.js close-issue --label cvex-drift --marker '<!-- cvex-drift -->' [--body-file plan.md]
//   node scripts/gh-sticky.js summary     --title 'cvex apply' --text-file apply.txt [--outcome success|failure]
//     (appends cvex's text report to $GITHUB_STEP_SUMMARY in a code block no report can break out of)
//
// Env: GITHUB_TOKEN (or GH_TOKEN), GITHUB_REPOSITORY, GITHUB_API_URL; for the footer GITHUB_SERVER_URL,
// GITHUB_RUN_ID, GITHUB_SHA; GH_STICKY_AUTHOR, the login whose comment is edited (default
// github-actions[bot], GITHUB_TOKEN's). The token is only ever sent in the Authorization header.
'use strict';

const { appendFileSync, existsSync, readFileSync } = require('node:fs');
const { parseArgs } = require('node:util');
const { fetch } = require('undici');

// GitHub rejects comment and issue bodies over 65,536 characters.
const MAX_BODY = 65_000;
// GitHub takes at most 1 MiB of job summary per step.
const MAX_SUMMARY = 900_000;
const PER_PAGE = 100;

/** @param {{apiUrl: string, token: string, repository: string}} options */
function createGitHub({ apiUrl, token, repository }) {
  const base = `${apiUrl.replace(/\/+$/, '')}/repos/${repository}`;
  /**
   * @param {string} method
   * @param {string} path under /repos/{owner}/{repo}
   * @param {unknown} [body]
   * @returns {Promise<{status: number, json: any}>}
   */
  async function request(method, path, body) {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: {
        accept: 'application/vnd.github+json',
        authorization: `Bearer ${token}`,
        'x-github-api-version': '2022-11-28',
        'user-agent': 'cvex-gh-sticky',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    let json;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = text;
    }
    return { status: response.status, json };
  }
  /** @param {string} method @param {string} path @param {unknown} [body] */
  async function call(method, path, body) {
    const { status, json } = await request(method, path, body);
    if (status < 200 || status > 299) {
      const message = json && typeof json === 'object' && 'message' in json ? json.message : String(json ?? '').slice(0, 200);
      throw new Error(`GitHub ${method} ${path.split('?')[0]}: ${status} ${message}`);
    }
    return json;
  }
  /** Every item of a paged list endpoint. @param {string} path */
  async function list(path) {
    const items = [];
    for (let page = 1; ; page += 1) {
      const separator = path.includes('?') ? '&' : '?';
      const batch = await call('GET', `${path}${separator}per_page=${PER_PAGE}&page=${page}`);
      if (!Array.isArray(batch)) throw new Error(`GitHub GET ${path}: expected a list`);
      items.push(...batch);
      if (batch.length < PER_PAGE) return items;
    }
  }
  return { request, call, list };
}

/** @param {NodeJS.ProcessEnv} env */
function runUrl(env) {
  if (!env.GITHUB_REPOSITORY || !env.GITHUB_RUN_ID) return undefined;
  return `${env.GITHUB_SERVER_URL || 'https://github.com'}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}`;
}

/**
 * The posted text: marker, a status line when the step did not succeed, cvex's markdown, a footer.
 * @param {{marker: string, body: string, outcome?: string, env?: NodeJS.ProcessEnv}} options
 */
function buildBody({ marker, body, outcome = 'success', env = {} }) {
  const run = runUrl(env);
  const runLink = run ? `the [run log](${run})` : 'the run log';
  const parts = marker ? [marker] : [];
  if (outcome === 'failure') {
    parts.push(`> [!WARNING]\n> \`cvex\` failed: see ${runLink}. What follows may be incomplete.`);
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

/** Open issues (not pull requests) with `label` whose body carries `marker`, oldest first. */
async function findIssues(github, { label, marker }) {
  const issues = await github.list(`/issues?state=open&labels=${encodeURIComponent(label)}&sort=created&direction=asc`);
  return issues.filter((issue) => !issue.pull_request && typeof issue.body === 'string' && issue.body.includes(marker));
}

/**
 * Edits the open issue labelled `label` that carries `marker`, or opens one (creating the label).
 * @param {ReturnType<typeof createGitHub>} github
 * @param {{label: string, marker: string, title: string, body: string}} options
 */
async function upsertIssue(github, { label, marker, title, body }) {
  const [existing] = await findIssues(github, { label, marker });
  if (existing) {
    const updated = await github.call('PATCH', `/issues/${existing.number}`, { title, body });
    return { action: 'updated', url: updated?.html_url ?? existing.html_url, number: existing.number };
  }
  const { status } = await github.request('GET', `/labels/${encodeURIComponent(label)}`);
  if (status === 404) {
    await github.call('POST', '/labels', { name: label, color: 'd93f0b', description: 'Opened and closed by cvex workflows' });
  }
  const created = await github.call('POST', '/issues', { title, body, labels: [label] });
  return { action: 'created', url: created?.html_url, number: created?.number };
}

/**
 * Closes every open issue labelled `label` that carries `marker`, with a comment saying why.
 * @param {ReturnType<typeof createGitHub>} github
 * @param {{label: string, marker: string, comment: string}} options
 */
async function closeIssues(github, { label, marker, comment }) {
  const issues = await findIssues(github, { label, marker });
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
  const token = env.GITHUB_TOKEN || env.GH_TOKEN;
  if (!token) throw new Error('GITHUB_TOKEN (or GH_TOKEN) is not set');
  if (!env.GITHUB_REPOSITORY) throw new Error('GITHUB_REPOSITORY is not set');
  const github = createGitHub({ apiUrl: env.GITHUB_API_URL || 'https://api.github.com', token, repository: env.GITHUB_REPOSITORY });
  const marker = need('marker');
  const bodyFile = values['body-file'];
  const fileText = bodyFile !== undefined && existsSync(bodyFile) ? readFileSync(bodyFile, 'utf8') : '';

  switch (command) {
    case 'comment': {
      const pr = Number(need('pr'));
      if (!Number.isInteger(pr) || pr <= 0) throw new Error(`comment: --pr must be a pull request number, not '${values.pr}'`);
      const body = buildBody({ marker, body: fileText, outcome: values.outcome ?? 'success', env });
      const result = await upsertComment(github, { pr, marker, body, author: env.GH_STICKY_AUTHOR || DEFAULT_AUTHOR });
      print(`${result.action} comment ${result.url ?? ''}`.trim());
      return result;
    }
    case 'issue': {
      const body = buildBody({ marker, body: fileText, outcome: values.outcome ?? 'success', env });
      const result = await upsertIssue(github, { label: need('label'), marker, title: need('title'), body });
      print(`${result.action} issue ${result.url ?? `#${result.number}`}`);
      return result;
    }
    case 'close-issue': {
      const comment = buildBody({ marker: '', body: `Clean again: the account matches the repository.\n\n${fileText}`, env });
      const result = await closeIssues(github, { label: need('label'), marker, comment });
      print(result.action === 'closed' ? `closed issue ${result.numbers.map((n) => `#${n}`).join(', ')}` : 'no open issue to close');
      return result;
    }
    default:
      throw new Error(`unknown command '${command ?? ''}': comment, issue, close-issue or summary`);
  }
}

module.exports = { buildBody, buildSummary, createGitHub, upsertComment, upsertIssue, closeIssues, run, MAX_BODY };

if (require.main === module) {
  run(process.argv.slice(2), process.env, (line) => process.stdout.write(`${line}\n`)).catch((error) => {
    process.stderr.write(`gh-sticky: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}
