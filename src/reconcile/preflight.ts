// A replace deletes before it creates, so its new spec is checked first, whatever --strict or
// --skip-inventory say: the manifest schema (blank text included), the governance rules, and that
// every account is a connector of this subscription and every control is evaluated there. A spec
// that fails is an error and nothing is sent: the old exception stays, never deleted for a create
// the API would refuse. Reads go through the run's inventory cache: after the plan-time inventory
// check they cost nothing; with --skip-inventory, one connectors listing per cloud and one control
// summary per account the replaces name.
import type { CloudViewApi } from '../api/types';
import type { GovernanceRules } from '../config';
import { checkGovernance } from '../governance';
import { InventoryCache } from '../inventory/cache';
import { manifestValidator } from '../manifest/schema';
import type { CloudType, ExceptionSpec, ManifestException } from '../model/exception';
import type { Finding } from '../model/findings';
import type { PlanChange } from './types';

type ReplaceChange = Extract<PlanChange, { action: 'replace' }>;

export interface PreflightOptions {
  governance?: GovernanceRules;
  /** The plan's inventory cache, so what the plan read is not read again. */
  cache?: InventoryCache;
  /** The validated manifests by name (metadata for governance); absent for a saved plan's specs. */
  manifests?: ReadonlyMap<string, ManifestException>;
}

/** Summaries read to learn a cloud's controls when its replaces name no known account. */
const PROBE_ACCOUNTS = 3;

function error(change: ReplaceChange, rule: string, message: string, field?: string): Finding {
  return {
    severity: 'error',
    rule: `replace.${rule}`,
    message: `cannot replace ${JSON.stringify(change.name)} (the old exception stays): ${message}`,
    file: change.source.file,
    line: change.source.line,
    column: change.source.column,
    path: field ?? '',
  };
}

/** Fields and list items that are blank once trimmed: the API refuses them after the delete. */
export function blankFields(spec: ExceptionSpec): string[] {
  const blank: string[] = [];
  for (const [field, value] of Object.entries(spec)) {
    if (typeof value === 'string' && value.trim() === '') blank.push(field);
    if (!Array.isArray(value)) continue;
    value.forEach((item, index) => {
      if (typeof item === 'string' && item.trim() === '') blank.push(`${field}[${index}]`);
      if (item !== null && typeof item === 'object') {
        for (const [key, text] of Object.entries(item as Record<string, unknown>)) {
          if (typeof text === 'string' && text.trim() === '') blank.push(`${field}[${index}].${key}`);
        }
      }
    });
  }
  return blank;
}

function checkSpec(change: ReplaceChange, options: PreflightOptions): Finding[] {
  const findings: Finding[] = [];
  const validate = manifestValidator();
  if (!validate({ version: 1, exceptions: [change.spec] })) {
    for (const problem of (validate.errors ?? []).slice(0, 3)) {
      const where = problem.instancePath.replace(/^\/exceptions\/0\/?/, '').replace(/\//g, '.');
      findings.push(error(change, 'schema', `${where || 'the spec'} ${problem.message ?? 'is invalid'}`, where || undefined));
    }
  }
  for (const field of blankFields(change.spec)) findings.push(error(change, 'blank', `\`${field}\` is blank`, field));
  const manifest = options.manifests?.get(change.name);
  // A saved plan's spec has no metadata to check: the metadata rule is the manifests' to enforce.
  const rules = manifest ? options.governance : options.governance && { ...options.governance, requiredMetadata: undefined };
  const subject: ManifestException = manifest ?? { spec: change.spec, metadata: {}, location: change.source, path: change.name };
  for (const finding of checkGovernance([subject], rules)) findings.push(error(change, 'governance', finding.message, finding.path));
  return findings;
}

function accountsOf(spec: ExceptionSpec): string[] {
  return [...new Set([...(spec.accountIds ?? []), ...(spec.resources ?? []).map((resource) => resource.accountId)])];
}

async function checkAccountsAndControls(replaces: readonly ReplaceChange[], api: CloudViewApi, cache: InventoryCache): Promise<Finding[]> {
  const findings: Finding[] = [];
  const clouds = [...new Set(replaces.map((change) => change.spec.cloudType))].sort();
  const accountsByCloud = new Map<CloudType, Set<string>>();
  await Promise.all(clouds.map(async (cloud) => accountsByCloud.set(cloud, new Set((await cache.connectors(api, cloud)).map((connector) => connector.accountId)))));
  const known = new Map<CloudType, Set<string>>(clouds.map((cloud) => [cloud, new Set<string>()]));
  for (const change of replaces) {
    const cloud = change.spec.cloudType;
    for (const accountId of accountsOf(change.spec)) {
      if (accountsByCloud.get(cloud)!.has(accountId)) known.get(cloud)!.add(accountId);
      else findings.push(error(change, 'unknown-account', `${cloud} account ${accountId} is not a connector of this subscription`, change.spec.accountIds?.includes(accountId) ? 'accountIds' : 'resources'));
    }
  }
  const controlsByCloud = new Map<CloudType, Set<number>>();
  await Promise.all(
    clouds.map(async (cloud) => {
      let accounts = [...known.get(cloud)!].sort();
      if (accounts.length === 0) accounts = [...accountsByCloud.get(cloud)!].sort().slice(0, PROBE_ACCOUNTS);
      const controls = new Set<number>();
      for (const summaries of await Promise.all(accounts.map((accountId) => cache.summaries(api, cloud, accountId)))) {
        for (const summary of summaries) controls.add(summary.controlId);
      }
      controlsByCloud.set(cloud, controls);
    }),
  );
  for (const change of replaces) {
    const controls = controlsByCloud.get(change.spec.cloudType)!;
    // No connector at all: the account findings already say why.
    if (controls.size === 0) continue;
    const unknown = [...new Set(change.spec.controlIds)].filter((id) => !controls.has(id));
    if (unknown.length > 0) findings.push(error(change, 'unknown-control', `control ${unknown.join(', ')} is not evaluated for ${change.spec.cloudType} in this subscription`, 'controlIds'));
  }
  return findings;
}

/** Every reason a replace of the plan could delete what it cannot re-create; empty when none. */
export async function preflightReplaces(changes: readonly PlanChange[], api: CloudViewApi, options: PreflightOptions = {}): Promise<Finding[]> {
  const replaces = changes.filter((change): change is ReplaceChange => change.action === 'replace');
  if (replaces.length === 0) return [];
  const findings = replaces.flatMap((change) => checkSpec(change, options));
  findings.push(...(await checkAccountsAndControls(replaces, api, options.cache ?? new InventoryCache())));
  return findings;
}
