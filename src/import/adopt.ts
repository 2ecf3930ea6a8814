// Adoption: `cvex import` records the imported names in cvex.config.yaml `manage`, so the
// repository owns them from the next plan on without touching them in CloudView. Comments and
// key order of an existing config survive (the yaml Document API edits in place).
import { isSeq, parseDocument, YAMLSeq } from 'yaml';
import { minimatch } from 'minimatch';
import { matchesManageGlobs } from '../reconcile/ownership';

export interface AdoptResult {
  text: string;
  added: string[];
}

/** Adds an exact-name glob for each name no existing glob already claims. */
export function addManagedNames(configText: string, names: readonly string[], existingGlobs: readonly string[]): AdoptResult {
  const added = [...new Set(names)].filter((name) => !matchesManageGlobs(name, existingGlobs)).sort();
  if (added.length === 0) return { text: configText, added };
  const document = parseDocument(configText.trim() === '' ? '{}\n' : configText);
  let manage = document.get('manage', true);
  if (!isSeq(manage)) {
    manage = new YAMLSeq();
    document.set('manage', manage);
  }
  // Names are globs in `manage`; escape them so `team[1]` claims exactly that name. minimatch.escape
  // leaves braces alone, and `team{a,b}` would brace-expand to `teama` / `teamb`.
  for (const name of added) (manage as YAMLSeq).add(minimatch.escape(name).replace(/[{}]/g, '\\$&'));
  if (document.contents && 'flow' in document.contents) (document.contents as { flow?: boolean }).flow = false;
  return { text: document.toString({ lineWidth: 0 }), added };
}
