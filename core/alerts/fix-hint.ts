/**
 * A one-line next step for an alert, from the run's error code: the person paged at 3 a.m. should know which
 * command to run first without reading pinsync's source.
 */
import { DBT_GATE_CODE } from '../dbt/gate-report.js';
import type { SyncReport } from '../sync-report.js';

/** The fix to try first for a report's outcome, or undefined when it succeeded without warnings. */
export function fixHint(report: Pick<SyncReport, 'sync' | 'status' | 'error' | 'warnings'>): string | undefined {
  const only = `--sync ${report.sync}`;
  const code = report.error?.code ?? '';
  if (code === DBT_GATE_CODE) return 'fix the dbt model or its failing tests, rebuild it, then run `pinsync sync --after-dbt` again';
  if (report.status === 'guardrail') {
    return `review the change with \`pinsync plan ${only}\`; if it is intended, run \`pinsync sync ${only} --force\` (or raise guardrails.maxRemovePercent)`;
  }
  if (code === 'PINSYNC_LIST_MISSING') return `the customer list is gone on Pinterest: \`pinsync sync ${only} --recreate\``;
  if (/^PINSYNC_PINTEREST_(AUTH|NOT_AUTHORIZED|REAUTHORIZE|OAUTH_CLIENT|FORBIDDEN)/.test(code)) {
    return 'check the Pinterest authorization with `pinsync auth status`; re-authorize with `pinsync auth url` and `pinsync auth exchange` if it says so';
  }
  if (/^PINSYNC_PINTEREST_(RATE_LIMITED|SERVER|NETWORK|CREATE_UNCERTAIN)/.test(code)) {
    return 'usually transient (Pinterest busy or unreachable): the next run sends what is still missing; if it keeps failing, run `pinsync doctor`';
  }
  if (code.startsWith('PINSYNC_WAREHOUSE_')) return `check the warehouse connection and the query with \`pinsync doctor\` and \`pinsync plan ${only}\``;
  if (code.startsWith('PINSYNC_STATE_')) return 'check the state store (`state:` in the config) is reachable and writable; `pinsync runs` reads it';
  if (report.status === 'failed') return `see \`pinsync runs ${only}\` and the run's log; \`pinsync doctor\` checks each connection`;
  if (report.warnings.length > 0) return `see the warnings in \`pinsync runs ${only}\``;
  return undefined;
}
