// The seeded world (controls, connectors, resources with per-control results) and what exceptions do to it:
// a FAIL covered by an ACTIVE exception reads PASS_WITH_EXCEPTION (docs/architecture.md, "the wire").
import { createHash } from 'node:crypto';
import type { CloudType } from '../model/exception';
import type { SeedConnector, SeedControl, SeedFile, SeedResource } from './fixture';
import { type SimulatorStore, stateOf } from './store';
import type { Catalog } from './validate';

export interface Evaluation {
  /** Stable across restarts: derived from the resource uuid and the control id. */
  uuid: string;
  resource: SeedResource;
  control: SeedControl;
  connector: SeedConnector;
  /** PASS | FAIL as seeded, before exceptions. */
  baseResult: string;
}

interface CloudWorld {
  controls: Map<number, SeedControl>;
  connectors: SeedConnector[];
  connectorByAccount: Map<string, SeedConnector>;
  /** Ordered by resource (seed order), then control id. */
  evaluations: Evaluation[];
  evaluationsByAccount: Map<string, Evaluation[]>;
  resourceByKey: Map<string, SeedResource>;
}

export const resourceKey = (accountId: string, resourceId: string): string => `${accountId}\u0000${resourceId}`;

/** A stable uuid-shaped id derived from text (name-based, like a v5 uuid), so ids survive restarts. */
export function derivedUuid(text: string): string {
  const hex = createHash('sha1').update(text).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export class EvaluationWorld implements Catalog {
  private readonly clouds = new Map<CloudType, CloudWorld>();

  constructor(readonly seed: SeedFile) {
    for (const cloud of ['AWS', 'AZURE', 'GCP'] as const) {
      const source = seed.clouds[cloud];
      const controls = new Map(source.controls.map((control) => [control.id, control]));
      const connectorByAccount = new Map(source.connectors.map((connector) => [connector.accountId, connector]));
      const evaluations: Evaluation[] = [];
      const evaluationsByAccount = new Map<string, Evaluation[]>();
      const resourceByKey = new Map<string, SeedResource>();
      for (const resource of source.resources) {
        resourceByKey.set(resourceKey(resource.accountId, resource.resourceId), resource);
        const connector = connectorByAccount.get(resource.accountId)!;
        const controlIds = Object.keys(resource.results).map(Number).sort((a, b) => a - b);
        for (const controlId of controlIds) {
          const control = controls.get(controlId);
          if (!control) throw new Error(`seed: ${cloud} resource ${resource.resourceId} has a result for unknown control ${controlId}`);
          const evaluation: Evaluation = {
            uuid: derivedUuid(`${resource.uuid}:${controlId}`),
            resource,
            control,
            connector,
            baseResult: resource.results[String(controlId)],
          };
          evaluations.push(evaluation);
          const perAccount = evaluationsByAccount.get(resource.accountId) ?? [];
          perAccount.push(evaluation);
          evaluationsByAccount.set(resource.accountId, perAccount);
        }
      }
      this.clouds.set(cloud, { controls, connectors: source.connectors, connectorByAccount, evaluations, evaluationsByAccount, resourceByKey });
    }
  }

  private cloud(cloud: CloudType): CloudWorld {
    return this.clouds.get(cloud)!;
  }

  hasControl(cloud: CloudType, controlId: number): boolean {
    return this.cloud(cloud).controls.has(controlId);
  }

  hasAccount(cloud: CloudType, accountId: string): boolean {
    return this.cloud(cloud).connectorByAccount.has(accountId);
  }

  control(cloud: CloudType, controlId: number): SeedControl | undefined {
    return this.cloud(cloud).controls.get(controlId);
  }

  connectorOf(cloud: CloudType, accountId: string): SeedConnector | undefined {
    return this.cloud(cloud).connectorByAccount.get(accountId);
  }

  connectors(cloud: CloudType): readonly SeedConnector[] {
    return this.cloud(cloud).connectors;
  }

  resource(cloud: CloudType, accountId: string, resourceId: string): SeedResource | undefined {
    return this.cloud(cloud).resourceByKey.get(resourceKey(accountId, resourceId));
  }

  evaluations(cloud: CloudType): readonly Evaluation[] {
    return this.cloud(cloud).evaluations;
  }

  evaluationsOfAccount(cloud: CloudType, accountId: string): readonly Evaluation[] {
    return this.cloud(cloud).evaluationsByAccount.get(accountId) ?? [];
  }

  totalAssets(cloud: CloudType, accountId: string): number {
    let count = 0;
    for (const resource of this.seed.clouds[cloud].resources) if (resource.accountId === accountId) count += 1;
    return count;
  }
}

/** Tags an evaluation carries: its resource's seeded tags plus those applyTags added. */
export function tagsOf(evaluation: Evaluation, store: SimulatorStore): Set<string> {
  const tags = new Set(evaluation.resource.tags);
  for (const tag of store.evaluationTags.get(evaluation.uuid) ?? []) tags.add(tag);
  return tags;
}

export type ResultOf = (evaluation: Evaluation) => string;

/**
 * Builds, from the exceptions ACTIVE now in one cloud, the function giving each evaluation's result.
 * RESOURCE: same resourceId + accountId and control; CONNECTOR: account in accountIds and control;
 * QUALYSTAG: tagged with one of resourceTagNames, and (isAllConnector, or account in accountIds, or the
 * connector tagged with one of connectorTagNames), and control.
 */
export function resultsNow(cloud: CloudType, store: SimulatorStore, nowMs: number): ResultOf {
  const resourceKeys = new Set<string>();
  const connectorKeys = new Set<string>();
  const tagRules: Array<{ controls: Set<number>; tags: string[]; all: boolean; accounts: Set<string>; connectorTags: string[] }> = [];
  for (const record of store.all()) {
    const spec = record.spec;
    if (spec.cloudType !== cloud || stateOf(record, nowMs) !== 'ACTIVE') continue;
    if (spec.exceptionScope === 'RESOURCE') {
      for (const resource of spec.resources ?? []) {
        for (const controlId of spec.controlIds) resourceKeys.add(`${resourceKey(resource.accountId, resource.resourceId)}\u0000${controlId}`);
      }
    } else if (spec.exceptionScope === 'CONNECTOR') {
      for (const accountId of spec.accountIds ?? []) {
        for (const controlId of spec.controlIds) connectorKeys.add(`${accountId}\u0000${controlId}`);
      }
    } else {
      tagRules.push({
        controls: new Set(spec.controlIds),
        tags: spec.resourceTagNames ?? [],
        all: spec.isAllConnector === true,
        accounts: new Set(spec.accountIds ?? []),
        connectorTags: spec.connectorTagNames ?? [],
      });
    }
  }
  const coveredByTag = (evaluation: Evaluation): boolean => {
    if (tagRules.length === 0) return false;
    const tags = tagsOf(evaluation, store);
    const accountId = evaluation.resource.accountId;
    return tagRules.some(
      (rule) =>
        rule.controls.has(evaluation.control.id) &&
        rule.tags.some((tag) => tags.has(tag)) &&
        (rule.all || rule.accounts.has(accountId) || rule.connectorTags.some((tag) => evaluation.connector.tags.includes(tag))),
    );
  };
  return (evaluation) => {
    if (evaluation.baseResult !== 'FAIL') return evaluation.baseResult;
    const { accountId, resourceId } = evaluation.resource;
    const controlId = evaluation.control.id;
    const covered =
      resourceKeys.has(`${resourceKey(accountId, resourceId)}\u0000${controlId}`) ||
      connectorKeys.has(`${accountId}\u0000${controlId}`) ||
      coveredByTag(evaluation);
    return covered ? 'PASS_WITH_EXCEPTION' : 'FAIL';
  };
}
