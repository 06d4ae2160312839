/**
 * Hooks into one runSyncs call, so a scheduler, metrics or a progress display can follow a run without the
 * application layer knowing about them. Every hook is optional. The awaited ones (runStart, syncReport, runEnd) may
 * throw: runStart throwing stops the run before any sync reads its source or anything is sent (the CLI refuses an
 * unwritable --out that way; with --if-due or --requested the state has been read by then); batchAcknowledged is called inside the push and must be cheap and not throw.
 */
import type { SkippedSync } from '../dbt/prepare-dbt-syncs.js';
import type { SyncReport } from '../sync-report.js';
import type { RunSyncsResult } from './run-syncs-result.js';

/** The run as planned, once selection, the dbt gate, --if-due and the credential check are through. */
export interface RunStartEvent {
  /** The syncs that will run or be reported as stopped by the dbt gate, in order. */
  syncs: readonly string[];
  /** The selected syncs left out (dbt gate, --if-due, --requested), in order. */
  skipped: readonly SkippedSync[];
  /** plan / --dry-run. */
  dryRun: boolean;
}

/** One batch Pinterest accepted (and the state recorded). */
export interface BatchAcknowledgedEvent {
  /** Sync name. */
  sync: string;
  /** Records in the batch. */
  records: number;
}

export interface RunObserver {
  /** Before any sync runs (with --if-due/--requested, after the state was read); throwing stops the run. */
  runStart?(event: RunStartEvent): void | Promise<void>;
  /** A sync is about to read its source (not called for dbt-stopped syncs). */
  syncStart?(event: { sync: string }): void;
  /** A push batch was acknowledged; synchronous, called from inside the push. */
  batchAcknowledged?(event: BatchAcknowledgedEvent): void;
  /** A sync's report, as soon as it has one (before alerts add their delivery warnings). */
  syncReport?(report: SyncReport): void | Promise<void>;
  /** Every sync has run and the alerts were sent; the result runSyncs resolves with. */
  runEnd?(result: RunSyncsResult): void | Promise<void>;
}
