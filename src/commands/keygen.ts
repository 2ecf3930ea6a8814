// `cvex keygen`: a new Ed25519 key for signed markers. The public key goes into cvex.config.yaml
// (`markerKeys`), where every plan verifies with it; the private key goes to stdout, and only into
// a pipe, so it lands in the apply job's secret and never on a screen or in a file by accident:
//   cvex keygen | gh secret set CVEX_SIGNING_KEY --env qualys-production
import { writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { isSeq, parseDocument, YAMLSeq } from 'yaml';
import { type CommandSpec, parseCommandLine } from '../command-line/define';
import type { CliIo } from '../command-line/io';
import { DEFAULT_CONFIG_FILE, loadConfig } from '../config';
import { generateMarkerKey, parseMarkerPublicKey, SIGNING_KEY_ENV } from '../reconcile/marker-keys';
import { FileReadError, readBoundedText } from '../files/read-bounded';

export const keygenDefinition = {
  name: 'keygen',
  usage: ['keygen [--config FILE] | gh secret set CVEX_SIGNING_KEY --env qualys-production'],
  description: `Makes a new Ed25519 key for signing the markers of the exceptions apply creates. Adds its public
key to \`markerKeys\` in cvex.config.yaml (plans verify with it, no secret needed) and writes the
private key to stdout, only when stdout is a pipe or a file: give it to the apply job alone, as
${SIGNING_KEY_ENV}. Once markerKeys is set, only markers signed by a listed key are this repository's.
Rotation: run keygen again (both keys are listed), switch the secret, and remove the old key from
markerKeys once every exception was re-stamped (a replace re-stamps).`,
  positionals: false,
  flags: {
    config: { type: 'string', value: 'FILE', description: 'cvex.config.yaml to add the public key to (created when missing)' },
  },
  epilog: 'Exit codes: 0 key made, 1 stdout is a terminal or the config cannot be written, 2 usage error.',
} as const satisfies CommandSpec;

async function readOptional(file: string): Promise<string> {
  try {
    return await readBoundedText(file, 'config', 'a YAML config');
  } catch (error) {
    if (error instanceof FileReadError && error.reason === 'missing') return '';
    throw error;
  }
}

/** The config text with `publicKey` appended to `markerKeys`; comments and order kept. */
export function addMarkerKey(configText: string, publicKey: string): string {
  const document = parseDocument(configText.trim() === '' ? '{}\n' : configText);
  let keys = document.get('markerKeys', true);
  if (!isSeq(keys)) {
    keys = new YAMLSeq();
    document.set('markerKeys', keys);
  }
  (keys as YAMLSeq).add(publicKey);
  if (document.contents && 'flow' in document.contents) (document.contents as { flow?: boolean }).flow = false;
  return document.toString({ lineWidth: 0 });
}

export async function keygenCommand(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseCommandLine(keygenDefinition, argv);
  if (io.stdout.isTTY) {
    io.stderr.write(
      `cvex keygen: stdout is a terminal, and the private key must not be shown: pipe it into the apply job's secret, e.g.\n  cvex keygen | gh secret set ${SIGNING_KEY_ENV} --env qualys-production\nNothing was changed.\n`,
    );
    return 1;
  }
  // A broken config is refused before a key exists that nobody could use.
  const config = await loadConfig(io.cwd, values.config, { allowMissing: true });
  const key = generateMarkerKey();
  const configFile = path.resolve(io.cwd, values.config ?? DEFAULT_CONFIG_FILE);
  const text = addMarkerKey(await readOptional(configFile), key.publicKey);
  await writeFile(configFile, text);
  io.stdout.write(`${key.privateKey}\n`);
  const shown = path.relative(io.cwd, configFile) || configFile;
  const listed = (config.markerKeys ?? []).map((text) => parseMarkerPublicKey(text).id);
  io.stderr.write(
    `cvex keygen: added key ${key.id} to markerKeys in ${shown}${listed.length > 0 ? ` (beside ${listed.join(', ')}: remove the old one once every marker was re-stamped)` : ''}; commit it. The private key went to stdout: store it as ${SIGNING_KEY_ENV} where apply runs, nowhere else.\n`,
  );
  return 0;
}
