// The shipped fixture: what the docs promise of it, and every id the example manifests (test/fixtures/example-repo) name.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { EvaluationWorld } from '../../src/simulator/evaluations';
import { compileJavaRegex } from '../../src/simulator/http';
import { loadSeed } from '../../src/simulator/fixture';
import type { CloudType } from '../../src/model/exception';

const seed = loadSeed();
const world = new EvaluationWorld(seed);
const CLOUDS: CloudType[] = ['AWS', 'AZURE', 'GCP'];

describe('shipped seed', () => {
  it('has several accounts per cloud, one connector in ERROR, and the documented account ids', () => {
    for (const cloud of CLOUDS) expect(seed.clouds[cloud].connectors.length).toBeGreaterThanOrEqual(2);
    const states = CLOUDS.flatMap((cloud) => seed.clouds[cloud].connectors.map((c) => c.state));
    expect(states.filter((state) => state === 'ERROR')).toHaveLength(1);
    for (const account of ['123456789012', '210987654321', '555566667777']) expect(world.hasAccount('AWS', account)).toBe(true);
    expect(world.hasAccount('GCP', 'acme-prod-1234')).toBe(true);
    for (const connector of seed.clouds.AZURE.connectors) expect(connector.accountId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  });

  it('has resource ids with / and ", PASS and FAIL results, unique resource and evaluation uuids', () => {
    const resources = CLOUDS.flatMap((cloud) => seed.clouds[cloud].resources);
    expect(resources.some((r) => r.resourceId.includes('"') && r.resourceId.includes('/'))).toBe(true);
    expect(seed.clouds.AZURE.resources.some((r) => r.resourceId.includes('"'))).toBe(true);
    const results = resources.flatMap((r) => Object.values(r.results));
    expect(new Set(results)).toEqual(new Set(['PASS', 'FAIL']));
    expect(new Set(resources.map((r) => r.uuid)).size).toBe(resources.length);
    const evaluations = CLOUDS.flatMap((cloud) => world.evaluations(cloud));
    expect(new Set(evaluations.map((e) => e.uuid)).size).toBe(evaluations.length);
    for (const id of [1, 2, 67]) expect(world.hasControl('AWS', id)).toBe(true);
    for (const id of [50036, 50112, 50113]) expect(world.hasControl('AZURE', id)).toBe(true);
  });
});

const policiesDir = resolve(__dirname, '../fixtures/example-repo/policies');
const policyFiles = existsSync(policiesDir) ? readdirSync(policiesDir).filter((f) => /\.ya?ml$/.test(f)) : [];

describe('example manifests in test/fixtures/example-repo name only what the seed has', () => {
  interface Entry {
    cloudType?: CloudType;
    name?: string;
    controlIds?: number[];
    accountIds?: string[];
    resources?: Array<{ resourceId: string; accountId: string }>;
    resourceTagNames?: string[];
    connectorTagNames?: string[];
  }
  const docs = policyFiles.map((file) => ({
    file,
    doc: parse(readFileSync(join(policiesDir, file), 'utf8')) as {
      defaults?: Entry;
      exceptions?: Entry[];
      applyTags?: Array<{ cloudType?: CloudType; regex: string; tagNames: string[] }>;
    },
  }));
  const appliedTags = new Set(docs.flatMap(({ doc }) => (doc.applyTags ?? []).flatMap((rule) => rule.tagNames)));

  it.each(docs.map(({ file, doc }) => [file, doc] as const))('%s', (_file, doc) => {
    for (const entry of doc.exceptions ?? []) {
      const cloud = (entry.cloudType ?? doc.defaults?.cloudType) as CloudType;
      const where = `${entry.name} (${cloud})`;
      for (const id of entry.controlIds ?? doc.defaults?.controlIds ?? []) expect(world.hasControl(cloud, id), `${where}: control ${id}`).toBe(true);
      for (const account of entry.accountIds ?? []) expect(world.hasAccount(cloud, String(account)), `${where}: account ${account}`).toBe(true);
      for (const resource of entry.resources ?? []) {
        expect(world.resource(cloud, String(resource.accountId), resource.resourceId), `${where}: resource ${resource.resourceId}`).toBeDefined();
      }
      const resourceTags = new Set(seed.clouds[cloud].resources.flatMap((r) => r.tags));
      for (const tag of entry.resourceTagNames ?? []) expect(resourceTags.has(tag) || appliedTags.has(tag), `${where}: resource tag ${tag}`).toBe(true);
      const connectorTags = new Set(seed.clouds[cloud].connectors.flatMap((c) => c.tags));
      for (const tag of entry.connectorTagNames ?? []) expect(connectorTags.has(tag), `${where}: connector tag ${tag}`).toBe(true);
    }
    for (const rule of doc.applyTags ?? []) {
      const cloud = (rule.cloudType ?? doc.defaults?.cloudType) as CloudType;
      const regex = compileJavaRegex(rule.regex);
      expect(world.evaluations(cloud).some((e) => regex.test(e.resource.resourceId)), `applyTags ${rule.regex}`).toBe(true);
    }
  });
});
