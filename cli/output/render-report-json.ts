/**
 * The machine-readable report (`--format json`, `sync --json`). Versioned so scripts can detect a breaking change.
 */
import type { SkippedSync } from '../../core/dbt/prepare-dbt-syncs.js';
import type { SyncReport } from '../../core/sync-report.js';
import { onlyHashes } from './format-values.js';
import { overallExitCode } from './report-labels.js';

/** Bumped only when a field is removed or changes meaning; new fields may appear at any version. */
export const REPORT_JSON_VERSION = 1;

/** Shape of the JSON document (fields that are `undefined` in a SyncReport are written as `null`). */
export interface ReportDocument {
  /** Schema version of this document. */
  version: typeof REPORT_JSON_VERSION;
  /** ISO time the document was rendered. */
  generatedAt: string;
  /** One report per selected sync that ran (or that a guardrail stopped), in run order. */
  syncs: SyncReport[];
  /** Selected syncs that did not run, with why (`--after-dbt`: not rebuilt in that dbt run); empty otherwise. */
  skipped: SkippedSync[];
  /** Process exit code: the worst over all syncs. */
  exitCode: number;
}

export function renderJson(reports: readonly SyncReport[], now: Date, skipped: readonly SkippedSync[] = []): string {
  const doc: ReportDocument = {
    version: REPORT_JSON_VERSION,
    generatedAt: now.toISOString(),
    syncs: reports.map((r) => ({ ...r, samples: { adds: onlyHashes(r.samples.adds), removes: onlyHashes(r.samples.removes) } })),
    skipped: [...skipped],
    exitCode: overallExitCode(reports),
  };
  // `undefined` would silently drop keys; null keeps every key present so consumers can rely on the shape.
  return `${JSON.stringify(doc, (_key, value: unknown) => (value === undefined ? null : value), 2)}\n`;
}
