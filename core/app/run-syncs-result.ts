/** What one runSyncs call produced: the reports to render and the selected syncs it left out. */
import type { SkippedSync } from '../dbt/prepare-dbt-syncs.js';
import type { SyncReport } from '../sync-report.js';

export interface RunSyncsResult {
  /** One per sync that ran or was stopped by the dbt gate, in selection order, with alert warnings noted. */
  reports: SyncReport[];
  /** Selected syncs left out (dbt gate, --if-due, --requested), in selection order. */
  skipped: SkippedSync[];
}
