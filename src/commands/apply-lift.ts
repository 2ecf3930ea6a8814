// What may lift a tripped removal guard for this apply: --force, an approved `--allow-removals N`,
// or the `Cvex-Allow-Removals: N` trailer of a reviewed commit in the applied range (`--commits`).
import { readTrailers } from '../git/trailers';
import { type CliIo, UsageError } from '../command-line/io';
import { ALLOW_REMOVALS_TRAILER, allowanceFromTrailers, type SafetyOverride } from '../reconcile/safety';
import type { SafetyLift } from '../reconcile/types';

export interface LiftFlags {
  force: boolean;
  allowRemovals?: string;
  commits?: string;
}

export function parseAllowRemovals(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d{1,6}$/.test(text.trim())) throw new UsageError(`--allow-removals: expected a whole number of removals, got '${text}'`);
  return Number(text.trim());
}

/** Reads the trailers only when a guard tripped: a clean apply needs no git history. */
export async function resolveOverride(flags: LiftFlags, io: CliIo): Promise<SafetyOverride> {
  const override: SafetyOverride = { force: flags.force };
  const allowed = parseAllowRemovals(flags.allowRemovals);
  if (allowed !== undefined) return { ...override, allowance: { removals: allowed, source: 'flag' } };
  if (flags.commits === undefined) return override;
  try {
    const { allowance, invalid } = allowanceFromTrailers(await readTrailers(flags.commits, ALLOW_REMOVALS_TRAILER, { cwd: io.cwd }));
    for (const trailer of invalid) {
      io.stderr.write(`cvex apply: ignoring \`${ALLOW_REMOVALS_TRAILER}: ${trailer.value}\` in ${trailer.commit.slice(0, 12)}: not a whole number\n`);
    }
    return allowance ? { ...override, allowance: { removals: allowance.removals, source: 'trailer', commit: allowance.commit } } : override;
  } catch (error) {
    io.stderr.write(`cvex apply: cannot read the trailers of ${flags.commits} (${(error as Error).message}); no reviewed allowance applies.\n`);
    return override;
  }
}

export function describeLift(lift: SafetyLift): string {
  if (lift.by === 'force') return 'lifted by --force';
  if (lift.by === 'flag') return `lifted by --allow-removals ${lift.allowRemovals}`;
  return `lifted by the reviewed trailer \`${ALLOW_REMOVALS_TRAILER}: ${lift.allowRemovals}\` in ${lift.commit?.slice(0, 12) ?? 'the applied range'}`;
}
