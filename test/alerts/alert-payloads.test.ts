/**
 * What receivers get, over real HTTP on 127.0.0.1 with a real DuckDB state: the signed webhook body (DESIGN §1 field
 * names), a signature a receiver can check and a replay it can refuse, Slack Block Kit, and no identifier, token,
 * password or secret anywhere, even when the error text quotes them.
 */
import { createHmac } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { secretValues } from '../../core/alerts/hide-secrets.js';
import { notifyRunAlerts } from '../../core/alerts/notify-alerts.js';
import { verifyWebhook } from '../../core/alerts/sign-webhook.js';
import type { AlertChannelConfig } from '../../core/config/alerts-schema.js';
import { silentLogger } from '../../core/logger.js';
import type { SyncReport } from '../../core/sync-report.js';
import { alertDeliverer } from '../../connectors/alerts/deliver-alert.js';
import { DuckDbStateStore } from '../../connectors/state/duckdb/duckdb-state-store.js';
import { failedSync } from '../cli-output/report-fixtures.js';
import { minimalConfig, parse } from '../config/config-fixtures.js';
import { type AlertReceiver, startAlertReceiver } from './alert-receiver.js';

const SECRET = 'whsec-0123456789abcdef';
const ACCESS_TOKEN = 'pina_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789';
const DB_PASSWORD = 'S3cr3t-pw-42';

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

function channels(): AlertChannelConfig[] {
  return [
    { type: 'webhook', url: rx.url('/webhook'), secret: SECRET, events: ['failed', 'recovered', 'warning'], repeat: 'first', timeoutSeconds: 5 },
    { type: 'slack', webhookUrl: rx.url('/slack/T000/B000/XXXX'), events: ['failed', 'guardrail', 'recovered'], repeat: 'first', timeoutSeconds: 5 },
  ];
}

/** A failed run recorded in the state, whose error text quotes an email, a phone, a hash, the token and the password. */
async function recordedFailure(): Promise<SyncReport> {
  const runId = await state.startRun('newsletter', new Date('2025-03-01T10:00:00Z'));
  const report: SyncReport = {
    ...failedSync,
    runId,
    rejected: { invalid_email: 3 },
    sent: { adds: 200, removes: 0, batches: 2 },
    pinterest: { ...failedSync.pinterest, customerListId: '1234567890' },
    error: {
      code: 'PINSYNC_WAREHOUSE_QUERY',
      message:
        `Conversion Error: Could not convert string 'jane.doe@example.com' to INT32 (phone +1 415 555 0100, ` +
        `hash ${'ab'.repeat(32)}) via postgres://svc:${DB_PASSWORD}@db.internal:5432/dw; Authorization: Bearer ${ACCESS_TOKEN}; key ${SECRET}`,
    },
    warnings: ['note for jane.doe@example.com'],
  };
  await state.finishRun(runId, { status: 'failed', report });
  return report;
}

function secrets(): string[] {
  const config = minimalConfig();
  config.destinations.pinterest.auth = { accessToken: ACCESS_TOKEN };
  config.state = `postgres://svc:${DB_PASSWORD}@db.internal:5432/dw`;
  config.alerts = [{ type: 'webhook', url: 'https://ops.example.com/pinsync', secret: SECRET }];
  return secretValues(parse(config));
}

describe('alert payloads', () => {
  it('a webhook gets the DESIGN §1 body, signed so a receiver can verify it and refuse a replay', async () => {
    const report = await recordedFailure();
    const now = new Date('2025-03-01T10:00:05Z');
    await notifyRunAlerts(report, { channels: channels(), state, deliver: alertDeliverer(), logger: silentLogger, secrets: secrets(), now: () => now });
    const hook = rx.received.find((r) => r.path === '/webhook')!;
    const timestamp = hook.headers['x-pinsync-timestamp'] as string;
    const signature = hook.headers['x-pinsync-signature'] as string;
    expect(timestamp).toBe(String(now.getTime() / 1000));
    // What a receiver computes, independently of pinsync's code.
    expect(signature).toBe(`sha256=${createHmac('sha256', SECRET).update(`${timestamp}.${hook.body}`).digest('hex')}`);
    expect(verifyWebhook(hook.body, { timestamp, signature }, SECRET, { nowSeconds: Number(timestamp) + 10 })).toBe(true);
    // Replayed an hour later: the timestamp is signed, so it cannot be refreshed without the secret.
    expect(verifyWebhook(hook.body, { timestamp, signature }, SECRET, { nowSeconds: Number(timestamp) + 3_600 })).toBe(false);
    expect(verifyWebhook(hook.body, { timestamp: String(Number(timestamp) + 3_600), signature }, SECRET, { nowSeconds: Number(timestamp) + 3_600 })).toBe(false);
    expect(verifyWebhook(hook.body.replace('newsletter', 'other'), { timestamp, signature }, SECRET, { nowSeconds: Number(timestamp) })).toBe(false);

    const body = JSON.parse(hook.body) as Record<string, unknown>;
    expect(Object.keys(body)).toEqual(
      expect.arrayContaining(['event', 'sync', 'runId', 'status', 'startedAt', 'finishedAt', 'counts', 'customerListId', 'audienceId', 'error']),
    );
    expect(body).toMatchObject({
      event: 'failed',
      sync: 'newsletter',
      runId: report.runId,
      status: 'failed',
      startedAt: '2025-03-01T10:00:00.000Z',
      finishedAt: '2025-03-01T10:00:03.200Z',
      counts: { adds: 200, removes: 0, plannedAdds: 300, plannedRemoves: 0, rejected: { invalid_email: 3 } },
      customerListId: '1234567890',
      audienceId: null,
      error: { code: 'PINSYNC_WAREHOUSE_QUERY' },
      consecutiveFailures: 1,
    });
    expect(body.hint).toMatch(/pinsync doctor/);
  });

  it('Slack gets Block Kit: header, status, counts, error code and message, run id, a fix', async () => {
    const report = await recordedFailure();
    await notifyRunAlerts(report, { channels: channels(), state, deliver: alertDeliverer(), logger: silentLogger, secrets: secrets() });
    const slack = rx.received.find((r) => r.path.startsWith('/slack'))!;
    expect(slack.headers['content-type']).toBe('application/json');
    expect(slack.headers['x-pinsync-signature']).toBeUndefined();
    const message = JSON.parse(slack.body) as { text: string; blocks: { type: string; text?: { text: string }; fields?: { text: string }[]; elements?: { text: string }[] }[] };
    expect(message.text).toMatch(/sync failed: newsletter: PINSYNC_WAREHOUSE_QUERY/);
    expect(message.blocks[0]).toMatchObject({ type: 'header', text: { text: expect.stringMatching(/sync failed: newsletter/) } });
    const all = message.blocks.flatMap((b) => [b.text?.text ?? '', ...(b.fields ?? []).map((f) => f.text), ...(b.elements ?? []).map((e) => e.text)]).join('\n');
    expect(all).toContain('*Status*\nfailed');
    expect(all).toContain(`*Run*\n#${report.runId}`);
    expect(all).toContain('*Sent*\n200 added, 0 removed');
    expect(all).toContain('*Rejected*\ninvalid_email: 3');
    expect(all).toMatch(/\*PINSYNC_WAREHOUSE_QUERY\*\n```Conversion Error/);
    expect(all).toMatch(/\*Fix:\* check the warehouse connection/);
    expect(all).toContain('list 1234567890');
  });

  it('no raw identifier, token, password or secret reaches any channel', async () => {
    const report = await recordedFailure();
    await notifyRunAlerts(report, { channels: channels(), state, deliver: alertDeliverer(), logger: silentLogger, secrets: secrets() });
    // failed and warning to the webhook, failed to Slack.
    expect(rx.received).toHaveLength(3);
    for (const r of rx.received) {
      const wire = JSON.stringify(r.headers) + r.body;
      for (const planted of ['jane.doe@example.com', '415 555 0100', 'ab'.repeat(32), ACCESS_TOKEN, DB_PASSWORD, SECRET]) expect(wire).not.toContain(planted);
    }
    // The text keeps what makes it useful.
    expect(rx.received[0]!.body).toContain('Conversion Error');
  });

  it('repeat: first sends a streak once; the first success after it is recovered; failed deliveries are noted on the run', async () => {
    const deliver = alertDeliverer({ baseDelayMs: 10 });
    const ctx = { channels: channels(), state, deliver, logger: silentLogger, secrets: [] };
    await notifyRunAlerts(await recordedFailure(), ctx);
    await notifyRunAlerts(await recordedFailure(), ctx);
    // The second failure (same warning too) is the same streak: nothing more.
    expect(rx.received.map((r) => JSON.parse(r.body).event ?? 'slack').sort()).toEqual(['failed', 'slack', 'warning']);
    rx.received.length = 0;

    // The webhook refuses (400): the success is still reported, and the failed delivery is noted on its run.
    rx.script({ status: 400 }, { status: 400 });
    const runId = await state.startRun('newsletter', new Date());
    const success: SyncReport = { ...failedSync, runId, status: 'succeeded', error: undefined, exitCode: 0, warnings: [] };
    await state.finishRun(runId, { status: 'succeeded', report: success });
    const out = await notifyRunAlerts(success, ctx);
    const events = rx.received.map((r) => (r.path === '/webhook' ? JSON.parse(r.body).event : 'slack'));
    expect(events.sort()).toEqual(['recovered', 'slack']);
    expect(JSON.parse(rx.received.find((r) => r.path === '/webhook')!.body).consecutiveFailures).toBe(2);
    expect(out.report.status).toBe('succeeded');
    expect(out.report.warnings.filter((w) => /^alert recovered to alerts\[\d\] .* not delivered: HTTP 400/.test(w))).toHaveLength(2);
    const [stored] = await state.listRuns({ syncNames: ['newsletter'], limit: 1 });
    expect(stored!.status).toBe('succeeded');
    expect(stored!.report!.warnings).toEqual(out.report.warnings);
    // A Slack webhook URL is a credential: the note names the channel, not the URL.
    expect(JSON.stringify(stored!.report)).not.toContain('/slack/T000');
    expect(stored!.report!.warnings.join('\n')).toContain('alerts[1] (slack)');
  });
});

describe('secretValues', () => {
  it('collects the config’s credentials and URL passwords, not ordinary values', () => {
    const config = minimalConfig();
    config.destinations.pinterest.auth = { accessToken: ACCESS_TOKEN };
    config.state = `postgres://svc:${DB_PASSWORD}@db.internal:5432/dw?sslmode=require`;
    config.alerts = [{ type: 'slack', webhookUrl: 'https://hooks.slack.com/services/T0/B0/abcdef' }];
    const found = secretValues(parse(config));
    expect(found).toEqual(expect.arrayContaining([ACCESS_TOKEN, DB_PASSWORD, 'https://hooks.slack.com/services/T0/B0/abcdef']));
    expect(found).not.toContain('require');
    expect(found).not.toContain('svc');
  });

  it('counts a generic webhook URL as a secret: Discord, Teams and Zapier hooks carry their token in the path', () => {
    const config = minimalConfig();
    const hook = 'https://discord.com/api/webhooks/123456/tokenPart-XyZ';
    config.alerts = [{ type: 'webhook', url: hook, secret: SECRET }];
    expect(secretValues(parse(config))).toContain(hook);
  });
});
