/**
 * A made-up but consistent run history for the `runs --format html` tests: hourly runs of one sync whose membership
 * drifts, with rejects, an occasional failure, Pinterest's counters growing by what was sent, and an audience that
 * starts too small. The same runs feed the renderer directly (`historyEntries`) or a state (`storeRuns`).
 */
import { toRunRow } from '../../cli/commands/runs-command.js';
import type { RunHistoryEntry } from '../../cli/output/html/render-runs-html.js';
import type { KyselyStateStore } from '../../connectors/state/kysely-state-store.js';
import type { RunRecord } from '../../core/state-store.js';
import { blankReport, type RunStatus, type SyncReport } from '../../core/sync-report.js';

/** One generated run. */
export interface GeneratedRun {
  /** Run id (1-based, increasing with time). */
  id: number;
  /** Final status. */
  status: RunStatus;
  /** Start time. */
  startedAt: Date;
  /** End time. */
  finishedAt: Date;
  /** The run's report. */
  report: SyncReport;
}

/** How the history looks. */
export interface HistoryShape {
  /** Runs to make. */
  count: number;
  /** Sync name; default `vip_customers`. */
  sync?: string;
  /** First run's start; default 2026-01-01T00:00Z. */
  start?: Date;
  /** Between two runs; default one hour. */
  everyMs?: number;
  /** Every n-th run fails mid-push (0: none); default 97. */
  failEvery?: number;
}

const LIST_ID = '5497558800001';
const AUDIENCE_ID = '2542620155001';

/** `count` runs, oldest first. Deterministic: the same shape gives the same runs. */
export function generateRuns(shape: HistoryShape): GeneratedRun[] {
  const sync = shape.sync ?? 'vip_customers';
  const start = (shape.start ?? new Date('2026-01-01T00:00:00Z')).getTime();
  const every = shape.everyMs ?? 3_600_000;
  const failEvery = shape.failEvery ?? 97;
  const runs: GeneratedRun[] = [];
  let acknowledged = 0;
  let uploaded = 0;
  let removed = 0;
  for (let i = 0; i < shape.count; i++) {
    const startedAt = new Date(start + i * every);
    // A slow wave with a bump every 50 runs: gives the charts shape, and extremes the downsampling must keep.
    const target = Math.round(5_000 + 3_000 * Math.sin(i / 200) + (i % 50 === 25 ? 1_500 : 0));
    const adds = i === 0 ? target : Math.max(0, target - acknowledged) + (i % 7);
    const removes = i === 0 ? 0 : Math.max(0, acknowledged - target) + (i % 7);
    const failed = failEvery > 0 && i > 0 && i % failEvery === 0;
    const sentAdds = failed ? Math.floor(adds / 2) : adds;
    const sentRemoves = failed ? 0 : removes;
    const report = blankReport({ sync, mode: 'sync', adAccountId: '549755885175', fullResync: false, forced: false, startedAt });
    report.status = failed ? 'failed' : 'succeeded';
    report.runId = i + 1;
    report.durationMs = 4_000 + (i % 13) * 350;
    report.phases = { readMs: 1_500, diffMs: 400, pushMs: report.durationMs - 1_900 };
    report.sourceRows = target + 40 + (i % 5);
    report.reached = { read: true, diff: true, guardrail: true, push: true };
    report.rejected = { invalid_email: 30 + (i % 11), ...(i % 3 === 0 ? { invalid_device_id: 5 + (i % 4) } : {}) };
    report.columns = [{ column: 'email', type: 'email', hashed: target, prehashed: 0, empty: 3, rejected: report.rejected }];
    report.diff = { acknowledged, current: target + (i % 7), adds, removes, unchanged: Math.max(0, acknowledged - removes) };
    report.sent = { adds: sentAdds, removes: sentRemoves, batches: Math.ceil((sentAdds + sentRemoves) / 10_000) };
    uploaded += sentAdds;
    removed += sentRemoves;
    const size = acknowledged + sentAdds - sentRemoves;
    report.pinterest = {
      adAccountId: '549755885175',
      customerListId: LIST_ID,
      audienceId: AUDIENCE_ID,
      list: { id: LIST_ID, name: 'pinsync vip', status: i < 3 ? 'PROCESSING' : 'READY', numUploadedUserRecords: uploaded, numRemovedUserRecords: removed, numBatches: i + 1 },
      audience: { id: AUDIENCE_ID, name: 'VIP', status: i < 5 ? 'TOO_SMALL' : 'READY', size: i < 5 ? null : Math.round(size * 0.62), customerListId: LIST_ID },
      apiCalls: 4 + report.sent.batches + (i % 10 === 0 ? 1 : 0),
      retries: i % 10 === 0 ? 1 : 0,
    };
    if (failed) {
      report.error = { code: 'PINSYNC_PINTEREST_5XX', message: 'Pinterest answered 503 three times for batch 2; the next run sends the rest' };
      report.exitCode = 1;
    }
    acknowledged = size;
    runs.push({ id: i + 1, status: report.status, startedAt, finishedAt: new Date(startedAt.getTime() + report.durationMs), report });
  }
  return runs;
}

/** The runs as `listRuns` returns them (newest first). */
export function runRecords(runs: readonly GeneratedRun[]): RunRecord[] {
  return [...runs].reverse().map((r) => ({
    id: r.id,
    syncName: r.report.sync,
    status: r.status,
    startedAt: r.startedAt.toISOString(),
    finishedAt: r.finishedAt.toISOString(),
    report: r.report,
    addsSent: r.report.sent.adds,
    removesSent: r.report.sent.removes,
    batches: r.report.sent.batches,
    customerListId: r.report.pinterest.customerListId ?? null,
    holderGone: false,
  }));
}

/** The runs as the HTML renderer takes them (newest first). */
export function historyEntries(runs: readonly GeneratedRun[]): RunHistoryEntry[] {
  return runRecords(runs).map((run) => ({ row: toRunRow(run), report: run.report }));
}

/** Writes the runs into a state's tables in bulk (startRun/finishRun take ~7 ms a run on DuckDB: a minute for 9,000). */
export async function storeRuns(store: KyselyStateStore, runs: readonly GeneratedRun[]): Promise<void> {
  const rows = runs.map((r) => ({
    id: r.id,
    sync_name: r.report.sync,
    status: r.status,
    started_at: r.startedAt.toISOString(),
    finished_at: r.finishedAt.toISOString(),
    adds_sent: r.report.sent.adds,
    removes_sent: r.report.sent.removes,
    batches: r.report.sent.batches,
    report: JSON.stringify(r.report),
  }));
  for (let i = 0; i < rows.length; i += 500) await store.stateTables.insertInto('runs').values(rows.slice(i, i + 500)).execute();
}
