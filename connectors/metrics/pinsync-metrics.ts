/**
 * The Prometheus metrics `pinsync schedule --health-port` serves on /metrics, fed by each run's SyncReport and the
 * scheduler's events, plus the per-sync failure streaks /healthz judges by.
 *
 * prom-client keeps a process-wide default registry that any imported library may also write to; pinsync uses a
 * Registry of its own so /metrics shows exactly these series and two instances (tests) never collide.
 * Labels are sync names (config keys) and reject reasons: never a raw identifier, list id or token.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { EXIT } from '../../core/errors.js';
import type { SchedulerEvent } from '../../core/schedule/scheduler.js';
import type { RunRecord } from '../../core/state-store.js';
import type { RunStatus, SyncReport } from '../../core/sync-report.js';

/** Seconds; from a quick incremental run to an hour-long first upload of a large audience. */
const RUN_DURATION_BUCKETS = [1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600];

// The same rule the alerts use (core/alerts/alert-events.ts): a failure or a guardrail stop extends a streak, a success
// ends it, and an interrupted run (someone stopped it) does neither.
const PROBLEMS: ReadonlySet<RunStatus> = new Set(['failed', 'guardrail']);
const OUTCOMES: ReadonlySet<RunStatus> = new Set(['succeeded', 'failed', 'guardrail']);

export class PinsyncMetrics {
  /** The registry /metrics renders (never prom-client's global default). */
  readonly registry = new Registry();
  private readonly runs: Counter<'sync' | 'status'>;
  private readonly lastSuccess: Gauge<'sync'>;
  private readonly addsSent: Counter<'sync'>;
  private readonly removesSent: Counter<'sync'>;
  private readonly rejected: Counter<'sync' | 'reason'>;
  private readonly apiCalls: Counter<'sync'>;
  private readonly retries: Counter<'sync'>;
  private readonly rateLimited: Counter<'sync'>;
  private readonly membership: Gauge<'sync'>;
  private readonly duration: Histogram<'sync'>;
  private readonly skippedTicks: Counter<'sync'>;
  private readonly failures: Gauge<'sync'>;
  private readonly streaks = new Map<string, number>();
  // Syncs whose current run has not handed a report yet: a run that ends without one (it threw, or stopped before it
  // was recorded) is still counted, from its exit code, when the scheduler says it ended.
  private readonly awaitingReport = new Set<string>();

  constructor(syncs: readonly string[] = []) {
    const registers = [this.registry];
    this.runs = new Counter({ name: 'pinsync_runs_total', help: 'Finished sync runs, by sync and final status (succeeded, failed, guardrail, interrupted).', labelNames: ['sync', 'status'], registers });
    this.lastSuccess = new Gauge({ name: 'pinsync_last_success_timestamp_seconds', help: 'Unix time the last successful run of the sync finished.', labelNames: ['sync'], registers });
    this.addsSent = new Counter({ name: 'pinsync_adds_sent_total', help: 'Records added to the customer list and acknowledged by Pinterest.', labelNames: ['sync'], registers });
    this.removesSent = new Counter({ name: 'pinsync_removes_sent_total', help: 'Records removed from the customer list and acknowledged by Pinterest.', labelNames: ['sync'], registers });
    this.rejected = new Counter({ name: 'pinsync_rejected_total', help: 'Source values refused before sending, by reason.', labelNames: ['sync', 'reason'], registers });
    this.apiCalls = new Counter({ name: 'pinsync_api_calls_total', help: 'HTTP requests made to Pinterest, retries included.', labelNames: ['sync'], registers });
    this.retries = new Counter({ name: 'pinsync_api_retries_total', help: 'Pinterest requests retried after a retryable failure.', labelNames: ['sync'], registers });
    this.rateLimited = new Counter({ name: 'pinsync_api_rate_limited_total', help: 'Pinterest answers that were 429 (rate limited); each one also waited for the reset before a retry.', labelNames: ['sync'], registers });
    this.membership = new Gauge({ name: 'pinsync_membership_records', help: 'Records Pinterest has acknowledged in the sync\'s customer list, after its last run.', labelNames: ['sync'], registers });
    this.duration = new Histogram({ name: 'pinsync_run_duration_seconds', help: 'Wall time of sync runs.', labelNames: ['sync'], buckets: RUN_DURATION_BUCKETS, registers });
    this.skippedTicks = new Counter({ name: 'pinsync_skipped_ticks_total', help: 'Schedule ticks skipped because the sync\'s previous run was still going.', labelNames: ['sync'], registers });
    this.failures = new Gauge({ name: 'pinsync_consecutive_failures', help: 'Failed or guardrail-stopped runs in a row, up to the latest (0 after a success).', labelNames: ['sync'], registers });
    // Every sync's counters show from the first scrape at 0: a series born at 1 hides its first increase from
    // increase()/rate(), and an absent() alert would not wait for a first run.
    for (const sync of syncs) {
      for (const status of ['succeeded', 'failed', 'guardrail', 'interrupted'] as const) this.runs.inc({ sync, status }, 0);
      for (const counter of [this.addsSent, this.removesSent, this.apiCalls, this.retries, this.rateLimited, this.skippedTicks]) counter.inc({ sync }, 0);
      this.failures.set({ sync }, 0);
      this.streaks.set(sync, 0);
    }
  }

  /** Counts one finished run from its report (a plan is ignored: it sends nothing and is not a run). */
  recordReport(report: SyncReport): void {
    if (report.mode !== 'sync') return;
    const sync = report.sync;
    this.awaitingReport.delete(sync);
    this.countOutcome(sync, report.status);
    this.duration.observe({ sync }, report.durationMs / 1000);
    if (report.status === 'succeeded') this.lastSuccess.set({ sync }, (Date.parse(report.startedAt) + report.durationMs) / 1000);
    if (report.sent.adds > 0) this.addsSent.inc({ sync }, report.sent.adds);
    if (report.sent.removes > 0) this.removesSent.inc({ sync }, report.sent.removes);
    for (const [reason, n] of Object.entries(report.rejected)) if (n !== undefined && n > 0) this.rejected.inc({ sync, reason }, n);
    if (report.pinterest.apiCalls > 0) this.apiCalls.inc({ sync }, report.pinterest.apiCalls);
    if (report.pinterest.retries > 0) this.retries.inc({ sync }, report.pinterest.retries);
    if ((report.pinterest.rateLimited ?? 0) > 0) this.rateLimited.inc({ sync }, report.pinterest.rateLimited);
    const size = membershipAfter(report);
    if (size !== undefined) this.membership.set({ sync }, size);
  }

  /** Counts what the scheduler reports: skipped overlapping ticks, and runs that ended without a report. */
  recordSchedulerEvent(event: SchedulerEvent): void {
    switch (event.type) {
      case 'start':
        this.awaitingReport.add(event.sync);
        return;
      case 'overlap':
        this.skippedTicks.inc({ sync: event.sync });
        return;
      case 'end': {
        if (!this.awaitingReport.delete(event.sync)) return;
        // No report: the run threw, or stopped before the engine recorded it (a dbt gate stop, a start-up error).
        // Exit 0 without a report means nothing ran (skipped), which is not a run.
        if (event.error === undefined && event.exitCode === EXIT.ok) return;
        const status: RunStatus = event.exitCode === EXIT.guardrail ? 'guardrail' : event.exitCode === EXIT.interrupted ? 'interrupted' : 'failed';
        this.countOutcome(event.sync, status);
        this.duration.observe({ sync: event.sync }, event.durationMs / 1000);
        return;
      }
      default:
        return;
    }
  }

  /**
   * Starts the streaks and last-success times from the state's run history (`listRuns`, newest first), so a restart
   * neither forgets a failing sync nor reports a healthy one as never having succeeded.
   */
  seedFromHistory(runs: readonly RunRecord[]): void {
    const seen = new Set<string>();
    const streaks = new Map<string, number>();
    for (const run of runs) {
      if (seen.has(run.syncName) || !OUTCOMES.has(run.status)) continue;
      if (PROBLEMS.has(run.status)) {
        streaks.set(run.syncName, (streaks.get(run.syncName) ?? 0) + 1);
        continue;
      }
      seen.add(run.syncName);
      const finished = run.finishedAt ?? run.startedAt;
      this.lastSuccess.set({ sync: run.syncName }, Date.parse(finished) / 1000);
    }
    for (const [sync, n] of streaks) this.setStreak(sync, n);
  }

  /** Each sync's current streak of failed or guardrail-stopped runs. */
  consecutiveFailures(): ReadonlyMap<string, number> {
    return this.streaks;
  }

  /** Prometheus text exposition of every metric. */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  /** Content-Type of render()'s output. */
  get contentType(): string {
    return this.registry.contentType;
  }

  private countOutcome(sync: string, status: RunStatus): void {
    this.runs.inc({ sync, status });
    if (PROBLEMS.has(status)) this.setStreak(sync, (this.streaks.get(sync) ?? 0) + 1);
    else if (status === 'succeeded') this.setStreak(sync, 0);
  }

  private setStreak(sync: string, n: number): void {
    this.streaks.set(sync, n);
    this.failures.set({ sync }, n);
  }
}

/**
 * Records Pinterest holds for the sync after this run, when the report can tell: all of the current rows after a
 * success; otherwise what was acknowledged before plus what this run got acknowledged. A --full-resync that stopped
 * part-way re-sent members already there, so its count is unknown and the gauge keeps its last value.
 */
function membershipAfter(report: SyncReport): number | undefined {
  const reached = report.reached ?? { read: true, diff: true, guardrail: true, push: true };
  if (!reached.diff) return undefined;
  if (report.status === 'succeeded') return report.diff.current;
  if (report.fullResync && report.sent.adds > 0) return undefined;
  return report.diff.acknowledged + report.sent.adds - report.sent.removes;
}
