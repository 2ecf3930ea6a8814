// Adoption: `cvex import` records in cvex.config.yaml what it adopted, so the repository owns it
// from the next plan on without touching it in CloudView: the exact names of unmarked exceptions
// under `manage`, the owners it takes over under `takeOverFrom`, and the repository's own
// `owner`/`repository` when missing. Comments and key order of an existing config survive (the
// yaml Document API edits in place).
import { isMap, isScalar, isSeq, parseDocument, YAMLSeq, type Document } from 'yaml';
import { minimatch } from 'minimatch';
import { compileManageNames } from '../reconcile/manage-names';
import { insertIntoSortedTail } from './sorted-tail';

export interface AdoptResult {
  text: string;
  added: string[];
}

export interface ConfigAdoption {
  /** Names to claim exactly under `manage` (those no entry claims yet). */
  manageNames?: readonly string[];
  /** Owners to add under `takeOverFrom`. */
  takeOverFrom?: readonly string[];
  /** Written only when the config has no `owner` / `repository` yet. */
  owner?: string;
  repository?: string;
}

export interface ConfigAdoptionResult {
  text: string;
  /** Names added to `manage`. */
  added: string[];
  takeOverAdded: string[];
  ownerWritten?: string;
  repositoryWritten?: string;
}

function parseConfigDocument(configText: string): Document {
  return parseDocument(configText.trim() === '' ? '{}\n' : configText);
}

function sequence(document: Document, key: string): YAMLSeq {
  const existing = document.get(key, true);
  if (isSeq(existing)) return existing;
  const created = new YAMLSeq();
  document.set(key, created);
  return created;
}

/** Sets a top-level key near the top (after `version`), so `owner:` reads first. */
function setNearTop(document: Document, key: string, value: string): void {
  document.set(key, value);
  const contents = document.contents;
  if (!isMap(contents)) return;
  const index = contents.items.findIndex((pair) => (pair.key as { value?: unknown } | null)?.value === key);
  const [pair] = contents.items.splice(index, 1);
  const after = contents.items.findIndex((item) => (item.key as { value?: unknown } | null)?.value === 'version');
  contents.items.splice(after + 1, 0, pair);
}

export function adoptIntoConfig(configText: string, adoption: ConfigAdoption, existingGlobs: readonly string[]): ConfigAdoptionResult {
  const claimed = compileManageNames(existingGlobs);
  const added = [...new Set(adoption.manageNames ?? [])].filter((name) => !claimed.claims(name)).sort();
  const document = parseConfigDocument(configText);
  const current = (document.toJS() ?? {}) as { owner?: unknown; repository?: unknown; takeOverFrom?: unknown };
  const knownOwners = new Set(Array.isArray(current.takeOverFrom) ? current.takeOverFrom.map(String) : []);
  const takeOverAdded = [...new Set(adoption.takeOverFrom ?? [])].filter((owner) => !knownOwners.has(owner)).sort();
  const ownerWritten = current.owner === undefined ? adoption.owner : undefined;
  const repositoryWritten = current.repository === undefined ? adoption.repository : undefined;
  if (added.length === 0 && takeOverAdded.length === 0 && ownerWritten === undefined && repositoryWritten === undefined) {
    return { text: configText, added, takeOverAdded };
  }
  if (repositoryWritten !== undefined) setNearTop(document, 'repository', repositoryWritten);
  if (ownerWritten !== undefined) setNearTop(document, 'owner', ownerWritten);
  // Names are globs in `manage`; escape them so `team[1]` claims exactly that name. minimatch.escape
  // leaves braces alone, and `team{a,b}` would brace-expand to `teama` / `teamb`.
  if (added.length > 0) {
    // At their sorted places in the list's sorted tail: runs of a resumed import write what one run would.
    const manage = sequence(document, 'manage');
    const entryOf = (item: unknown) => String(isScalar(item) ? item.value : item);
    const entries = added.map((name) => document.createNode(minimatch.escape(name).replace(/[{}]/g, '\\$&')));
    manage.items = insertIntoSortedTail(manage.items, entries, entryOf);
  }
  if (takeOverAdded.length > 0) {
    const owners = sequence(document, 'takeOverFrom');
    for (const owner of takeOverAdded) owners.add(owner);
  }
  if (document.contents && 'flow' in document.contents) (document.contents as { flow?: boolean }).flow = false;
  return {
    text: document.toString({ lineWidth: 0 }),
    added,
    takeOverAdded,
    ...(ownerWritten !== undefined ? { ownerWritten } : {}),
    ...(repositoryWritten !== undefined ? { repositoryWritten } : {}),
  };
}

/** Adds an exact-name glob for each name no existing glob already claims. */
export function addManagedNames(configText: string, names: readonly string[], existingGlobs: readonly string[]): AdoptResult {
  const { text, added } = adoptIntoConfig(configText, { manageNames: names }, existingGlobs);
  return { text, added };
}
