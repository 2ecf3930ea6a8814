#!/usr/bin/env node
// @ts-check
// The GitOps decisions of cvex's reusable workflows (.github/workflows/cvex-*.yml) that are not
// cvex's own job: which target a run may use, whether an apply is queued or running, and which
// pull requests an apply covered. Tested against a local fake GitHub in test/workflows/.
//
//   node gh-gitops.js target --base DIR [--head DIR]
//     The target from the repository variable QUALYS_PLATFORM or QUALYS_API_URL (env
//     QUALYS_PLATFORM_VARIABLE / QUALYS_API_URL_VARIABLE), else the base checkout's cvex.config.yaml.
//     With --head (a pull request's checkout): whether it changes platform/apiUrl. Outputs flag
//     (`--platform=X` or `--api-url=URL`, empty when none), changed (true|false), note.
//   node gh-gitops.js apply-busy --workflow exceptions-apply.yml
//     Output busy=true when a run of that workflow is queued, waiting or in progress.
//   node gh-gitops.js apply-result --before SHA --after SHA (--report apply-report.json | --audit-log audit.jsonl) [--outcome success|failure]
//     Comments the apply's result on every pull request merged in before..after: from the apply
//     report (`cvex apply --report`: results, a refusal, missing exemptions, a lifted guard) when it
//     was written, else from the audit log.
//
// Env: GITHUB_TOKEN, GITHUB_REPOSITORY, GITHUB_API_URL, GITHUB_OUTPUT, GITHUB_SERVER_URL, GITHUB_RUN_ID.
'use strict';

const { existsSync, readFileSync } = require('node:fs');
const path = require('node:path');
const { parseArgs } = require('node:util');
const { codeSpan, gitHubFromEnv, runUrl, setOutputs } = require('./github-api.js');

const CONFIG_FILE = 'cvex.config.yaml';
/** At most this many commits of a range are asked for their pull requests (one request each). */
const MAX_COMMITS = 100;
const BUSY_STATUSES = new Set(['queued', 'in_progress', 'waiting', 'pending', 'requested']);

/** @param {string} dir @returns {{platform?: string, apiUrl?: string, unreadable?: string}} */
function readTarget(dir) {
  const file = path.join(dir, CONFIG_FILE);
  if (!existsSync(file)) return {};
  try {
    const { parse } = require('yaml');
    const value = parse(readFileSync(file, 'utf8')) ?? {};
    if (typeof value !== 'object' || Array.isArray(value)) return { unreadable: `${CONFIG_FILE} is not a mapping` };
    const text = (/** @type {unknown} */ item) => (typeof item === 'string' && item.trim() !== '' ? item.trim() : undefined);
    return { platform: text(value.platform)?.toUpperCase(), apiUrl: text(value.apiUrl)?.replace(/\/+$/, '') };
  } catch (error) {
    return { unreadable: `${CONFIG_FILE} does not parse (${error instanceof Error ? error.message.split('\n')[0] : String(error)})` };
  }
}

/**
 * @param {{base: string, head?: string}} dirs
 * @param {NodeJS.ProcessEnv} env
 */
function decideTarget({ base, head }, env) {
  const platformVariable = env.QUALYS_PLATFORM_VARIABLE?.trim();
  const apiUrlVariable = env.QUALYS_API_URL_VARIABLE?.trim();
  if (platformVariable && apiUrlVariable) {
    throw new Error('both repository variables QUALYS_PLATFORM and QUALYS_API_URL are set: keep one');
  }
  const baseTarget = readTarget(base);
  if (baseTarget.unreadable) throw new Error(`the base branch's ${baseTarget.unreadable}`);
  let flag = '';
  if (platformVariable) flag = `--platform=${platformVariable.toUpperCase()}`;
  else if (apiUrlVariable) flag = `--api-url=${apiUrlVariable}`;
  else if (baseTarget.platform) flag = `--platform=${baseTarget.platform}`;
  else if (baseTarget.apiUrl) flag = `--api-url=${baseTarget.apiUrl}`;

  let changed = false;
  let note = flag ? '' : 'no target: set the repository variable QUALYS_PLATFORM (or QUALYS_API_URL), or `platform:` in cvex.config.yaml on the base branch.';
  if (head !== undefined) {
    const headTarget = readTarget(head);
    changed = Boolean(headTarget.unreadable) || headTarget.platform !== baseTarget.platform || headTarget.apiUrl !== baseTarget.apiUrl;
    if (changed) {
      note = headTarget.unreadable
        ? `this pull request's ${headTarget.unreadable}; validation only.`
        : 'this pull request changes the target (`platform` or `apiUrl` in cvex.config.yaml), so it gets validation only: no credentials go to a target that is not on the base branch yet.';
    }
  }
  return { flag, changed, note };
}

/** @param {ReturnType<typeof gitHubFromEnv>} github @param {string} workflow */
async function applyBusy(github, workflow) {
  const answer = await github.call('GET', `/actions/workflows/${encodeURIComponent(workflow)}/runs?per_page=50`);
  const runs = Array.isArray(answer?.workflow_runs) ? answer.workflow_runs : [];
  const busy = runs.filter((/** @type {any} */ run) => BUSY_STATUSES.has(run.status));
  return { busy: busy.length > 0, runs: busy.map((/** @type {any} */ run) => run.html_url ?? `run ${run.id}`) };
}

/**
 * Pull requests merged in before..after: the commits of the range (or `after` alone when there is
 * no usable `before`: a run by hand, a new branch), each asked for its pull requests.
 * @param {ReturnType<typeof gitHubFromEnv>} github @param {string | undefined} before @param {string} after
 */
async function pullRequestsInRange(github, before, after) {
  let shas = [after];
  let capped = false;
  if (before && !/^0+$/.test(before) && before !== after) {
    const comparison = await github.call('GET', `/compare/${before}...${after}?per_page=${MAX_COMMITS}`);
    const commits = Array.isArray(comparison?.commits) ? comparison.commits.map((/** @type {any} */ commit) => String(commit.sha)) : [];
    capped = Number(comparison?.total_commits ?? commits.length) > commits.length;
    shas = commits.length > 0 ? commits.slice(-MAX_COMMITS) : [after];
  }
  const numbers = new Map();
  for (const sha of shas) {
    const pulls = await github.call('GET', `/commits/${sha}/pulls`);
    for (const pull of Array.isArray(pulls) ? pulls : []) {
      if (pull.merged_at && !numbers.has(pull.number)) numbers.set(pull.number, sha);
    }
  }
  return { numbers: [...numbers.keys()].sort((a, b) => a - b), capped };
}

/** @param {string} text */
function readAudit(text) {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      try {
        return JSON.parse(line);
      } catch {
        return undefined;
      }
    })
    .filter(Boolean);
}

/** The apply report, when it is one (`cvex apply --report`, schemas/apply-report.schema.json). @param {string} text */
function readReport(text) {
  try {
    const report = JSON.parse(text);
    return report && typeof report === 'object' && Array.isArray(report.results) ? report : undefined;
  } catch {
    return undefined;
  }
}

const VERB = { create: 'created', replace: 'replaced', delete: 'deleted' };

/** How a removal guard was lifted, in words. @param {any} lifted */
function liftedBy(lifted) {
  if (!lifted || typeof lifted !== 'object') return undefined;
  if (lifted.by === 'force') return '--force';
  const allowance = `Cvex-Allow-Removals: ${Number(lifted.allowRemovals)}`;
  if (lifted.by === 'trailer') return `the reviewed trailer ${codeSpan(allowance)}${lifted.commit ? ` of commit ${codeSpan(String(lifted.commit).slice(0, 12))}` : ''}`;
  return `${codeSpan(`--allow-removals ${Number(lifted.allowRemovals)}`)} (an approved run)`;
}

/**
 * The apply result as a pull-request comment: counts, then one row per operation.
 * @param {{records: any[], outcome: string, after: string, env: NodeJS.ProcessEnv, report?: any}} options
 */
function applyComment({ records: given, outcome, after, env, report }) {
  const run = runUrl(env);
  // Audit logs also hold tag and guard records: only the changes are rows.
  const records = (report ? report.results : given).filter((/** @type {any} */ record) => record && record.operation in VERB);
  const failed = records.filter((record) => record.result === 'failed');
  // Held back by the rate-limit reserve: the old exception is still in place; the next run does it.
  const skipped = records.filter((record) => record.result === 'skipped');
  const count = (/** @type {string} */ operation) => records.filter((record) => record.operation === operation && record.result === 'succeeded').length;
  const refused = report?.outcome === 'refused';
  const heading = refused ? 'REFUSED' : outcome === 'success' && failed.length + skipped.length === 0 ? 'applied' : 'FAILED';
  const lines = [
    '<!-- cvex-apply -->',
    `### cvex apply: ${heading}`,
    '',
    `Commit ${codeSpan(after.slice(0, 12))}, which includes this pull request, was applied to Qualys${run ? ` ([run](${run}))` : ''}: ` +
      `${count('create')} created, ${count('replace')} replaced, ${count('delete')} deleted, ${failed.length} failed${skipped.length > 0 ? `, ${skipped.length} skipped (still in place)` : ''}.`,
  ];
  if (refused) lines.push('', `Nothing was sent: ${codeSpan(String(report.refusal ?? 'see the run log'))}`);
  else if (records.length === 0) lines.push('', outcome === 'success' ? 'Nothing needed to change.' : 'cvex stopped before changing anything; see the run log.');
  else {
    const rows = records;
    const table = ['| Result | Exception | uuid |', '|---|---|---|'];
    for (const record of rows.slice(0, 200)) {
      const verb = VERB[/** @type {keyof typeof VERB} */ (record.operation)];
      const result = record.result === 'failed' ? `❌ ${record.operation} failed` : record.result === 'skipped' ? `⏸️ ${record.operation} skipped` : `✅ ${verb}`;
      table.push(`| ${result} | ${codeSpan(record.name ?? '')} | ${codeSpan(record.uuidAfter ?? record.uuidBefore ?? '')} |`);
    }
    if (rows.length > 200) table.push(`| … | ${rows.length - 200} more | see the run |`);
    lines.push('', rows.length > 10 ? `<details><summary>${rows.length} operations</summary>\n\n${table.join('\n')}\n\n</details>` : table.join('\n'));
  }
  const lifted = liftedBy(report?.safety?.lifted);
  if (lifted) lines.push('', `The removal guards were lifted by ${lifted}.`);
  const missing = Array.isArray(report?.missing) ? report.missing : [];
  if (missing.length > 0) {
    lines.push('', `**${missing.length === 1 ? '1 exemption is' : `${missing.length} exemptions are`} missing** (deleted and not re-created): ${missing.slice(0, 50).map((/** @type {any} */ item) => codeSpan(item.name ?? '')).join(', ')}${missing.length > 50 ? ', …' : ''}.`);
  }
  if (failed.length + skipped.length > 0 || missing.length > 0) lines.push('', 'Run the apply workflow again (Actions → exceptions-apply → Run workflow): apply converges.');
  return `${lines.join('\n')}\n`;
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
      base: { type: 'string' },
      head: { type: 'string' },
      workflow: { type: 'string' },
      before: { type: 'string' },
      after: { type: 'string' },
      'audit-log': { type: 'string' },
      report: { type: 'string' },
      outcome: { type: 'string' },
    },
  });
  const [command] = positionals;
  const need = (/** @type {keyof typeof values} */ name) => {
    const value = values[name];
    if (typeof value !== 'string' || value === '') throw new Error(`${command}: --${name} is required`);
    return value;
  };
  switch (command) {
    case 'target': {
      const decision = decideTarget({ base: need('base'), head: values.head }, env);
      setOutputs(env, { flag: decision.flag, changed: String(decision.changed), note: decision.note });
      print(decision.flag ? `target ${decision.flag}${decision.changed ? ' (changed by the pull request: validation only)' : ''}` : `::warning title=cvex target::${decision.note}`);
      return decision;
    }
    case 'apply-busy': {
      const workflow = need('workflow');
      const result = await applyBusy(gitHubFromEnv(env), workflow);
      setOutputs(env, { busy: String(result.busy) });
      print(result.busy ? `::notice title=cvex drift skipped::${workflow} is queued or running (${result.runs.join(', ')}): this drift run is skipped, the next one plans after it.` : `${workflow}: no run queued or in progress`);
      return result;
    }
    case 'apply-result': {
      const github = gitHubFromEnv(env);
      const after = need('after');
      if (!values.report && !values['audit-log']) throw new Error(`${command}: --report or --audit-log is required`);
      const report = values.report && existsSync(values.report) ? readReport(readFileSync(values.report, 'utf8')) : undefined;
      const auditFile = values['audit-log'];
      const records = !report && auditFile && existsSync(auditFile) ? readAudit(readFileSync(auditFile, 'utf8')) : [];
      const { numbers, capped } = await pullRequestsInRange(github, values.before, after);
      const body = applyComment({ records, outcome: values.outcome ?? 'success', after, env, report });
      for (const number of numbers) await github.call('POST', `/issues/${number}/comments`, { body });
      print(numbers.length > 0 ? `commented on ${numbers.map((n) => `#${n}`).join(', ')}${capped ? ` (the first ${MAX_COMMITS} commits of the range only)` : ''}` : 'no merged pull request in the applied range');
      return { numbers, capped };
    }
    default:
      throw new Error(`unknown command '${command ?? ''}': target, apply-busy or apply-result`);
  }
}

module.exports = { decideTarget, applyBusy, pullRequestsInRange, applyComment, run };

if (require.main === module) {
  run(process.argv.slice(2), process.env, (line) => process.stdout.write(`${line}\n`)).catch((error) => {
    process.stderr.write(`gh-gitops: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}
