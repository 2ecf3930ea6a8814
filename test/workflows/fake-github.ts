// A small in-memory GitHub REST API on 127.0.0.1: the routes scripts/gh-sticky.js and
// scripts/gh-gitops.js use (issues, comments, labels, a commit range and its pull requests, the runs
// of a workflow), and the pull-request and review routes of `cvex renewals` and `cvex log --github`,
// with a request log to assert on.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeIssue {
  number: number;
  title: string;
  body: string;
  state: 'open' | 'closed';
  state_reason?: string;
  labels: { name: string }[];
  pull_request?: object;
  comments: FakeComment[];
  /** Who opened it; issues opened through the API with the token are github-actions[bot]'s. */
  user?: { login: string };
}

export interface FakeWorkflowRun {
  id: number;
  status: 'queued' | 'in_progress' | 'waiting' | 'pending' | 'requested' | 'completed';
  html_url?: string;
}

export interface FakeComment {
  id: number;
  body: string;
  html_url: string;
  /** Who wrote it; comments posted through the API with the token are github-actions[bot]'s. */
  user?: { login: string; type: 'User' | 'Bot' };
}

/** A pull request as the pulls routes see it (also an issue, for its comments). */
export interface FakePull {
  number: number;
  title: string;
  body: string;
  state: 'open' | 'closed';
  merged: boolean;
  head: { ref: string };
  base: { ref: string };
  user: { login: string };
}

export interface FakeReview {
  user: { login: string };
  state: 'APPROVED' | 'CHANGES_REQUESTED' | 'COMMENTED' | 'DISMISSED';
}

export interface FakeGitHub {
  url: string;
  repository: string;
  token: string;
  issues: Map<number, FakeIssue>;
  labels: Set<string>;
  requests: { method: string; path: string; authorization?: string }[];
  /** Commits of the default branch, oldest first, and the merged pull requests each belongs to. */
  commits: { sha: string; pulls: number[] }[];
  /** Runs of each workflow file, newest first. */
  workflowRuns: Map<string, FakeWorkflowRun[]>;
  /** Adds a pull request (an issue with pull_request set) and returns its number. */
  addPullRequest(): number;
  /** Pull requests opened through POST /pulls (and addPullRequest), by number. */
  pulls: Map<number, FakePull>;
  /** Reviews per pull request, as GET /pulls/N/reviews lists them. */
  reviews: Map<number, FakeReview[]>;
  close(): Promise<void>;
}

export async function startFakeGitHub(repository = 'acme/exceptions', token = 'ghs_fake_token'): Promise<FakeGitHub> {
  const issues = new Map<number, FakeIssue>();
  const labels = new Set<string>();
  const requests: FakeGitHub['requests'] = [];
  const pulls = new Map<number, FakePull>();
  const reviews = new Map<number, FakeReview[]>();
  const commits: FakeGitHub['commits'] = [];
  const workflowRuns: FakeGitHub['workflowRuns'] = new Map();
  let nextNumber = 1;
  let nextCommentId = 1000;
  const server = createServer((req, res) => {
    void handle(req, res).catch((error: Error) => send(res, 500, { message: error.message }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const htmlBase = `https://github.example/${repository}`;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const target = new URL(req.url ?? '/', url);
    const method = req.method ?? 'GET';
    requests.push({ method, path: `${target.pathname}${target.search}`, authorization: req.headers.authorization });
    if (req.headers.authorization !== `Bearer ${token}`) return send(res, 401, { message: 'Bad credentials' });
    const prefix = `/repos/${repository}`;
    if (!target.pathname.startsWith(prefix)) return send(res, 404, { message: 'Not Found' });
    const route = target.pathname.slice(prefix.length);
    const body = await readJson(req);
    const page = Number(target.searchParams.get('page') ?? 1);
    const perPage = Number(target.searchParams.get('per_page') ?? 30);
    const paged = <T>(items: T[]) => items.slice((page - 1) * perPage, page * perPage);
    let match: RegExpExecArray | null;

    if (method === 'GET' && route === '/issues') {
      const state = target.searchParams.get('state') ?? 'open';
      const label = target.searchParams.get('labels');
      const found = [...issues.values()].filter(
        (issue) => (state === 'all' || issue.state === state) && (!label || issue.labels.some((l) => l.name === label)),
      );
      return send(res, 200, paged(found).map(publicIssue));
    }
    if (method === 'POST' && route === '/issues') {
      for (const name of body.labels ?? []) labels.add(name);
      const issue: FakeIssue = {
        number: nextNumber++,
        title: body.title,
        body: body.body,
        state: 'open',
        labels: (body.labels ?? []).map((name: string) => ({ name })),
        comments: [],
        user: { login: 'github-actions[bot]' },
      };
      issues.set(issue.number, issue);
      return send(res, 201, publicIssue(issue));
    }
    if ((match = /^\/issues\/(\d+)$/.exec(route)) && method === 'PATCH') {
      const issue = issues.get(Number(match[1]));
      if (!issue) return send(res, 404, { message: 'Not Found' });
      Object.assign(issue, pick(body, ['title', 'body', 'state', 'state_reason']));
      return send(res, 200, publicIssue(issue));
    }
    if ((match = /^\/issues\/(\d+)\/comments$/.exec(route))) {
      const issue = issues.get(Number(match[1]));
      if (!issue) return send(res, 404, { message: 'Not Found' });
      if (method === 'GET') return send(res, 200, paged(issue.comments));
      if (method === 'POST') {
        const comment: FakeComment = { id: nextCommentId++, body: body.body, html_url: '', user: { login: 'github-actions[bot]', type: 'Bot' } };
        comment.html_url = `${htmlBase}/issues/${issue.number}#issuecomment-${comment.id}`;
        issue.comments.push(comment);
        return send(res, 201, comment);
      }
    }
    if ((match = /^\/issues\/comments\/(\d+)$/.exec(route)) && method === 'PATCH') {
      const comment = [...issues.values()].flatMap((issue) => issue.comments).find((c) => c.id === Number(match![1]));
      if (!comment) return send(res, 404, { message: 'Not Found' });
      comment.body = body.body;
      return send(res, 200, comment);
    }
    if (method === 'GET' && route === '/pulls') {
      const state = target.searchParams.get('state') ?? 'open';
      const head = target.searchParams.get('head');
      const owner = repository.split('/')[0];
      const found = [...pulls.values()].filter((pull) => (state === 'all' || pull.state === state) && (!head || `${owner}:${pull.head.ref}` === head));
      return send(res, 200, paged(found).map(publicPull));
    }
    if (method === 'POST' && route === '/pulls') {
      if ([...pulls.values()].some((pull) => pull.state === 'open' && pull.head.ref === body.head)) {
        return send(res, 422, { message: `A pull request already exists for ${body.head}.` });
      }
      const number = nextNumber++;
      const pull: FakePull = { number, title: body.title, body: body.body, state: 'open', merged: false, head: { ref: body.head }, base: { ref: body.base }, user: { login: 'cvex-renewals[bot]' } };
      pulls.set(number, pull);
      issues.set(number, { number, title: body.title, body: body.body, state: 'open', labels: [], pull_request: {}, comments: [] });
      return send(res, 201, publicPull(pull));
    }
    if ((match = /^\/pulls\/(\d+)$/.exec(route)) && method === 'PATCH') {
      const pull = pulls.get(Number(match[1]));
      if (!pull) return send(res, 404, { message: 'Not Found' });
      Object.assign(pull, pick(body, ['title', 'body', 'state']));
      return send(res, 200, publicPull(pull));
    }
    if ((match = /^\/pulls\/(\d+)\/reviews$/.exec(route)) && method === 'GET') {
      return send(res, 200, paged(reviews.get(Number(match[1])) ?? []));
    }
    if ((match = /^\/labels\/(.+)$/.exec(route)) && method === 'GET') {
      const name = decodeURIComponent(match[1]);
      return labels.has(name) ? send(res, 200, { name }) : send(res, 404, { message: 'Not Found' });
    }
    if ((match = /^\/compare\/([0-9a-f]+)\.\.\.([0-9a-f]+)$/.exec(route)) && method === 'GET') {
      const from = commits.findIndex((commit) => commit.sha === match![1]);
      const to = commits.findIndex((commit) => commit.sha === match![2]);
      if (from < 0 || to < 0) return send(res, 404, { message: 'Not Found' });
      const range = commits.slice(from + 1, to + 1);
      return send(res, 200, { total_commits: range.length, commits: range.slice(0, perPage).map((commit) => ({ sha: commit.sha })) });
    }
    if ((match = /^\/commits\/([0-9a-f]+)\/pulls$/.exec(route)) && method === 'GET') {
      const commit = commits.find((item) => item.sha === match![1]);
      return send(res, 200, (commit?.pulls ?? []).map((number) => ({ number, merged_at: '2026-11-30T08:00:00Z' })));
    }
    if ((match = /^\/actions\/workflows\/([^/]+)\/runs$/.exec(route)) && method === 'GET') {
      const runs = workflowRuns.get(decodeURIComponent(match[1])) ?? [];
      return send(res, 200, { total_count: runs.length, workflow_runs: runs.slice(0, perPage) });
    }
    if (route === '/labels' && method === 'POST') {
      labels.add(body.name);
      return send(res, 201, { name: body.name });
    }
    return send(res, 404, { message: `no fake route ${method} ${route}` });
  }

  function publicPull(pull: FakePull) {
    return { ...pull, html_url: `${htmlBase}/pull/${pull.number}` };
  }

  function publicIssue(issue: FakeIssue) {
    const { comments, ...rest } = issue;
    return { ...rest, comments: comments.length, html_url: `${htmlBase}/issues/${issue.number}` };
  }

  return {
    url,
    repository,
    token,
    issues,
    labels,
    requests,
    pulls,
    reviews,
    commits,
    workflowRuns,
    addPullRequest() {
      const number = nextNumber++;
      issues.set(number, { number, title: 'PR', body: '', state: 'open', labels: [], pull_request: {}, comments: [] });
      return number;
    },
    close: () => new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}

function send(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(value));
}

async function readJson(req: IncomingMessage): Promise<any> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? JSON.parse(text) : {};
}

function pick(value: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(keys.filter((key) => value[key] !== undefined).map((key) => [key, value[key]]));
}
