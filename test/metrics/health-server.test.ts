/**
 * The health server over real HTTP on 127.0.0.1: routes, /healthz by failure streak and while stopping, a port in
 * use refused as a usage error, and close() ending kept-alive connections.
 */
import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type HealthServer, startHealthServer } from '../../connectors/metrics/health-server.js';
import { PinsyncMetrics } from '../../connectors/metrics/pinsync-metrics.js';
import { UsageError } from '../../core/errors.js';
import { blankReport } from '../../core/sync-report.js';
import { parsePrometheusText } from './prometheus-text.js';

let server: HealthServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function failedRun(sync: string) {
  return { ...blankReport({ sync, mode: 'sync', adAccountId: '1', fullResync: false, forced: false, startedAt: new Date() }), status: 'failed' as const };
}

describe('health server', () => {
  it('serves /healthz and /metrics, 404 elsewhere; 503 past the failure threshold and while stopping', async () => {
    const metrics = new PinsyncMetrics(['vip']);
    let running = true;
    server = await startHealthServer({ host: '127.0.0.1', port: 0, metrics, maxConsecutiveFailures: 1, isRunning: () => running });
    const base = `http://127.0.0.1:${server.port}`;

    let res = await fetch(`${base}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok', failing: [], maxConsecutiveFailures: 1 });

    res = await fetch(`${base}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(parsePrometheusText(await res.text()).samples.get('pinsync_consecutive_failures{sync="vip"}')).toBe(0);

    for (const path of ['/', '/health', '/metrics/x', '/healthz/']) expect((await fetch(`${base}${path}`)).status, path).toBe(404);
    expect((await fetch(`${base}/healthz`, { method: 'POST' })).status).toBe(404);

    metrics.recordReport(failedRun('vip'));
    expect((await fetch(`${base}/healthz`)).status).toBe(200); // 1 is not more than 1
    metrics.recordReport(failedRun('vip'));
    res = await fetch(`${base}/healthz`);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ status: 'failing', failing: [{ sync: 'vip', consecutiveFailures: 2 }], maxConsecutiveFailures: 1 });

    running = false;
    res = await fetch(`${base}/healthz`);
    expect(res.status).toBe(503);
    expect(((await res.json()) as { status: string }).status).toBe('stopping');
  });

  it('refuses a port in use with a usage error naming the flag', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const started = startHealthServer({ host: '127.0.0.1', port, metrics: new PinsyncMetrics(), maxConsecutiveFailures: 3, isRunning: () => true });
      await expect(started).rejects.toBeInstanceOf(UsageError);
      await expect(started).rejects.toThrow(/--health-port: 127\.0\.0\.1:\d+ is already in use/);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it('close() returns promptly with a kept-alive scraper connection open, and is idempotent', async () => {
    server = await startHealthServer({ host: '127.0.0.1', port: 0, metrics: new PinsyncMetrics(), maxConsecutiveFailures: 3, isRunning: () => true });
    const res = await fetch(`http://127.0.0.1:${server.port}/metrics`, { headers: { connection: 'keep-alive' } });
    await res.text();
    const t0 = Date.now();
    await Promise.all([server.close(), server.close()]);
    expect(Date.now() - t0).toBeLessThan(1_000);
    await expect(fetch(`http://127.0.0.1:${server.port}/healthz`)).rejects.toThrow();
  });
});
