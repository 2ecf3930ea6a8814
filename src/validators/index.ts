// The JSON Schema validators of the manifests, of cvex.config.yaml and of saved plans. `npm run build` compiles them
// once into ajv's standalone code (scripts/build-validators.js writes dist/validators/generated/),
// so a command starts without loading ajv's compiler or compiling a 900-line schema: about half of
// the start-up CPU otherwise. Run from source (tests, ts-node) they are compiled on first use, with
// the same options; test/manifest/standalone-validators.test.ts holds both to the same answers.
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Options, ValidateFunction } from 'ajv';

/** Both src/validators and dist/validators sit two levels below the repository. */
export const SCHEMAS_FOLDER = path.resolve(__dirname, '..', '..', 'schemas');
const GENERATED_FOLDER = path.join(__dirname, 'generated');

export const VALIDATOR_SPECS = {
  manifest: { schemaFile: 'exception-manifest.schema.json', options: { strict: true, allErrors: true, verbose: true } },
  config: { schemaFile: 'config.schema.json', options: { strict: true, allErrors: true } },
  plan: { schemaFile: 'plan.schema.json', options: { strict: false, allErrors: true } },
} as const satisfies Record<string, { schemaFile: string; options: Options }>;

export type ValidatorName = keyof typeof VALIDATOR_SPECS;

const loaded = new Map<ValidatorName, ValidateFunction>();

export function readSchema(name: ValidatorName): Record<string, unknown> {
  return JSON.parse(readFileSync(path.join(SCHEMAS_FOLDER, VALIDATOR_SPECS[name].schemaFile), 'utf8')) as Record<string, unknown>;
}

/** Where the build writes the standalone code of `name`. */
export function generatedValidatorPath(name: ValidatorName, folder = GENERATED_FOLDER): string {
  return path.join(folder, `${name}.js`);
}

/** The validator compiled now, by ajv, from the schema file (the reference the standalone code must match). */
export function compileValidator(name: ValidatorName, extra: Options = {}): ValidateFunction {
  // Loaded here only: the built CLI never needs ajv's compiler.
  const { default: Ajv } = require('ajv') as typeof import('ajv');
  return new Ajv({ ...VALIDATOR_SPECS[name].options, ...extra }).compile(readSchema(name));
}

/** ajv's standalone code of `name`: a CommonJS module whose export is the validate function. */
export function standaloneSource(name: ValidatorName): string {
  const { default: Ajv } = require('ajv') as typeof import('ajv');
  const { default: standaloneCode } = require('ajv/dist/standalone') as typeof import('ajv/dist/standalone');
  const ajv = new Ajv({ ...VALIDATOR_SPECS[name].options, code: { source: true } });
  return standaloneCode(ajv, ajv.compile(readSchema(name)));
}

/** The validator of `name`: the build's standalone code when present, else compiled now; once per process. */
export function validatorFor(name: ValidatorName): ValidateFunction {
  let validate = loaded.get(name);
  if (!validate) {
    const generated = generatedValidatorPath(name);
    validate = existsSync(generated) ? (require(generated) as ValidateFunction) : compileValidator(name);
    loaded.set(name, validate);
  }
  return validate;
}
