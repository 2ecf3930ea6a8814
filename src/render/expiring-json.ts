// `cvex expiring --format json`: the report as it is, for scripts and scheduled reminders.
import type { ExpiringReport } from '../governance/expiring';
import { jsonSafe } from './escape';

export function renderExpiringJson(report: ExpiringReport): string {
  return `${jsonSafe(JSON.stringify(report, null, 2))}\n`;
}
