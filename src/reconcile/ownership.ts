// Ownership with no state file: the marker (marker.ts), its keys (marker-keys.ts), the `manage:`
// names (manage-names.ts) and the classification of every remote exception (ownership-index.ts).
// This module re-exports what the rest of the program uses.
export { addMarker, COMMIT_LENGTH, formatMarker, LOCAL_OWNER, markerLength, OWNER_PATTERN, readMarker, shortCommit } from './marker';
export type { LegacyMarker, Marker, OwnerMarker } from './marker';
export { compileManageNames, matchesManageGlobs } from './manage-names';
export { buildOwnershipIndex, DEFAULT_OWNERSHIP, historyQueries } from './ownership-index';
export type { Ownership, OwnershipIndex, OwnershipKind, OwnershipSettings } from './ownership-index';
