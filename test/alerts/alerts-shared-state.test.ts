/**
 * Cron on ephemeral runners: each run is a new process with a new connection to a shared Postgres state (the run's
 * real server). The streak is counted from the state's history, so the second failing runner stays quiet and the
 * third, succeeding one sends `recovered`.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { notifyRunAlerts } from '../../core/alerts/notify-alerts.js';
import type { AlertChannelConfig } from '../../core/config/alerts-schema.js';
import { silentLogger } from '../../core/logger.js';
import type { SyncReport } from '../../core/sync-report.js';
import { alertDeliverer } from '../../connectors/alerts/deliver-alert.js';
import { failedSync } from '../cli-output/report-fixtures.js';
import { postgresStateLocation } from '../state/postgres-state-target.js';
import { type AlertReceiver, startAlertReceiver } from './alert-receiver.js';

let rx: AlertReceiver;
let location: Awaited<ReturnType<typeof postgresStateLocation>>;
beforeEach(async () => {
  rx = await startAlertReceiver();
  location = await postgresStateLocation();
});
afterEach(async () => {
  await rx.close();
  await location.cleanup();
});

/** One runner: opens the shared state, records a run with `status`, sends its alerts, closes. */
async function runner(status: 'failed' | 'succeeded'): Promise<void> {
  const state = (await location.open())!;
  try {
    const runId = await state.startRun('newsletter', new Date());
    const report: SyncReport = { ...failedSync, runId, status, error: status === 'failed' ? failedSync.error : undefined, exitCode: status === 'failed' ? 1 : 0 };
    await state.finishRun(runId, { status, report });
    const channels: AlertChannelConfig[] = [{ type: 'webhook', url: rx.url(), secret: 'whsec-0123456789abcdef', events: ['failed', 'recovered'], repeat: 'first', timeoutSeconds: 5 }];
    await notifyRunAlerts(report, { channels, state, deliver: alertDeliverer(), logger: silentLogger, secrets: [] });
  } finally {
    await state.close();
  }
}

describe('alerts on shared Postgres state', () => {
  it('counts the streak across runners: one failed alert, then recovered', async () => {
    await runner('failed');
    await runner('failed');
    await runner('succeeded');
    expect(rx.received.map((r) => JSON.parse(r.body) as { event: string; consecutiveFailures: number })).toEqual([
      expect.objectContaining({ event: 'failed', consecutiveFailures: 1 }),
      expect.objectContaining({ event: 'recovered', consecutiveFailures: 2 }),
    ]);
  });
});
