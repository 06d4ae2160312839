/**
 * Which alert events a finished run raises, decided from its report and the sync's earlier runs in the state. The
 * history, not the process, carries the streak: cron on ephemeral runners that share a Postgres state counts
 * consecutive failures as well as the long-running scheduler does.
 */
import type { AlertEvent } from '../config/alerts-schema.js';
import type { RunRecord } from '../state-store.js';
import type { RunStatus, SyncReport } from '../sync-report.js';
import { warningKind } from './warning-kind.js';

/** One event a run raised. */
export interface RaisedEvent {
  /** The event. */
  event: AlertEvent;
  /**
   * True when a `repeat: first` channel gets it too: the first failure (or guardrail stop) of a streak, the first
   * success after one, a warning the previous run did not have.
   */
  first: boolean;
}

/** What the decision needs to know besides the report. */
export interface RunContext {
  /** Consecutive failed or guardrail-stopped runs ending with this one (0 when this one succeeded). */
  consecutiveFailures: number;
  /** For `recovered`: how many failed or stopped runs came right before this success. */
  failuresBefore: number;
}

// Statuses that end a streak or extend it. `interrupted` (Ctrl-C, SIGTERM at a deploy, a killed run) is neither:
// someone stopped it, pinsync did not fail, and the next run resumes where it left off.
const OUTCOMES: ReadonlySet<RunStatus> = new Set(['succeeded', 'failed', 'guardrail']);
const PROBLEMS: ReadonlySet<RunStatus> = new Set(['failed', 'guardrail']);

/**
 * `earlier`: the sync's runs before this one, newest first (`listRuns` order; this run and later ones are ignored).
 * A plan raises nothing, nor does an interrupted run.
 */
export function raisedEvents(report: SyncReport, earlier: readonly RunRecord[]): { events: RaisedEvent[]; context: RunContext } {
  const previous = earlier.filter((r) => r.syncName === report.sync && (report.runId === undefined || r.id < report.runId) && OUTCOMES.has(r.status));
  const streakBefore = countWhile(previous, (r) => PROBLEMS.has(r.status));
  const last = previous[0];
  const context: RunContext = {
    consecutiveFailures: PROBLEMS.has(report.status) ? streakBefore + 1 : 0,
    failuresBefore: report.status === 'succeeded' ? streakBefore : 0,
  };
  const events: RaisedEvent[] = [];
  if (report.mode !== 'sync') return { events, context };
  // A failed run and a guardrail stop are different problems with different fixes: a change from one to the other
  // is news, a repeat of the same one is not.
  if (report.status === 'failed') events.push({ event: 'failed', first: last?.status !== 'failed' });
  if (report.status === 'guardrail') events.push({ event: 'guardrail', first: last?.status !== 'guardrail' });
  if (report.status === 'succeeded' && streakBefore > 0) events.push({ event: 'recovered', first: true });
  if (report.warnings.length > 0 && report.status !== 'interrupted') {
    const before = new Set((last?.report?.warnings ?? []).map(warningKind));
    events.push({ event: 'warning', first: report.warnings.some((w) => !before.has(warningKind(w))) });
  }
  return { events, context };
}

/** The events of `raised` a channel subscribed to, honouring its `repeat`. */
export function eventsForChannel(raised: readonly RaisedEvent[], channel: { events: readonly AlertEvent[]; repeat: 'first' | 'every' }): AlertEvent[] {
  return raised.filter((r) => channel.events.includes(r.event) && (channel.repeat === 'every' || r.first)).map((r) => r.event);
}

function countWhile<T>(items: readonly T[], predicate: (item: T) => boolean): number {
  let n = 0;
  while (n < items.length && predicate(items[n]!)) n++;
  return n;
}
