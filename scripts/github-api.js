// @ts-check
// The GitHub REST API as the workflow scripts use it (gh-sticky.js, gh-gitops.js): one token, one
// repository, JSON in and out over undici. The token is only ever sent in the Authorization header.
'use strict';

const { fetch } = require('undici');

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
        'user-agent': 'cvex-workflows',
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
  /** Every item of a paged list endpoint, up to `limit` items. @param {string} path @param {number} [limit] */
  async function list(path, limit = Infinity) {
    const items = [];
    for (let page = 1; ; page += 1) {
      const separator = path.includes('?') ? '&' : '?';
      const batch = await call('GET', `${path}${separator}per_page=${PER_PAGE}&page=${page}`);
      if (!Array.isArray(batch)) throw new Error(`GitHub GET ${path}: expected a list`);
      items.push(...batch);
      if (batch.length < PER_PAGE || items.length >= limit) return items.slice(0, limit);
    }
  }
  return { request, call, list };
}

/** @param {NodeJS.ProcessEnv} env */
function gitHubFromEnv(env) {
  const token = env.GITHUB_TOKEN || env.GH_TOKEN;
  if (!token) throw new Error('GITHUB_TOKEN (or GH_TOKEN) is not set');
  if (!env.GITHUB_REPOSITORY) throw new Error('GITHUB_REPOSITORY is not set');
  return createGitHub({ apiUrl: env.GITHUB_API_URL || 'https://api.github.com', token, repository: env.GITHUB_REPOSITORY });
}

/** @param {NodeJS.ProcessEnv} env */
function runUrl(env) {
  if (!env.GITHUB_REPOSITORY || !env.GITHUB_RUN_ID) return undefined;
  return `${env.GITHUB_SERVER_URL || 'https://github.com'}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}`;
}

/**
 * Manifest text (names, messages) inside a code span: nothing in it renders as markup, links or
 * mentions; backticks and line breaks cannot end it, pipes cannot end a table cell.
 * @param {string} text
 */
function codeSpan(text) {
  // eslint-disable-next-line no-control-regex
  const flat = String(text).replace(/[\u0000-\u001f\u007f]+/g, ' ').replace(/`/g, "'").replace(/\|/g, '\\|');
  return `\`${flat.length > 200 ? `${flat.slice(0, 199)}…` : flat}\``;
}

/** Appends `name=value` lines to $GITHUB_OUTPUT (values are single-line). @param {NodeJS.ProcessEnv} env @param {Record<string, string>} outputs */
function setOutputs(env, outputs) {
  const lines = Object.entries(outputs).map(([name, value]) => `${name}=${String(value).replace(/\r?\n/g, ' ')}\n`).join('');
  if (env.GITHUB_OUTPUT) require('node:fs').appendFileSync(env.GITHUB_OUTPUT, lines);
}

module.exports = { createGitHub, gitHubFromEnv, runUrl, codeSpan, setOutputs, PER_PAGE };
