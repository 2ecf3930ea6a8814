// `cvex demo` (what `npm start` runs): the main job on the embedded default. Starts a fresh
// in-memory CloudView simulator on 127.0.0.1, adds one exception "made in the Qualys UI" so the
// plan shows what cvex leaves alone, then plans the manifests against it (and, with --apply,
// applies and plans again to show the account converged). No account, no credentials, no setup.
import { type CommandSpec, parseCommandLine } from '../command-line/define';
import type { CliIo, TextSink } from '../command-line/io';
import { loadConfig } from '../config';
import { DEFAULT_SIM_PASSWORD, DEFAULT_SIM_USER, startSimulator } from '../simulator';
import { applyCommand } from './apply';
import { planCommand } from './plan';

export const demoDefinition = {
  name: 'demo',
  usage: ['demo [PATH...] [--apply] [--format text|json|markdown]'],
  description: `Plans the manifests (default policies/) against a fresh local CloudView simulator, with one
exception already there that was "made in the Qualys UI". No account, no credentials. With
--format json or markdown only the plan goes to stdout; the narration goes to stderr.`,
  positionals: true,
  flags: {
    apply: { type: 'boolean', description: 'also apply the plan, then plan again: the second plan shows no changes' },
    format: { type: 'string', value: 'text|json|markdown', description: 'plan output (default text)' },
    config: { type: 'string', value: 'FILE', description: 'cvex.config.yaml to read (default ./cvex.config.yaml when present)' },
  },
} as const satisfies CommandSpec;

function banner(sink: TextSink, text: string): void {
  sink.write(`\n== ${text}\n\n`);
}

export async function demoCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandLine(demoDefinition, argv);
  // Machine-readable output stays alone on stdout: the narration goes to stderr.
  const narration = values.format === undefined || values.format === 'text' ? io.stdout : io.stderr;
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
    narration.write(`CloudView simulator listening on ${simulator.url} (time zone ${timezone}); one exception already exists, made "in the UI".\n`);
    // The demo always talks to its own simulator, whatever QUALYS_* the shell has; its applies to a
    // throwaway simulator are no part of the repository's audit trail.
    const env = { ...io.env, QUALYS_API_URL: simulator.url, QUALYS_USERNAME: DEFAULT_SIM_USER, QUALYS_PASSWORD: DEFAULT_SIM_PASSWORD, CVEX_GIT_RECORD: 'off' };
    const inner: CliIo = { ...io, env };
    // With --apply only the last plan is the answer on stdout; what leads to it is narration.
    const leading: CliIo = { ...inner, stdout: values.apply ? narration : io.stdout };
    const common = [...positionals, ...(values.config ? ['--config', values.config] : [])];
    const format = values.format ? ['--format', values.format] : [];

    banner(narration, `cvex plan ${positionals.join(' ') || '(manifests from config, default policies/)'}`);
    const planned = await planCommand([...common, ...format], leading);
    if (planned !== 0 || !values.apply) {
      if (planned === 0) narration.write('\nRun `npx --no-install cvex demo --apply` to apply this plan to the simulator and plan again.\n');
      return planned;
    }
    banner(narration, 'cvex apply --auto-approve');
    const applied = await applyCommand([...common, '--auto-approve'], { ...inner, stdout: narration });
    if (applied !== 0) return applied;
    banner(narration, 'cvex plan --detailed-exitcode (again: expect no changes)');
    const again = await planCommand([...common, ...format, '--detailed-exitcode'], inner);
    const counters = simulator.counters();
    narration.write(`\nThe simulator answered ${counters.total} requests in all.\n`);
    return again;
  } finally {
    await simulator.close();
  }
}
