/**
 * `pinsync schedule --health-port` in-process against the emulator, over real HTTP on 127.0.0.1: /metrics after
 * scheduled runs (valid Prometheus text, the run's counts, no raw identifier or secret), /healthz going 200 → 503
 * after more failed runs in a row than --max-consecutive-failures → 200 after a success, and a port in use refused
 * with exit 2 before any sync runs.
 */
import { createServer } from 'node:net';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { main } from '../../cli/pinsync.js';
import { AD_ACCOUNT, TOKEN, makePeople, useSyncFixture } from '../helpers/sync-fixture.js';
import { parsePrometheusText } from './prometheus-text.js';

const fx = useSyncFixture({ refuseSmallAudiences: false });

/** Runs `pinsync schedule` in this process; `stop` aborts its signal, as SIGTERM does. */
function startSchedule(args: string[]) {
  const controller = new AbortController();
  const stderr = new PassThrough();
  let err = '';
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  const stdout = new PassThrough();
  stdout.resume();
  const done = main(['schedule', '--log-json', ...args, '-c', fx().configPath], {
    stdout,
    stderr,
    env: { PINTEREST_ACCESS_TOKEN: TOKEN, PINSYNC_LOG_LEVEL: 'info' },
    cwd: fx().dir,
    signal: controller.signal,
  });
  return { done, stop: () => controller.abort(), stderr: () => err };
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, log: () => string, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; stderr:\n${log()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The port the command logged it listens on (started with --health-port 0). */
function listeningPort(run: { stderr: () => string }): Promise<number> {
  return until(
    'the health server',
    async () => {
      const line = run.stderr().split('\n').find((l) => l.includes('"event":"health_listening"'));
      return line === undefined ? undefined : (JSON.parse(line) as { port: number }).port;
    },
    run.stderr,
  );
}

async function metricsOf(base: string): Promise<{ text: string; samples: Map<string, number> }> {
  const res = await fetch(`${base}/metrics`);
  expect(res.status).toBe(200);
  const text = await res.text();
  return { text, samples: parsePrometheusText(text).samples };
}

describe('pinsync schedule --health-port', () => {
  it('serves /metrics with the scheduled run\'s counts, and /healthz goes 200 → 503 → 200 with the failure streak', async () => {
    const people = makePeople(1, 12);
    await fx().setPeople([...people, { email: 'not-an-email' }]);
    // Every second, so failing and recovering runs follow each other quickly.
    await fx().writeConfig({ syncExtra: ['schedule: "* * * * * *"'] });
    const run = startSchedule(['--health-port', '0', '--max-consecutive-failures', '1']);
    try {
      const base = `http://127.0.0.1:${await listeningPort(run)}`;
      const first = await until('a successful run in /metrics', async () => {
        const m = await metricsOf(base);
        return (m.samples.get('pinsync_runs_total{status="succeeded",sync="people_sync"}') ?? 0) >= 1 ? m : undefined;
      }, run.stderr);
      const s = first.samples;
      const added = fx().membership().size;
      expect(added).toBeGreaterThan(0);
      expect(s.get('pinsync_adds_sent_total{sync="people_sync"}')).toBe(added);
      expect(s.get('pinsync_membership_records{sync="people_sync"}')).toBe(added);
      expect(s.get('pinsync_rejected_total{reason="invalid_email",sync="people_sync"}')).toBe(1);
      expect(s.get('pinsync_api_calls_total{sync="people_sync"}')).toBeGreaterThan(0);
      expect(s.get('pinsync_run_duration_seconds_count{sync="people_sync"}')).toBeGreaterThanOrEqual(1);
      expect(s.get('pinsync_last_success_timestamp_seconds{sync="people_sync"}')).toBeGreaterThan(Date.now() / 1000 - 60);
      expect(s.get('pinsync_consecutive_failures{sync="people_sync"}')).toBe(0);
      // Hashes, emails, the token, the ad account and the list id never reach /metrics or /healthz.
      const health = await fetch(`${base}/healthz`);
      expect(health.status).toBe(200);
      const exposed = first.text + (await health.text());
      for (const secret of [TOKEN, AD_ACCOUNT, fx().listId(), ...people.map((p) => p.email!), ...fx().membership()]) expect(exposed).not.toContain(secret);

      // Pinterest refuses everything: each run fails; the second failure in a row is more than 1.
      fx().emulator.faults.failNext({ status: 400, count: Infinity });
      await until('/healthz 503', async () => ((await fetch(`${base}/healthz`)).status === 503 ? true : undefined), run.stderr);
      const failing = (await (await fetch(`${base}/healthz`)).json()) as { status: string; failing: { sync: string; consecutiveFailures: number }[] };
      expect(failing.status).toBe('failing');
      expect(failing.failing[0]!.sync).toBe('people_sync');
      expect(failing.failing[0]!.consecutiveFailures).toBeGreaterThanOrEqual(2);
      expect((await metricsOf(base)).samples.get('pinsync_runs_total{status="failed",sync="people_sync"}')).toBeGreaterThanOrEqual(2);

      fx().emulator.faults.clear();
      await until('/healthz 200 again', async () => ((await fetch(`${base}/healthz`)).status === 200 ? true : undefined), run.stderr);
      expect((await metricsOf(base)).samples.get('pinsync_consecutive_failures{sync="people_sync"}')).toBe(0);

      run.stop();
      expect(await run.done, run.stderr()).toBe(0);
      // Closed on shutdown.
      await expect(fetch(`${base}/healthz`)).rejects.toThrow();
    } finally {
      fx().emulator.faults.clear();
      run.stop();
      await run.done;
    }
  }, 40_000);

  it('a port in use ends the command with exit 2 before any sync runs', async () => {
    await fx().setPeople(makePeople(1, 4));
    await fx().writeConfig({ syncExtra: ['schedule: "* * * * * *"'] });
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const run = startSchedule(['--health-port', String(port)]);
      expect(await run.done).toBe(2);
      expect(run.stderr()).toMatch(/--health-port: 127\.0\.0\.1:\d+ is already in use/);
      expect(run.stderr()).not.toMatch(/"event":"run_start"/);
      expect(fx().emulator.lists()).toHaveLength(0);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it('refuses a --health-port that is not a port (exit 2)', async () => {
    await fx().writeConfig({ syncExtra: ['schedule: "* * * * * *"'] });
    const res = await fx().cli(['schedule', '--health-port', '70000']);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/--health-port must be a TCP port/);
  });
});
