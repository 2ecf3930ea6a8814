// The marker is appended to the explanation, and CloudView limits the explanation's length. A
// create whose explanation does not fit fails after a replace already deleted the old exception,
// so `validate` (and every plan) reports it first, at the explanation field.
import { DEFAULT_MAX_EXPLANATION_LENGTH, type CvexConfig } from '../config';
import { sortFindings } from '../manifest';
import { locationOfField, type LoadedManifests, type ManifestException } from '../model/exception';
import type { Finding } from '../model/findings';
import { LOCAL_OWNER, markerLength } from './marker';

export const MARKER_FIT_RULE = 'explanation.too-long';

export interface MarkerFitOptions {
  owner: string;
  /** The marker carries a signature (config markerKeys is set). */
  signed: boolean;
  maxExplanationLength: number;
}

export function markerFitOptions(config: Pick<CvexConfig, 'owner' | 'markerKeys' | 'maxExplanationLength'>): MarkerFitOptions {
  return {
    owner: config.owner ?? LOCAL_OWNER,
    signed: (config.markerKeys?.length ?? 0) > 0,
    maxExplanationLength: config.maxExplanationLength ?? DEFAULT_MAX_EXPLANATION_LENGTH,
  };
}

export function checkMarkerFit(exceptions: readonly ManifestException[], options: MarkerFitOptions): Finding[] {
  const added = markerLength(options.owner, options.signed);
  const room = options.maxExplanationLength - added;
  const findings: Finding[] = [];
  for (const exception of exceptions) {
    const length = exception.spec.explanation.trimEnd().length;
    if (length <= room) continue;
    const { file, line, column } = locationOfField(exception, 'explanation');
    findings.push({
      severity: 'error',
      rule: MARKER_FIT_RULE,
      message: `'${exception.spec.name}': the explanation is ${length} characters; with the cvex marker (${added} more: owner '${options.owner}'${options.signed ? ', signed' : ''}) it would be ${length + added}, over the ${options.maxExplanationLength} CloudView accepts (maxExplanationLength): shorten it to at most ${Math.max(room, 0)}`,
      file,
      line,
      column,
      path: `${exception.path}.explanation`,
    });
  }
  return findings;
}

/** A validation result with the marker-fit findings merged in, sorted like the others. */
export function withMarkerFit<T extends { findings: Finding[]; manifests: LoadedManifests }>(result: T, options: MarkerFitOptions): T {
  const findings = checkMarkerFit(result.manifests.exceptions, options);
  return findings.length === 0 ? result : { ...result, findings: sortFindings([...result.findings, ...findings]) };
}
