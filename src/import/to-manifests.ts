// Turns the account's exceptions into manifest documents in the fixed format (pure).
// Files split by cloud, and in a large account by a stable key (layout.ts); exceptions sorted by
// name, keys in a fixed order, so that importing the same account twice, or in several budgeted
// runs, writes the same bytes and `git diff` shows only real changes.
import { Document, isMap, isSeq, parseDocument } from 'yaml';
import type { RemoteExceptionDetail } from '../api/types';
import { CLOUD_TYPES, EXCEPTION_REASONS, EXCEPTION_SCOPES, SPEC_FIELDS, type CloudType, type ExceptionSpec } from '../model/exception';
import { fingerprintSpec } from '../reconcile/fingerprint';
import { intendedDay } from '../reconcile/zone-check';
import { insertIntoSortedTail } from './sorted-tail';
import { mergeItemsAsText } from './text-merge';

export interface ImportedFile {
  /** File name relative to the output folder, e.g. `imported-aws.yaml`. */
  name: string;
  cloudType: CloudType;
  text: string;
  count: number;
}

export interface SkippedException {
  uuid: string;
  name: string;
  reason: string;
}

/** Removes the ownership marker a previous cvex apply appended, so the manifest holds the human text only. */
export type ExplanationCleaner = (description: string) => string;

/**
 * Maps a detail to a create-API spec. The detail carries no region, no information security
 * policy or procedure and no `isAllConnector`, so those are derived
 * (isAllConnector: a QUALYSTAG exception with neither accounts nor connector tags) or left out.
 */
export function specFromDetail(detail: RemoteExceptionDetail, timeZone: string, cleanExplanation: ExplanationCleaner): ExceptionSpec {
  const scope = detail.exceptionScope as ExceptionSpec['exceptionScope'];
  if (detail.cloudType === undefined) throw new TypeError(`${detail.name}: ${UNKNOWN_CLOUD}`);
  const spec: ExceptionSpec = {
    name: detail.name,
    cloudType: detail.cloudType,
    exceptionScope: scope,
    explanation: cleanExplanation(detail.explanation),
    exceptionReason: detail.exceptionReason as ExceptionSpec['exceptionReason'],
    // The day each stamp means, also for one stamped in an earlier zone of the subscription.
    startDate: intendedDay(detail.startsAt, 'start', timeZone),
    endDate: intendedDay(detail.endsAt, 'end', timeZone),
    controlIds: [...detail.controlIds].sort((a, b) => a - b),
  };
  const sorted = (values: readonly string[]) => [...new Set(values)].sort();
  if (scope === 'RESOURCE') {
    spec.resources = [...detail.resources]
      .map(({ resourceId, accountId }) => ({ resourceId, accountId }))
      .sort((a, b) => a.accountId.localeCompare(b.accountId) || a.resourceId.localeCompare(b.resourceId));
  } else if (scope === 'CONNECTOR') {
    spec.accountIds = sorted(detail.accountIds);
  } else {
    spec.resourceTagNames = sorted(detail.resourceTagNames);
    const accountIds = sorted(detail.accountIds);
    const connectorTagNames = sorted(detail.connectorTagNames);
    spec.isAllConnector = accountIds.length === 0 && connectorTagNames.length === 0;
    if (accountIds.length > 0) spec.accountIds = accountIds;
    if (connectorTagNames.length > 0) spec.connectorTagNames = connectorTagNames;
  }
  return spec;
}

const UNKNOWN_CLOUD = 'its cloud is unknown: the API names none (no provider in the detail) and neither a manifest of that name nor an exception.provider listing found it';

/** Why a detail cannot be written as a valid manifest, or undefined when it can. */
export function unimportableReason(detail: RemoteExceptionDetail): string | undefined {
  if (detail.cloudType === undefined) return UNKNOWN_CLOUD;
  if (!(CLOUD_TYPES as readonly string[]).includes(detail.cloudType)) return `unknown cloud type '${detail.cloudType}'`;
  if (!(EXCEPTION_SCOPES as readonly string[]).includes(detail.exceptionScope)) return `unknown scope '${detail.exceptionScope}'`;
  if (!(EXCEPTION_REASONS as readonly string[]).includes(detail.exceptionReason)) return `unknown reason '${detail.exceptionReason}'`;
  if (detail.controlIds.length === 0) return 'no controls';
  return undefined;
}

/**
 * What an import records of each exception, so a plan can vouch for it from the list alone while
 * neither side moved (see importVouches in src/reconcile/plan.ts): the remote uuid and updatedOn,
 * and the fingerprint of the spec as written. Without them an adopted exception (no marker) would
 * cost a detail request on every plan.
 */
export interface ImportedFrom {
  uuid: string;
  updatedOn?: string;
}

export function renderManifestFile(cloudType: CloudType, specs: ExceptionSpec[], schemaPath: string, uuids: Map<string, string | ImportedFrom>): string {
  const ordered = [...specs]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((spec) => {
      const entry: Record<string, unknown> = {};
      for (const key of SPEC_FIELDS) if (spec[key] !== undefined) entry[key] = spec[key];
      const from = uuids.get(spec.name);
      const { uuid, updatedOn } = typeof from === 'string' ? { uuid: from, updatedOn: undefined } : (from ?? { uuid: undefined, updatedOn: undefined });
      if (uuid) {
        entry.metadata = updatedOn
          ? { importedUuid: uuid, importedUpdatedOn: updatedOn, importedFingerprint: fingerprintSpec(spec) }
          : { importedUuid: uuid };
      }
      return entry;
    });
  const document = new Document({ version: 1, exceptions: ordered });
  // Flow style keeps id lists on one line; block style keeps resources readable.
  const exceptions = document.get('exceptions', true);
  if (isSeq(exceptions)) {
    for (const item of exceptions.items) {
      if (!isMap(item)) continue;
      for (const key of ['controlIds', 'accountIds', 'resourceTagNames', 'connectorTagNames']) {
        const list = item.get(key, true);
        if (isSeq(list)) list.flow = true;
      }
    }
  }
  const header = [
    `# yaml-language-server: $schema=${schemaPath}`,
    `# Imported from CloudView by \`cvex import\` (${cloudType}). Edit freely: this file is now the source of truth.`,
  ].join('\n');
  return `${header}\n${document.toString({ lineWidth: 0 })}`;
}

/**
 * The files to write: `fileOf` says where each exception goes (layout.ts, or the file that holds it
 * already). Files come out sorted by name, one document each.
 */
export function buildImportedFiles(
  details: RemoteExceptionDetail[],
  timeZone: string,
  cleanExplanation: ExplanationCleaner,
  schemaPath: string,
  fileOf: (cloud: CloudType, name: string) => string = (cloud) => `imported-${cloud.toLowerCase()}.yaml`,
): { files: ImportedFile[]; skipped: SkippedException[] } {
  const skipped: SkippedException[] = [];
  const byFile = new Map<string, { cloudType: CloudType; specs: ExceptionSpec[] }>();
  const uuids = new Map<string, ImportedFrom>();
  for (const detail of details) {
    const reason = unimportableReason(detail);
    if (reason) {
      skipped.push({ uuid: detail.uuid, name: detail.name, reason });
      continue;
    }
    const spec = specFromDetail(detail, timeZone, cleanExplanation);
    uuids.set(spec.name, detail.updatedOn ? { uuid: detail.uuid, updatedOn: detail.updatedOn } : { uuid: detail.uuid });
    const file = fileOf(spec.cloudType, spec.name);
    const group = byFile.get(file) ?? { cloudType: spec.cloudType, specs: [] };
    group.specs.push(spec);
    byFile.set(file, group);
  }
  const files = [...byFile.keys()].sort().map((name) => {
    const { cloudType, specs } = byFile.get(name)!;
    return { name, cloudType, text: renderManifestFile(cloudType, specs, schemaPath, uuids), count: specs.length };
  });
  return { files, skipped };
}

/**
 * A later import into a file an earlier one wrote: the exceptions already there stay as they are
 * (the team owns and edits them now, and they are managed: dropping one would plan its delete);
 * only names the file does not hold yet are added, at their sorted places in the file's sorted tail
 * (sorted-tail.ts), so runs of a resumed import write what one run would. Comments and order
 * survive. Undefined when the existing file has no `exceptions` list to add to.
 */
export function mergeIntoExistingFile(existingText: string, freshText: string): { text: string; added: number; kept: number } | undefined {
  // Laid out as cvex writes it (the usual case): added as text, each item kept byte for byte.
  const asText = mergeItemsAsText(existingText, freshText);
  if (asText) return asText;
  const existing = parseDocument(existingText);
  const fresh = parseDocument(freshText);
  const target = existing.get('exceptions', true);
  const incoming = fresh.get('exceptions', true);
  if (existing.errors.length > 0 || !isSeq(target) || !isSeq(incoming)) return undefined;
  const nameOf = (item: unknown) => (isMap(item) ? String(item.get('name')) : '');
  const names = new Set(target.items.map(nameOf));
  const added = incoming.items.filter((item) => isMap(item) && !names.has(nameOf(item)));
  const kept = target.items.length;
  target.items = insertIntoSortedTail(target.items, added, nameOf);
  return { text: existing.toString({ lineWidth: 0 }), added: added.length, kept };
}
