// Plan-time checks of manifests against what the account really has: accounts are connectors
// of that cloud and not in ERROR, controls exist, RESOURCE entries name resources the account evaluates
// for those controls. Warnings by default, errors with `strict`. Findings sit at the exception's location.
//
// Request cost, for M manifests over C clouds, K distinct known accounts:
//   Σ_cloud ceil(connectors_c / P)        one unfiltered connectors listing per cloud used
// + K                                     one unfiltered control summary per account (cache.ts)
// + min(regex, per-control) per cloud     resource results, priced in cost.ts
// (+ up to PROBE_ACCOUNTS summaries for a cloud whose manifests name no account at all).
// M does not appear: never one request per exception. A second call with the same cache costs nothing.
import type { CloudViewApi, Connector } from '../api/types';
import { locationOfField, type CloudType, type ManifestException } from '../model/exception';
import type { Finding } from '../model/findings';
import { InventoryCache, type ResourceQuery } from './cache';

export const INVENTORY_RULES = {
  unknownAccount: 'inventory.unknown-account',
  accountsUnchecked: 'inventory.accounts-unchecked',
  connectorError: 'inventory.connector-error',
  unknownControl: 'inventory.unknown-control',
  unknownResource: 'inventory.unknown-resource',
} as const;

export interface InventoryCheckOptions {
  strict: boolean;
  /** Per-run cache; share it with the report or a second check to avoid re-reading. */
  cache?: InventoryCache;
}

/** Summaries read to learn a cloud's controls when its manifests name no account (tag-scoped only). */
export const PROBE_ACCOUNTS = 3;

/** Every account id a manifest names: `accountIds` and `resources[].accountId`. */
export function accountsOf(manifest: ManifestException): string[] {
  const { spec } = manifest;
  return [...new Set([...(spec.accountIds ?? []), ...(spec.resources ?? []).map((resource) => resource.accountId)])];
}

export async function checkInventory(
  manifests: readonly ManifestException[],
  api: CloudViewApi,
  options: InventoryCheckOptions,
): Promise<Finding[]> {
  const cache = options.cache ?? new InventoryCache();
  const severity = options.strict ? 'error' : 'warning';
  const findings: Finding[] = [];
  const report = (manifest: ManifestException, rule: string, message: string, field: 'accountIds' | 'resources' | 'controlIds', level: Finding['severity'] = severity): void => {
    const { file, line, column } = locationOfField(manifest, field);
    findings.push({ severity: level, rule, message, file, line, column, path: `${manifest.path}.${field}` });
  };
  const accountField = (manifest: ManifestException, accountId: string) => (manifest.spec.accountIds?.includes(accountId) ? 'accountIds' : 'resources');

  const clouds = [...new Set(manifests.map((manifest) => manifest.spec.cloudType))].sort();
  // No `filter`: the connectors API filters on name, description, state, uuid and sync date, not on
  // account id, and `state:SUCCESS` would hide the ERROR connectors we must tell apart from unknown
  // accounts (and PENDING ones, which are fine). One unfiltered listing answers both questions.
  const connectorsByCloud = new Map<CloudType, Map<string, Connector>>(
    await Promise.all(
      clouds.map(async (cloud) => [cloud, new Map((await cache.connectors(api, cloud)).map((c) => [c.accountId, c]))] as const),
    ),
  );

  // 1. Accounts. Connector items may carry no account id: then an account not found is not proven
  // unknown. It is assumed known, and one warning per cloud (never an error, even strict) says so.
  const blindClouds = new Set(clouds.filter((cloud) => connectorsByCloud.get(cloud)!.has('')));
  const blindReported = new Set<CloudType>();
  const knownAccounts = new Map<CloudType, Set<string>>(clouds.map((cloud) => [cloud, new Set<string>()]));
  for (const manifest of manifests) {
    const cloud = manifest.spec.cloudType;
    for (const accountId of accountsOf(manifest)) {
      const connector = connectorsByCloud.get(cloud)?.get(accountId);
      if (!connector && blindClouds.has(cloud)) {
        knownAccounts.get(cloud)!.add(accountId);
        if (!blindReported.has(cloud)) {
          blindReported.add(cloud);
          report(manifest, INVENTORY_RULES.accountsUnchecked, `${cloud} accounts cannot be checked: the connectors listing gives no account ids`, accountField(manifest, accountId), 'warning');
        }
        continue;
      }
      if (!connector) {
        report(manifest, INVENTORY_RULES.unknownAccount, `${cloud} account ${accountId} is not a connector of this subscription`, accountField(manifest, accountId));
        continue;
      }
      knownAccounts.get(cloud)!.add(accountId);
      if (connector.state.toUpperCase() === 'ERROR') {
        report(manifest, INVENTORY_RULES.connectorError, `the connector of ${cloud} account ${accountId} (${connector.name || connector.connectorId}) is in ERROR state: its evaluations are not current`, accountField(manifest, accountId));
      }
    }
  }

  // 2. Controls: the union of the controls evaluated in the cloud's accounts we consult.
  const controlsByCloud = new Map<CloudType, Set<number>>();
  const consulted = new Map<CloudType, string[]>();
  await Promise.all(
    clouds.map(async (cloud) => {
      let accounts = [...knownAccounts.get(cloud)!].sort();
      if (accounts.length === 0) {
        const connectors = [...connectorsByCloud.get(cloud)!.values()].filter((c) => c.accountId !== '');
        const healthy = connectors.filter((c) => c.state.toUpperCase() !== 'ERROR');
        accounts = (healthy.length > 0 ? healthy : connectors).slice(0, PROBE_ACCOUNTS).map((c) => c.accountId);
      }
      consulted.set(cloud, accounts);
      const controls = new Set<number>();
      for (const summaries of await Promise.all(accounts.map((accountId) => cache.summaries(api, cloud, accountId)))) {
        for (const summary of summaries) controls.add(summary.controlId);
      }
      controlsByCloud.set(cloud, controls);
    }),
  );
  for (const manifest of manifests) {
    const cloud = manifest.spec.cloudType;
    const controls = controlsByCloud.get(cloud)!;
    // Nothing consulted (no connector at all): the account findings already say why; do not pile on.
    if (controls.size === 0) continue;
    for (const controlId of new Set(manifest.spec.controlIds)) {
      if (!controls.has(controlId)) {
        report(manifest, INVENTORY_RULES.unknownControl, `control ${controlId} is not evaluated for ${cloud} in accounts ${consulted.get(cloud)!.join(', ')}`, 'controlIds');
      }
    }
  }

  // 3. RESOURCE entries: known account, known controls, one batched read per cloud.
  const queriesByCloud = new Map<CloudType, ResourceQuery[]>();
  for (const manifest of manifests) {
    const { spec } = manifest;
    if (spec.exceptionScope !== 'RESOURCE') continue;
    const controls = controlsByCloud.get(spec.cloudType)!;
    const controlIds = [...new Set(spec.controlIds)].filter((id) => controls.has(id));
    if (controlIds.length === 0) continue;
    for (const resource of spec.resources ?? []) {
      if (!knownAccounts.get(spec.cloudType)!.has(resource.accountId)) continue;
      const queries = queriesByCloud.get(spec.cloudType) ?? [];
      queries.push({ accountId: resource.accountId, resourceId: resource.resourceId, controlIds });
      queriesByCloud.set(spec.cloudType, queries);
    }
  }
  await Promise.all([...queriesByCloud].map(([cloud, queries]) => cache.loadResults(api, cloud, queries)));
  for (const manifest of manifests) {
    const { spec } = manifest;
    if (spec.exceptionScope !== 'RESOURCE') continue;
    const controls = controlsByCloud.get(spec.cloudType)!;
    const controlIds = [...new Set(spec.controlIds)].filter((id) => controls.has(id));
    const seen = new Set<string>();
    for (const resource of spec.resources ?? []) {
      const id = `${resource.accountId}\u0000${resource.resourceId}`;
      if (seen.has(id) || !knownAccounts.get(spec.cloudType)!.has(resource.accountId)) continue;
      seen.add(id);
      const missing = controlIds.filter((controlId) => cache.resultOf(spec.cloudType, resource.accountId, resource.resourceId, controlId) === null);
      if (missing.length === 0) continue;
      const what =
        missing.length === controlIds.length
          ? `for ${controlIds.length === 1 ? 'control' : 'any of controls'} ${controlIds.join(', ')}`
          : `for control${missing.length === 1 ? '' : 's'} ${missing.join(', ')}`;
      report(manifest, INVENTORY_RULES.unknownResource, `resource ${resource.resourceId} is not evaluated in ${spec.cloudType} account ${resource.accountId} ${what}`, 'resources');
    }
  }
  // Stable order for the reader: by file and position, phases (account, control, resource) kept in order.
  return findings
    .map((finding, order) => ({ finding, order }))
    .sort((a, b) => (a.finding.file < b.finding.file ? -1 : a.finding.file > b.finding.file ? 1 : 0) || a.finding.line - b.finding.line || a.finding.column - b.finding.column || a.order - b.order)
    .map(({ finding }) => finding);
}
