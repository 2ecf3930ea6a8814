// `cvex simulate`: run the local CloudView simulator until interrupted (docs/simulator.md).
import { type CommandSpec, parseCommandLine } from '../command-line/define';
import { type CliIo, UsageError } from '../command-line/io';
import { isValidTimeZone } from '../model/dates';
import { DIALECT_NAMES, type DialectName, isDialectName } from '../simulator/dialects';
import { DEFAULT_SIM_USER } from '../simulator/types';

export const simulateDefinition = {
  name: 'simulate',
  usage: ['simulate [options]'],
  description: 'Runs a stateful CloudView simulator on 127.0.0.1 until Ctrl-C (docs/simulator.md).',
  positionals: false,
  flags: {
    port: { type: 'string', value: 'N', description: 'port to listen on; 0 (default) picks a free one' },
    timezone: { type: 'string', value: 'ZONE', description: "the subscription's IANA time zone for date stamping (default UTC)" },
    user: { type: 'string', value: 'NAME', description: `Basic auth user the server accepts (default ${DEFAULT_SIM_USER})` },
    password: { type: 'string', value: 'SECRET', description: 'Basic auth password (default: the documented demo password; never printed)' },
    state: { type: 'string', value: 'FILE', description: 'load state from FILE and save every change to it (atomic rename)' },
    latency: { type: 'string', value: 'MS', description: 'delay added to every response (default 0)' },
    'max-page-size': { type: 'string', value: 'N', description: 'largest page served whatever the client asks (default 100)' },
    seed: { type: 'string', value: 'FILE', description: 'seed fixture (connectors, controls, resources) instead of the shipped one' },
    dialect: {
      type: 'string',
      value: 'NAME',
      description: `play another reading of the API documentation, or a hostile server (default documented;\ndocs/simulator.md describes each): ${DIALECT_NAMES.join(', ')}`,
    },
    'max-explanation-length': { type: 'string', value: 'N', description: 'longest explanation a create accepts (default: no limit)' },
  },
} as const satisfies CommandSpec;

function integerFlag(value: string | undefined, flag: string, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < min) throw new UsageError(`--${flag} must be an integer >= ${min}; got ${JSON.stringify(value)}`);
  if (Number(value) > max) throw new UsageError(`--${flag} must be at most ${max}; got ${JSON.stringify(value)}`);
  return Number(value);
}

export async function simulateCommand(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseCommandLine(simulateDefinition, argv);
  const port = integerFlag(values.port, 'port', 0) ?? 0;
  if (port > 65535) throw new UsageError(`--port must be at most 65535; got ${port}`);
  if (values.timezone !== undefined && !isValidTimeZone(values.timezone)) throw new UsageError(`--timezone: not an IANA time zone: ${values.timezone}`);
  if (values.user !== undefined && (values.user === '' || values.user.includes(':'))) throw new UsageError('--user must be non-empty and contain no colon');
  if (values.password !== undefined && values.password === '') throw new UsageError('--password must not be empty');
  if (values.dialect !== undefined && !isDialectName(values.dialect)) {
    throw new UsageError(`--dialect: unknown dialect ${JSON.stringify(values.dialect)}; known: ${DIALECT_NAMES.join(', ')}`);
  }
  const path = await import('node:path');
  const resolve = (file: string | undefined) => (file === undefined ? undefined : path.resolve(io.cwd, file));

  // Loaded after flag checks so `--help` and usage errors stay instant.
  const { startSimulator } = await import('../simulator/index');
  const simulator = await startSimulator({
    port,
    timezone: values.timezone,
    user: values.user,
    password: values.password,
    stateFile: resolve(values.state),
    seedFile: resolve(values.seed),
    // A Node timer holds at most 2^31 - 1 ms (about 24.8 days).
    latencyMs: integerFlag(values.latency, 'latency', 0, 2_147_483_647),
    maxPageSize: integerFlag(values['max-page-size'], 'max-page-size', 1),
    dialect: values.dialect as DialectName | undefined,
    maxExplanationLength: integerFlag(values['max-explanation-length'], 'max-explanation-length', 1),
  });
  const user = values.user ?? DEFAULT_SIM_USER;
  io.stdout.write(`listening ${simulator.url}\n`);
  io.stdout.write(
    `user ${user}, password ${values.password === undefined ? 'the default (see docs/simulator.md)' : 'as given'}; time zone ${simulator.timezone}` +
      `${values.state ? `; state in ${resolve(values.state)}` : ''}${values.dialect ? `; dialect ${values.dialect}` : ''}\n`,
  );
  io.stdout.write(`try: curl -u ${user}:*** '${simulator.url}/cloudview-api/rest/v1/exceptions/list?pageNo=0&pageSize=50'\n`);
  io.stdout.write('Ctrl-C to stop\n');
  await (io.interrupted ?? new Promise<void>(() => undefined));
  await simulator.close();
  io.stdout.write('simulator stopped\n');
  return 0;
}
