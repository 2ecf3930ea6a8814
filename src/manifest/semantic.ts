// Rules JSON Schema cannot say, run after it: real calendar dates, date order, names unique across
// every file, regexes that compile, and warnings for expired and overlapping exceptions.
import type { ExceptionSpec } from '../model/exception';
import { isCalendarDate } from '../model/dates';
import type { Finding } from '../model/findings';
import { isMapping, type ManifestFile, type Mapping } from './merge';
import type { PathSegment } from './parse-yaml';

const DATE_FIELDS = ['startDate', 'endDate'] as const;
const DATE_SHAPE = /^\d{4}-\d{2}-\d{2}$/;
const MAX_PAIRED = 20;

/** Per-file rules. `today` is the current date in the subscription's time zone ('' skips the expiry check). */
export function checkFileSemantics(manifest: ManifestFile, today: string): Finding[] {
  const findings: Finding[] = [];
  const defaults = manifest.raw.defaults;
  const items = manifest.merged.exceptions;
  if (isMapping(defaults)) {
    // An expired default endDate only matters if some exception still inherits it.
    const inherited = Array.isArray(items) && items.some((_item, index) => manifest.defaultsPathOf(['exceptions', index, 'endDate']));
    checkDates(manifest, defaults, ['defaults'], inherited ? today : '', findings);
  }
  if (Array.isArray(items)) {
    items.forEach((item, index) => {
      if (isMapping(item)) checkDates(manifest, item, ['exceptions', index], today, findings);
    });
  }
  const rules = manifest.raw.applyTags;
  if (Array.isArray(rules)) {
    rules.forEach((rule, index) => {
      if (!isMapping(rule) || typeof rule.regex !== 'string' || rule.regex === '') return;
      const problem = regexProblem(rule.regex);
      if (problem) {
        findings.push(manifest.finding('error', 'regex.invalid', `\`regex\` does not compile: ${problem}`, ['applyTags', index, 'regex']));
      }
    });
  }
  return findings;
}

/**
 * The server is Java (Spring envelopes), so its regex dialect is Java's (inferred: the release notes do not say).
 * No Java here: JavaScript's RegExp is the nearest check. It catches the common mistakes (unbalanced
 * brackets, dangling quantifiers) but may reject Java-only syntax such as `(?i)` or possessive `a++`.
 */
export function regexProblem(source: string): string | undefined {
  try {
    new RegExp(source);
    return undefined;
  } catch (error) {
    return (error as Error).message.replace(/^Invalid regular expression: /, '');
  }
}

function checkDates(manifest: ManifestFile, fields: Mapping, base: PathSegment[], today: string, findings: Finding[]): void {
  const inException = base[0] === 'exceptions';
  const calendar: Partial<Record<(typeof DATE_FIELDS)[number], string>> = {};
  for (const field of DATE_FIELDS) {
    const value = fields[field];
    if (typeof value !== 'string' || !DATE_SHAPE.test(value)) continue;
    const path = [...base, field];
    // A value taken from defaults was already checked (and reported once) as `defaults.<field>`.
    const fromDefaults = inException && manifest.defaultsPathOf(path) !== undefined;
    if (!isCalendarDate(value)) {
      if (!fromDefaults) findings.push(manifest.finding('error', 'date.calendar', `\`${field}\` ${value} is not a calendar date`, path));
      continue;
    }
    calendar[field] = value;
    if (field === 'endDate' && value < today && !fromDefaults) {
      findings.push(manifest.finding('warning', 'date.past', `\`endDate\` ${value} is in the past (today is ${today}): the exception has expired`, path));
    }
  }
  if (inException && calendar.startDate && calendar.endDate && calendar.endDate < calendar.startDate) {
    findings.push(
      manifest.finding('error', 'date.order', `\`endDate\` ${calendar.endDate} is before \`startDate\` ${calendar.startDate}`, [...base, 'endDate']),
    );
  }
}

/** An exception that passed every per-file rule, with where it was written. */
export interface CheckedException {
  spec: ExceptionSpec;
  manifest: ManifestFile;
  index: number;
}

/** Names are unique per subscription, so across every manifest: each place is reported, naming the others. */
export function checkDuplicateNames(manifests: readonly ManifestFile[]): Finding[] {
  const places = new Map<string, Array<{ manifest: ManifestFile; index: number }>>();
  for (const manifest of manifests) {
    const items = manifest.merged.exceptions;
    if (!Array.isArray(items)) continue;
    items.forEach((item, index) => {
      if (!isMapping(item) || typeof item.name !== 'string' || item.name === '') return;
      const list = places.get(item.name);
      if (list) list.push({ manifest, index });
      else places.set(item.name, [{ manifest, index }]);
    });
  }
  const findings: Finding[] = [];
  for (const [name, list] of places) {
    if (list.length < 2) continue;
    const where = list.map(({ manifest, index }) => {
      const { line, column } = manifest.positionOf(['exceptions', index, 'name']);
      return `${manifest.file}:${line}:${column}`;
    });
    list.forEach(({ manifest, index }, i) => {
      const others = where.filter((_w, j) => j !== i).join(', ');
      findings.push(manifest.finding('error', 'name.duplicate', `name ${JSON.stringify(name)} is also used at ${others}; names must be unique`, ['exceptions', index, 'name']));
    });
  }
  return findings;
}

/**
 * Warns when two exceptions whose dates intersect cover the same control on the same resource or
 * account: RESOURCE/RESOURCE on one resource, CONNECTOR/CONNECTOR on one account, a RESOURCE inside
 * a CONNECTOR's account, QUALYSTAG/QUALYSTAG sharing a resource tag and a connector. One warning per
 * pair, on the later exception. Indexed by key, so linear in the number of (target, control) pairs.
 */
export function checkOverlaps(exceptions: readonly CheckedException[]): Finding[] {
  const byResource = new Map<string, number[]>();
  const byAccount = new Map<string, number[]>();
  const byTag = new Map<string, number[]>();
  const add = (map: Map<string, number[]>, key: string, index: number): void => {
    const list = map.get(key);
    if (list) list.push(index);
    else map.set(key, [index]);
  };
  exceptions.forEach(({ spec }, index) => {
    for (const controlId of spec.controlIds) {
      const prefix = `${spec.cloudType}\u0000${controlId}\u0000`;
      if (spec.exceptionScope === 'RESOURCE') {
        for (const resource of spec.resources ?? []) add(byResource, `${prefix}${resource.accountId}\u0000${resource.resourceId}`, index);
      } else if (spec.exceptionScope === 'CONNECTOR') {
        for (const accountId of spec.accountIds ?? []) add(byAccount, `${prefix}${accountId}`, index);
      } else {
        for (const tag of spec.resourceTagNames ?? []) add(byTag, `${prefix}${tag}`, index);
      }
    }
  });

  const reported = new Set<string>();
  const overlapsOf = new Map<number, Array<{ earlier: number; what: string }>>();
  const report = (a: number, b: number, what: string): void => {
    const [first, second] = a < b ? [a, b] : [b, a];
    const pair = `${first}:${second}`;
    if (first === second || reported.has(pair)) return;
    if (!datesIntersect(exceptions[first].spec, exceptions[second].spec)) return;
    reported.add(pair);
    const list = overlapsOf.get(second);
    if (list) list.push({ earlier: first, what });
    else overlapsOf.set(second, [{ earlier: first, what }]);
  };
  // Pairs within one key, each exception against at most MAX_PAIRED earlier ones: linear even when
  // thousands of exceptions name the same target.
  const reportWithin = (list: readonly number[], what: string): void => {
    for (let i = 1; i < list.length; i += 1) {
      for (let j = Math.max(0, i - MAX_PAIRED); j < i; j += 1) report(list[j], list[i], what);
    }
  };
  const describeKey = (key: string): string[] => key.split('\u0000');

  for (const [key, list] of byResource) {
    const [cloud, controlId, accountId, resourceId] = describeKey(key);
    const what = `control ${controlId} on ${cloud} resource ${resourceId} in account ${accountId}`;
    reportWithin(list, what);
    for (const connector of byAccount.get(`${cloud}\u0000${controlId}\u0000${accountId}`) ?? []) {
      for (const resourceException of list) report(resourceException, connector, what);
    }
  }
  for (const [key, list] of byAccount) {
    const [cloud, controlId, accountId] = describeKey(key);
    reportWithin(list, `control ${controlId} on ${cloud} account ${accountId}`);
  }
  for (const [key, list] of byTag) {
    if (list.length < 2) continue;
    const [cloud, controlId, tag] = describeKey(key);
    for (let i = 1; i < list.length; i += 1) {
      for (let j = Math.max(0, i - MAX_PAIRED); j < i; j += 1) {
        if (connectorsIntersect(exceptions[list[j]].spec, exceptions[list[i]].spec)) {
          report(list[j], list[i], `control ${controlId} on ${cloud} resources tagged ${JSON.stringify(tag)}`);
        }
      }
    }
  }
  // One warning per exception, naming the first exception it overlaps and counting the others.
  const findings: Finding[] = [];
  for (const [index, list] of [...overlapsOf].sort((x, y) => x[0] - y[0])) {
    const later = exceptions[index];
    const [{ earlier, what }] = list;
    const first = exceptions[earlier];
    const { line } = first.manifest.positionOf(['exceptions', first.index]);
    const more = list.length > 1 ? ` (and ${list.length - 1} more exception${list.length > 2 ? 's' : ''})` : '';
    findings.push(
      later.manifest.finding(
        'warning',
        'overlap',
        `overlaps exception ${JSON.stringify(first.spec.name)} (${first.manifest.file}:${line})${more}: both cover ${what}`,
        ['exceptions', later.index],
      ),
    );
  }
  return findings;
}

function datesIntersect(a: ExceptionSpec, b: ExceptionSpec): boolean {
  return a.startDate <= b.endDate && b.startDate <= a.endDate;
}

function connectorsIntersect(a: ExceptionSpec, b: ExceptionSpec): boolean {
  if (a.isAllConnector || b.isAllConnector) return true;
  const shares = (x: string[] | undefined, y: string[] | undefined): boolean => !!x && !!y && x.some((value) => y.includes(value));
  return shares(a.accountIds, b.accountIds) || shares(a.connectorTagNames, b.connectorTagNames);
}
