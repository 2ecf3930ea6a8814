// The validators the build writes as ajv standalone code (dist/validators/generated/) must answer
// exactly as the schemas compiled at run time: same verdict, same errors (keyword, paths, params,
// the schema parts that findings read), on every manifest fixture and on configs good and bad.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { ValidateFunction } from 'ajv';
import { describe, expect, it } from 'vitest';
import { isMapping, mergeManifestFile } from '../../src/manifest/merge';
import { parseYaml } from '../../src/manifest/parse-yaml';
import { buildPlan } from '../../src/reconcile/plan';
import { compileValidator, generatedValidatorPath, type ValidatorName } from '../../src/validators';
import { manifest, remoteOf, SIGNED_OWNERSHIP, spec } from '../reconcile/helpers';

const REPOSITORY = path.resolve(__dirname, '..', '..');
const FIXTURES = path.join(REPOSITORY, 'test', 'fixtures', 'manifests');
const GENERATED = path.join(REPOSITORY, 'dist', 'validators', 'generated');

function built(name: ValidatorName): ValidateFunction {
  const file = generatedValidatorPath(name, GENERATED);
  if (!existsSync(file)) throw new Error(`${file} is missing: run \`npm run build\` first (npm test does)`);
  return require(file) as ValidateFunction;
}

function answer(validate: ValidateFunction, data: unknown): { valid: boolean; errors: unknown } {
  const valid = validate(data) as boolean;
  return { valid, errors: structuredClone(validate.errors ?? null) };
}

function manifestData(file: string): unknown[] {
  const parsed = parseYaml(readFileSync(file, 'utf8'), file);
  if (!isMapping(parsed.value)) return [parsed.value];
  // What checkSchema validates (defaults merged), and the file as written.
  return [mergeManifestFile(file, parsed.value, parsed).merged, parsed.value];
}

describe('standalone validators', () => {
  it('the manifest validator agrees with the runtime-compiled schema on every fixture', () => {
    const standalone = built('manifest');
    const compiled = compileValidator('manifest');
    const files = ['valid', 'invalid'].flatMap((folder) =>
      readdirSync(path.join(FIXTURES, folder))
        .filter((name) => /\.ya?ml$/.test(name))
        .map((name) => path.join(FIXTURES, folder, name)),
    );
    files.push(...readdirSync(path.join(REPOSITORY, 'policies')).filter((name) => name.endsWith('.yaml')).map((name) => path.join(REPOSITORY, 'policies', name)));
    expect(files.length).toBeGreaterThan(100);
    let invalid = 0;
    for (const file of files) {
      for (const data of manifestData(file)) {
        const expected = answer(compiled, data);
        expect(answer(standalone, data), file).toEqual(expected);
        if (!expected.valid) invalid += 1;
      }
    }
    // The corpus exercises the error paths, not only the happy one.
    expect(invalid).toBeGreaterThan(60);
  });

  it('the plan validator agrees with the runtime-compiled schema on a real plan and broken copies of it', () => {
    const standalone = built('plan');
    const compiled = compileValidator('plan');
    const remote = remoteOf(spec({ name: 'gone' }));
    const plan = buildPlan(
      { desired: [manifest(spec({ name: 'new' })), manifest(spec({ name: 'moved', endDate: '2027-12-31' }))], remote: [remote, remoteOf(spec({ name: 'moved' }))], details: new Map() },
      { timeZone: 'UTC', manage: [], now: new Date('2026-06-01T00:00:00Z'), commit: 'local', apiUrl: 'https://x', maxDeletes: 10, maxDeletePercent: 25, ownership: SIGNED_OWNERSHIP },
    );
    const json = JSON.parse(JSON.stringify(plan)) as Record<string, unknown>;
    const broken = [{ ...json, scope: { kind: 'partial' } }, { ...json, changes: [{ action: 'update', name: 'x' }] }, { ...json, summary: null }, { ...json, owner: 3 }];
    expect(answer(compiled, json).valid).toBe(true);
    for (const candidate of [json, ...broken]) expect(answer(standalone, candidate)).toEqual(answer(compiled, candidate));
  });

  it('the config validator agrees with the runtime-compiled schema, valid and invalid', () => {
    const standalone = built('config');
    const compiled = compileValidator('config');
    const configs: unknown[] = [
      {},
      { version: 1, owner: 'platform-security', repository: 'acme/policies', timezone: 'Asia/Kolkata', manage: ['team-a-*'], maxDeletes: 3 },
      { version: 1, markerKeys: ['ed25519:wmNM0jIcty-gOlYf1q6MKmeNXQlvCDsxWb-bsNDmvLk'], takeOverFrom: ['other-team'], replaceReserve: 5 },
      { governance: { maxDurationDays: { 'Risk Accepted': 180 }, requirePolicyFor: ['Risk Accepted'], namePattern: '^[a-z]+$', requiredMetadata: ['owner'] } },
      { version: 2 },
      { owner: 'Not A Slug', repository: 'no-slash' },
      { manage: ['  '], manifests: [''], unknownKey: true },
      { maxDeletes: -1, maxDeletePercent: 150, markerKeys: ['rsa:nope'] },
      { governance: { maxDurationDays: { Whatever: 'x' } } },
      [],
      'text',
    ];
    for (const config of configs) expect(answer(standalone, config), JSON.stringify(config)).toEqual(answer(compiled, config));
    expect(configs.filter((config) => !answer(compiled, config).valid).length).toBeGreaterThanOrEqual(6);
  });
});
