// Who approved a pull request: each reviewer's latest review that is not a plain comment, when it
// is APPROVED (a later "changes requested" or a dismissal withdraws an approval). One request per
// pull request.
import type { GitHubClient } from './rest-client';

interface Review {
  user?: { login?: string } | null;
  state?: string;
  submitted_at?: string;
}

export function approversOf(reviews: readonly Review[]): string[] {
  const latest = new Map<string, string>();
  for (const review of reviews) {
    const login = review.user?.login;
    if (!login || review.state === 'COMMENTED' || review.state === 'PENDING') continue;
    latest.set(login, review.state ?? '');
  }
  return [...latest].filter(([, state]) => state === 'APPROVED').map(([login]) => login).sort();
}

export async function fetchApprovers(client: GitHubClient, numbers: readonly number[]): Promise<Map<number, string[]>> {
  const approvers = new Map<number, string[]>();
  for (const number of [...new Set(numbers)].sort((a, b) => a - b)) {
    approvers.set(number, approversOf(await client.list<Review>(`/pulls/${number}/reviews`)));
  }
  return approvers;
}
