// `cvex log --format markdown`: per exception a table of its timeline, for an audit issue or a
// job summary. Manifest text, commit subjects and names are escaped (no markup, links or mentions);
// pull-request numbers are ours (parsed digits) and stay links.
import type { LogReport } from '../audit/log-report';
import { describeNow, formatField, formatTime } from './log-values';
import { escapeMarkdown } from './plan-markdown';
import { plural } from './plural';

function pullRequestCell(number: number | undefined): string {
  return number === undefined ? '' : `#${number}`;
}

export function renderLogMarkdown(report: LogReport): string {
  const lines = [`### cvex log: ${plural(report.exceptions.length, 'exception')}`, ''];
  for (const limitation of report.limitations) lines.push(`> [!NOTE]\n> Not visible: ${escapeMarkdown(limitation)}`, '');
  for (const timeline of report.exceptions) {
    lines.push(`#### ${escapeMarkdown(timeline.name)}`, '');
    if (timeline.file) lines.push(`Declared in ${escapeMarkdown(`${timeline.file}:${timeline.line}`)}.`, '');
    if (timeline.events.length > 0) {
      lines.push('| when (UTC) | what | commit | by | pull request | details |', '|---|---|---|---|---|---|');
      for (const event of timeline.events) {
        if (event.kind === 'change') {
          const who = `${escapeMarkdown(event.author.name)}${event.approvers.length > 0 ? `; approved by ${escapeMarkdown(event.approvers.join(', '))}` : ''}`;
          const details = [escapeMarkdown(event.subject), ...event.fields.map((field) => escapeMarkdown(formatField(field)))].join('<br>');
          lines.push(`| ${formatTime(event.effectiveAt)} | ${event.action} | \`${event.commit.slice(0, 12)}\` | ${who} | ${pullRequestCell(event.pullRequest?.number)} | ${details} |`);
        } else {
          const uuids = `${escapeMarkdown(event.uuidBefore ?? '')} → ${escapeMarkdown(event.uuidAfter ?? '')}`;
          const details = [`${event.result}${event.error ? `: ${escapeMarkdown(event.error)}` : ''}`, `uuid ${uuids}`, ...event.fields.map((field) => escapeMarkdown(formatField(field)))].join('<br>');
          lines.push(`| ${formatTime(event.time)} | applied ${event.action} | \`${event.commit.slice(0, 12)}\` | ${escapeMarkdown(event.actor ?? 'unknown')} |  | ${details} |`);
        }
      }
      lines.push('');
    }
    if (timeline.now) lines.push(`Now in Qualys: ${escapeMarkdown(describeNow(timeline.now))}.`, '');
  }
  lines.push(`<sub>${plural(report.sources.commits, 'commit')} read, head \`${report.head.slice(0, 12)}\`; ${plural(report.sources.applyRecords, 'apply record')}.</sub>`, '');
  return lines.join('\n');
}
