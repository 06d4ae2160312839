/**
 * The reviewable diff report (GitHub-flavoured markdown) for PR comments and dbt CI artifacts: a summary table
 * across syncs, then one section per sync, verdict first (what would be sent, what was sent, or why nothing was).
 * Hashes only, in code spans, never raw identifiers.
 */
import type { SkippedSync } from '../../core/dbt/prepare-dbt-syncs.js';
import type { SyncReport } from '../../core/sync-report.js';
import { formatCount, formatDuration, formatSigned, formatUtc, onlyHashes, oneLine } from './format-values.js';
import {
  NOTHING_SENT,
  type Verdict,
  audienceIdOf,
  emptyTotal,
  formatActions,
  formatAudienceState,
  formatMembershipDelta,
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
  sumCounts,
  verdictOf,
} from './report-labels.js';

/** Options for the markdown renderer. */
export interface MarkdownOptions {
  /** Label plan-mode reports DRY RUN instead of PLAN (`sync --dry-run`). */
  dryRun: boolean;
  /** Selected syncs that did not run, each with why. */
  skipped?: readonly SkippedSync[];
}

/** Table cell for a count the run stopped before measuring. */
const NOT_MEASURED = '—';

/** Enough hashes for a reviewer to spot-check against the warehouse without flooding the comment. */
const MARKDOWN_SAMPLES = 5;

export function renderMarkdown(reports: readonly SyncReport[], options: MarkdownOptions): string {
  const allPlans = reports.length > 0 && reports.every((r) => r.mode === 'plan');
  const out: string[] = [];
  out.push(allPlans ? `## pinsync ${options.dryRun ? 'dry run' : 'plan'}` : '## pinsync sync report', '');
  if (allPlans) out.push(`> **${capitalise(NOTHING_SENT)}.**`, '');
  const skipped = options.skipped ?? [];
  if (reports.length === 0 && skipped.length === 0) {
    out.push('_No syncs selected._', '');
    return out.join('\n');
  }

  out.push('| sync | adds | removes | unchanged | rejected | guardrail |', '|---|--:|--:|--:|--:|---|');
  for (const r of reports) {
    const name = r.status === 'planned' || r.status === 'succeeded' ? code(r.sync) : `${code(r.sync)} (${statusLabel(r.status)})`;
    const reached = stagesReached(r);
    // A dash, not a zero, for what a run that stopped early never measured.
    const diff = (text: string) => (reached.diff ? text : NOT_MEASURED);
    out.push(
      `| ${name} | ${diff(formatSigned('+', r.diff.adds))} | ${diff(formatSigned('-', r.diff.removes))} | ${diff(formatCount(r.diff.unchanged))} | ` +
        `${reached.read ? formatCount(rejectedTotal(r)) : NOT_MEASURED} | ${reached.guardrail ? guardrailCell(r) : NOT_MEASURED} |`,
    );
  }
  for (const s of skipped) out.push(`| ${code(s.sync)} (skipped) | ${NOT_MEASURED} | ${NOT_MEASURED} | ${NOT_MEASURED} | ${NOT_MEASURED} | ${NOT_MEASURED} |`);
  out.push('', `Exit code: **${overallExitCode(reports)}**`, '');

  for (const r of reports) out.push(...renderSection(r, options));
  if (skipped.length > 0) {
    out.push('### Skipped', '');
    for (const s of skipped) out.push(`- ${code(s.sync)}: ${escapeText(oneLine(s.reason))}`);
    out.push('');
  }
  return `${out.join('\n').trimEnd()}\n`;
}

function renderSection(r: SyncReport, options: MarkdownOptions): string[] {
  const out: string[] = [];
  const flags = [r.fullResync ? '`--full-resync`' : '', r.forced ? '`--force`' : ''].filter(Boolean).join(' ');
  out.push(`### ${code(r.sync)} · ${modeLabel(r, options.dryRun)} · ${statusLabel(r.status)}${flags ? ` · ${flags}` : ''}`, '');
  out.push(`Started ${formatUtc(r.startedAt)}, took ${formatDuration(r.durationMs)}${r.runId === undefined ? '' : `, run #${r.runId}`}.`, '');

  const reached = stagesReached(r);
  // The verdict first; a run that stopped part-way leads with why (its error, or the guardrails that tripped), and
  // below it comes only what it got far enough to measure.
  const verdict = verdictOf(r);
  const error = reportableError(r);
  if (error !== undefined) out.push(`**Error:** ${code(error.code)} ${escapeText(oneLine(error.message))}`, '');
  out.push(`**${VERDICT_MARK[verdict.tone]} ${escapeText(verdict.headline)}.**`);
  for (const reason of verdict.reasons) out.push(`- ${escapeText(reason)}`);
  out.push('');

  if (reached.read || reached.diff) {
    out.push('| | records |', '|---|--:|');
    if (reached.read) out.push(`| source rows | ${formatCount(r.sourceRows)} |`);
    if (reached.diff) {
      out.push(`| valid distinct records (current) | ${formatCount(r.diff.current)} |`);
      out.push(`| acknowledged before | ${formatCount(r.diff.acknowledged)} |`);
      out.push(`| **adds** | **${formatSigned('+', r.diff.adds)}** |`);
      out.push(`| **removes** | **${formatSigned('-', r.diff.removes)}** |`);
      out.push(`| unchanged | ${formatCount(r.diff.unchanged)} |`);
      out.push(`| change vs acknowledged | ${formatMembershipDelta(r.diff)} |`);
      if (r.actions) out.push(`| actions | ${formatActions(r.actions)} |`);
    }
    if (reached.read) {
      out.push(`| rejected | ${formatCount(rejectedTotal(r))} |`);
      out.push(`| empty (not errors) | ${formatCount(emptyTotal(r))} |`);
    }
    out.push('');
  }

  if (reached.read && rejectedTotal(r) > 0) out.push(`Rejected by reason: ${escapeCell(formatReasons(r.rejected))}.`, '');

  if (reached.read && r.columns.length > 0) {
    out.push('| column | type | hashed | prehashed | empty | rejected |', '|---|---|--:|--:|--:|---|');
    for (const c of r.columns) {
      const rejected = sumCounts(c.rejected);
      const detail = rejected > 0 ? `${formatCount(rejected)} (${formatReasons(c.rejected)})` : '0';
      out.push(`| ${code(c.column)} | ${c.type} | ${formatCount(c.hashed)} | ${formatCount(c.prehashed)} | ${formatCount(c.empty)} | ${escapeCell(detail)} |`);
    }
    out.push('');
  }

  // Reasons that tripped are listed under the verdict already.
  if (reached.guardrail && verdict.reasons.length === 0) out.push(`**Guardrails:** ${guardrailCell(r)}`, '');

  if (r.mode === 'plan') {
    out.push(`**Sent:** nothing (${NOTHING_SENT}).`, '');
  } else if (reached.push || r.status === 'guardrail') {
    out.push(`**Sent:** ${formatCount(r.sent.adds)} adds, ${formatCount(r.sent.removes)} removes in ${formatCount(r.sent.batches)} batches.`, '');
  }

  out.push(...renderSamples('Sample adds', onlyHashes(r.samples.adds)));
  out.push(...renderSamples('Sample removes', onlyHashes(r.samples.removes)));
  out.push(...renderPinterest(r));

  if (r.warnings.length > 0) {
    out.push('**Warnings:**');
    for (const w of r.warnings) out.push(`- ${escapeText(oneLine(w))}`);
    out.push('');
  }
  return out;
}

function renderSamples(title: string, hashes: string[]): string[] {
  if (hashes.length === 0) return [];
  return [`**${title}** (SHA-256): ${hashes.slice(0, MARKDOWN_SAMPLES).map(code).join(' ')}`, ''];
}

function renderPinterest(r: SyncReport): string[] {
  const listId = listIdOf(r);
  const audienceId = audienceIdOf(r);
  const { list, audience } = r.pinterest;
  const out = ['**Pinterest:**'];
  out.push(`- ad account ${code(r.pinterest.adAccountId)}`);
  if (listId === undefined) out.push(`- customer list: none yet${r.mode === 'plan' ? ' (created on first sync)' : ''}`);
  // Pinterest's own field names, so a reviewer can cross-check against the API or Ads Manager.
  else out.push(`- customer list ${code(listId)}${list ? `: ${list.status}, num_uploaded_user_records ${formatCount(list.numUploadedUserRecords)}, num_removed_user_records ${formatCount(list.numRemovedUserRecords)}` : ''}`);
  const listType = formatListType(r);
  if (listType) out.push(`- list type ${listType}`);
  if (audienceId === undefined) out.push('- audience: none yet');
  else out.push(`- audience ${code(audienceId)}${audience ? `: ${formatAudienceState(audience)}` : ''}`);
  if (r.mode === 'sync' || r.pinterest.apiCalls > 0) {
    out.push(`- API calls ${formatCount(r.pinterest.apiCalls)}, retries ${formatCount(r.pinterest.retries)}`);
  }
  out.push('');
  return out;
}

function guardrailCell(r: SyncReport): string {
  const label = guardrailLabel(r.guardrail);
  if (r.guardrail.verdict === 'pass') return '✅ pass';
  if (r.guardrail.verdict === 'blocked') return `⛔ ${label}`;
  return `⚠️ ${label}`;
}

/** The verdict's tone as a mark GitHub renders in any theme. */
const VERDICT_MARK: Record<Verdict['tone'], string> = { ok: '✅', warn: '⚠️', bad: '⛔', neutral: '⏸️' };

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Code span that survives backticks in the content (sync names cannot hold them, error codes might). */
function code(text: string): string {
  return text.includes('`') ? `\`\` ${text} \`\`` : `\`${text}\``;
}

/** Pipes would split a table cell. */
function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

/** Free text from errors and warnings must not open HTML or break the surrounding list or table. */
function escapeText(text: string): string {
  return escapeCell(text).replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
