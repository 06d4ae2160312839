/**
 * Warnings that are not in a sync's report: a Pinterest refresh token about to expire (read from the state after the
 * run) and a scheduler tick skipped because the previous run was still going. Plus an alert a run could not deliver,
 * which the next run still owes. Real DuckDB state and a real receiver on 127.0.0.1.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { notifyRunAlerts } from '../../core/alerts/notify-alerts.js';
import { silentLogger } from '../../core/logger.js';
import type { SyncReport } from '../../core/sync-report.js';
import { alertDeliverer } from '../../connectors/alerts/deliver-alert.js';
import { notifyAlerts, notifySkippedTickAlerts } from '../../connectors/alerts/notify-alerts.js';
import { pinterestTokenKey } from '../../connectors/pinterest/oauth/pinterest-oauth-tokens.js';
import { DuckDbStateStore } from '../../connectors/state/duckdb/duckdb-state-store.js';
import { failedSync, succeededSync } from '../cli-output/report-fixtures.js';
import { minimalConfig, parse } from '../config/config-fixtures.js';
import { type AlertReceiver, startAlertReceiver } from './alert-receiver.js';

const SECRET = 'whsec-0123456789abcdef';
const REFRESH = 'pinr_refresh-token-0123456789';
const NOW = new Date('2026-01-10T00:00:00Z');

let rx: AlertReceiver;
let dir: string;
let state: DuckDbStateStore;
beforeEach(async () => {
  rx = await startAlertReceiver();
  dir = await mkdtemp(join(tmpdir(), 'pinsync-alerts-'));
  state = await DuckDbStateStore.open(join(dir, 'state.duckdb'));
});
afterEach(async () => {
  await state.close();
  await rx.close();
  await rm(dir, { recursive: true, force: true });
});

function config(events: string[], repeat = 'first') {
  const c = minimalConfig();
  // Tokens from `pinsync auth exchange` live in the state; the config names only the app.
  c.destinations.pinterest.auth = { clientId: '1234', clientSecret: 'app-secret-value' };
  c.alerts = [{ type: 'webhook', url: rx.url('/webhook'), secret: SECRET, events, repeat }];
  return parse(c);
}

async function recorded(base: SyncReport, status: SyncReport['status']): Promise<SyncReport> {
  const runId = await state.startRun('vip_customers', NOW);
  const report: SyncReport = { ...base, sync: 'vip_customers', status, runId, warnings: [], error: status === 'failed' ? base.error : undefined };
  await state.finishRun(runId, { status, report });
  return report;
}

const bodies = () => rx.received.map((r) => JSON.parse(r.body) as { event: string; warnings: string[]; runId: number | null; status: string });

describe('warnings and owed alerts', () => {
  it('a refresh token expiring within 14 days is a warning, alerted once while it lasts, and noted on the run', async () => {
    const cfg = config(['warning']);
    await state.saveTokens(pinterestTokenKey(cfg.destinations.pinterest!), {
      accessToken: 'pina_access-token-0123456789',
      accessExpiresAt: new Date(NOW.getTime() + 3_600_000),
      refreshToken: REFRESH,
      refreshExpiresAt: new Date(NOW.getTime() + 5 * 86_400_000),
      configFingerprint: 'from-auth-exchange',
    });
    const [out] = await notifyAlerts(cfg, [await recorded(succeededSync, 'succeeded')], { state, logger: silentLogger, now: () => NOW });
    expect(bodies()).toEqual([expect.objectContaining({ event: 'warning', warnings: [expect.stringMatching(/refresh token of destination pinterest expires in 5 days/)] })]);
    expect(out!.warnings).toEqual([expect.stringMatching(/expires in 5 days/)]);
    const [stored] = await state.listRuns({ limit: 1 });
    expect(stored!.report!.warnings).toEqual(out!.warnings);
    // Next run, still expiring: not news under repeat: first.
    await notifyAlerts(cfg, [await recorded(succeededSync, 'succeeded')], { state, logger: silentLogger, now: () => new Date(NOW.getTime() + 86_400_000) });
    expect(bodies()).toHaveLength(1);
    expect(rx.received[0]!.body).not.toContain(REFRESH);
  });

  it('an alert the previous run could not deliver is sent by the next run of the same streak', async () => {
    const cfg = config(['failed']);
    const ctx = { channels: cfg.alerts!, state, deliver: alertDeliverer({ baseDelayMs: 10, maxAttempts: 1 }), logger: silentLogger, secrets: [] };
    rx.script({ status: 503 });
    await notifyRunAlerts(await recorded(failedSync, 'failed'), ctx);
    await notifyRunAlerts(await recorded(failedSync, 'failed'), ctx);
    await notifyRunAlerts(await recorded(failedSync, 'failed'), ctx);
    // Refused once, delivered by the second run, then the streak is quiet.
    expect(rx.received.map((r) => r.headers['x-pinsync-signature'] !== undefined)).toEqual([true, true]);
    expect(bodies().map((b) => b.event)).toEqual(['failed', 'failed']);
  });

  it('a skipped scheduler tick is a warning for channels that want warnings, once per overlap under repeat: first', async () => {
    const tick = new Date('2026-01-10T01:15:00Z');
    await notifySkippedTickAlerts(config(['failed']), { sync: 'vip_customers', tick, skippedTotal: 1, first: true }, { logger: silentLogger });
    expect(rx.received).toHaveLength(0);
    const cfg = config(['warning']);
    await notifySkippedTickAlerts(cfg, { sync: 'vip_customers', tick, skippedTotal: 1, first: true }, { logger: silentLogger });
    await notifySkippedTickAlerts(cfg, { sync: 'vip_customers', tick, skippedTotal: 2, first: false }, { logger: silentLogger });
    expect(bodies()).toEqual([
      expect.objectContaining({ event: 'warning', runId: null, status: 'running', warnings: [expect.stringMatching(/previous run is still running \(1 skipped so far\)/)] }),
    ]);
    await notifySkippedTickAlerts(config(['warning'], 'every'), { sync: 'vip_customers', tick, skippedTotal: 3, first: false }, { logger: silentLogger });
    expect(bodies()).toHaveLength(2);
  });
});
