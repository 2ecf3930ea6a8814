// A small GitHub REST client for `cvex log --github` and `cvex renewals`: the token goes in the
// Authorization header to GITHUB_API_URL only, never into a message; TLS verified; plain http only
// to a loopback host (a local fake in tests).
import { fetch } from 'undici';

export interface GitHubTarget {
  apiUrl: string;
  /** `owner/name`. */
  repository: string;
  token: string;
}

export interface GitHubClient {
  readonly repository: string;
  /** Requests sent: `cvex log --github` costs one per pull request shown. */
  readonly requestCount: number;
  /** Under /repos/{owner}/{name}; `status` any, `json` parsed when possible. */
  request(method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }>;
  /** Like request, but a status outside 2xx is a GitHubError. */
  call<T = unknown>(method: string, path: string, body?: unknown): Promise<T>;
  /** Every item of a paged list endpoint (per_page=100). */
  list<T = unknown>(path: string): Promise<T[]>;
}

export class GitHubError extends Error {
  override name = 'GitHubError';
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

const PER_PAGE = 100;
const MAX_PAGES = 50;

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

/** GITHUB_API_URL / GITHUB_REPOSITORY / the token, or why GitHub cannot be reached. */
export function resolveGitHubTarget(env: NodeJS.ProcessEnv, repository: string | undefined, token: string | undefined): GitHubTarget | string {
  if (!token) return 'no GITHUB_TOKEN (or GH_TOKEN) in the environment';
  if (!repository || !/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(repository)) return 'the repository is unknown: set GITHUB_REPOSITORY (owner/name) or a github.com remote named origin';
  const apiUrl = (env.GITHUB_API_URL?.trim() || 'https://api.github.com').replace(/\/+$/, '');
  let url: URL;
  try {
    url = new URL(apiUrl);
  } catch {
    return `GITHUB_API_URL is not a URL: '${apiUrl}'`;
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopback(url.hostname))) return `GITHUB_API_URL must be https (plain http only to a loopback host), not '${url.origin}'`;
  return { apiUrl, repository, token };
}

export function createGitHubClient(target: GitHubTarget): GitHubClient {
  const base = `${target.apiUrl}/repos/${target.repository}`;
  let requestCount = 0;
  const request = async (method: string, path: string, body?: unknown) => {
    requestCount += 1;
    const response = await fetch(`${base}${path}`, {
      method,
      headers: {
        accept: 'application/vnd.github+json',
        authorization: `Bearer ${target.token}`,
        'x-github-api-version': '2022-11-28',
        'user-agent': 'cvex',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      redirect: 'error',
    });
    const text = await response.text();
    let json: unknown = text;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      // Not JSON: keep the text for the message.
    }
    return { status: response.status, json };
  };
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const { status, json } = await request(method, path, body);
    if (status < 200 || status > 299) {
      const message = json && typeof json === 'object' && 'message' in json ? String((json as { message: unknown }).message) : String(json ?? '').slice(0, 200);
      throw new GitHubError(`GitHub ${method} ${path.split('?')[0]}: ${status} ${message}`, status);
    }
    return json as T;
  };
  return {
    repository: target.repository,
    get requestCount() {
      return requestCount;
    },
    request,
    call,
    async list<T>(path: string): Promise<T[]> {
      const items: T[] = [];
      for (let page = 1; page <= MAX_PAGES; page += 1) {
        const batch = await call<T[]>('GET', `${path}${path.includes('?') ? '&' : '?'}per_page=${PER_PAGE}&page=${page}`);
        if (!Array.isArray(batch)) throw new GitHubError(`GitHub GET ${path}: expected a list`, 200);
        items.push(...batch);
        if (batch.length < PER_PAGE) break;
      }
      return items;
    },
  };
}

/** `owner/name` of a github.com remote URL (https or ssh), else undefined. */
export function repositoryOfRemoteUrl(url: string): string | undefined {
  const match = /github\.com[:/]+([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+?)(?:\.git)?\/?$/.exec(url.trim());
  return match ? `${match[1]}/${match[2]}` : undefined;
}
