/**
 * `pinsync runs --format html`: the run history as one self-contained page. Per sync, charts over time (runs'
 * status, the acknowledged membership, adds and removes, rejects by reason, Pinterest's own counters against what was
 * sent, the audience's size and status), then the run list, where each run opens its full report (a `<details>`
 * element: no script). A year of hourly runs stays small: charts keep the lowest and highest value per time bucket
 * (./svg-line-chart.ts), and only the newest runs carry their report; older ones are summarized per day.
 */
import { REJECT_REASONS, ROW_REJECT_REASONS } from '../../../core/identifier-types.js';
import { scrubErrorText } from '../../../core/scrub-error-text.js';
import type { SyncReport } from '../../../core/sync-report.js';
import { formatCount, formatDuration, formatUtc, oneLine, truncate } from '../format-values.js';
import { renderTable } from '../render-report-table.js';
import type { RunRow } from '../render-runs.js';
import { stagesReached } from '../report-labels.js';
import { CSS_CLASSES, type ThemeColor, escapeHtml, renderHtmlPage } from './html-page.js';
import { renderBarChart } from './svg-bar-chart.js';
import { LINE_CHART_CSS, renderLineChart } from './svg-line-chart.js';
import { renderStatusStrip } from './svg-status-strip.js';

/** One recorded run: its history row and its stored report (null for a run that never finished). */
export interface RunHistoryEntry {
  /** The run as `pinsync runs` lists it. */
  row: RunRow;
  /** The full stored report, shown when the run is opened; null when the run never wrote one. */
  report: SyncReport | null;
}

/** Rendering options for `renderRunsHtml`. */
export interface RunsHtmlOptions {
  /** When the page was made (shown in its header); default now. */
  generatedAt?: Date;
  /** The `--since` the runs were selected with, shown in the header; unset: every recorded run. */
  since?: Date;
  /** Runs per sync listed one by one with their report; older ones are summarized per day. Default 500. */
  fullRuns?: number;
  /** Most time buckets per chart before points are downsampled; default 400. */
  maxBuckets?: number;
}

/** Runs listed in full per sync by default. */
export const FULL_RUNS = 500;

/** Id of a sync's section (for the summary's links). */
export function syncSectionId(syncName: string): string {
  return `sync-${syncName.replace(/[^A-Za-z0-9_-]/g, (c) => `_${c.codePointAt(0)!.toString(16)}`)}`;
}

/** The whole page; `entries` newest first, as `listRuns` returns them. */
export function renderRunsHtml(entries: readonly RunHistoryEntry[], options: RunsHtmlOptions = {}): string {
  const generatedAt = options.generatedAt ?? new Date();
  const bySync = new Map<string, RunHistoryEntry[]>();
  for (const e of entries) {
    const list = bySync.get(e.row.syncName) ?? [];
    list.push(e);
    bySync.set(e.row.syncName, list);
  }
  const names = [...bySync.keys()].sort();
  const scope = options.since === undefined ? 'every recorded run' : `runs started since ${formatUtc(options.since)}`;
  const header =
    `<header><h1>pinsync run history</h1><p class="${CSS_CLASSES.muted}">` +
    `${escapeHtml(scope)}: ${escapeHtml(formatCount(entries.length))} ${entries.length === 1 ? 'run' : 'runs'} of ${names.length} ${names.length === 1 ? 'sync' : 'syncs'} · ` +
    `generated ${escapeHtml(formatUtc(generatedAt))} · times in UTC</p></header>`;
  const body =
    entries.length === 0
      ? `${header}<p>No runs recorded${options.since === undefined ? ' yet' : ' in that period'}.</p>`
      : [header, names.length > 1 ? summaryTable(names, bySync) : '', ...names.map((name) => syncSection(name, [...bySync.get(name)!].reverse(), options))].join('\n');
  return renderHtmlPage({ title: `pinsync run history (${names.length === 1 ? names[0] : `${names.length} syncs`})`, body, css: LINE_CHART_CSS + RUNS_CSS });
}

function summaryTable(names: readonly string[], bySync: ReadonlyMap<string, RunHistoryEntry[]>): string {
  const rows = names.map((name) => {
    const runs = bySync.get(name)!;
    const latest = runs[0]!;
    const failed = runs.filter((r) => r.row.status !== 'succeeded' && r.row.status !== 'running').length;
    return (
      `<tr><td><a href="#${syncSectionId(name)}">${escapeHtml(name)}</a></td><td class="num">${formatCount(runs.length)}</td>` +
      `<td class="num">${formatCount(failed)}</td><td>${statusBadge(latest.row.status)} ${escapeHtml(formatUtc(latest.row.startedAt))}</td>` +
      `<td class="num">${escapeHtml(formatCount(membershipAfter(latest)))}</td><td class="num">${escapeHtml(formatCount(latest.row.audienceSize))}</td></tr>`
    );
  });
  return (
    `<table class="${CSS_CLASSES.table}"><caption>Syncs</caption><thead><tr><th scope="col">sync</th><th scope="col" class="num">runs</th>` +
    `<th scope="col" class="num">not succeeded</th><th scope="col">latest run</th><th scope="col" class="num">membership</th><th scope="col" class="num">audience size</th></tr></thead>` +
    `<tbody>${rows.join('')}</tbody></table>`
  );
}

/** `runs` oldest first. */
function syncSection(name: string, runs: readonly RunHistoryEntry[], options: RunsHtmlOptions): string {
  const x = runs.map((e) => new Date(e.row.startedAt).getTime());
  const latest = runs[runs.length - 1]!;
  const maxBuckets = options.maxBuckets;
  const reports = runs.map((e) => e.report);
  const read = reports.map((r) => r !== null && stagesReached(r).read);
  const diffed = reports.map((r) => r !== null && stagesReached(r).diff);

  const statusCounts = new Map<string, number>();
  for (const e of runs) statusCounts.set(e.row.status, (statusCounts.get(e.row.status) ?? 0) + 1);
  const reasons = [...REJECT_REASONS, ...ROW_REJECT_REASONS].filter((reason) => reports.some((r, i) => read[i] && (r!.rejected[reason] ?? 0) > 0));
  const rejectTotals = reasons.map((reason) => ({ label: reason, value: reports.reduce((n, r, i) => n + (read[i] ? (r!.rejected[reason] ?? 0) : 0), 0), color: 'reject' as ThemeColor }));
  const counters = pinterestCounters(runs);

  const facts: [string, string][] = [
    ['runs', `${formatCount(runs.length)} from ${formatUtc(runs[0]!.row.startedAt)} to ${formatUtc(latest.row.startedAt)}`],
    ['latest run', `${latest.row.status} at ${formatUtc(latest.row.startedAt)}`],
    ['membership after it', formatCount(membershipAfter(latest))],
    ['customer list', latest.row.customerListId ?? 'none yet'],
    ['audience', latest.row.audienceId === null ? 'none yet' : `${latest.row.audienceId}${latest.row.audienceStatus ? `, ${latest.row.audienceStatus}` : ''}${latest.row.audienceSize === null ? '' : `, size ${formatCount(latest.row.audienceSize)}`}`],
  ];
  const charts = [
    renderBarChart({
      title: 'Runs by status',
      bars: [...statusCounts].sort((a, b) => b[1] - a[1]).map(([status, n]) => ({ label: status, value: n, color: statusColor(status) })),
      labelHeader: 'status',
      valueHeader: 'runs',
      table: 'collapsed',
    }),
    renderStatusStrip({ title: 'Run status over time', x, statuses: runs.map((e) => e.row.status), colorOf: statusColor }),
    renderLineChart({
      title: 'Acknowledged membership',
      note: 'Records Pinterest has acknowledged after each run, and the valid records the query returned.',
      x,
      maxBuckets,
      series: [
        { label: 'acknowledged after the run', values: runs.map(membershipAfter), color: 'add' },
        { label: 'valid records in the query', values: runs.map((e, i) => (diffed[i] ? e.report!.diff.current : null)), color: 'unchanged', dashed: true },
      ],
    }),
    renderLineChart({
      title: 'Adds and removes per run',
      note: 'Acknowledged by Pinterest (solid) and planned by the diff (dashed): a gap between them is a push that stopped.',
      x,
      maxBuckets,
      series: [
        { label: 'adds sent', values: runs.map((e) => e.row.addsSent), color: 'add' },
        { label: 'removes sent', values: runs.map((e) => e.row.removesSent), color: 'remove' },
        { label: 'adds planned', values: runs.map((e) => e.row.addsPlanned), color: 'add', dashed: true },
        { label: 'removes planned', values: runs.map((e) => e.row.removesPlanned), color: 'remove', dashed: true },
      ],
    }),
    reasons.length === 0
      ? `<figure class="${CSS_CLASSES.chart}"><figcaption>Rejected values by reason</figcaption><p class="${CSS_CLASSES.muted}">No value was rejected in these runs.</p></figure>`
      : renderLineChart({
          title: 'Rejected values by reason',
          note: 'Values the query returned that could not be normalized (never sent), per run.',
          x,
          maxBuckets,
          series: reasons.map((reason) => ({ label: reason, values: reports.map((r, i) => (read[i] ? (r!.rejected[reason] ?? 0) : null)) })),
        }) + renderBarChart({ title: 'Rejected values by reason, all these runs', bars: rejectTotals, labelHeader: 'reason', valueHeader: 'values', table: 'collapsed' }),
    renderLineChart({
      title: "Pinterest's counters against what was sent",
      note:
        "How much Pinterest's cumulative list counters grew since their previous reading (dashed) against what was sent meanwhile (solid), for each run that read them; they agree unless a batch was replayed or counted twice.",
      x,
      maxBuckets,
      emptyText: "No run read Pinterest's list counters.",
      series: [
        { label: 'adds sent', values: counters.adds, color: 'add' },
        { label: 'uploaded records counted by Pinterest', values: counters.uploaded, color: 'series3', dashed: true },
        { label: 'removes sent', values: counters.removes, color: 'remove' },
        { label: 'removed records counted by Pinterest', values: counters.removed, color: 'series5', dashed: true },
      ],
    }),
    renderLineChart({
      title: 'Audience size',
      note: 'Matched size Pinterest reported after each run; Pinterest hides it under ~100 (the line breaks there).',
      x,
      maxBuckets,
      emptyText: 'Pinterest has not reported a size for the audience in these runs.',
      series: [{ label: 'audience size', values: runs.map((e) => e.row.audienceSize), color: 'accent' }],
    }),
    renderStatusStrip({ title: 'Audience status', x, statuses: runs.map((e) => e.row.audienceStatus), colorOf: pinterestStatusColor }),
    renderStatusStrip({ title: 'Customer list status', x, statuses: runs.map((e) => e.row.listStatus), colorOf: pinterestStatusColor }),
  ];
  return (
    `<section class="${CSS_CLASSES.section}" id="${syncSectionId(name)}" aria-labelledby="${syncSectionId(name)}-h"><h2 id="${syncSectionId(name)}-h">${escapeHtml(name)}</h2>` +
    `<dl class="${CSS_CLASSES.facts}">${facts.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`).join('')}</dl>` +
    charts.join('\n') +
    runList(runs, options.fullRuns ?? FULL_RUNS) +
    '</section>'
  );
}

/**
 * Records acknowledged after the run: before it plus what it sent (an add is always a new member, a remove an old
 * one). A full resync re-sends members, so only a full resync that succeeded tells (everything current then is in).
 */
function membershipAfter(e: RunHistoryEntry): number | null {
  const r = e.report;
  if (r === null || r.mode !== 'sync' || !stagesReached(r).diff) return null;
  if (r.fullResync) return r.status === 'succeeded' ? r.diff.current : null;
  return r.diff.acknowledged + (e.row.addsSent ?? r.sent.adds) - (e.row.removesSent ?? r.sent.removes);
}

/**
 * Per run that read Pinterest's list counters: how much they grew since the previous reading of the same list (from
 * zero for the run that created the list: nothing acknowledged before it), and what was sent meanwhile (this run and
 * any run since that reading; a run that failed early reads nothing, so its sends count in the next reading). Null
 * for runs without a reading, and for the first reading of a list in the period (nothing to compare it with).
 */
function pinterestCounters(runs: readonly RunHistoryEntry[]): { uploaded: (number | null)[]; removed: (number | null)[]; adds: (number | null)[]; removes: (number | null)[] } {
  const out = { uploaded: [] as (number | null)[], removed: [] as (number | null)[], adds: [] as (number | null)[], removes: [] as (number | null)[] };
  let previous: { id: string; up: number; rm: number } | undefined;
  let adds = 0;
  let removes = 0;
  for (const e of runs) {
    adds += e.row.addsSent ?? 0;
    removes += e.row.removesSent ?? 0;
    const list = e.report?.pinterest.list;
    let counted: [number, number] | undefined;
    if (list !== undefined) {
      if (previous?.id === list.id) counted = [list.numUploadedUserRecords - previous.up, list.numRemovedUserRecords - previous.rm];
      else if (e.report!.diff.acknowledged === 0 && stagesReached(e.report!).diff) counted = [list.numUploadedUserRecords, list.numRemovedUserRecords];
      previous = { id: list.id, up: list.numUploadedUserRecords, rm: list.numRemovedUserRecords };
    }
    out.uploaded.push(counted?.[0] ?? null);
    out.removed.push(counted?.[1] ?? null);
    out.adds.push(counted === undefined ? null : adds);
    out.removes.push(counted === undefined ? null : removes);
    if (list !== undefined) {
      adds = 0;
      removes = 0;
    }
  }
  return out;
}

const RUN_COLUMNS = ['run', 'status', 'started (UTC)', 'took', 'adds sent/planned', 'removes sent/planned', 'rejected', 'api calls', 'error'];

/** `runs` oldest first: the newest `full` listed newest first with their reports, the rest summarized per day. */
function runList(runs: readonly RunHistoryEntry[], full: number): string {
  const newestFirst = [...runs].reverse();
  const listed = newestFirst.slice(0, full);
  const older = newestFirst.slice(full);
  const head = `<div class="ps-run-head" aria-hidden="true">${RUN_COLUMNS.map((c) => `<span>${escapeHtml(c)}</span>`).join('')}</div>`;
  const items = listed.map(runItem).join('\n');
  const intro = `<p class="${CSS_CLASSES.muted}">Newest first; open a run for its full report.${older.length > 0 ? ` The newest ${formatCount(full)} are listed one by one; the ${formatCount(older.length)} older runs are summarized per day below (\`pinsync runs --sync NAME --json --limit N\` lists each).` : ''}</p>`;
  return `<h3>Runs</h3>${intro}<div class="ps-runs">${head}${items}</div>${older.length > 0 ? olderSummary(older) : ''}`;
}

function runItem(e: RunHistoryEntry): string {
  const row = e.row;
  const flags = [row.fullResync ? 'full-resync' : '', row.forced ? 'forced' : ''].filter(Boolean);
  const error = row.errorMessage === null ? '' : scrubErrorText(oneLine(`${row.errorCode === null ? '' : `${row.errorCode}: `}${row.errorMessage}`));
  const apiCalls = row.apiCalls === null ? '-' : `${formatCount(row.apiCalls)}${row.retries ? ` (${formatCount(row.retries)} retried)` : ''}`;
  const cells = [
    `#${row.id}`,
    statusBadge(row.status) + (flags.length > 0 ? ` <span class="${CSS_CLASSES.muted}">${escapeHtml(flags.join(', '))}</span>` : ''),
    escapeHtml(formatUtc(row.startedAt).replace('T', ' ').replace('Z', '')),
    escapeHtml(formatDuration(row.durationMs)),
    escapeHtml(`${formatCount(row.addsSent)}/${formatCount(row.addsPlanned)}`),
    escapeHtml(`${formatCount(row.removesSent)}/${formatCount(row.removesPlanned)}`),
    escapeHtml(formatCount(row.rejectedTotal)),
    escapeHtml(apiCalls),
    error === '' ? '' : `<span title="${escapeHtml(truncate(error, 500))}">${escapeHtml(truncate(error, 80))}</span>`,
  ];
  const body =
    e.report === null
      ? `<p>No report: the run never finished (killed, or still running). Acknowledged so far: ${formatCount(row.addsSent)} adds, ${formatCount(row.removesSent)} removes.</p>`
      : `<pre>${escapeHtml(renderTable([scrubbed(e.report)], { color: false, dryRun: false }).trimEnd())}</pre>`;
  return `<details class="ps-run" data-run="${row.id}"><summary>${cells.map((c) => `<span>${c}</span>`).join('')}</summary>${body}</details>`;
}

/** The report with its free texts scrubbed again (idempotent): what an error quoted must not reach a shared page. */
function scrubbed(report: SyncReport): SyncReport {
  return {
    ...report,
    error: report.error === undefined ? undefined : { code: report.error.code, message: scrubErrorText(report.error.message) },
    warnings: report.warnings.map(scrubErrorText),
    guardrail: { ...report.guardrail, reasons: report.guardrail.reasons.map(scrubErrorText) },
  };
}

/** Older runs, one row per UTC day, newest first. */
function olderSummary(older: readonly RunHistoryEntry[]): string {
  type Day = { runs: number; statuses: Map<string, number>; adds: number; removes: number; apiCalls: number; retries: number; errors: Map<string, number> };
  const days = new Map<string, Day>();
  for (const e of older) {
    const key = formatUtc(e.row.startedAt).slice(0, 10);
    let d = days.get(key);
    if (d === undefined) {
      d = { runs: 0, statuses: new Map(), adds: 0, removes: 0, apiCalls: 0, retries: 0, errors: new Map() };
      days.set(key, d);
    }
    d.runs++;
    d.statuses.set(e.row.status, (d.statuses.get(e.row.status) ?? 0) + 1);
    d.adds += e.row.addsSent ?? 0;
    d.removes += e.row.removesSent ?? 0;
    d.apiCalls += e.row.apiCalls ?? 0;
    d.retries += e.row.retries ?? 0;
    if (e.row.errorCode !== null) d.errors.set(e.row.errorCode, (d.errors.get(e.row.errorCode) ?? 0) + 1);
  }
  const counted = (m: Map<string, number>) => [...m].map(([k, n]) => `${formatCount(n)} ${k}`).join(', ');
  const rows = [...days].map(
    ([day, d]) =>
      `<tr><td>${day}</td><td class="num">${formatCount(d.runs)}</td><td>${escapeHtml(counted(d.statuses))}</td><td class="num">${formatCount(d.adds)}</td>` +
      `<td class="num">${formatCount(d.removes)}</td><td class="num">${formatCount(d.apiCalls)}</td><td class="num">${formatCount(d.retries)}</td><td>${escapeHtml(counted(d.errors))}</td></tr>`,
  );
  return (
    `<details class="ps-older"><summary>Older runs: ${formatCount(older.length)} runs over ${formatCount(days.size)} days, summarized per day</summary>` +
    `<table class="${CSS_CLASSES.table}"><caption class="${CSS_CLASSES.srOnly}">Older runs per day</caption><thead><tr><th scope="col">day (UTC)</th><th scope="col" class="num">runs</th><th scope="col">statuses</th>` +
    `<th scope="col" class="num">adds sent</th><th scope="col" class="num">removes sent</th><th scope="col" class="num">api calls</th><th scope="col" class="num">retries</th><th scope="col">errors</th></tr></thead>` +
    `<tbody>${rows.join('')}</tbody></table></details>`
  );
}

function statusBadge(status: string): string {
  return `<span class="ps-st ps-st-${tone(status)}">${escapeHtml(status)}</span>`;
}

function tone(status: string): 'ok' | 'warn' | 'bad' | 'neutral' {
  if (status === 'succeeded') return 'ok';
  if (status === 'guardrail') return 'warn';
  if (status === 'failed' || status.startsWith('interrupted')) return 'bad';
  return 'neutral';
}

function statusColor(status: string): ThemeColor {
  return { ok: 'ok', warn: 'warn', bad: 'bad', neutral: 'unchanged' }[tone(status)] as ThemeColor;
}

function pinterestStatusColor(status: string): ThemeColor {
  if (status === 'READY') return 'ok';
  if (status === 'TOO_SMALL') return 'warn';
  return 'unchanged';
}

const RUNS_CSS = `
.ps-st{font-weight:600}.ps-st-ok{color:var(--ps-ok)}.ps-st-warn{color:var(--ps-warn)}.ps-st-bad{color:var(--ps-bad)}.ps-st-neutral{color:var(--ps-muted)}
.ps-runs{font-size:.85rem;font-variant-numeric:tabular-nums;overflow-x:auto}
.ps-run-head,.ps-run>summary{display:grid;grid-template-columns:4rem 7.5rem 10rem 3.5rem 6.5rem 6.5rem 4rem 6.5rem minmax(8rem,1fr);gap:.5rem;padding:.3rem .25rem}
.ps-run-head{color:var(--ps-muted);font-weight:600;border-bottom:1px solid var(--ps-border)}
.ps-run{border-bottom:1px solid var(--ps-border)}
.ps-run>summary{cursor:pointer;list-style:none}
.ps-run>summary::-webkit-details-marker{display:none}
.ps-run>summary>span:first-child::before{content:"\\25B8\\00A0";color:var(--ps-muted)}
.ps-run[open]>summary>span:first-child::before{content:"\\25BE\\00A0"}
.ps-run>summary:hover,.ps-run[open]>summary{background:var(--ps-surface)}
.ps-run>summary>span{overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.ps-run pre{margin:.25rem 0 .75rem;padding:.75rem;background:var(--ps-surface);border-radius:6px;overflow:auto;font-size:.8rem;line-height:1.4}
.ps-older{margin-top:1rem}.ps-older>summary{cursor:pointer}
`;
