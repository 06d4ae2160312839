/**
 * Everything `plan` and `sync` print to stdout: one entry point, four formats. Pure: no I/O, no clock unless the
 * JSON timestamp needs one, so tests and `--out FILE` get exactly what the terminal would.
 */
import type { SkippedSync } from '../../core/dbt/prepare-dbt-syncs.js';
import type { SyncReport } from '../../core/sync-report.js';
import { renderHtml } from './html/render-report-html.js';
import { renderJson } from './render-report-json.js';
import { renderMarkdown } from './render-report-markdown.js';
import { renderTable } from './render-report-table.js';

/** The report formats `plan` and `sync` accept. */
export const REPORT_FORMATS = ['table', 'json', 'markdown', 'html'] as const;

export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** Rendering options; every field is optional. */
export interface RenderReportOptions {
  /** ANSI colour in the table format (ignored by the others). Default false. */
  color?: boolean;
  /** Label plan-mode reports DRY RUN instead of PLAN (`sync --dry-run`). Default false. */
  dryRun?: boolean;
  /** Clock for the JSON `generatedAt` field (tests pin it). Default now. */
  now?: Date;
  /** Selected syncs that did not run and why (`--after-dbt`: not rebuilt in that dbt run). Default none. */
  skipped?: readonly SkippedSync[];
}

export function renderReports(reports: SyncReport[], format: ReportFormat, opts: RenderReportOptions = {}): string {
  const dryRun = opts.dryRun ?? false;
  const skipped = opts.skipped ?? [];
  switch (format) {
    case 'table':
      return renderTable(reports, { color: opts.color ?? false, dryRun, skipped });
    case 'markdown':
      return renderMarkdown(reports, { dryRun, skipped });
    case 'html':
      return renderHtml(reports, { dryRun, skipped });
    case 'json':
      return renderJson(reports, opts.now ?? new Date(), skipped);
  }
}

export { NOTHING_SENT, overallExitCode } from './report-labels.js';
export { REPORT_JSON_VERSION, type ReportDocument } from './render-report-json.js';
