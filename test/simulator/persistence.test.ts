import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator } from '../../src/simulator';
import { createBody, wire } from './helpers';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cvex-sim-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('--state persistence', () => {
  it('round-trips exceptions, UI edits and applied tags through the state file', async () => {
    const stateFile = join(dir, 'state.json');
    const now = () => new Date('2026-06-15T12:00:00Z');
    const first = await startSimulator({ stateFile, now, timezone: 'Asia/Kolkata' });
    const api = wire(first.url);
    const created = await api.post(
      'exceptions/create',
      createBody({ exceptionScope: 'QUALYSTAG', resourceTagNames: ['cvex-persisted'], isAllConnector: 'true', controlIds: [2], accountIds: undefined }),
    );
    await api.post('aws/evaluations/applyTags', { tagNames: ['cvex-persisted'], regex: 'arn:aws:s3:::acme-prod-logs' });
    first.editExceptionAsUi(created.body.uuid, { explanation: 'edited before restart' });
    const before = (await api.get(`exceptions/${created.body.uuid}`)).body;
    await first.close();
    expect(readdirSync(dir)).toEqual(['state.json']); // the temp file was renamed away
    expect(JSON.parse(readFileSync(stateFile, 'utf8')).version).toBe(1);

    const second = await startSimulator({ stateFile, now, timezone: 'UTC' });
    try {
      const api2 = wire(second.url);
      // Stamped at creation in the old time zone: a restart does not move the instants.
      expect((await api2.get(`exceptions/${created.body.uuid}`)).body).toEqual(before);
      expect((await api2.post('exceptions/create', createBody())).body.errorCode).toBe('DUPLICATE_NAME');
      const evaluation = (await api2.post('aws/evaluations/list/resources', { regex: 'arn:aws:s3:::acme-prod-logs' })).body.content;
      expect(evaluation.find((e: { cid: number }) => e.cid === 2).status).toBe('PASS_WITH_EXCEPTION');
      expect((await api2.del('exceptions/delete', [created.body.uuid])).status).toBe(204);
    } finally {
      await second.close();
    }
    expect(JSON.parse(readFileSync(stateFile, 'utf8')).exceptions).toEqual([]);
  });

  it('starts empty when the state file does not exist yet, and refuses a corrupt one', async () => {
    const fresh = await startSimulator({ stateFile: join(dir, 'new.json') });
    expect(fresh.exceptions()).toEqual([]);
    await fresh.close();
    const corrupt = join(dir, 'corrupt.json');
    writeFileSync(corrupt, '{"version": 1, "exceptions": [');
    await expect(startSimulator({ stateFile: corrupt })).rejects.toThrow(/not valid JSON/);
    writeFileSync(corrupt, '{"something": "else"}');
    await expect(startSimulator({ stateFile: corrupt })).rejects.toThrow(/not a simulator state/);
  });

  it('refuses a state or seed that is a folder, a pipe or binary, naming the path, without hanging', async () => {
    await expect(startSimulator({ stateFile: dir })).rejects.toThrow(`state file ${dir}: is a folder, not a file`);
    await expect(startSimulator({ seedFile: dir })).rejects.toThrow(`seed ${dir}: is a folder, not a file`);
    const binary = join(dir, 'binary.json');
    writeFileSync(binary, Buffer.from([0x7b, 0, 0x7d]));
    await expect(startSimulator({ stateFile: binary })).rejects.toThrow(`state file ${binary}: binary file (contains NUL bytes), not a simulator state`);
    if (process.platform !== 'win32') {
      const fifo = join(dir, 'fifo');
      execFileSync('mkfifo', [fifo]);
      await expect(startSimulator({ stateFile: fifo })).rejects.toThrow('not a regular file');
      await expect(startSimulator({ seedFile: fifo })).rejects.toThrow('not a regular file');
    }
  });

  it('loads a seed fixture from a file', async () => {
    const seedFile = join(dir, 'seed.json');
    writeFileSync(
      seedFile,
      JSON.stringify({
        clouds: {
          AWS: {
            controls: [{ id: 9, name: 'only control', criticality: 'LOW', service: 'S3', policyNames: [], settingName: 's' }],
            connectors: [{ uuid: 'c-1', name: 'solo', description: '', state: 'SUCCESS', accountId: '111122223333', pollingFrequency: 60, lastSyncedOn: '2026-01-01T00:00:00Z' }],
            resources: [{ uuid: 'r-1', resourceId: 'arn:aws:s3:::solo', accountId: '111122223333', region: 'us-east-1', serviceType: 'S3', resourceType: 'BUCKET', resourceName: 'solo', results: { '9': 'FAIL' } }],
          },
        },
      }),
    );
    const custom = await startSimulator({ seedFile });
    try {
      const api = wire(custom.url);
      expect((await api.get('aws/connectors')).body.content.map((c: { name: string }) => c.name)).toEqual(['solo']);
      expect((await api.get('azure/connectors')).body.totalElements).toBe(0);
      expect((await api.post('exceptions/create', createBody({ controlIds: [9], accountIds: ['111122223333'] }))).status).toBe(200);
      expect((await api.get('aws/evaluations/111122223333?filter=cid:9')).body.content[0].passWithExceptionResources).toBe(1);
    } finally {
      await custom.close();
    }
    writeFileSync(seedFile, JSON.stringify({ clouds: { AWS: { controls: [], connectors: [], resources: [{ resourceId: 'x', accountId: 'nobody', results: {} }] } } }));
    await expect(startSimulator({ seedFile })).rejects.toThrow(/unknown account/);
  });
});
