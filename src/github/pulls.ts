// The pull-request calls `cvex renewals` makes: find by head branch, open, update, close.
import type { GitHubClient } from './rest-client';

export interface PullRequest {
  number: number;
  title: string;
  body: string | null;
  state: 'open' | 'closed';
  merged_at?: string | null;
  merged?: boolean;
  head: { ref: string };
  html_url?: string;
}

function owner(client: GitHubClient): string {
  return client.repository.split('/')[0];
}

export function findPullsByHead(client: GitHubClient, branch: string, state: 'open' | 'closed' | 'all'): Promise<PullRequest[]> {
  return client.list<PullRequest>(`/pulls?state=${state}&head=${encodeURIComponent(`${owner(client)}:${branch}`)}`);
}

export function listOpenPulls(client: GitHubClient): Promise<PullRequest[]> {
  return client.list<PullRequest>('/pulls?state=open');
}

export function openPull(client: GitHubClient, pull: { title: string; body: string; head: string; base: string }): Promise<PullRequest> {
  return client.call<PullRequest>('POST', '/pulls', { ...pull, maintainer_can_modify: true });
}

export function updatePull(client: GitHubClient, number: number, fields: { title?: string; body?: string; state?: 'open' | 'closed' }): Promise<PullRequest> {
  return client.call<PullRequest>('PATCH', `/pulls/${number}`, fields);
}

export async function closePull(client: GitHubClient, number: number, comment: string): Promise<void> {
  await client.call('POST', `/issues/${number}/comments`, { body: comment });
  await updatePull(client, number, { state: 'closed' });
}

/** Closed without being merged: someone decided against it. */
export function wasClosedUnmerged(pull: PullRequest): boolean {
  return pull.state === 'closed' && !pull.merged_at && pull.merged !== true;
}
