/**
 * Alerts end to end through the CLI, against the emulator over HTTP and a real receiver on 127.0.0.1: a failing
 * sync alerts once per streak, its first success says recovered, a receiver that never answers holds the command
 * up no longer than the channel's bound and changes no exit code, and `pinsync alerts test` checks every channel.
 */
import { appendFile, writeFile } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DuckDbStateStore } from '../../connectors/state/duckdb/duckdb-state-store.js';
import { makePeople, TOKEN, useSyncFixture } from '../helpers/sync-fixture.js';
import { type AlertReceiver, startAlertReceiver } from './alert-receiver.js';

const fixture = useSyncFixture();
const SECRET = 'whsec-0123456789abcdef';

let rx: AlertReceiver;
beforeEach(async () => {
  rx = await startAlertReceiver();
});
afterEach(async () => {
  await rx.close();
});

async function configWithAlerts(alerts: string[]): Promise<void> {
  const fx = fixture();
  await fx.writeConfig({ maxRecords: 100 });
  await appendFile(fx.configPath, ['alerts:', ...alerts.map((a) => `  - ${a}`), ''].join('\n'));
}

const webhook = (extra = '') => `{ type: webhook, url: "${rx.url('/webhook')}", secret: "\${HOOK_SECRET}"${extra} }`;
const env = { HOOK_SECRET: SECRET };
const events = () => rx.received.map((r) => JSON.parse(r.body) as { event: string; runId: number; status: string; error: { code: string } | null });

describe('alerts through pinsync sync', () => {
  it('a failing sync alerts once per streak; its first success is recovered; the exit codes are the sync’s', async () => {
    const fx = fixture();
    await fx.setPeople(makePeople(1, 200));
    await configWithAlerts([webhook()]);
    fx.emulator.faults.failNext({ status: 400, code: 1, message: 'Invalid request', count: 2, match: { method: 'POST' } });
    const first = await fx.syncJson([], env);
    expect(first.code).toBe(1);
    expect(events()).toEqual([expect.objectContaining({ event: 'failed', status: 'failed', runId: first.report.runId })]);
    const second = await fx.syncJson([], env);
    expect(second.code).toBe(1);
    // Same streak: no second alert.
    expect(events()).toHaveLength(1);
    const third = await fx.syncJson([], env);
    expect(third.code).toBe(0);
    expect(events()).toHaveLength(2);
    expect(events()[1]).toMatchObject({ event: 'recovered', status: 'succeeded', runId: third.report.runId, error: null, consecutiveFailures: 2 });
    // Every delivery is signed.
    for (const r of rx.received) expect(r.headers['x-pinsync-signature']).toMatch(/^sha256=[0-9a-f]{64}$/);
    // Nothing of the token or secret on the wire.
    for (const r of rx.received) expect(JSON.stringify(r.headers) + r.body).not.toMatch(new RegExp(`${TOKEN}|${SECRET}`));
  });

  it('a receiver that never answers delays the command by its bound at most, and the run notes it', async () => {
    const fx = fixture();
    await fx.setPeople(makePeople(1, 50));
    await configWithAlerts([webhook(', timeoutSeconds: 1')]);
    rx.script('hang', 'hang', 'hang', 'hang');
    fx.emulator.faults.failNext({ status: 400, code: 1, message: 'Invalid request', count: 1, match: { method: 'POST' } });
    const started = Date.now();
    const res = await fx.syncJson([], env);
    expect(Date.now() - started).toBeLessThan(8_000);
    expect(res.code).toBe(1);
    expect(
      res.report.warnings.some((w) => /^alert failed to alerts\[0\] \(webhook to 127\.0\.0\.1:\d+\) not delivered: no answer within 1000 ms/.test(w)),
      `warnings: ${res.report.warnings.join(' | ')}`,
    ).toBe(true);
    expect(res.stderr).toMatch(/alert not delivered/);
    const store = await DuckDbStateStore.open(fx.statePath);
    try {
      const [run] = await store.listRuns({ limit: 1 });
      expect(run!.status).toBe('failed');
      expect(run!.report!.warnings.join('\n')).toContain('not delivered');
    } finally {
      await store.close();
    }
  });

  it('plan sends nothing', async () => {
    const fx = fixture();
    await fx.setPeople(makePeople(1, 50));
    await configWithAlerts([webhook(', repeat: every, events: [failed, recovered, warning, guardrail]')]);
    const res = await fx.cli(['plan'], env);
    expect(res.code).toBe(0);
    expect(rx.received).toHaveLength(0);
  });
});

describe('pinsync alerts test', () => {
  it('sends a test event to every channel and prints ok or failed per channel (exit 1 when one failed)', async () => {
    const fx = fixture();
    await configWithAlerts([webhook(), `{ type: slack, webhookUrl: "${rx.url('/slack/T0/B0/secretpart')}" }`]);
    let res = await fx.cli(['alerts', 'test'], env);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/^alerts\[0\] \(webhook to 127\.0\.0\.1:\d+\): ok \(1 attempt\)$/m);
    expect(res.stdout).toMatch(/^alerts\[1\] \(slack\): ok \(1 attempt\)$/m);
    expect(res.stdout + res.stderr).not.toContain('secretpart');
    const hook = rx.received.find((r) => r.path === '/webhook')!;
    expect(JSON.parse(hook.body)).toMatchObject({ event: 'test', runId: null });
    expect(JSON.parse(rx.received.find((r) => r.path.startsWith('/slack'))!.body).text).toMatch(/test alert/);

    rx.script({ status: 404, body: 'no_service' });
    res = await fx.cli(['alerts', 'test'], env);
    expect(res.code).toBe(1);
    expect(res.stdout).toMatch(/failed: HTTP 404 \(no_service\) after 1 attempt/);
    expect(res.stdout + res.stderr).not.toContain('secretpart');
  });

  it('exits 2 on a config error or when no channel is configured', async () => {
    const fx = fixture();
    await fx.writeConfig();
    let res = await fx.cli(['alerts', 'test'], env);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/no alerts: block/);
    await appendFile(fx.configPath, 'alerts:\n  - { type: webhook, url: "https://ops.example.com", secrt: x }\n');
    res = await fx.cli(['alerts', 'test'], env);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/secrt/);
    await writeFile(fx.configPath, 'nonsense: [');
    expect((await fx.cli(['alerts', 'test'], env)).code).toBe(2);
  });
});
