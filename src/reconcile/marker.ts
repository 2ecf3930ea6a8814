// The ownership marker cvex appends to the explanation of every exception it creates: readable
// from the list endpoint alone, so ownership needs no state file and no extra request.
//
//   legacy (read only):  [cvex:<fingerprint> <commit>]                      commit: 7-12 hex or local
//   v2, unsigned:        [cvex:<owner> <fingerprint> <commit>]              commit: 12 hex or local
//   v2, signed:          [cvex:<owner> <fingerprint> <commit> <keyid>.<signature>]
//
// <fingerprint> is fingerprintSpec() of the spec as created (16 hex), <commit> the first 12
// characters of the git commit that made it (someone in the Qualys UI can follow it to the pull
// request), <owner> the repository's `owner:` slug. The signature (Ed25519, marker-keys.ts) covers
// markerMessage(): the owner, the name, the fingerprint and the commit.

export const OWNER_PATTERN = /^[a-z0-9][a-z0-9-]{0,31}$/;
/** The owner of a repository without `owner:` in its config, allowed against loopback only. */
export const LOCAL_OWNER = 'local';
export const COMMIT_LENGTH = 12;
export const KEY_ID_LENGTH = 8;
/** Base64url of a 64-byte Ed25519 signature, without padding. */
export const SIGNATURE_LENGTH = 86;

export interface LegacyMarker {
  version: 1;
  fingerprint: string;
  commit: string;
}

export interface MarkerSignature {
  keyId: string;
  value: string;
}

export interface OwnerMarker {
  version: 2;
  owner: string;
  fingerprint: string;
  commit: string;
  signature?: MarkerSignature;
}

export type Marker = LegacyMarker | OwnerMarker;

const FINGERPRINT = /^[0-9a-f]{16}$/;
const LEGACY_COMMIT = /^(?:[0-9a-f]{7,12}|local)$/;
const COMMIT = /^(?:[0-9a-f]{12}|local)$/;
const SIGNATURE = /^([0-9a-f]{8})\.([A-Za-z0-9_-]{86})$/;
// Only at the very end; the fields are checked one by one below. Text a person types, such as
// `[cvex:deadbeef pending]`, is no marker at all.
const MARKER_TAIL = /^\[cvex:([A-Za-z0-9 ._-]{20,160})\]\s*$/;

export function shortCommit(commit: string | undefined): string {
  const trimmed = (commit ?? '').trim();
  if (/^[0-9a-f]{12,64}$/i.test(trimmed)) return trimmed.slice(0, COMMIT_LENGTH).toLowerCase();
  return 'local';
}

function parseFields(fields: string[]): Marker | undefined {
  if (fields.length === 2) {
    const [fingerprint, commit] = fields;
    return FINGERPRINT.test(fingerprint) && LEGACY_COMMIT.test(commit) ? { version: 1, fingerprint, commit } : undefined;
  }
  if (fields.length !== 3 && fields.length !== 4) return undefined;
  const [owner, fingerprint, commit, signed] = fields;
  if (!OWNER_PATTERN.test(owner) || !FINGERPRINT.test(fingerprint) || !COMMIT.test(commit)) return undefined;
  if (signed === undefined) return { version: 2, owner, fingerprint, commit };
  const signature = SIGNATURE.exec(signed);
  return signature ? { version: 2, owner, fingerprint, commit, signature: { keyId: signature[1], value: signature[2] } } : undefined;
}

/** Splits a remote description into the human explanation and the marker, if it ends with one. */
export function readMarker(description: string): { explanation: string; marker?: Marker } {
  const text = description ?? '';
  // lastIndexOf, not a regex anchored at the end: linear however much whitespace the text holds.
  const start = text.lastIndexOf('[cvex:');
  const match = start < 0 ? null : MARKER_TAIL.exec(text.slice(start));
  const marker = match ? parseFields(match[1].split(' ')) : undefined;
  if (!marker) return { explanation: text };
  return { explanation: text.slice(0, start).trimEnd(), marker };
}

export function formatMarker(marker: Marker): string {
  if (marker.version === 1) return `[cvex:${marker.fingerprint} ${marker.commit}]`;
  const signature = marker.signature ? ` ${marker.signature.keyId}.${marker.signature.value}` : '';
  return `[cvex:${marker.owner} ${marker.fingerprint} ${marker.commit}${signature}]`;
}

/** The description sent on create: the explanation, a blank line, the marker. */
export function addMarker(explanation: string, marker: Marker): string {
  return `${explanation.trimEnd()}\n\n${formatMarker(marker)}`;
}

/** What a v2 signature covers. The name binds a marker to one exception: a copy onto another name does not verify. */
export function markerMessage(owner: string, name: string, fingerprint: string, commit: string): string {
  return `cvex-marker-v2\n${owner}\n${name}\n${fingerprint}\n${commit}`;
}

/** Characters the blank line and a v2 marker add to an explanation (the commit at its longest). */
export function markerLength(owner: string, signed: boolean): number {
  const unsigned = `\n\n[cvex:${owner} ${'0'.repeat(16)} ${'0'.repeat(COMMIT_LENGTH)}]`.length;
  return unsigned + (signed ? 1 + KEY_ID_LENGTH + 1 + SIGNATURE_LENGTH : 0);
}

/** Stamps a v2 marker for a spec about to be created: signed when a signer is given. */
export function stampMarker(
  name: string,
  fingerprint: string,
  stamp: { owner: string; commit: string; sign?: (message: string) => MarkerSignature },
): OwnerMarker {
  const commit = shortCommit(stamp.commit);
  const marker: OwnerMarker = { version: 2, owner: stamp.owner, fingerprint, commit };
  if (stamp.sign) marker.signature = stamp.sign(markerMessage(stamp.owner, name, fingerprint, commit));
  return marker;
}
