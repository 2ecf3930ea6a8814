// Governance: organisation rules from `cvex.config.yaml` (`governance:`) that every manifest
// exception must follow. Pure: exceptions and rules in, findings out. Violations are errors,
// so `validate` fails and `plan` refuses to reach the API.
import type { GovernanceRules } from '../config';
import { sortFindings } from '../manifest';
import { locationOfField, type LoadedManifests, type ManifestException } from '../model/exception';
import type { Finding } from '../model/findings';
import { daysBetween, isCalendarDate } from '../model/dates';

export const GOVERNANCE_RULES = {
  maxDuration: 'governance.max-duration',
  requirePolicy: 'governance.require-policy',
  namePattern: 'governance.name-pattern',
  requiredMetadata: 'governance.required-metadata',
} as const;

export function checkGovernance(exceptions: readonly ManifestException[], rules: GovernanceRules | undefined): Finding[] {
  if (!rules) return [];
  const namePattern = rules.namePattern === undefined ? undefined : new RegExp(rules.namePattern);
  const requirePolicyFor = new Set(rules.requirePolicyFor ?? []);
  const findings: Finding[] = [];

  for (const exception of exceptions) {
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

    if (namePattern && !namePattern.test(spec.name)) {
      findings.push(error(GOVERNANCE_RULES.namePattern, `name '${spec.name}' does not match the pattern /${rules.namePattern}/`, 'name'));
    }

    for (const key of rules.requiredMetadata ?? []) {
      const value = metadata[key];
      if (typeof value !== 'string' || value.trim() === '') {
        findings.push(error(GOVERNANCE_RULES.requiredMetadata, `'${spec.name}' needs metadata.${key}`, `metadata.${key}`));
      }
    }
  }

  return findings.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) || a.line - b.line || a.column - b.column);
}

/**
 * A validation result (from `loadAndValidate`) with the governance findings merged in, sorted the
 * same way. What `cvex validate` and `cvex plan` call, so a violation blocks like a schema error.
 */
export function withGovernance<T extends { findings: Finding[]; manifests: LoadedManifests }>(result: T, rules: GovernanceRules | undefined): T {
  const governance = checkGovernance(result.manifests.exceptions, rules);
  return governance.length === 0 ? result : { ...result, findings: sortFindings([...result.findings, ...governance]) };
}
