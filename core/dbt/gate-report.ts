/**
 * The report of a sync the dbt gate stopped: a guardrail stop before anything was read or sent, shaped like every
 * other report so table, markdown and JSON show it, and the exit code (3) comes from it like any guardrail's.
 */
import { EXIT } from '../errors.js';
import { blankReport, type SyncReport } from '../sync-report.js';

/** Error code of a sync the dbt gate stopped. */
export const DBT_GATE_CODE = 'PINSYNC_DBT_GATE';

/** What the report needs to know about the stopped sync. */
export interface GateStop {
  /** Sync name. */
  sync: string;
  /** Plan (`plan --after-dbt`) or sync. */
  mode: 'plan' | 'sync';
  /** Ad account of the sync's destination. */
  adAccountId: string;
  /** One sentence per dbt node that stopped it. */
  reasons: string[];
  /** Things to know that did not stop it (warn tests). */
  warnings: string[];
  /** --full-resync was given. */
  fullResync: boolean;
  /** When the gate decided. */
  now: Date;
}

export function dbtGateReport(stop: GateStop): SyncReport {
  return {
    ...blankReport({ sync: stop.sync, mode: stop.mode, adAccountId: stop.adAccountId, fullResync: stop.fullResync, forced: false, startedAt: stop.now }),
    status: 'guardrail',
    guardrail: { verdict: 'blocked', reasons: stop.reasons },
    warnings: stop.warnings,
    error: { code: DBT_GATE_CODE, message: `stopped by the dbt gate: ${stop.reasons.join('; ')}` },
    exitCode: EXIT.guardrail,
    // Only the gate ran: the warehouse was not read, nothing was diffed or sent.
    reached: { read: false, diff: false, guardrail: true, push: false },
  };
}
