// Who this repository is, for the commands that talk to CloudView: its owner slug (stamped into
// every marker), its marker keys and take-overs, and the checks that keep a copy of a repository
// from acting as the original. Against loopback (the simulator) the owner defaults to `local`.
import { isLoopbackHost } from '../api/platforms';
import type { CvexConfig } from '../config';
import { remoteRepository } from '../git';
import { LOCAL_OWNER, OWNER_PATTERN } from '../reconcile/marker';
import { MarkerKeyError, parseMarkerPublicKey, parseSigningKey, SIGNING_KEY_ENV, type MarkerSigner } from '../reconcile/marker-keys';
import type { OwnershipSettings } from '../reconcile/ownership-index';

/** The repository's identity is missing or does not match where it runs: nothing is sent. */
export class OwnershipError extends Error {
  override name = 'OwnershipError';
}

export function isLoopbackTarget(baseUrl: string): boolean {
  try {
    return isLoopbackHost(new URL(baseUrl).hostname);
  } catch {
    return false;
  }
}

/** `org/name` from GITHUB_REPOSITORY, else the git remote `origin` of cwd. */
export async function detectRepository(env: NodeJS.ProcessEnv, cwd: string): Promise<string | undefined> {
  const fromEnv = env.GITHUB_REPOSITORY?.trim();
  if (fromEnv && /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(fromEnv)) return fromEnv;
  return remoteRepository(cwd);
}

/** A slug from a repository name (`acme/Cloud_Policies` → `cloud-policies`), or undefined. */
export function ownerFromRepository(repository: string | undefined): string | undefined {
  const name = repository?.split('/')[1];
  if (!name) return undefined;
  const slug = name.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+/, '').slice(0, 32).replace(/-+$/, '');
  return OWNER_PATTERN.test(slug) ? slug : undefined;
}

/** The lines to add to cvex.config.yaml, with what can be guessed filled in. */
export function identityLines(owner: string | undefined, repository: string | undefined): string {
  return [`  owner: ${owner ?? '<a short slug no other repository uses, e.g. platform-security>'}`, `  repository: ${repository ?? '<org/name>'}`].join('\n');
}

export interface IdentityContext {
  config: Pick<CvexConfig, 'owner' | 'repository' | 'manage' | 'markerKeys' | 'takeOverFrom' | 'file'>;
  baseUrl: string;
  env: NodeJS.ProcessEnv;
  cwd: string;
  command: string;
}

/** Owner, manage names, parsed marker keys and take-overs; refuses a real platform without `owner:`. */
export async function resolveOwnership(context: IdentityContext): Promise<OwnershipSettings> {
  const { config } = context;
  let owner = config.owner;
  if (owner === undefined) {
    if (!isLoopbackTarget(context.baseUrl)) {
      const repository = config.repository ?? (await detectRepository(context.env, context.cwd));
      throw new OwnershipError(
        `${config.file ?? 'cvex.config.yaml'} has no owner, and ${new URL(context.baseUrl).origin} is a real CloudView: every exception this repository creates carries its owner, and exceptions of other owners are never touched. Add:\n${identityLines(ownerFromRepository(repository), repository)}\n(\`cvex import\` writes them when it adopts an account.)`,
      );
    }
    owner = LOCAL_OWNER;
  } else if (owner === LOCAL_OWNER && !isLoopbackTarget(context.baseUrl)) {
    // `local` is the simulator's owner, whose markers are not verified without keys: never a real platform's.
    throw new OwnershipError(`${config.file ?? 'cvex.config.yaml'}: owner '${LOCAL_OWNER}' is reserved for the local simulator; choose the slug this repository is known by (e.g. platform-security)`);
  }
  let markerKeys;
  try {
    markerKeys = (config.markerKeys ?? []).map(parseMarkerPublicKey);
  } catch (error) {
    if (error instanceof MarkerKeyError) throw new OwnershipError(error.message);
    throw error;
  }
  return { owner, manage: config.manage ?? [], markerKeys, takeOverFrom: config.takeOverFrom ?? [] };
}

/** apply only: the repository it runs in must be the one the config names (a copy must choose its own owner). */
export async function checkRepository(context: IdentityContext): Promise<void> {
  const actual = await detectRepository(context.env, context.cwd);
  const expected = context.config.repository;
  if (actual === undefined) return;
  if (expected === undefined) {
    if (isLoopbackTarget(context.baseUrl)) return;
    throw new OwnershipError(
      `${context.config.file ?? 'cvex.config.yaml'} does not say which repository it belongs to, and this is ${actual}: add \`repository: ${actual}\` (and check that \`owner: ${context.config.owner ?? ''}\` is this repository's own) before applying.`,
    );
  }
  if (actual.toLowerCase() !== expected.toLowerCase()) {
    throw new OwnershipError(
      `${context.config.file ?? 'cvex.config.yaml'} belongs to ${expected}, but this is ${actual}: a copy of a repository must choose its own owner before it changes anything. Set:\n${identityLines(ownerFromRepository(actual), actual)}`,
    );
  }
}

/**
 * The key apply signs markers with: required when `markerKeys` is set (a marker no listed key
 * signed would not verify on the next plan), and it must be one of them.
 */
export function resolveSigner(settings: Pick<OwnershipSettings, 'markerKeys'>, env: NodeJS.ProcessEnv): { signer?: MarkerSigner; note?: string } {
  const text = env[SIGNING_KEY_ENV]?.trim();
  if (settings.markerKeys.length === 0) {
    return text ? { note: `${SIGNING_KEY_ENV} is set but cvex.config.yaml lists no markerKeys: markers are not signed (run \`cvex keygen\`)` } : {};
  }
  if (!text) {
    throw new OwnershipError(`cvex.config.yaml lists markerKeys, so the markers apply writes must be signed: set ${SIGNING_KEY_ENV} (the apply job's secret; \`cvex keygen\` made it). Nothing was changed.`);
  }
  let signer: MarkerSigner;
  try {
    signer = parseSigningKey(text);
  } catch (error) {
    if (error instanceof MarkerKeyError) throw new OwnershipError(`${error.message}. Nothing was changed.`);
    throw error;
  }
  if (!settings.markerKeys.some((key) => key.id === signer.publicKey.id)) {
    throw new OwnershipError(
      `${SIGNING_KEY_ENV} is key ${signer.publicKey.id}, which markerKeys does not list (${settings.markerKeys.map((key) => key.id).join(', ')}): add its public key ${signer.publicKey.text} to markerKeys, or set the right secret. Nothing was changed.`,
    );
  }
  return { signer };
}
