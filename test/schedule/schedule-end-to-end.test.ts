/**
 * `pinsync schedule` in real time, as a child process (issue 11 §5): a 1-second schedule (6 fields) and a slow
 * emulator, so the first run outlasts several ticks. Those ticks are skipped and logged, never a second run of the
 * sync beside the first; SIGTERM mid-push lets the batch in flight finish and be recorded, and exits 0; the next
 * `sync` then sends exactly the rest.
 */
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { watchArrivals } from '../helpers/request-arrivals.js';
import { expectedHashes, makePeople, useSyncFixture } from '../helpers/sync-fixture.js';

const fx = useSyncFixture({ refuseSmallAudiences: false });

interface LogLine {
  /** pino level: 30 info, 40 warn, 50 error. */
  level: number;
  msg: string;
  event?: string;
  sync?: string;
}

interface RunRow {
  status: string;
  startedAt: string;
  finishedAt: string | null;
}

describe('pinsync schedule', () => {
  it('skips the ticks that fall while a run is going, and SIGTERM mid-push exits 0 with the state exact', async () => {
    const people = makePeople(1, 2_000);
    const expected = expectedHashes(people);
    await fx().setPeople(people);
    // One PATCH at a time, 200 ms each: the first run takes several seconds, several 1-second ticks.
    await fx().writeConfig({ maxRecords: 100, maxInFlight: 1, syncExtra: ['schedule: "* * * * * *"'] });
    fx().emulator.faults.latency(200, { match: { method: 'PATCH' } });
    const watch = watchArrivals(fx().emulator);

    const child = fx().spawnCli(['schedule', '--log-json', '--shutdown-timeout', '15'], { PINSYNC_LOG_LEVEL: 'info' });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout!.resume();
    const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    const lines = (): LogLine[] =>
      stderr
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as LogLine);
    const waitFor = async (what: string, done: () => boolean) => {
      const deadline = Date.now() + 15_000;
      while (!done()) {
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`timed out waiting for ${what}; stderr:\n${stderr}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };

    // Two ticks have fallen during the first run and been skipped; a PATCH is then on the wire.
    await waitFor('two skipped ticks', () => lines().filter((l) => l.event === 'tick_skipped').length >= 2);
    const patches = watch.arrivals.filter((a) => a.method === 'PATCH').length;
    await watch.waitFor((a) => a.method === 'PATCH', patches + 1, 10_000);
    child.kill('SIGTERM');
    const [code] = await exited;
    fx().emulator.faults.clear();

    expect(code, stderr).toBe(0);
    const log = lines();
    expect(log.find((l) => /config was read once: restart/.test(l.msg)), stderr).toBeDefined();
    // One run started, and only one: every tick during it was skipped, with a warning.
    expect(log.filter((l) => l.event === 'run_start')).toHaveLength(1);
    expect(log.filter((l) => l.event === 'tick_skipped').every((l) => l.level === 40 && l.sync === 'people_sync')).toBe(true);
    expect(log.filter((l) => l.event === 'run_end')).toHaveLength(1);
    // Nothing was cut off mid-request: the batch in flight was answered and acknowledged.
    expect(fx().emulator.requests.filter((r) => r.method === 'PATCH' && r.status !== 200)).toHaveLength(0);
    const stored = await fx().storedMembership();
    expect(stored).toEqual(fx().membership());
    expect(stored.size).toBeGreaterThan(0);
    expect(stored.size).toBeLessThan(expected.size);

    const runs = JSON.parse((await fx().cli(['runs', '--json'])).stdout) as { runs: RunRow[] };
    expect(runs.runs.map((r) => r.status)).toEqual(['interrupted']);

    const rerun = await fx().syncJson();
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(rerun.report.sent.adds).toBe(expected.size - stored.size);
    expect(fx().membership()).toEqual(expected);
    expect(await fx().storedMembership()).toEqual(expected);
  }, 30_000);

  it('runs a sync again at the next tick once its run has ended, never two at once', async () => {
    const people = makePeople(1, 50);
    await fx().setPeople(people);
    await fx().writeConfig({ syncExtra: ['schedule: "* * * * * *"'] });
    // Every run takes over a second (its Pinterest reads are slow), so ticks fall during each run.
    fx().emulator.faults.latency(400, { match: { method: 'GET' } });
    const child = fx().spawnCli(['schedule', '--log-json', '--format', 'json'], { PINSYNC_LOG_LEVEL: 'info' });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout!.resume();
    const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    const deadline = Date.now() + 15_000;
    while ((stderr.match(/"event":"run_end"/g) ?? []).length < 2) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`timed out waiting for two runs; stderr:\n${stderr}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    child.kill('SIGTERM');
    const [code] = await exited;
    fx().emulator.faults.clear();
    expect(code, stderr).toBe(0);

    const runs = (JSON.parse((await fx().cli(['runs', '--json'])).stdout) as { runs: RunRow[] }).runs.reverse();
    expect(runs.length).toBeGreaterThanOrEqual(2);
    // Never two at once: each run started after the one before it had finished.
    for (let i = 1; i < runs.length; i++) {
      expect(runs[i - 1]!.finishedAt, JSON.stringify(runs)).not.toBeNull();
      expect(Date.parse(runs[i]!.startedAt)).toBeGreaterThanOrEqual(Date.parse(runs[i - 1]!.finishedAt!));
    }
    expect(fx().membership()).toEqual(expectedHashes(people));
  }, 30_000);

  it('exits 130 when runs are still going after --shutdown-timeout', async () => {
    await fx().setPeople(makePeople(1, 500));
    await fx().writeConfig({ maxRecords: 100, maxInFlight: 1, syncExtra: ['schedule: "0 0 1 1 *"'] });
    // A PATCH held for 8 s: the run cannot reach the end of its batch within a 1-second shutdown timeout.
    fx().emulator.faults.latency(8_000, { match: { method: 'PATCH' } });
    const watch = watchArrivals(fx().emulator);
    const child = fx().spawnCli(['schedule', '--shutdown-timeout', '1'], { PINSYNC_LOG_LEVEL: 'info' });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout!.resume();
    const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    await watch.waitFor((a) => a.method === 'PATCH', 1, 15_000);
    const signalledAt = Date.now();
    child.kill('SIGTERM');
    const [code] = await exited;
    fx().emulator.faults.clear();
    expect(code, stderr).toBe(130);
    expect(Date.now() - signalledAt).toBeLessThan(5_000);
    expect(stderr).toMatch(/shutdown timeout \(1 s\) passed with people_sync still running/);
  }, 30_000);
});
