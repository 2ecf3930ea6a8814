// `cvex renew`'s I/O: finds each named exception in the manifests, computes its renewal, edits the
// files in place (edit-manifest.ts), and checks the result: every other exception reads exactly as
// before, and the manifests still validate (else every file is put back). All or nothing.
import { writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { configuredManifests, type CvexConfig } from '../config';
import { readBoundedText } from '../files/read-bounded';
import { withGovernance } from '../governance';
import { loadAndValidate } from '../manifest';
import { readWrittenExceptions } from '../manifest/read-exceptions';
import type { Finding } from '../model/findings';
import { hasErrors } from '../model/findings';
import { stableStringify } from '../reconcile/fingerprint';
import { editExceptionFields, type AppliedEdit, type FieldEdit } from './edit-manifest';
import { planRenewalDates, type RenewalLength } from './renewal-dates';

export interface RenewedException {
  name: string;
  file: string;
  endDate: { before: string; after: string; how: AppliedEdit['how'] };
  startDate?: { before: string; after: string; how: AppliedEdit['how'] };
  maxDurationDays?: number;
}

export type RenewOutcome =
  | { ok: true; renewed: RenewedException[]; files: string[] }
  | { ok: false; problems: string[]; findings?: Finding[] };

export interface RenewOptions {
  cwd: string;
  config: CvexConfig;
  names: readonly string[];
  length: RenewalLength;
  today: string;
  timeZone: string;
  /** Compute and check, write nothing. */
  dryRun?: boolean;
}

/** Every exception of a text but `except`, as read (defaults merged): what must not change. */
export function othersOf(text: string, file: string, except: ReadonlySet<string>): string {
  const read = readWrittenExceptions(text, file);
  if (!read.ok) return `unreadable: ${read.reason}`;
  return stableStringify(read.exceptions.filter((item) => !except.has(item.name)).map(({ name, fields, metadata }) => ({ name, fields, metadata })));
}

export async function renewExceptions(options: RenewOptions): Promise<RenewOutcome> {
  const manifestPaths = configuredManifests(options.config);
  const validation = withGovernance(await loadAndValidate(manifestPaths, { cwd: options.cwd, timeZone: options.timeZone }), options.config.governance, options.config);
  if (hasErrors(validation.findings)) return { ok: false, problems: ['the manifests have errors: fix them first (cvex validate); nothing was changed'], findings: validation.findings.filter((finding) => finding.severity === 'error') };
  const byName = new Map(validation.manifests.exceptions.map((exception) => [exception.spec.name, exception]));

  const problems: string[] = [];
  const editsByFile = new Map<string, FieldEdit[]>();
  const planned = new Map<string, ReturnType<typeof planRenewalDates>>();
  for (const name of new Set(options.names)) {
    const exception = byName.get(name);
    if (!exception) {
      problems.push(`${name}: no exception of that name in the manifests`);
      continue;
    }
    const dates = planRenewalDates(exception.spec, options.length, options.today, options.config.governance);
    planned.set(name, dates);
    if (!dates.ok) {
      problems.push(dates.reason);
      continue;
    }
    const fields: Record<string, string> = { ...(dates.startDate ? { startDate: dates.startDate } : {}), endDate: dates.endDate };
    editsByFile.set(exception.location.file, [...(editsByFile.get(exception.location.file) ?? []), { name, fields }]);
  }
  if (problems.length > 0) return { ok: false, problems };

  const originals = new Map<string, string>();
  const edited = new Map<string, string>();
  const renewed: RenewedException[] = [];
  for (const [file, edits] of editsByFile) {
    const text = await readBoundedText(path.resolve(options.cwd, file), 'manifest', 'a YAML manifest');
    const result = editExceptionFields(text, edits);
    if (!result.ok) {
      problems.push(`${file}: ${result.reason}`);
      continue;
    }
    const names = new Set(edits.map((edit) => edit.name));
    if (othersOf(text, file, names) !== othersOf(result.text, file, names)) {
      problems.push(`${file}: the edit would change other exceptions too; edit it by hand`);
      continue;
    }
    const after = readWrittenExceptions(result.text, file);
    for (const edit of edits) {
      const read = after.ok ? after.exceptions.find((item) => item.name === edit.name) : undefined;
      for (const [field, value] of Object.entries(edit.fields)) {
        if (read?.fields[field] !== value) problems.push(`${file}: ${edit.name}'s ${field} did not read back as ${value}; nothing was changed`);
      }
      const dates = planned.get(edit.name)!;
      if (!dates.ok) continue;
      const how = (field: string) => result.applied.find((item) => item.name === edit.name && item.field === field)!.how;
      renewed.push({
        name: edit.name,
        file,
        endDate: { before: dates.previousEndDate, after: dates.endDate, how: how('endDate') },
        ...(dates.startDate ? { startDate: { before: dates.previousStartDate, after: dates.startDate, how: how('startDate') } } : {}),
        ...(dates.maxDurationDays !== undefined ? { maxDurationDays: dates.maxDurationDays } : {}),
      });
    }
    originals.set(file, text);
    edited.set(file, result.text);
  }
  if (problems.length > 0) return { ok: false, problems };
  if (options.dryRun) return { ok: true, renewed, files: [...edited.keys()] };

  for (const [file, text] of edited) await writeFile(path.resolve(options.cwd, file), text, 'utf8');
  const check = withGovernance(await loadAndValidate(manifestPaths, { cwd: options.cwd, timeZone: options.timeZone }), options.config.governance, options.config);
  if (hasErrors(check.findings)) {
    for (const [file, text] of originals) await writeFile(path.resolve(options.cwd, file), text, 'utf8');
    return { ok: false, problems: ['the renewed manifests would not validate; every file was put back'], findings: check.findings.filter((finding) => finding.severity === 'error') };
  }
  return { ok: true, renewed, files: [...edited.keys()] };
}
