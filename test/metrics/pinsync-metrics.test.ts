/**
 * PinsyncMetrics: what each report and scheduler event adds to which series, the failure streak /healthz judges by,
 * its seeding from the run history, and that the exposition is valid Prometheus text of pinsync_ series only.
 */
import { describe, expect, it } from 'vitest';
import { PinsyncMetrics } from '../../connectors/metrics/pinsync-metrics.js';
import type { RunRecord } from '../../core/state-store.js';
import { type RunStatus, type SyncReport, blankReport } from '../../core/sync-report.js';
import { parsePrometheusText } from './prometheus-text.js';

function report(sync: string, status: RunStatus, patch: Partial<SyncReport> = {}): SyncReport {
  const base = blankReport({ sync, mode: 'sync', adAccountId: '1', fullResync: false, forced: false, startedAt: new Date('2026-01-01T00:00:00Z') });
  return { ...base, status, durationMs: 2_500, reached: { read: true, diff: true, guardrail: true, push: true }, ...patch };
}

async function samples(metrics: PinsyncMetrics): Promise<Map<string, number>> {
  return parsePrometheusText(await metrics.render()).samples;
}

function run(id: number, syncName: string, status: RunStatus, finishedAt = '2026-01-01T00:10:00.000Z'): RunRecord {
  return { id, syncName, status, startedAt: '2026-01-01T00:00:00.000Z', finishedAt, report: null } as unknown as RunRecord;
}

describe('PinsyncMetrics', () => {
  it('counts a successful run: status, counts sent, rejects by reason, API calls, duration, membership, last success', async () => {
    const metrics = new PinsyncMetrics(['vip', 'other']);
    metrics.recordReport(
      report('vip', 'succeeded', {
        sent: { adds: 7, removes: 2, batches: 1 },
        rejected: { invalid_email: 3 } as SyncReport['rejected'],
        diff: { acknowledged: 10, current: 15, adds: 7, removes: 2, unchanged: 8 },
        pinterest: { adAccountId: '1', customerListId: '99', audienceId: undefined, list: undefined, audience: undefined, apiCalls: 5, retries: 1, rateLimited: 1 },
      }),
    );
    const s = await samples(metrics);
    expect(s.get('pinsync_api_rate_limited_total{sync="vip"}')).toBe(1);
    expect(s.get('pinsync_api_rate_limited_total{sync="other"}')).toBe(0);
    expect(s.get('pinsync_runs_total{status="succeeded",sync="vip"}')).toBe(1);
    expect(s.get('pinsync_adds_sent_total{sync="vip"}')).toBe(7);
    expect(s.get('pinsync_removes_sent_total{sync="vip"}')).toBe(2);
    expect(s.get('pinsync_rejected_total{reason="invalid_email",sync="vip"}')).toBe(3);
    expect(s.get('pinsync_api_calls_total{sync="vip"}')).toBe(5);
    expect(s.get('pinsync_api_retries_total{sync="vip"}')).toBe(1);
    expect(s.get('pinsync_membership_records{sync="vip"}')).toBe(15);
    expect(s.get('pinsync_last_success_timestamp_seconds{sync="vip"}')).toBe(Date.parse('2026-01-01T00:00:02.500Z') / 1000);
    expect(s.get('pinsync_run_duration_seconds_count{sync="vip"}')).toBe(1);
    expect(s.get('pinsync_run_duration_seconds_bucket{le="5",sync="vip"}')).toBe(1);
    expect(s.get('pinsync_run_duration_seconds_bucket{le="1",sync="vip"}')).toBe(0);
    // Every scheduled sync shows from the first scrape.
    expect(s.get('pinsync_consecutive_failures{sync="other"}')).toBe(0);
    expect(s.get('pinsync_skipped_ticks_total{sync="other"}')).toBe(0);
    expect(s.get('pinsync_runs_total{status="failed",sync="other"}')).toBe(0);
    expect(s.get('pinsync_adds_sent_total{sync="other"}')).toBe(0);
    for (const key of s.keys()) expect(key).toMatch(/^pinsync_/);
  });

  it('streaks: failures and guardrail stops extend, interrupted runs leave alone, a success resets', async () => {
    const metrics = new PinsyncMetrics(['vip']);
    metrics.recordReport(report('vip', 'failed'));
    metrics.recordReport(report('vip', 'guardrail'));
    metrics.recordReport(report('vip', 'interrupted'));
    expect(metrics.consecutiveFailures().get('vip')).toBe(2);
    expect((await samples(metrics)).get('pinsync_consecutive_failures{sync="vip"}')).toBe(2);
    metrics.recordReport(report('vip', 'succeeded'));
    expect(metrics.consecutiveFailures().get('vip')).toBe(0);
    const s = await samples(metrics);
    expect(s.get('pinsync_runs_total{status="failed",sync="vip"}')).toBe(1);
    expect(s.get('pinsync_runs_total{status="guardrail",sync="vip"}')).toBe(1);
    expect(s.get('pinsync_runs_total{status="interrupted",sync="vip"}')).toBe(1);
  });

  it('a partly pushed run: membership is what was acknowledged; unknown after a partial --full-resync', async () => {
    const metrics = new PinsyncMetrics();
    const diff = { acknowledged: 100, current: 120, adds: 30, removes: 10, unchanged: 90 };
    metrics.recordReport(report('a', 'failed', { diff, sent: { adds: 20, removes: 10, batches: 2 } }));
    metrics.recordReport(report('b', 'failed', { diff, sent: { adds: 20, removes: 0, batches: 1 }, fullResync: true }));
    metrics.recordReport(report('c', 'failed', { reached: { read: false, diff: false, guardrail: false, push: false } }));
    const s = await samples(metrics);
    expect(s.get('pinsync_membership_records{sync="a"}')).toBe(110);
    expect(s.has('pinsync_membership_records{sync="b"}')).toBe(false);
    expect(s.has('pinsync_membership_records{sync="c"}')).toBe(false);
  });

  it('scheduler events: skipped ticks, and a run that ended without a report counts by its exit code', async () => {
    const metrics = new PinsyncMetrics(['vip', 'gated', 'skipped']);
    metrics.recordSchedulerEvent({ type: 'overlap', sync: 'vip', tick: new Date(), skippedTotal: 1 });
    metrics.recordSchedulerEvent({ type: 'overlap', sync: 'vip', tick: new Date(), skippedTotal: 2 });
    // With a report: counted once, from the report.
    metrics.recordSchedulerEvent({ type: 'start', sync: 'vip', reason: 'tick' });
    metrics.recordReport(report('vip', 'failed'));
    metrics.recordSchedulerEvent({ type: 'end', sync: 'vip', exitCode: 1, durationMs: 10 });
    // Without one: a dbt gate stop (exit 3), a throw, and a skip (exit 0, nothing ran).
    metrics.recordSchedulerEvent({ type: 'start', sync: 'gated', reason: 'tick' });
    metrics.recordSchedulerEvent({ type: 'end', sync: 'gated', exitCode: 3, durationMs: 10 });
    metrics.recordSchedulerEvent({ type: 'start', sync: 'gated', reason: 'tick' });
    metrics.recordSchedulerEvent({ type: 'end', sync: 'gated', exitCode: undefined, durationMs: 10, error: new Error('boom') });
    metrics.recordSchedulerEvent({ type: 'start', sync: 'skipped', reason: 'tick' });
    metrics.recordSchedulerEvent({ type: 'end', sync: 'skipped', exitCode: 0, durationMs: 10 });
    const s = await samples(metrics);
    expect(s.get('pinsync_skipped_ticks_total{sync="vip"}')).toBe(2);
    expect(s.get('pinsync_runs_total{status="failed",sync="vip"}')).toBe(1);
    expect(s.get('pinsync_runs_total{status="guardrail",sync="gated"}')).toBe(1);
    expect(s.get('pinsync_runs_total{status="failed",sync="gated"}')).toBe(1);
    expect(metrics.consecutiveFailures().get('gated')).toBe(2);
    for (const status of ['succeeded', 'failed', 'guardrail', 'interrupted']) expect(s.get(`pinsync_runs_total{status="${status}",sync="skipped"}`)).toBe(0);
    expect(s.get('pinsync_run_duration_seconds_count{sync="skipped"}')).toBeUndefined();
  });

  it('seeds streaks and last success from the run history (newest first)', async () => {
    const metrics = new PinsyncMetrics(['vip', 'ok']);
    metrics.seedFromHistory([
      run(6, 'vip', 'failed'),
      run(5, 'vip', 'interrupted'),
      run(4, 'vip', 'guardrail'),
      run(3, 'ok', 'succeeded', '2026-01-02T00:00:00.000Z'),
      run(2, 'vip', 'succeeded', '2026-01-01T00:00:00.000Z'),
      run(1, 'vip', 'failed'),
    ]);
    expect(metrics.consecutiveFailures().get('vip')).toBe(2);
    expect(metrics.consecutiveFailures().get('ok')).toBe(0);
    const s = await samples(metrics);
    expect(s.get('pinsync_last_success_timestamp_seconds{sync="vip"}')).toBe(Date.parse('2026-01-01T00:00:00Z') / 1000);
    expect(s.get('pinsync_last_success_timestamp_seconds{sync="ok"}')).toBe(Date.parse('2026-01-02T00:00:00Z') / 1000);
  });

  it('two instances keep separate series (own registries, not the global one)', async () => {
    const a = new PinsyncMetrics(['x']);
    const b = new PinsyncMetrics(['x']);
    a.recordReport(report('x', 'succeeded'));
    expect((await samples(a)).get('pinsync_runs_total{status="succeeded",sync="x"}')).toBe(1);
    expect((await samples(b)).get('pinsync_runs_total{status="succeeded",sync="x"}')).toBe(0);
  });
});
