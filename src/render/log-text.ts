// `cvex log` for a terminal: per exception its timeline, oldest first, then its state now.
import type { LogReport } from '../audit/log-report';
import { plural } from './plural';
import { terminalSafe } from './plan-text';
import { describeEvent, describeNow, describePullRequest, formatField, formatTime } from './log-values';

export function renderLogText(report: LogReport): string {
  const lines: string[] = [];
  for (const timeline of report.exceptions) {
    lines.push(terminalSafe(`${timeline.name}${timeline.file ? `  ${timeline.file}:${timeline.line}` : '  (not in the repository now)'}`));
    if (timeline.events.length === 0) lines.push('  no change or apply in the period');
    for (const event of timeline.events) {
      const when = formatTime(event.kind === 'change' ? event.effectiveAt : event.time);
      if (event.kind === 'change') {
        const approvers = event.approvers.length > 0 ? `; approved by ${event.approvers.join(', ')}` : '';
        const pr = describePullRequest(event.pullRequest);
        lines.push(terminalSafe(`  ${when}  ${describeEvent(event)}${pr ? `, ${pr}` : ''}${approvers}: ${event.subject}`));
        if (event.action === 'moved') lines.push(terminalSafe(`      moved from ${event.previousFile} to ${event.file}`));
        for (const field of event.fields) lines.push(terminalSafe(`      ${formatField(field)}`));
      } else {
        lines.push(terminalSafe(`  ${when}  ${describeEvent(event)} (commit ${event.commit.slice(0, 12)})${event.error ? `: ${event.error}` : ''}`));
        if (event.lifted.length > 0) lines.push(terminalSafe(`      guards lifted: ${event.lifted.map((item) => JSON.stringify(item)).join('; ')}`));
      }
    }
    if (timeline.now) lines.push(terminalSafe(`  now               ${describeNow(timeline.now)}`));
    lines.push('');
  }
  const changes = report.exceptions.reduce((sum, item) => sum + item.events.filter((event) => event.kind === 'change').length, 0);
  const applies = report.exceptions.reduce((sum, item) => sum + item.events.filter((event) => event.kind === 'apply').length, 0);
  lines.push(`${plural(report.exceptions.length, 'exception')}: ${plural(changes, 'manifest change')}, ${plural(applies, 'apply', 'applies')} (${plural(report.sources.commits, 'commit')} read, head ${report.head.slice(0, 12)}).`);
  for (const limitation of report.limitations) lines.push(`Not visible: ${terminalSafe(limitation)}`);
  return `${lines.join('\n')}\n`;
}
