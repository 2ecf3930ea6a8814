// Which listed exceptions will very likely be replaced, told from the list item alone as the pages
// arrive: the inventory check of what a plan changes can start while the listing still runs. A
// guess never decides anything (the plan does); it only starts reads the check will need. It must
// not fire for an unchanged exception, so a no-change plan reads no inventory at all. Pure.
import type { RemoteException } from '../api/types';
import type { ExceptionSpec, ManifestException } from '../model/exception';
import { compareListFields } from './compare';
import { compileManageNames, type ManageNames } from './manage-names';
import { readMarker } from './marker';
import type { OwnershipSettings } from './ownership-index';

export type Prospector = (item: RemoteException) => ExceptionSpec | undefined;

/** A function from a listed item to the desired spec it will probably be replaced with, or undefined. */
export function changeProspector(
  desired: readonly ManifestException[],
  fingerprints: ReadonlyMap<string, string>,
  settings: Pick<OwnershipSettings, 'owner' | 'manage' | 'takeOverFrom'>,
  timeZone: string,
  manageNames: ManageNames = compileManageNames(settings.manage),
): Prospector {
  const specByName = new Map(desired.map((wanted) => [wanted.spec.name, wanted.spec]));
  const takeOverFrom = new Set(settings.takeOverFrom);
  return (item) => {
    const spec = specByName.get(item.name);
    if (!spec) return undefined;
    const { marker } = readMarker(item.explanation);
    if (marker?.version === 2 && marker.owner !== settings.owner) return takeOverFrom.has(marker.owner) ? spec : undefined;
    if (!marker && !manageNames.claims(item.name)) return undefined;
    if (marker && marker.fingerprint !== fingerprints.get(item.name)) return spec;
    return compareListFields(spec, item, timeZone).length > 0 ? spec : undefined;
  };
}
