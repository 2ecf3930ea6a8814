// `cvex demo` (what `npm start` runs): the main job on the embedded default. Starts a fresh
// in-memory CloudView simulator on 127.0.0.1, adds one exception "made in the Qualys UI" so the
// plan shows what cvex leaves alone, then plans the manifests against it (and, with --apply,
// applies and plans again to show the account converged). No account, no credentials, no setup.
import { parseCommandArgs } from '../cli/args';
import type { CliIo } from '../cli/io';
import { loadConfig } from '../config';
import { DEFAULT_SIM_PASSWORD, DEFAULT_SIM_USER, startSimulator } from '../simulator';
import { applyCommand } from './apply';
import { planCommand } from './plan';

const demoOptions = {
  apply: { type: 'boolean' },
  config: { type: 'string' },
  format: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const DEMO_HELP = `Usage: cvex demo [PATH...] [--apply] [--format text|json|markdown]

Plans the manifests (default policies/) against a fresh local CloudView simulator.
  --apply   also apply the plan, then plan again: the second plan shows no changes
`;

function banner(io: CliIo, text: string): void {
  io.stdout.write(`\n== ${text}\n\n`);
}

export async function demoCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, demoOptions);
  if (values.help) {
    io.stdout.write(DEMO_HELP);
    return 0;
  }
  const config = await loadConfig(io.cwd, values.config);
  const timezone = config.timezone ?? 'UTC';
  const simulator = await startSimulator({ timezone });
  try {
    const today = new Date().toISOString().slice(0, 10);
    const nextYear = `${Number(today.slice(0, 4)) + 1}${today.slice(4)}`.replace(/-02-29$/, '-02-28');
    simulator.createExceptionAsUi({
      name: 'made-in-the-qualys-ui',
      cloudType: 'AWS',
      exceptionScope: 'CONNECTOR',
      explanation: 'Created by hand in the Qualys UI: cvex lists it as unmanaged and never touches it.',
      exceptionReason: 'Other',
      startDate: today,
      endDate: nextYear,
      controlIds: [1],
      accountIds: ['210987654321'],
    });
    io.stdout.write(`CloudView simulator listening on ${simulator.url} (time zone ${timezone}); one exception already exists, made "in the UI".\n`);
    // The demo always talks to its own simulator, whatever QUALYS_* the shell has.
    const env = { ...io.env, QUALYS_API_URL: simulator.url, QUALYS_USERNAME: DEFAULT_SIM_USER, QUALYS_PASSWORD: DEFAULT_SIM_PASSWORD };
    const inner: CliIo = { ...io, env };
    const common = [...positionals, ...(values.config ? ['--config', values.config] : [])];
    const format = values.format ? ['--format', values.format] : [];

    banner(io, `cvex plan ${positionals.join(' ') || '(manifests from config, default policies/)'}`);
    const planned = await planCommand([...common, ...format], inner);
    if (planned !== 0 || !values.apply) {
      if (planned === 0) io.stdout.write('\nRun `npx cvex demo --apply` to apply this plan to the simulator and plan again.\n');
      return planned;
    }
    banner(io, 'cvex apply --auto-approve');
    const applied = await applyCommand([...common, '--auto-approve'], inner);
    if (applied !== 0) return applied;
    banner(io, 'cvex plan --detailed-exitcode (again: expect no changes)');
    const again = await planCommand([...common, ...format, '--detailed-exitcode'], inner);
    const counters = simulator.counters();
    io.stdout.write(`\nThe simulator answered ${counters.total} requests in all.\n`);
    return again;
  } finally {
    await simulator.close();
  }
}
