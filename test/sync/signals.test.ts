/**
 * Issue 7 item 8: what the README promises for Ctrl-C (and SIGTERM, SIGHUP). The first signal lets the Pinterest
 * request in flight finish and be acknowledged, then stops before the next batch: exit 130, the run recorded as
 * `interrupted`, state and Pinterest agree, and the rerun sends exactly the rest. A plan stopped during a slow
 * warehouse read says it was interrupted.
 */
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { watchArrivals } from '../helpers/request-arrivals.js';
import { expectedHashes, makePeople, useSyncFixture } from '../helpers/sync-fixture.js';

const fx = useSyncFixture({ refuseSmallAudiences: false });

function patchesAnswered(): number {
  return fx().emulator.requests.filter((r) => r.method === 'PATCH' && r.status === 200).length;
}

async function until(what: string, done: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

interface RunRow {
  status: string;
  errorCode: string | null;
  addsSent: number | null;
}

async function lastRun(): Promise<RunRow> {
  const res = await fx().cli(['runs', '--json']);
  expect(res.code, res.stderr).toBe(0);
  const parsed = JSON.parse(res.stdout) as { runs: RunRow[] };
  return parsed.runs[0]!;
}

describe.each(['SIGINT', 'SIGTERM', 'SIGHUP'] as const)('%s during a push', (signal) => {
  it('finishes and records the batch in flight, stops, exits 130 as interrupted; the rerun sends exactly the rest', async () => {
    const people = makePeople(1, 3_000);
    const expected = expectedHashes(people);
    await fx().setPeople(people);
    await fx().writeConfig({ maxRecords: 100 });
    // Slow enough that a PATCH is on the wire whenever the signal lands.
    fx().emulator.faults.latency(300, { match: { method: 'PATCH' } });
    const watch = watchArrivals(fx().emulator);
    const child = fx().spawnCli(['sync', '--json']);
    let stderr = '';
    let stdout = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    // The third PATCH has reached Pinterest and is held for 300 ms: the signal lands while it is on the wire,
    // however slowly the machine got there.
    await watch.waitFor((a) => a.method === 'PATCH', 3, 60_000);
    const answeredAtSignal = patchesAnswered();
    child.kill(signal);
    const [code] = await exited;
    fx().emulator.faults.clear();

    expect(code, stderr).toBe(130);
    expect(stderr).toMatch(/interrupted/i);
    expect(stderr).not.toMatch(/PINSYNC_PINTEREST_ABORTED|aborted/i);
    // the request in flight was answered, not cut off
    expect(fx().emulator.requests.filter((r) => r.method === 'PATCH' && r.status !== 200)).toHaveLength(0);
    expect(patchesAnswered()).toBeGreaterThan(answeredAtSignal);
    // and acknowledged: the state holds exactly what Pinterest holds
    const stored = await fx().storedMembership();
    const pinterest = fx().membership();
    expect(stored).toEqual(pinterest);
    expect(pinterest.size).toBeLessThan(expected.size);

    const report = (JSON.parse(stdout) as { syncs: { status: string; exitCode: number; phases: { pushMs: number } }[] }).syncs[0]!;
    expect(report.status).toBe('interrupted');
    expect(report.exitCode).toBe(130);
    expect(report.phases.pushMs).toBeGreaterThan(0);
    const run = await lastRun();
    expect(run.status).toBe('interrupted');

    const rerun = await fx().syncJson();
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(rerun.report.sent.adds).toBe(expected.size - stored.size);
    expect(fx().membership()).toEqual(expected);
    expect(await fx().storedMembership()).toEqual(expected);
  }, 120_000);
});

describe('a second signal', () => {
  it('quits at once with exit 130', async () => {
    await fx().setPeople(makePeople(1, 3_000));
    await fx().writeConfig({ maxRecords: 100 });
    fx().emulator.faults.latency(5_000, { match: { method: 'PATCH' } });
    const child = fx().spawnCli(['sync']);
    const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    await until('the list create', () => fx().emulator.lists().length > 0);
    await new Promise((r) => setTimeout(r, 300));
    child.kill('SIGINT');
    await new Promise((r) => setTimeout(r, 300));
    const started = Date.now();
    child.kill('SIGINT');
    const [code] = await exited;
    expect(code).toBe(130);
    expect(Date.now() - started).toBeLessThan(3_000);
  }, 60_000);
});

describe('a plan interrupted during a slow read', () => {
  it('says it was interrupted and exits 130', async () => {
    await fx().setPeople(makePeople(1, 10));
    await fx().writeConfig({
      query: "select 'p' || max(a.range + b.range)::varchar || '@example.com' as email from range(200000) a, range(200000) b",
      identifiers: '{ email: email }',
    });
    const child = fx().spawnCli(['plan'], { PINSYNC_LOG_LEVEL: 'info' });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    await until('the read to start', () => /reading the warehouse/.test(stderr) || child.exitCode !== null);
    await new Promise((r) => setTimeout(r, 500));
    child.kill('SIGINT');
    const [code] = await exited;
    expect(code, stderr).toBe(130);
    expect(stderr).toMatch(/interrupted/i);
    expect(stderr).not.toMatch(/INTERRUPT Error|PINSYNC_WAREHOUSE_QUERY/);
  }, 60_000);
});
