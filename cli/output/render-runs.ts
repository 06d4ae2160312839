/**
 * `pinsync runs`: the run history, one line per run in a terminal, or a versioned JSON document for scripts.
 */
import { createPalette } from './ansi.js';
import { formatCount, formatDuration, formatUtc, oneLine, truncate } from './format-values.js';

/** One recorded run as the state store holds it; counts only, never identifiers. */
export type RunRow = {
  /** Run id (state store sequence). */
  id: number;
  /** Sync name from the config. */
  syncName: string;
  /** planned | succeeded | failed | guardrail | running | interrupted | interrupted? (killed: its lock holder is gone). */
  status: string;
  /** `plan` or `sync`. */
  mode: string;
  /** When the run started (a Date from the driver, or an ISO string). */
  startedAt: Date | string;
  /** When the run ended; null while running or after a crash. */
  finishedAt: Date | string | null;
  /** Wall time; null while running or after a crash. */
  durationMs: number | null;
  /** Rows the query returned. */
  sourceRows: number | null;
  /** Adds the diff called for. */
  addsPlanned: number | null;
  /** Removes the diff called for. */
  removesPlanned: number | null;
  /** Records in both current and acknowledged membership. */
  unchanged: number | null;
  /** Adds Pinterest acknowledged. */
  addsSent: number | null;
  /** Removes Pinterest acknowledged. */
  removesSent: number | null;
  /** Rejected values over all columns and reasons. */
  rejectedTotal: number | null;
  /** HTTP requests made, retries included. */
  apiCalls: number | null;
  /** Requests retried after a retryable failure. */
  retries: number | null;
  /** Pinterest customer list id, once one exists. */
  customerListId: string | null;
  /** Pinterest audience id, once one exists. */
  audienceId: string | null;
  /** Customer list status Pinterest reported after the run. */
  listStatus: string | null;
  /** Pinterest's num_uploaded_user_records after the run. */
  listUploaded: number | null;
  /** Pinterest's num_removed_user_records after the run. */
  listRemoved: number | null;
  /** Audience status Pinterest reported after the run. */
  audienceStatus: string | null;
  /** Audience matched size; null while Pinterest hides it. */
  audienceSize: number | null;
  /** --force was given. */
  forced: boolean;
  /** --full-resync was given. */
  fullResync: boolean;
  /** Stable error code when the run failed. */
  errorCode: string | null;
  /** Error message when the run failed (secrets already removed by whoever recorded it). */
  errorMessage: string | null;
};

export type RunsFormat = 'table' | 'json';

/** Rendering options for `renderRuns`. */
export interface RenderRunsOptions {
  /** ANSI colour for statuses in the table. Default false. */
  color?: boolean;
  /** Longest error shown in the table before it is cut (JSON always has it whole). Default 60. */
  maxErrorLength?: number;
}

/** Bumped only when a field is removed or changes meaning. */
export const RUNS_JSON_VERSION = 1;

const COLUMNS = ['id', 'sync', 'started (UTC)', 'took', 'status', 'adds sent/planned', 'removes sent/planned', 'rejected', 'api calls', 'list', 'audience', 'pinterest', 'error'] as const;
/** Right-aligned so digits line up. */
const NUMERIC = new Set<string>(['id', 'took', 'adds sent/planned', 'removes sent/planned', 'rejected', 'api calls']);

export function renderRuns(runs: RunRow[], format: RunsFormat, opts: RenderRunsOptions = {}): string {
  if (format === 'json') return renderRunsJson(runs);
  if (runs.length === 0) return 'No runs recorded yet.\n';
  const p = createPalette(opts.color ?? false);
  const maxError = opts.maxErrorLength ?? 60;

  const cells = runs.map((run) => rowCells(run, maxError));
  const widths = COLUMNS.map((title, i) => Math.max(title.length, ...cells.map((row) => (row[i] ?? '').length)));
  const line = (row: readonly string[], colourStatus: (s: string) => string): string =>
    row
      .map((cell, i) => {
        const title = COLUMNS[i] ?? '';
        const width = widths[i] ?? 0;
        // The last column is free text: padding it would only add trailing spaces.
        const padded = i === row.length - 1 ? cell : NUMERIC.has(title) ? cell.padStart(width) : cell.padEnd(width);
        return title === 'status' ? colourStatus(padded) : padded;
      })
      .join('  ')
      .trimEnd();

  const out = [p.dim(line(COLUMNS, (s) => s))];
  runs.forEach((run, i) => {
    const colour = run.status === 'failed' || run.status.startsWith('interrupted') ? p.red : run.status === 'guardrail' ? p.yellow : run.status === 'succeeded' ? p.green : (s: string) => s;
    out.push(line(cells[i] ?? [], colour));
  });
  return `${out.join('\n')}\n`;
}

function rowCells(run: RunRow, maxError: number): string[] {
  const flags = [run.mode === 'plan' && run.status !== 'planned' ? 'plan' : '', run.fullResync ? 'full-resync' : '', run.forced ? 'forced' : ''].filter(Boolean);
  // The store's own one-word statuses: this table is already wide, and `guardrail` is clear next to its neighbours.
  const status = run.status + (flags.length > 0 ? ` (${flags.join(', ')})` : '');
  const error = run.errorMessage === null ? '' : truncate(oneLine(`${run.errorCode === null ? '' : `${run.errorCode}: `}${run.errorMessage}`), maxError);
  return [
    String(run.id),
    run.syncName,
    formatUtc(run.startedAt),
    formatDuration(run.durationMs),
    status,
    `${formatCount(run.addsSent)}/${formatCount(run.addsPlanned)}`,
    `${formatCount(run.removesSent)}/${formatCount(run.removesPlanned)}`,
    formatCount(run.rejectedTotal),
    run.apiCalls === null ? '-' : `${formatCount(run.apiCalls)}${run.retries ? ` (${formatCount(run.retries)} retried)` : ''}`,
    run.customerListId ?? '-',
    run.audienceId ?? '-',
    pinterestState(run),
    error,
  ];
}

function pinterestState(run: RunRow): string {
  const parts: string[] = [];
  if (run.listStatus !== null) {
    const counters = run.listUploaded === null && run.listRemoved === null ? '' : ` +${formatCount(run.listUploaded)}/-${formatCount(run.listRemoved)}`;
    parts.push(`list ${run.listStatus}${counters}`);
  }
  if (run.audienceStatus !== null) {
    parts.push(`audience ${run.audienceStatus}${run.audienceSize === null ? '' : ` ${formatCount(run.audienceSize)}`}`);
  }
  return parts.length === 0 ? '-' : parts.join(', ');
}

function renderRunsJson(runs: RunRow[]): string {
  const doc = {
    version: RUNS_JSON_VERSION,
    runs: runs.map((run) => ({
      ...run,
      startedAt: isoOrNull(run.startedAt),
      finishedAt: isoOrNull(run.finishedAt),
    })),
  };
  return `${JSON.stringify(doc, (_key, value: unknown) => (value === undefined ? null : value), 2)}\n`;
}

function isoOrNull(value: Date | string | null): string | null {
  if (value === null) return null;
  const date = value instanceof Date ? value : new Date(value);
  return Number.isNaN(date.getTime()) ? String(value) : date.toISOString();
}
