/**
 * Wording shared by the table and markdown reports, so a plan reads the same in a terminal and in a PR comment.
 */
import { worstExitCode } from '../exit-codes.js';
import type { ColumnStats, GuardrailResult, RunStatus, StagesReached, SyncReport } from '../../core/sync-report.js';
import { DBT_GATE_CODE } from '../../core/dbt/gate-report.js';
import { formatChange, formatCount, oneLine } from './format-values.js';

/** Said loudly on every plan: reviewers must never wonder whether a plan touched Pinterest or the state store. */
export const NOTHING_SENT = 'plan only — nothing sent to Pinterest, nothing stored';

/** Header word for a run: a `plan`-mode report printed by `sync --dry-run` is labelled DRY RUN. */
export function modeLabel(report: SyncReport, dryRun: boolean): string {
  if (report.mode === 'sync') return 'SYNC';
  return dryRun ? 'DRY RUN' : 'PLAN';
}

const STATUS_WORDS: Record<RunStatus, string> = {
  planned: 'planned',
  succeeded: 'succeeded',
  failed: 'failed',
  guardrail: 'blocked by guardrail',
  running: 'running',
  interrupted: 'interrupted',
};

/** Status as a user reads it (`guardrail` alone is jargon). */
export function statusLabel(status: RunStatus | string): string {
  return STATUS_WORDS[status as RunStatus] ?? status;
}

/** Guardrail verdict in words, naming --force when it was used to get past one. */
export function guardrailLabel(guardrail: GuardrailResult): string {
  switch (guardrail.verdict) {
    case 'pass':
      return 'pass';
    case 'blocked':
      return 'blocked';
    case 'overridden':
      return 'tripped, overridden by --force';
  }
}

/** Sum of the values of a partial count map. */
export function sumCounts(counts: Partial<Record<string, number>>): number {
  let total = 0;
  for (const n of Object.values(counts)) total += n ?? 0;
  return total;
}

/** Rejected values over all columns. */
export function rejectedTotal(report: SyncReport): number {
  return sumCounts(report.rejected);
}

/** Empty values over all columns (counted, not errors). */
export function emptyTotal(report: SyncReport): number {
  return report.columns.reduce((total, c) => total + c.empty, 0);
}

/** `invalid_email 40, zero_device_id 5`, largest first so the main problem leads. */
export function formatReasons(counts: Partial<Record<string, number>>): string {
  return Object.entries(counts)
    .filter((entry): entry is [string, number] => (entry[1] ?? 0) > 0)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([reason, n]) => `${reason} ${formatCount(n)}`)
    .join(', ');
}

/** `9,000 hashed, 10 prehashed, 200 empty, 40 rejected (invalid_email 40)`; zero parts other than hashed omitted. */
export function formatColumnOutcome(column: ColumnStats): string {
  const parts = [`${formatCount(column.hashed)} hashed`];
  if (column.prehashed > 0) parts.push(`${formatCount(column.prehashed)} prehashed`);
  if (column.empty > 0) parts.push(`${formatCount(column.empty)} empty`);
  const rejected = sumCounts(column.rejected);
  if (rejected > 0) parts.push(`${formatCount(rejected)} rejected (${formatReasons(column.rejected)})`);
  return parts.join(', ');
}

/**
 * The error worth printing, if any. A guardrail stop carries an error whose message repeats the guardrail reasons
 * already listed; printing it twice is noise.
 */
export function reportableError(report: SyncReport): SyncReport['error'] {
  const error = report.error;
  if (error === undefined) return undefined;
  if (report.guardrail.verdict === 'blocked' && report.guardrail.reasons.length > 0 && (error.code === 'PINSYNC_GUARDRAIL' || error.code === DBT_GATE_CODE)) {
    return undefined;
  }
  return error;
}

/** The stages whose counts a report may show; a report stored before pinsync recorded them reached every one. */
export function stagesReached(report: SyncReport): StagesReached {
  return report.reached ?? { read: true, diff: true, guardrail: true, push: true };
}

/** The process exit code for several reports: the worst wins (see cli/exit-codes.ts), 0 when there are none. */
export function overallExitCode(reports: readonly SyncReport[]): number {
  return worstExitCode(reports.map((r) => r.exitCode));
}

/** Customer list id from whichever place the report knows it. */
export function listIdOf(report: SyncReport): string | undefined {
  return report.pinterest.customerListId ?? report.pinterest.list?.id;
}

/** Audience id from whichever place the report knows it. */
export function audienceIdOf(report: SyncReport): string | undefined {
  return report.pinterest.audienceId ?? report.pinterest.audience?.id;
}

/** `READY, size 9,800` / `TOO_SMALL, size hidden (under ~100 matched)`. */
export function formatAudienceState(audience: { status: string; size: number | null }): string {
  const size = audience.size === null ? 'size hidden (under ~100 matched)' : `size ${formatCount(audience.size)}`;
  return `${audience.status}, ${size}`;
}

/** `READY, 10,600 uploaded, 100 removed` from Pinterest's cumulative counters. */
export function formatListState(list: { status: string; numUploadedUserRecords: number; numRemovedUserRecords: number }): string {
  return `${list.status}, ${formatCount(list.numUploadedUserRecords)} uploaded, ${formatCount(list.numRemovedUserRecords)} removed`;
}

/** How a verdict should look: fine, worth a look, stopped or failed, or neither. */
export type VerdictTone = 'ok' | 'warn' | 'bad' | 'neutral';

/** The one-line answer a reviewer wants first: what this run sends (or sent), or why it does not. */
export interface Verdict {
  /** Fine / worth a look / stopped or failed / neither. */
  tone: VerdictTone;
  /** One sentence without a final full stop: `Would add 50,000 and remove 900,000 records`. */
  headline: string;
  /** Why, when the run stopped: the guardrail reasons that tripped (an error is shown by `reportableError`). */
  reasons: string[];
}

/**
 * The verdict of one run, shared by the markdown and HTML reports so both say the same thing. Counts come from the
 * diff for a plan (what a sync would send) and from what Pinterest acknowledged for a sync (what was sent).
 */
export function verdictOf(report: SyncReport): Verdict {
  const reasons = report.guardrail.reasons.map(oneLine);
  const reached = stagesReached(report);
  const { adds: sentAdds, removes: sentRemoves } = report.sent;
  // What Pinterest acknowledged before the run stopped stays on the list: say so rather than "nothing sent".
  const sentSoFar = sentAdds + sentRemoves > 0 ? `after sending ${formatCount(sentAdds)} adds and ${formatCount(sentRemoves)} removes` : 'nothing sent';
  switch (report.status) {
    case 'guardrail':
      return { tone: 'bad', headline: report.mode === 'plan' ? 'Guardrail stop: a sync would send nothing' : 'Guardrail stop: nothing sent', reasons };
    case 'failed':
      return { tone: 'bad', headline: report.mode === 'plan' ? 'Failed: the plan could not finish' : `Failed, ${sentSoFar}`, reasons: [] };
    case 'interrupted':
      return { tone: 'bad', headline: `Interrupted, ${sentSoFar}`, reasons: [] };
    case 'running':
      return { tone: 'neutral', headline: 'Still running', reasons: [] };
    case 'planned':
    case 'succeeded': {
      const plan = report.mode === 'plan';
      const adds = plan ? report.diff.adds : report.sent.adds;
      const removes = plan ? report.diff.removes : report.sent.removes;
      const overridden = report.guardrail.verdict === 'overridden';
      const tone: VerdictTone = overridden ? 'warn' : 'ok';
      const forced = overridden ? ' past a guardrail (--force)' : '';
      if (!reached.diff && plan) return { tone: 'neutral', headline: 'Nothing measured', reasons };
      if (adds + removes === 0) {
        const members = `${formatCount(report.diff.current)} record${report.diff.current === 1 ? '' : 's'}`;
        return { tone, headline: plan ? `Would send nothing: already in step (${members})` : `Sent nothing: already in step (${members})`, reasons };
      }
      return { tone, headline: `${plan ? 'Would' : 'Sent:'} ${changeWords(adds, removes, plan)}${forced}`, reasons };
    }
  }
  return { tone: 'neutral', headline: statusLabel(report.status), reasons };
}

/** `add 50,000 and remove 900,000 records` (plan) or `added 600 and removed 100 records`; zero sides left out. */
function changeWords(adds: number, removes: number, future = false): string {
  const add = future ? 'add' : 'added';
  const remove = future ? 'remove' : 'removed';
  const parts = [adds > 0 ? `${add} ${formatCount(adds)}` : '', removes > 0 ? `${remove} ${formatCount(removes)}` : ''].filter(Boolean);
  const total = adds + removes;
  return `${parts.join(' and ')} record${total === 1 ? '' : 's'}`;
}

/**
 * The membership change a run makes against what Pinterest has acknowledged: `-850,000 (-42.5%)`, `+600 (+6.3%)`,
 * `+300 (new list)`, `0`.
 */
export function formatMembershipDelta(diff: { acknowledged: number; current: number }): string {
  const delta = diff.current - diff.acknowledged;
  if (delta === 0) return '0';
  if (diff.acknowledged === 0) return `${formatChange(delta)} (new list)`;
  const percent = (delta / diff.acknowledged) * 100;
  return `${formatChange(delta)} (${percent > 0 ? '+' : ''}${percent.toFixed(1)}%)`;
}

/** One line on an explicit-actions run: rows by action, then how the records met the acknowledged membership. */
export function formatActions(a: NonNullable<SyncReport['actions']>): string {
  return (
    `column ${a.column}: ${formatCount(a.addRows)} add, ${formatCount(a.removeRows)} remove, ${formatCount(a.invalidRows)} invalid rows; ` +
    `${formatCount(a.alreadyMembers)} already members, ${formatCount(a.notMembers)} not members, ${formatCount(a.conflicts)} asked both ways (removed)`
  );
}

/** The Pinterest list type the run chose (or a plan would), with the rule that chose it; undefined when none was. */
export function formatListType(report: SyncReport): string | undefined {
  const { listType, listTypeReason } = report.pinterest;
  if (!listType) return undefined;
  return listTypeReason ? `${listType} (${listTypeReason})` : listType;
}
