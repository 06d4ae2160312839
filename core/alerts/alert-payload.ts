/**
 * The body of an alert: the JSON a generic webhook receives (the field names are fixed by DESIGN §1), from which
 * the Slack message is drawn too. Every text that can quote data (error messages, warnings) goes through the same
 * scrubber as error messages, and the payload carries counts and ids only, never an identifier.
 */
import type { AlertEvent } from '../config/alerts-schema.js';
import { scrubErrorText } from '../scrub-error-text.js';
import type { RunStatus, SyncReport } from '../sync-report.js';
import type { RunContext } from './alert-events.js';
import { fixHint } from './fix-hint.js';
import { hideSecrets } from './hide-secrets.js';

/** What `pinsync alerts test` sends. */
export const TEST_EVENT = 'test';

/** The JSON body of a webhook alert. */
export interface AlertPayload {
  /** failed | guardrail | recovered | warning | test. */
  event: AlertEvent | typeof TEST_EVENT;
  /** Sync name. */
  sync: string;
  /** The recorded run's id; null for a run the state does not hold (a dbt gate stop, a test event). */
  runId: number | null;
  /** The run's final status. */
  status: RunStatus;
  /** ISO time the run started. */
  startedAt: string;
  /** ISO time the run ended. */
  finishedAt: string;
  /** What Pinterest acknowledged in this run, what was planned, and the values refused by reason. */
  counts: { adds: number; removes: number; plannedAdds: number; plannedRemoves: number; rejected: Record<string, number> };
  /** The sync's customer list, once it has one. */
  customerListId: string | null;
  /** The sync's audience, once it has one. */
  audienceId: string | null;
  /** Why the run failed or stopped; null when it did not. */
  error: { code: string; message: string } | null;
  /** The run's warnings (scrubbed). */
  warnings: string[];
  /** Failed or stopped runs in a row, this one included (for recovered: the streak that just ended). */
  consecutiveFailures: number;
  /** The next step to try, when there is one. */
  hint: string | null;
}

// Long warehouse errors (a whole SQL statement) make an unreadable page; the run history keeps the full text.
const MAX_TEXT = 1_500;

/**
 * The payload for `event` raised by `report`. `secrets`: the config's credentials (`secretValues`), cut out of
 * every text on top of the scrubber.
 */
export function buildAlertPayload(event: AlertEvent | typeof TEST_EVENT, report: SyncReport, context: RunContext, secrets: readonly string[]): AlertPayload {
  const clean = (text: string) => cleanText(text, secrets);
  const finished = new Date(Date.parse(report.startedAt) + report.durationMs).toISOString();
  const hint = fixHint(report);

  return {
    event,
    sync: report.sync,
    runId: report.runId ?? null,
    status: report.status,
    startedAt: report.startedAt,
    finishedAt: finished,
    counts: {
      adds: report.sent.adds,
      removes: report.sent.removes,
      plannedAdds: report.diff.adds,
      plannedRemoves: report.diff.removes,
      rejected: Object.fromEntries(Object.entries(report.rejected).filter(([, n]) => typeof n === 'number' && n > 0)) as Record<string, number>,
    },
    customerListId: report.pinterest.customerListId ?? null,
    audienceId: report.pinterest.audienceId ?? null,
    error: report.error ? { code: report.error.code, message: clean(report.error.message) } : null,
    warnings: report.warnings.map(clean),
    consecutiveFailures: event === 'recovered' ? context.failuresBefore : context.consecutiveFailures,
    hint: hint === undefined ? null : hint,
  };
}

/** Scrubbed, without secrets, and cut to a length an alert can show. */
export function cleanText(text: string, secrets: readonly string[]): string {
  const scrubbed = hideSecrets(scrubErrorText(hideSecrets(text, secrets)), secrets);
  return scrubbed.length > MAX_TEXT ? `${scrubbed.slice(0, MAX_TEXT)}… (truncated; \`pinsync runs\` has the full text)` : scrubbed;
}

/** A payload about no run: zero counts, no list or error (a skipped tick, `pinsync alerts test`). */
export function runlessPayload(p: { event: AlertPayload['event']; sync: string; status: AlertPayload['status']; at: Date; warnings: string[]; hint: string }): AlertPayload {
  const at = p.at.toISOString();
  return {
    event: p.event,
    sync: p.sync,
    runId: null,
    status: p.status,
    startedAt: at,
    finishedAt: at,
    counts: { adds: 0, removes: 0, plannedAdds: 0, plannedRemoves: 0, rejected: {} },
    customerListId: null,
    audienceId: null,
    error: null,
    warnings: p.warnings,
    consecutiveFailures: 0,
    hint: p.hint,
  };
}

/** A `warning` about a scheduler tick skipped because the sync's previous run was still going. */
export function skippedTickPayload(skip: { sync: string; tick: Date; skippedTotal: number }): AlertPayload {
  return runlessPayload({
    event: 'warning',
    sync: skip.sync,
    status: 'running',
    at: skip.tick,
    warnings: [`skipped the ${skip.tick.toISOString()} run of ${skip.sync}: its previous run is still running (${skip.skippedTotal} skipped so far)`],
    hint: `a run outlasts the schedule's interval: space the schedule out, or look at \`pinsync runs --sync ${skip.sync}\` for why runs got slower`,
  });
}
