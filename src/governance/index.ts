// Governance: organisation rules from `cvex.config.yaml` (`governance:`) that every manifest
// exception must follow. Pure: exceptions and rules in, findings out. Violations are errors,
// so `validate` fails and `plan` refuses to reach the API.
import type { CvexConfig, GovernanceRules } from '../config';
import { sortFindings } from '../manifest';
import { locationOfField, type LoadedManifests, type ManifestException } from '../model/exception';
import { matchAllBounded, REGEX_TIME_LIMIT_MS } from './bounded-regex';
import type { Finding } from '../model/findings';
import { daysBetween, isCalendarDate } from '../model/dates';

export const GOVERNANCE_RULES = {
  maxDuration: 'governance.max-duration',
  requirePolicy: 'governance.require-policy',
  namePattern: 'governance.name-pattern',
  namePatternTimeout: 'governance.name-pattern-timeout',
  requiredMetadata: 'governance.required-metadata',
} as const;

/** Where the config was read from, so a finding about a rule itself points at its line. */
export type GovernanceSource = Pick<CvexConfig, 'file' | 'locations'>;

export interface GovernanceOptions {
  /** Time the name pattern may take over every name (REGEX_TIME_LIMIT_MS). */
  regexTimeLimitMs?: number;
}

export function checkGovernance(
  exceptions: readonly ManifestException[],
  rules: GovernanceRules | undefined,
  source: GovernanceSource = {},
  options: GovernanceOptions = {},
): Finding[] {
  if (!rules) return [];
  const requirePolicyFor = new Set(rules.requirePolicyFor ?? []);
  const findings: Finding[] = [];
  // The pattern is config text: it runs over every name at once, with a time bound.
  const names =
    rules.namePattern === undefined ? undefined : matchAllBounded(rules.namePattern, exceptions.map((exception) => exception.spec.name), options.regexTimeLimitMs ?? REGEX_TIME_LIMIT_MS);
  if (names && 'timedOut' in names) {
    const location = source.locations?.['governance.namePattern'] ?? { file: source.file ?? 'cvex.config.yaml', line: 0, column: 0 };
    findings.push({
      severity: 'error',
      rule: GOVERNANCE_RULES.namePatternTimeout,
      message: `governance.namePattern /${rules.namePattern}/ did not finish within ${names.timeLimitMs} ms over ${exceptions.length} names: it backtracks catastrophically (nested quantifiers such as (a+)+?); simplify it`,
      ...location,
      path: 'governance.namePattern',
    });
  }

  exceptions.forEach((exception, index) => {
    const { spec, metadata } = exception;
    const at = (field: string): Pick<Finding, 'file' | 'line' | 'column' | 'path'> => {
      const { file, line, column } = locationOfField(exception, field);
      return { file, line, column, path: `${exception.path}.${field}` };
    };
    const error = (rule: string, message: string, field: string): Finding => ({ severity: 'error', rule, message, ...at(field) });

    const maxDays = rules.maxDurationDays?.[spec.exceptionReason];
    // Bad dates are the manifest validator's findings (date.calendar); no second finding for them here.
    if (maxDays !== undefined && isCalendarDate(spec.startDate) && isCalendarDate(spec.endDate)) {
      const days = daysBetween(spec.startDate, spec.endDate);
      if (days > maxDays) {
        findings.push(
          error(
            GOVERNANCE_RULES.maxDuration,
            `'${spec.name}' lasts ${days} days (${spec.startDate} to ${spec.endDate}); '${spec.exceptionReason}' exceptions may last at most ${maxDays}`,
            'endDate',
          ),
        );
      }
    }

    if (requirePolicyFor.has(spec.exceptionReason) && !spec.informationSecurityPolicy?.trim()) {
      findings.push(
        error(
          GOVERNANCE_RULES.requirePolicy,
          `'${spec.name}' needs informationSecurityPolicy: required for '${spec.exceptionReason}' exceptions`,
          'informationSecurityPolicy',
        ),
      );
    }

    if (names && 'matched' in names && !names.matched[index]) {
      findings.push(error(GOVERNANCE_RULES.namePattern, `name '${spec.name}' does not match the pattern /${rules.namePattern}/`, 'name'));
    }

    for (const key of rules.requiredMetadata ?? []) {
      const value = metadata[key];
      if (typeof value !== 'string' || value.trim() === '') {
        findings.push(error(GOVERNANCE_RULES.requiredMetadata, `'${spec.name}' needs metadata.${key}`, `metadata.${key}`));
      }
    }
  });

  return findings.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) || a.line - b.line || a.column - b.column);
}

/**
 * A validation result (from `loadAndValidate`) with the governance findings merged in, sorted the
 * same way. What `cvex validate` and `cvex plan` call, so a violation blocks like a schema error.
 */
export function withGovernance<T extends { findings: Finding[]; manifests: LoadedManifests }>(
  result: T,
  rules: GovernanceRules | undefined,
  source: GovernanceSource = {},
  options: GovernanceOptions = {},
): T {
  const governance = checkGovernance(result.manifests.exceptions, rules, source, options);
  return governance.length === 0 ? result : { ...result, findings: sortFindings([...result.findings, ...governance]) };
}
