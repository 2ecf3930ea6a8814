// Turns renewal groups into pull requests (the scheduled workflow's job, docs/gitops.md): for each
// group, the branch restarts from the base commit in a worktree of its own, gets the renewal (or
// the removal), is committed and force-pushed, and ONE pull request per branch is opened or updated.
// Branches nobody else pushed to are regenerated every run, so they never conflict with main.
// A pull request closed unmerged for the same set of renewals is not opened again (the reviewer let
// them lapse); one for a group that no longer exists is closed and its branch deleted.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { CvexConfig } from '../config';
import { addBranchWorktree, authorEmails, authorIdentity, commitEverything, deleteRemoteBranch, fetchBranches, pushHead, removeWorktree, treeAndParent } from '../git/branch-worktree';
import { execGitText } from '../git/exec-git';
import { commitIdentityEnv } from '../git/identity';
import { closePull, findPullsByHead, listOpenPulls, openPull, updatePull, wasClosedUnmerged } from '../github/pulls';
import type { GitHubClient } from '../github/rest-client';
import { RENEWAL_MARKER_PREFIX, renewalCommitMessage, renewalMarker } from '../render/renewal-markdown';
import { removeExceptionsFromFiles } from '../renew/remove-files';
import { renewExceptions } from '../renew/renew-files';
import type { RenewalLength } from '../renew/renewal-dates';
import { REMOVAL_BRANCH, RENEWAL_BRANCH_PREFIX, type RenewalGroup } from './group';

export type PublishAction = 'opened' | 'updated' | 'unchanged' | 'lapsed' | 'edited-by-someone' | 'nothing-to-change' | 'failed' | 'closed';

export interface PublishResult {
  branch: string;
  action: PublishAction;
  pullRequest?: number;
  message?: string;
}

export interface PublishOptions {
  /** The checkout (its top folder, or the folder cvex runs in). */
  cwd: string;
  topLevel: string;
  config: CvexConfig;
  groups: ReadonlyArray<RenewalGroup & { body: string }>;
  length: RenewalLength;
  today: string;
  timeZone: string;
  github: GitHubClient;
  remote: string;
  /** The branch pull requests go into. */
  base: string;
  /** Credentials for push and fetch (remote-auth.ts). */
  gitEnv: NodeJS.ProcessEnv;
}

const BRANCH_NAMESPACE = 'cvex/';

async function prepareBranch(options: PublishOptions, group: RenewalGroup, baseCommit: string, identity: NodeJS.ProcessEnv): Promise<{ changed: boolean; dir: string } | { problem: string; dir: string }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'cvex-renewal-'));
  await rm(dir, { recursive: true, force: true });
  await addBranchWorktree(options.topLevel, dir, group.branch, baseCommit);
  const cwd = path.join(dir, path.relative(options.topLevel, options.cwd));
  const outcome =
    group.kind === 'remove-expired'
      ? await removeExceptionsFromFiles({ cwd, config: options.config, names: group.items.map((item) => item.name), timeZone: options.timeZone })
      : await renewExceptions({ cwd, config: options.config, names: group.items.filter((item) => !item.refused).map((item) => item.name), length: options.length, today: options.today, timeZone: options.timeZone });
  if (!outcome.ok) return { problem: outcome.problems.join('; '), dir };
  return { changed: await commitEverything(dir, renewalCommitMessage(group), identity), dir };
}

async function publishGroup(options: PublishOptions, group: RenewalGroup & { body: string }, baseCommit: string, identity: NodeJS.ProcessEnv, ourEmail: string): Promise<PublishResult> {
  const { github, remote } = options;
  const marker = renewalMarker(group.key);
  const closed = await findPullsByHead(github, group.branch, 'closed');
  if (closed.some((pull) => wasClosedUnmerged(pull) && (pull.body ?? '').includes(marker))) {
    return { branch: group.branch, action: 'lapsed', message: 'a pull request for exactly these renewals was closed unmerged: not opened again' };
  }
  const remoteBranch = `refs/remotes/${remote}/${group.branch}`;
  const existing = await treeAndParent(options.topLevel, remoteBranch);
  if (existing) {
    const others = (await authorEmails(options.topLevel, `${baseCommit}..${remoteBranch}`)).filter((email) => email !== ourEmail);
    if (others.length > 0) return { branch: group.branch, action: 'edited-by-someone', message: `someone else pushed to ${group.branch}: not regenerated` };
  }
  const prepared = await prepareBranch(options, group, baseCommit, identity);
  try {
    if ('problem' in prepared) return { branch: group.branch, action: 'failed', message: prepared.problem };
    if (!prepared.changed) return { branch: group.branch, action: 'nothing-to-change' };
    const fresh = await treeAndParent(prepared.dir, 'HEAD');
    const sameContent = existing !== undefined && fresh !== undefined && existing.tree === fresh.tree && existing.parent === baseCommit;
    if (!sameContent) await pushHead(prepared.dir, remote, group.branch, options.gitEnv);
  } finally {
    await removeWorktree(options.topLevel, prepared.dir).catch(() => rm(prepared.dir, { recursive: true, force: true }));
  }
  const [open] = await findPullsByHead(github, group.branch, 'open');
  if (!open) {
    const created = await openPull(github, { title: group.title, body: group.body, head: group.branch, base: options.base });
    return { branch: group.branch, action: 'opened', pullRequest: created.number };
  }
  if (open.title === group.title && open.body === group.body) return { branch: group.branch, action: 'unchanged', pullRequest: open.number };
  await updatePull(github, open.number, { title: group.title, body: group.body });
  return { branch: group.branch, action: 'updated', pullRequest: open.number };
}

export async function publishRenewals(options: PublishOptions): Promise<PublishResult[]> {
  const identity = await commitIdentityEnv(options.topLevel);
  const ourEmail = (await authorIdentity(options.topLevel, identity)).email;
  const baseCommit = await execGitText(['rev-parse', 'HEAD'], { cwd: options.topLevel });
  await fetchBranches(options.topLevel, options.remote, BRANCH_NAMESPACE, options.gitEnv);
  const results: PublishResult[] = [];
  for (const group of options.groups) {
    try {
      results.push(await publishGroup(options, group, baseCommit, identity, ourEmail));
    } catch (error) {
      results.push({ branch: group.branch, action: 'failed', message: (error as Error).message });
    }
  }
  // Pull requests of groups that no longer exist (renewed, lapsed, removed by hand): closed.
  const current = new Set(options.groups.map((group) => group.branch));
  for (const pull of await listOpenPulls(options.github)) {
    const ours = pull.head.ref.startsWith(RENEWAL_BRANCH_PREFIX) || pull.head.ref === REMOVAL_BRANCH;
    if (!ours || current.has(pull.head.ref) || !(pull.body ?? '').includes(RENEWAL_MARKER_PREFIX)) continue;
    try {
      await closePull(options.github, pull.number, 'Closed by `cvex renewals`: these exceptions no longer need this pull request (renewed, removed or regrouped on main).');
      await deleteRemoteBranch(options.topLevel, options.remote, pull.head.ref, options.gitEnv).catch(() => undefined);
      results.push({ branch: pull.head.ref, action: 'closed', pullRequest: pull.number });
    } catch (error) {
      results.push({ branch: pull.head.ref, action: 'failed', pullRequest: pull.number, message: (error as Error).message });
    }
  }
  return results;
}
