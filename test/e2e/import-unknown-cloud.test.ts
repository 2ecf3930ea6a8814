// `cvex import` when the exception detail names no cloud: the cloud comes from the manifest of the
// same name, else from one exception.provider listing per cloud, and is never guessed.
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { CloudViewApi, RemoteException, RemoteExceptionDetail } from '../../src/api/types';
import { resolveDetailClouds } from '../../src/import/resolve-cloud';
import { buildImportedFiles } from '../../src/import/to-manifests';
import { awsException, startWorld, type World } from '../reconcile/e2e-harness';

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

const AZ_PROD = '0b5e7a3c-9d1f-4e2a-8c6b-1f2e3d4c5b6a';
const azure = (name: string) => awsException(name, { cloudType: 'AZURE', exceptionScope: 'CONNECTOR', resources: undefined, accountIds: [AZ_PROD], controlIds: [50036] });

describe('cvex import against a server whose detail names no cloud', () => {
  it('reads the clouds from one exception.provider listing per cloud, and writes each where it belongs', async () => {
    world = await startWorld({ dialect: 'no-provider' });
    world.sim.createExceptionAsUi(awsException('ui-aws', { resources: [{ resourceId: 'arn:aws:s3:::acme-prod-logs', accountId: '123456789012' }] }));
    world.sim.createExceptionAsUi(azure('ui-azure'));
    const result = await world.run(['import', '--out', 'policies']);
    expect(result.code, result.stderr).toBe(0);
    expect(await readFile(path.join(world.dir, 'policies', 'imported-aws.yaml'), 'utf8')).toContain('name: ui-aws');
    expect(await readFile(path.join(world.dir, 'policies', 'imported-azure.yaml'), 'utf8')).toContain('name: ui-azure');
    // One listing, two details, three provider listings (one page each).
    expect(world.sim.counters().byRoute).toEqual({ 'exceptions.list': 4, 'exceptions.get': 2 });
    expect(result.stdout).toContain('(6 requests)');
  });

  it('takes the cloud from the repository manifest of the same name, without a provider listing', async () => {
    world = await startWorld({ dialect: 'no-provider' });
    world.sim.createExceptionAsUi(azure('clash'));
    await world.writeManifest('team.yaml', [azure('clash')]);
    const result = await world.run(['import', '--out', 'policies']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('kept the repository\'s own manifests for "clash"');
    expect(world.sim.counters().byRoute).toEqual({ 'exceptions.list': 1, 'exceptions.get': 1 });
  });
});

describe('resolveDetailClouds', () => {
  const detail = (uuid: string, name: string): RemoteExceptionDetail => ({
    uuid, name, explanation: '', exceptionReason: 'Other', exceptionScope: 'CONNECTOR', state: 'ACTIVE', startsAt: '2026-01-01T00:00:00Z', endsAt: '2026-02-01T00:00:00Z', createdOn: '', updatedOn: '',
    controlIds: [1], resources: [], accountIds: ['a'], resourceTagNames: [], connectorTagNames: [],
  });
  /** A remote whose list filter may be ignored: `byCloud` is what each provider filter returns. */
  const remote = (byCloud: Record<string, string[]>) =>
    ({
      async *listExceptions(options?: { filter?: string }) {
        const cloud = options?.filter?.replace('exception.provider:', '') ?? '';
        for (const uuid of byCloud[cloud] ?? []) yield { uuid } as RemoteException;
      },
    }) as Pick<CloudViewApi, 'listExceptions'>;

  it('never assumes a cloud: unknown when no listing holds it, or when more than one does', async () => {
    const details = [detail('u1', 'one'), detail('u2', 'two'), detail('u3', 'three')];
    // A server that ignores the filter returns u2 under every cloud.
    const { details: resolved, listings } = await resolveDetailClouds(remote({ AWS: ['u1', 'u2'], AZURE: ['u2'], GCP: ['u2'] }), details, new Map());
    expect(resolved.map((d) => d.cloudType)).toEqual(['AWS', undefined, undefined]);
    expect(listings).toBe(3);
  });

  it('an exception whose cloud stays unknown is skipped, saying why', () => {
    const { files, skipped } = buildImportedFiles([detail('u9', 'nine')], 'UTC', (text) => text, 'schema.json');
    expect(files).toEqual([]);
    expect(skipped).toEqual([{ uuid: 'u9', name: 'nine', reason: expect.stringMatching(/^its cloud is unknown: the API names none/) }]);
  });

  it('reads nothing when the manifests name every cloud', async () => {
    const { details, listings } = await resolveDetailClouds(remote({}), [detail('u1', 'one')], new Map([['one', 'GCP' as const]]));
    expect(details[0].cloudType).toBe('GCP');
    expect(listings).toBe(0);
  });
});
