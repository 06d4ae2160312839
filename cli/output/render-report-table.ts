/**
 * The terminal report: one compact block per sync, label/value rows aligned so the eye can run down the numbers.
 */
import type { SkippedSync } from '../../core/dbt/prepare-dbt-syncs.js';
import type { SyncReport } from '../../core/sync-report.js';
import { createPalette, visibleLength, type Palette } from './ansi.js';
import { formatCount, formatDuration, onlyHashes, oneLine } from './format-values.js';
import {
  NOTHING_SENT,
  audienceIdOf,
  emptyTotal,
  formatActions,
  formatAudienceState,
  formatColumnOutcome,
  formatListState,
  formatListType,
  formatReasons,
  guardrailLabel,
  listIdOf,
  modeLabel,
  overallExitCode,
  rejectedTotal,
  reportableError,
  stagesReached,
  statusLabel,
} from './report-labels.js';

/** Options for the table renderer. */
export interface TableOptions {
  /** Emit ANSI colour codes. */
  color: boolean;
  /** Label plan-mode reports DRY RUN instead of PLAN (`sync --dry-run`). */
  dryRun: boolean;
  /** Selected syncs that did not run, each with why. */
  skipped?: readonly SkippedSync[];
}

/** Plans show a few hashes so a reviewer can spot-check; a full sync report stays compact. */
const TABLE_SAMPLES = 3;

type Row = { label: string; count?: string; text?: string };

export function renderTable(reports: readonly SyncReport[], options: TableOptions): string {
  const p = createPalette(options.color);
  const skipped = options.skipped ?? [];
  if (reports.length === 0 && skipped.length === 0) return `${p.dim('No syncs selected.')}\n`;
  const blocks = [...reports.map((r) => renderBlock(r, options, p)), ...skipped.map((s) => renderSkipped(s, p))];
  if (reports.length + skipped.length > 1) blocks.push(renderSummary(reports, skipped.length, p));
  return `${blocks.join('\n\n')}\n`;
}

function renderBlock(r: SyncReport, options: TableOptions, p: Palette): string {
  const lines = [renderHeader(r, options, p)];
  const rows = collectRows(r, p);
  const labelWidth = Math.max(...rows.map((row) => row.label.length));
  const countWidth = Math.max(0, ...rows.map((row) => (row.count === undefined ? 0 : visibleLength(row.count))));
  for (const row of rows) {
    const label = p.dim(row.label.padEnd(labelWidth));
    if (row.count !== undefined) {
      const pad = ' '.repeat(countWidth - visibleLength(row.count));
      lines.push(`  ${label}  ${pad}${row.count}${row.text ? `  ${p.dim(row.text)}` : ''}`.trimEnd());
    } else {
      lines.push(`  ${label}  ${row.text ?? ''}`.trimEnd());
    }
  }
  return lines.join('\n');
}

// A sync the dbt gate left out: not an error, but it must not vanish from the report either.
function renderSkipped(s: SkippedSync, p: Palette): string {
  return `${p.bold(s.sync)}  ·  ${p.dim('skipped')}\n  ${p.dim('reason')}  ${oneLine(s.reason)}`;
}

function renderHeader(r: SyncReport, options: TableOptions, p: Palette): string {
  const status = statusLabel(r.status);
  const coloured =
    r.status === 'failed' || r.status === 'interrupted'
      ? p.red(status)
      : r.status === 'guardrail'
        ? p.yellow(status)
        : r.status === 'succeeded'
          ? p.green(status)
          : status;
  const flags = [r.fullResync ? '--full-resync' : '', r.forced ? '--force' : ''].filter(Boolean).join(' ');
  const run = r.runId === undefined ? '' : `run #${r.runId}`;
  return [p.bold(r.sync), p.bold(modeLabel(r, options.dryRun)), coloured, formatDuration(r.durationMs), run, flags]
    .filter((part) => part !== '')
    .join('  ·  ');
}

function collectRows(r: SyncReport, p: Palette): Row[] {
  const rows: Row[] = [];
  const plan = r.mode === 'plan';
  const reached = stagesReached(r);
  // A run that stopped part-way leads with why; the rows below are only the ones it got far enough to measure.
  const error = reportableError(r);
  if (error !== undefined) rows.push({ label: 'error', text: p.red(`${error.code}: ${oneLine(error.message)}`) });
  if (reached.read) {
    rows.push({ label: 'source rows', count: formatCount(r.sourceRows) });
    if (r.scanBytes !== undefined) rows.push({ label: 'bytes scanned', count: formatCount(r.scanBytes), text: 'as estimated by the warehouse' });
  }
  if (reached.diff) {
    rows.push({ label: 'valid records', count: formatCount(r.diff.current), text: 'distinct, current' });
    rows.push({ label: 'acknowledged before', count: formatCount(r.diff.acknowledged) });
    rows.push({ label: 'adds', count: r.diff.adds > 0 ? p.green(`+${formatCount(r.diff.adds)}`) : '0', text: r.fullResync ? 'full resync: all current records' : '' });
    rows.push({ label: 'removes', count: r.diff.removes > 0 ? p.red(`-${formatCount(r.diff.removes)}`) : '0' });
    rows.push({ label: 'unchanged', count: formatCount(r.diff.unchanged) });
    if (r.actions) rows.push({ label: 'actions', text: formatActions(r.actions) });
  }
  if (reached.read) {
    const rejected = rejectedTotal(r);
    rows.push({ label: 'rejected', count: rejected > 0 ? p.yellow(formatCount(rejected)) : '0', text: formatReasons(r.rejected) });
    rows.push({ label: 'empty', count: formatCount(emptyTotal(r)), text: 'null or blank, not errors' });
    for (const column of r.columns) {
      rows.push({ label: `column ${column.column}`, text: `${column.type}: ${formatColumnOutcome(column)}` });
    }
  }

  if (reached.guardrail) {
    const verdict = guardrailLabel(r.guardrail);
    const verdictText =
      r.guardrail.verdict === 'pass' ? p.green(verdict) : r.guardrail.verdict === 'blocked' ? p.red(verdict) : p.yellow(verdict);
    rows.push({ label: 'guardrails', text: verdictText });
    for (const reason of r.guardrail.reasons) rows.push({ label: '', text: p.yellow(`- ${oneLine(reason)}`) });
  }

  if (plan) {
    rows.push({ label: 'sent', text: p.bold(NOTHING_SENT) });
    const adds = onlyHashes(r.samples.adds).slice(0, TABLE_SAMPLES);
    const removes = onlyHashes(r.samples.removes).slice(0, TABLE_SAMPLES);
    adds.forEach((h, i) => rows.push({ label: i === 0 ? 'sample adds' : '', text: h }));
    removes.forEach((h, i) => rows.push({ label: i === 0 ? 'sample removes' : '', text: h }));
  } else if (reached.push || r.status === 'guardrail') {
    const sent = `${formatCount(r.sent.adds)} adds, ${formatCount(r.sent.removes)} removes in ${formatCount(r.sent.batches)} ${r.sent.batches === 1 ? 'batch' : 'batches'}`;
    rows.push({ label: 'sent', text: r.status === 'guardrail' ? `${sent} (stopped before sending)` : sent });
  }

  const listId = listIdOf(r);
  const list = r.pinterest.list;
  rows.push({
    label: 'customer list',
    text: listId === undefined ? (plan ? 'none yet (created on first sync)' : 'none') : list ? `${listId}  ${formatListState(list)}` : listId,
  });
  const listType = formatListType(r);
  if (listType) rows.push({ label: 'list type', text: listType });
  const audienceId = audienceIdOf(r);
  const audience = r.pinterest.audience;
  rows.push({
    label: 'audience',
    text: audienceId === undefined ? 'none yet' : audience ? `${audienceId}  ${formatAudienceState(audience)}` : audienceId,
  });
  if (!plan || r.pinterest.apiCalls > 0) {
    const retries = r.pinterest.retries === 1 ? '1 retry' : `${formatCount(r.pinterest.retries)} retries`;
    rows.push({ label: 'api calls', text: `${formatCount(r.pinterest.apiCalls)} (${retries})` });
  }

  // A phase is timed once it began: a run that failed before reading has no phase times at all.
  const phases: string[] = [];
  if (reached.read || r.phases.readMs > 0) phases.push(`read ${formatDuration(r.phases.readMs)}`);
  if (reached.read) phases.push(`diff ${formatDuration(r.phases.diffMs)}`);
  if (!plan && reached.push) phases.push(`push ${formatDuration(r.phases.pushMs)}`);
  if (phases.length > 0) rows.push({ label: 'time', text: phases.join(', ') });

  r.warnings.forEach((w, i) => rows.push({ label: i === 0 ? 'warnings' : '', text: p.yellow(oneLine(w)) }));
  return rows;
}

function renderSummary(reports: readonly SyncReport[], skipped: number, p: Palette): string {
  const byStatus = new Map<string, number>();
  for (const r of reports) byStatus.set(statusLabel(r.status), (byStatus.get(statusLabel(r.status)) ?? 0) + 1);
  if (skipped > 0) byStatus.set('skipped', skipped);
  const statuses = [...byStatus].map(([s, n]) => `${n} ${s}`).join(', ');
  const allPlans = reports.every((r) => r.mode === 'plan');
  const sum = (pick: (r: SyncReport) => number): number => reports.reduce((n, r) => n + pick(r), 0);
  const delta = (adds: number, removes: number): string => `${p.green(`+${formatCount(adds)}`)} / ${p.red(`-${formatCount(removes)}`)}`;
  const parts = [`${reports.length + skipped} syncs: ${statuses}`, `planned ${delta(sum((r) => r.diff.adds), sum((r) => r.diff.removes))}`];
  // What Pinterest acknowledged can differ from the plan (a failure midway, a guardrail), so it gets its own figure.
  if (!allPlans) parts.push(`sent ${delta(sum((r) => r.sent.adds), sum((r) => r.sent.removes))}`);
  parts.push(`${formatCount(sum(rejectedTotal))} rejected`, `exit code ${overallExitCode(reports)}`);
  return p.bold('Total') + '  ' + parts.join('  ·  ') + (allPlans ? `\n${NOTHING_SENT}` : '');
}
