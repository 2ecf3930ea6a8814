// The answers `cvex init` needs: from flags, else a question on a terminal, else a default that can
// be known (GITHUB_REPOSITORY or the git remote). What cannot be known stops init with the flags to
// pass: a wrong time zone or owner costs more later than a question now.
import { execFile } from 'node:child_process';
import { isPlatformId } from '../api/platforms';
import { UsageError } from '../command-line/io';
import { isValidTimeZone } from '../model/dates';
import type { InitAnswers } from './templates';

export const OWNER_PATTERN = /^[a-z0-9][a-z0-9-]{0,31}$/;
export const REPOSITORY_PATTERN = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/;
const HANDLE_PATTERN = /^@[A-Za-z0-9](?:[A-Za-z0-9-]*)(?:\/[A-Za-z0-9._-]+)?$/;

export interface AnswerSources {
  owner?: string;
  repository?: string;
  timezone?: string;
  platform?: string;
  reviewers?: string[];
  env: NodeJS.ProcessEnv;
  /** The folder being initialised: its git remote may name the repository. */
  dir: string;
  prompt?: (question: string) => Promise<string>;
}

/** `org/name` from a GitHub remote URL (https or ssh), or undefined. */
export function repositoryFromRemote(url: string): string | undefined {
  const match = /github\.com[/:]([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+?)(?:\.git)?\/?$/.exec(url.trim());
  return match ? `${match[1]}/${match[2]}` : undefined;
}

/** A valid owner slug suggested by a repository name: `acme/Cloud_Exceptions` → `cloud-exceptions`. */
export function ownerFromRepository(repository: string): string {
  const name = repository.split('/')[1] ?? repository;
  const slug = name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 32).replace(/-+$/, '');
  return OWNER_PATTERN.test(slug) ? slug : 'exceptions';
}

function gitRemote(dir: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile('git', ['remote', 'get-url', 'origin'], { cwd: dir, timeout: 5_000 }, (error, stdout) => {
      resolve(error ? undefined : repositoryFromRemote(String(stdout)));
    });
  });
}

async function ask(sources: AnswerSources, question: string, fallback: string | undefined): Promise<string | undefined> {
  if (!sources.prompt) return fallback;
  const answer = (await sources.prompt(`${question}${fallback ? ` [${fallback}]` : ''}: `)).trim();
  return answer || fallback;
}

function check(value: string | undefined, valid: (text: string) => boolean, flag: string, rule: string): string | undefined {
  if (value !== undefined && !valid(value)) throw new UsageError(`--${flag} '${value}': ${rule}`);
  return value;
}

export async function gatherAnswers(sources: AnswerSources): Promise<InitAnswers> {
  const knownRepository = sources.repository ?? sources.env.GITHUB_REPOSITORY?.trim() ?? (await gitRemote(sources.dir));
  const repository = check(
    sources.repository ?? (await ask(sources, 'GitHub repository that will hold the exceptions (org/name)', knownRepository)),
    (text) => REPOSITORY_PATTERN.test(text),
    'repository',
    'expected org/name',
  );
  const owner = check(
    sources.owner ?? (await ask(sources, 'Owner slug written in the marker of every exception this repository creates', repository && ownerFromRepository(repository))),
    (text) => OWNER_PATTERN.test(text),
    'owner',
    `expected a slug matching ${OWNER_PATTERN.source} (lower case, digits, dashes, at most 32)`,
  );
  const timezone = check(
    sources.timezone ?? (await ask(sources, "The Qualys subscription's time zone (Administration module), e.g. Europe/Berlin", undefined)),
    isValidTimeZone,
    'timezone',
    'not an IANA time zone (e.g. UTC, Europe/Berlin, Asia/Kolkata)',
  );
  const platformAnswer = sources.platform ?? (await ask(sources, 'Qualys platform (US1..US4, EU1, EU2, IN1, CA1, AE1, UK1, AU1; empty to set it later)', undefined));
  const platform = check(platformAnswer ? platformAnswer.toUpperCase() : undefined, isPlatformId, 'platform', 'not a Qualys platform');
  const reviewerText = sources.reviewers?.join(' ') ?? (await ask(sources, 'GitHub users or teams who approve exceptions (e.g. @acme/security; empty to decide later)', undefined)) ?? '';
  const reviewers = reviewerText.split(/[\s,]+/).filter(Boolean);
  for (const handle of reviewers) check(handle, (text) => HANDLE_PATTERN.test(text), 'reviewer', 'expected @user or @org/team');

  const missing = [!repository && '--repository ORG/NAME', !owner && '--owner SLUG', !timezone && '--timezone ZONE'].filter(Boolean);
  if (missing.length > 0 || !repository || !owner || !timezone) {
    throw new UsageError(sources.prompt ? `no answer for ${missing.join(', ')}` : `cannot ask without a terminal: pass ${missing.join(', ')}`);
  }
  return { owner, repository, timezone, platform, reviewers };
}
