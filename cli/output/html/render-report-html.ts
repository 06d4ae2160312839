/**
 * The plan/sync report as one self-contained HTML page (`--format html`): a CI artifact a reviewer opens from disk.
 * Per sync the verdict comes first (what would be sent, what was sent, or why nothing was), then the change against
 * the acknowledged membership and the rejects by reason as SVG bar charts with their numbers, then the details.
 * Several syncs get a summary table on top. Every string a user or a warehouse controls is escaped; hashes only.
 */
import type { SkippedSync } from '../../../core/dbt/prepare-dbt-syncs.js';
import type { SyncReport } from '../../../core/sync-report.js';
import { scrubErrorText } from '../../../core/scrub-error-text.js';
import { formatBytes, formatCount, formatDuration, formatSigned, formatUtc, onlyHashes, oneLine } from '../format-values.js';
import {
  NOTHING_SENT,
  type VerdictTone,
  audienceIdOf,
  emptyTotal,
  formatActions,
  formatAudienceState,
  formatListState,
  formatListType,
  formatMembershipDelta,
  formatReasons,
  guardrailLabel,
  listIdOf,
  modeLabel,
  overallExitCode,
  rejectedTotal,
  reportableError,
  stagesReached,
  statusLabel,
  sumCounts,
  verdictOf,
} from '../report-labels.js';
import { CSS_CLASSES, escapeHtml, renderHtmlPage } from './html-page.js';
import { renderBarChart } from './svg-bar-chart.js';

/** Options for the HTML renderer. */
export interface HtmlReportOptions {
  /** Label plan-mode reports DRY RUN instead of PLAN (`sync --dry-run`). */
  dryRun: boolean;
  /** Selected syncs that did not run, each with why. */
  skipped?: readonly SkippedSync[];
}

/** Attribute on each sync's verdict element, for tests and scripts reading the page. */
export const VERDICT_ATTRIBUTE = 'data-verdict';

/** A page has room for more sample hashes than a PR comment. */
const HTML_SAMPLES = 10;

const NOT_MEASURED = '—';

const TONE_CLASS: Record<VerdictTone, string> = {
  ok: CSS_CLASSES.verdictOk,
  warn: CSS_CLASSES.verdictWarn,
  bad: CSS_CLASSES.verdictBad,
  neutral: CSS_CLASSES.verdictNeutral,
};

/** The whole page for these reports (a summary table first when there are several, or skipped syncs). */
export function renderHtml(reports: readonly SyncReport[], options: HtmlReportOptions): string {
  const skipped = options.skipped ?? [];
  const allPlans = reports.length > 0 && reports.every((r) => r.mode === 'plan');
  const title = allPlans ? `pinsync ${options.dryRun ? 'dry run' : 'plan'}` : 'pinsync sync report';
  const out: string[] = ['<header>', `<h1>${escapeHtml(title)}</h1>`];
  if (allPlans) out.push(`<p class="${CSS_CLASSES.verdict} ${CSS_CLASSES.verdictNeutral}">${escapeHtml(capitalise(NOTHING_SENT))}</p>`);
  out.push(`<p class="${CSS_CLASSES.muted}">${escapeHtml(headerLine(reports, skipped))}</p>`, '</header>');
  if (reports.length === 0 && skipped.length === 0) {
    out.push(`<p>No syncs selected.</p>`);
  } else {
    if (reports.length + skipped.length > 1) out.push(renderSummary(reports, skipped));
    reports.forEach((r, i) => out.push(renderSection(r, i, options)));
    if (skipped.length > 0) out.push(renderSkipped(skipped));
  }
  const names = reports.map((r) => r.sync);
  return renderHtmlPage({ title: names.length === 1 ? `${title}: ${names[0]}` : title, body: out.join('\n') });
}

function headerLine(reports: readonly SyncReport[], skipped: readonly SkippedSync[]): string {
  const parts = [`${reports.length} sync${reports.length === 1 ? '' : 's'}`];
  if (skipped.length > 0) parts.push(`${skipped.length} skipped`);
  const first = reports.map((r) => r.startedAt).sort()[0];
  if (first !== undefined) parts.push(`started ${formatUtc(first)}`);
  parts.push(`exit code ${overallExitCode(reports)}`);
  return parts.join(' · ');
}

function renderSummary(reports: readonly SyncReport[], skipped: readonly SkippedSync[]): string {
  const num = (text: string) => `<td class="${CSS_CLASSES.num}">${escapeHtml(text)}</td>`;
  const rows = reports.map((r, i) => {
    const reached = stagesReached(r);
    const verdict = verdictOf(r);
    const diff = (text: string) => (reached.diff ? text : NOT_MEASURED);
    return (
      `<tr><td><a href="#sync-${i}"><code>${escapeHtml(r.sync)}</code></a></td>` +
      `<td><span class="${TONE_CLASS[verdict.tone]}">${escapeHtml(verdict.headline)}</span></td>` +
      num(diff(formatSigned('+', r.diff.adds))) +
      num(diff(formatSigned('-', r.diff.removes))) +
      num(diff(formatCount(r.diff.unchanged))) +
      num(reached.read ? formatCount(rejectedTotal(r)) : NOT_MEASURED) +
      num(diff(formatMembershipDelta(r.diff))) +
      '</tr>'
    );
  });
  for (const s of skipped) {
    rows.push(`<tr><td><code>${escapeHtml(s.sync)}</code></td><td><span class="${CSS_CLASSES.verdictNeutral}">Skipped</span></td>${num(NOT_MEASURED).repeat(5)}</tr>`);
  }
  const header = ['sync', 'verdict'].map((h) => `<th scope="col">${h}</th>`).join('') + ['adds', 'removes', 'unchanged', 'rejected', 'change'].map((h) => `<th scope="col" class="${CSS_CLASSES.num}">${h}</th>`).join('');
  return (
    `<section class="${CSS_CLASSES.section}" aria-labelledby="summary-title"><h2 id="summary-title">Summary</h2>` +
    `<table class="${CSS_CLASSES.table}" data-summary><thead><tr>${header}</tr></thead><tbody>${rows.join('')}</tbody></table></section>`
  );
}

function renderSection(r: SyncReport, index: number, options: HtmlReportOptions): string {
  const reached = stagesReached(r);
  const verdict = verdictOf(r);
  const flags = [r.fullResync ? '--full-resync' : '', r.forced ? '--force' : ''].filter(Boolean);
  const out: string[] = [`<section class="${CSS_CLASSES.section}" id="sync-${index}" aria-labelledby="sync-${index}-title">`];
  out.push(
    `<h2 id="sync-${index}-title"><code>${escapeHtml(r.sync)}</code> · ${escapeHtml(modeLabel(r, options.dryRun))} · ${escapeHtml(statusLabel(r.status))}` +
      `${flags.map((f) => ` · <code>${f}</code>`).join('')}</h2>`,
  );
  // The verdict first: a reviewer who reads one line reads this one.
  out.push(`<p class="${CSS_CLASSES.verdict} ${TONE_CLASS[verdict.tone]}" ${VERDICT_ATTRIBUTE}>${escapeHtml(verdict.headline)}</p>`);
  if (verdict.reasons.length > 0) out.push(`<ul data-reasons>${verdict.reasons.map((reason) => `<li>${escapeHtml(reason)}</li>`).join('')}</ul>`);
  const error = reportableError(r);
  if (error !== undefined) {
    out.push(`<p data-error><strong>Error</strong> <code>${escapeHtml(error.code)}</code> ${escapeHtml(oneLine(scrubErrorText(error.message)))}</p>`);
  }
  out.push(`<p class="${CSS_CLASSES.muted}">Started ${escapeHtml(formatUtc(r.startedAt))}, took ${escapeHtml(formatDuration(r.durationMs))}${r.runId === undefined ? '' : `, run #${r.runId}`}.</p>`);

  if (reached.diff) {
    out.push(
      `<p>Acknowledged by Pinterest before this run: <strong>${escapeHtml(formatCount(r.diff.acknowledged))}</strong>; ` +
        `valid distinct records now: <strong>${escapeHtml(formatCount(r.diff.current))}</strong>; ` +
        `change: <strong data-delta>${escapeHtml(formatMembershipDelta(r.diff))}</strong>.</p>`,
    );
    out.push(
      renderBarChart({
        title: 'Change against the acknowledged membership',
        labelHeader: 'records',
        bars: [
          { label: 'adds', value: r.diff.adds, color: 'add' },
          { label: 'removes', value: r.diff.removes, color: 'remove' },
          { label: 'unchanged', value: r.diff.unchanged, color: 'unchanged' },
        ],
      }),
    );
  }
  if (reached.read) {
    const reasons = Object.entries(r.rejected)
      .filter((entry): entry is [string, number] => (entry[1] ?? 0) > 0)
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
    out.push(
      renderBarChart({
        title: 'Rejected values by reason',
        labelHeader: 'reason',
        color: 'reject',
        bars: reasons.map(([reason, n]) => ({ label: reason, value: n })),
        emptyText: 'No values rejected.',
      }),
    );
    out.push(renderFacts(r));
    if (r.columns.length > 0) out.push(renderColumns(r));
  }

  if (reached.guardrail && verdict.reasons.length === 0) out.push(`<p><strong>Guardrails:</strong> ${escapeHtml(guardrailLabel(r.guardrail))}</p>`);
  if (r.mode === 'plan') out.push(`<p><strong>Sent:</strong> nothing (${escapeHtml(NOTHING_SENT)}).</p>`);
  else if (reached.push || r.status === 'guardrail') {
    out.push(`<p><strong>Sent:</strong> ${formatCount(r.sent.adds)} adds, ${formatCount(r.sent.removes)} removes in ${formatCount(r.sent.batches)} batches.</p>`);
  }
  out.push(renderSamples('Sample adds', onlyHashes(r.samples.adds)), renderSamples('Sample removes', onlyHashes(r.samples.removes)));
  out.push(renderPinterest(r));
  if (r.warnings.length > 0) {
    out.push(`<h3>Warnings</h3><ul>${r.warnings.map((w) => `<li>${escapeHtml(oneLine(w))}</li>`).join('')}</ul>`);
  }
  out.push('</section>');
  return out.filter((p) => p !== '').join('\n');
}

function renderFacts(r: SyncReport): string {
  const rows: [string, string][] = [['source rows', formatCount(r.sourceRows)]];
  if (r.scanBytes !== undefined) rows.push(['bytes to scan (warehouse estimate)', formatBytes(r.scanBytes)]);
  rows.push(['rejected values', formatCount(rejectedTotal(r))], ['empty values (not errors)', formatCount(emptyTotal(r))]);
  if (r.actions) rows.push(['explicit actions', formatActions(r.actions)]);
  rows.push(['time reading / diffing / pushing', [r.phases.readMs, r.phases.diffMs, r.phases.pushMs].map(formatDuration).join(' / ')]);
  return dl(rows);
}

function renderColumns(r: SyncReport): string {
  const num = (n: number) => `<td class="${CSS_CLASSES.num}">${formatCount(n)}</td>`;
  const rows = r.columns.map((c) => {
    const rejected = sumCounts(c.rejected);
    const detail = rejected > 0 ? `${formatCount(rejected)} (${formatReasons(c.rejected)})` : '0';
    return `<tr><td><code>${escapeHtml(c.column)}</code></td><td>${escapeHtml(c.type)}</td>${num(c.hashed)}${num(c.prehashed)}${num(c.empty)}<td>${escapeHtml(detail)}</td></tr>`;
  });
  const numHeader = (h: string) => `<th scope="col" class="${CSS_CLASSES.num}">${h}</th>`;
  return (
    `<table class="${CSS_CLASSES.table}"><caption>Columns</caption><thead><tr><th scope="col">column</th><th scope="col">type</th>` +
    `${numHeader('hashed')}${numHeader('prehashed')}${numHeader('empty')}<th scope="col">rejected</th></tr></thead><tbody>${rows.join('')}</tbody></table>`
  );
}

function renderSamples(title: string, hashes: string[]): string {
  if (hashes.length === 0) return '';
  const shown = hashes.slice(0, HTML_SAMPLES);
  return `<h3>${escapeHtml(title)} <span class="${CSS_CLASSES.muted}">(SHA-256)</span></h3><ul>${shown.map((h) => `<li><code>${escapeHtml(h)}</code></li>`).join('')}</ul>`;
}

function renderPinterest(r: SyncReport): string {
  const listId = listIdOf(r);
  const audienceId = audienceIdOf(r);
  const { list, audience } = r.pinterest;
  const rows: [string, string][] = [['ad account', r.pinterest.adAccountId]];
  // Names as Pinterest shows them in Ads Manager, so a reviewer finds the list there; the ids for the API.
  const named = (id: string, info: { name: string } | undefined) => (info?.name ? `${id} “${oneLine(info.name)}”` : id);
  rows.push(['customer list', listId === undefined ? `none yet${r.mode === 'plan' ? ' (created on first sync)' : ''}` : `${named(listId, list)}${list ? ` · ${formatListState(list)}` : ''}`]);
  const listType = formatListType(r);
  if (listType) rows.push(['list type', listType]);
  rows.push(['audience', audienceId === undefined ? 'none yet' : `${named(audienceId, audience)}${audience ? ` · ${formatAudienceState(audience)}` : ''}`]);
  if (r.mode === 'sync' || r.pinterest.apiCalls > 0) rows.push(['API calls', `${formatCount(r.pinterest.apiCalls)}, retries ${formatCount(r.pinterest.retries)}`]);
  return `<h3>Pinterest</h3>${dl(rows)}`;
}

function renderSkipped(skipped: readonly SkippedSync[]): string {
  const items = skipped.map((s) => `<li><code>${escapeHtml(s.sync)}</code>: ${escapeHtml(oneLine(s.reason))}</li>`).join('');
  return `<section class="${CSS_CLASSES.section}"><h2>Skipped</h2><ul>${items}</ul></section>`;
}

function dl(rows: readonly [string, string][]): string {
  return `<dl class="${CSS_CLASSES.facts}">${rows.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`).join('')}</dl>`;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
