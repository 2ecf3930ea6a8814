// Which remote exceptions the repository owns, with no state file: a marker at the end of the
// description (readable from the list endpoint alone) and/or name globs from the config.
//
// Marker format (constant, documented in docs/reconciler.md):
//   <explanation>\n\n[cvex:<fingerprint> <commit>]
// <fingerprint> is fingerprintSpec() of the spec as created (16 hex), <commit> the first 12
// characters of the git commit that made it, or `local`. A person in the Qualys UI can follow
// the commit back to the pull request.
import { minimatch } from 'minimatch';
import type { RemoteException } from '../api/types';

export interface Marker {
  fingerprint: string;
  commit: string;
}

export const COMMIT_LENGTH = 12;
// Exactly what formatMarker writes (16 hex, then 7-12 hex or `local`): a looser pattern let text a
// person typed in the UI, such as `[cvex:deadbeef pending]`, claim an exception for deletion.
const MARKER_PATTERN = /\s*\[cvex:([0-9a-f]{16}) ([0-9a-f]{7,12}|local)\]\s*$/;

export function shortCommit(commit: string | undefined): string {
  const trimmed = (commit ?? '').trim();
  if (/^[0-9a-f]{7,64}$/i.test(trimmed)) return trimmed.slice(0, COMMIT_LENGTH).toLowerCase();
  return 'local';
}

export function formatMarker(marker: Marker): string {
  return `[cvex:${marker.fingerprint} ${marker.commit}]`;
}

/** The description sent on create. */
export function addMarker(explanation: string, marker: Marker): string {
  return `${explanation.trimEnd()}\n\n${formatMarker(marker)}`;
}

/** Splits a remote description into the human explanation and the marker, if any. */
export function readMarker(description: string): { explanation: string; marker?: Marker } {
  const match = MARKER_PATTERN.exec(description ?? '');
  if (!match) return { explanation: description ?? '' };
  return {
    explanation: description.slice(0, match.index),
    marker: { fingerprint: match[1], commit: match[2] },
  };
}

export function matchesManageGlobs(name: string, globs: readonly string[]): boolean {
  return globs.some((glob) => minimatch(name, glob, { dot: true, nocomment: true, nonegate: true }));
}

export function isManaged(remote: Pick<RemoteException, 'name' | 'explanation'>, globs: readonly string[]): boolean {
  return readMarker(remote.explanation).marker !== undefined || matchesManageGlobs(remote.name, globs);
}
