// A chart GitHub renders in issues, comments and job summaries: a Mermaid gantt of the exceptions
// ending per month, one section per group (metadata.owner, or the reason). Pure. What reaches the
// chart is aggregated: counts, months, and group names cleaned to letters, digits, space, dot,
// dash and underscore, so no manifest text can break out of the diagram or into markup.

export interface EndingItem {
  /** YYYY-MM-DD. */
  endDate: string;
  /** The group as written (an owner, a reason); undefined goes to `fallbackGroup`. */
  group: string | undefined;
}

export interface EndingChartOptions {
  title: string;
  fallbackGroup: string;
  /** Sections shown; the smaller groups beyond are summed as "other". */
  maxGroups?: number;
  /** Months shown from the first; later endings are summed into "later". */
  maxMonths?: number;
}

const DEFAULTS = { maxGroups: 8, maxMonths: 18 } as const;

/** Letters, digits, space and `._-` only, at most `max` characters: safe in a Mermaid label. */
export function chartLabel(text: string, fallback: string, max = 30): string {
  const clean = text.replace(/[^A-Za-z0-9 ._-]+/g, ' ').replace(/\s+/g, ' ').trim().slice(0, max).trim();
  return clean || fallback;
}

function monthOf(date: string): string | undefined {
  return /^\d{4}-(0[1-9]|1[0-2])-\d{2}$/.test(date) ? date.slice(0, 7) : undefined;
}

function monthEnd(month: string): string {
  const [year, number] = month.split('-').map(Number);
  return new Date(Date.UTC(year, number, 0)).toISOString().slice(0, 10);
}

/** The ```mermaid block (with a blank line after), or [] when nothing has a date. */
export function renderEndingChart(items: readonly EndingItem[], options: EndingChartOptions): string[] {
  const maxGroups = options.maxGroups ?? DEFAULTS.maxGroups;
  const maxMonths = options.maxMonths ?? DEFAULTS.maxMonths;
  const dated = items.flatMap((item) => {
    const month = monthOf(item.endDate);
    return month ? [{ month, group: chartLabel(item.group ?? '', options.fallbackGroup) }] : [];
  });
  if (dated.length === 0) return [];
  const months = [...new Set(dated.map((item) => item.month))].sort();
  const shown = new Set(months.slice(0, maxMonths));
  const later = months.length > maxMonths ? months[maxMonths] : undefined;

  const totals = new Map<string, number>();
  for (const item of dated) totals.set(item.group, (totals.get(item.group) ?? 0) + 1);
  const ranked = [...totals].sort(([a, countA], [b, countB]) => countB - countA || (a < b ? -1 : 1)).map(([group]) => group);
  const kept = new Set(ranked.slice(0, ranked.length > maxGroups ? maxGroups - 1 : maxGroups));

  const counts = new Map<string, Map<string, number>>();
  for (const item of dated) {
    const group = kept.has(item.group) ? item.group : 'other';
    const month = shown.has(item.month) ? item.month : (later as string);
    const perMonth = counts.get(group) ?? new Map<string, number>();
    perMonth.set(month, (perMonth.get(month) ?? 0) + 1);
    counts.set(group, perMonth);
  }
  const lines = ['```mermaid', 'gantt', `    title ${chartLabel(options.title, 'Exceptions ending per month', 80)}`, '    dateFormat YYYY-MM-DD', '    axisFormat %Y-%m'];
  for (const group of [...ranked.filter((name) => kept.has(name)), ...(counts.has('other') ? ['other'] : [])]) {
    lines.push(`    section ${group}`);
    for (const [month, count] of [...counts.get(group)!].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const isLater = later !== undefined && month === later;
      lines.push(`    ${count} ending${isLater ? ' then or later' : ''} :${month}-01, ${monthEnd(month)}`);
    }
  }
  lines.push('```', '');
  return lines;
}
