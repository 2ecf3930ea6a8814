// Named sets of quirks: each plays one reading of the API the documentation leaves open, or one
// hostile answer, so a test (or `cvex simulate --dialect`) can run the client against it by name.
// docs/api-client.md has the table of ambiguities, what each dialect plays and what the client does.
import type { SimulatorQuirks } from './types';

export const DIALECTS = {
  /** What the documentation shows: full Spring envelopes, 0-based pages, `provider` at the top. */
  documented: {},
  /** The v1 lists count pages from 1 and answer `pageNo=0` as page 1. */
  'v1-one-based': { v1OneBasedPages: true },
  /** The v1 lists carry only `numberOfElements`, `size`, `number`: no `last`, `totalPages`, `totalElements`. */
  'v1-minimal': { minimalV1Envelope: true },
  /** The detail's `provider` sits inside `exceptionSummary`. */
  'provider-in-summary': { detailProvider: 'summary' },
  /** The detail names no cloud at all. */
  'no-provider': { detailProvider: 'none' },
  /** The detail's connectors carry `account` instead of `accountId`. */
  'connector-account': { detailConnectors: 'account' },
  /** The detail's connectors are `{uuid, name}` only. */
  'connector-refs': { detailConnectors: 'uuid-name' },
  /** Connector items carry no account id. */
  'connectors-without-accounts': { connectorsWithoutAccountIds: true },
  /** The oddities public scripts report: one-item `content` as an object, a `warning` key, the summary as a bare array. */
  scripts: { singleObjectContent: true, warningKey: true, summaryShape: 'array' },
  /** Every plausible reading at once. */
  'all-readings': {
    v1OneBasedPages: true,
    minimalV1Envelope: true,
    detailProvider: 'summary',
    detailConnectors: 'account',
    singleObjectContent: true,
    warningKey: true,
  },
  /** An exception is deleted in the UI while the first listing is paged. */
  'shrinking-list': { shiftingList: 'shrink-once' },
  /** An exception appears before the offset while the first listing is paged: one item comes twice. */
  'growing-list': { shiftingList: 'grow-once' },
  /** The list changes under every listing: it never reads consistently. */
  'unstable-list': { shiftingList: 'shrink-always' },
  /** The exceptions list never says last and serves pages A, B, A, B, … */
  'repeating-pages': { brokenPaging: { 'exceptions.list': 'repeat' } },
  /** The exceptions list never says last and serves ever-new items. */
  'endless-pages': { brokenPaging: { 'exceptions.list': 'endless' } },
  /** The exceptions list's body is larger than any sane page (16 MiB). */
  'oversized-body': { hugeBody: { 'exceptions.list': 'oversized' }, oversizedBytes: 16 * 1024 * 1024 },
  /** The exceptions list's body never ends. */
  'endless-body': { hugeBody: { 'exceptions.list': 'endless' } },
} as const satisfies Record<string, SimulatorQuirks>;

export type DialectName = keyof typeof DIALECTS;

export const DIALECT_NAMES = Object.keys(DIALECTS) as DialectName[];

export function isDialectName(name: string): name is DialectName {
  return Object.prototype.hasOwnProperty.call(DIALECTS, name);
}

/** A copy of the dialect's quirks; throws on an unknown name, listing the known ones. */
export function dialectQuirks(name: string): SimulatorQuirks {
  if (!isDialectName(name)) throw new RangeError(`unknown simulator dialect ${JSON.stringify(name)}; known: ${DIALECT_NAMES.join(', ')}`);
  return structuredClone(DIALECTS[name]) as SimulatorQuirks;
}
