/**
 * Issue 10 §1: several PATCHes in flight at once (`destinations.<name>.maxInFlight`). Measured at the emulator over
 * real HTTP: never more than N requests in flight and more than one when answers are slow; every ADD answered before
 * the first REMOVE arrives; exact results under 500s, dropped connections and too-large refusals; a kill -9, a
 * signal or a failed request with several in flight leaves the state never ahead of Pinterest, and the rerun is exact.
 */
import { once } from 'node:events';
import { readFile, writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import type { RequestLogEntry } from '../../emulators/pinterest/request-log.js';
import { isListPatch, watchArrivals } from '../helpers/request-arrivals.js';
import { expectedHashes, makePeople, type Person, type SyncFixture, useSyncFixture } from '../helpers/sync-fixture.js';


/** Email-only people, so record counts are exact. */
function emails(from: number, to: number): Person[] {
  return makePeople(from, to - from).map((p) => ({ email: p.email }));
}

/** The fixture's config with `maxInFlight` set on the destination; removals unguarded. */
async function configure(f: SyncFixture, maxInFlight: number, opts: { maxRecords?: number } = {}): Promise<void> {
  await f.writeConfig({ maxRecords: opts.maxRecords ?? 100, maxInFlight, syncExtra: ['guardrails: { maxRemovePercent: 100 }'] });
}

function patches(f: SyncFixture): RequestLogEntry[] {
  return f.emulator.requests.filter((r) => r.method === 'PATCH');
}

/** Most PATCHes the emulator held at once (arrival to answer), from its request log. */
function peakInFlight(entries: readonly RequestLogEntry[]): number {
  const events = entries.flatMap((r) => [
    { at: r.timestamp, delta: 1 },
    { at: r.timestamp + r.durationMs, delta: -1 },
  ]);
  // an answer and an arrival in the same millisecond: the answer first (the client sends the next after it)
  events.sort((a, b) => a.at - b.at || a.delta - b.delta);
  let current = 0;
  let peak = 0;
  for (const e of events) {
    current += e.delta;
    peak = Math.max(peak, current);
  }
  return peak;
}

function acceptedRecords(f: SyncFixture, op: 'ADD' | 'REMOVE'): number {
  return patches(f)
    .filter((r) => r.status === 200 && r.operation === op)
    .reduce((sum, r) => sum + r.records, 0);
}

/** PATCHes that arrived at the emulator but have not been answered yet. */
function unanswered(f: SyncFixture, arrived: number): number {
  return arrived - patches(f).length;
}

describe('the in-flight bound', () => {
  const fx = useSyncFixture({ refuseSmallAudiences: false });

  it.each(['0', '33', '2.5', 'many'])('refuses maxInFlight: %s with the range and what it means', async (value) => {
    await fx().setPeople(emails(0, 10));
    await fx().writeConfig({ maxRecords: 100 });
    const config = await readFile(fx().configPath, 'utf8');
    await writeFile(fx().configPath, config.replace('    batch: { maxRecords: 100 }\n', `    batch: { maxRecords: 100 }\n    maxInFlight: ${value}\n`));
    const res = await fx().cli(['validate']);
    expect(res.code).toBe(2);
    expect(res.stdout + res.stderr).toMatch(/destinations\.pinterest\.maxInFlight: must be a whole number between 1 and 32: the list writes waiting on Pinterest at once \(1 sends one at a time\)/);
  });
  it.each([2, 4])('with slow answers, at most %i PATCHes are in flight at once, and more than one', async (n) => {
    const people = emails(0, 3_000);
    await fx().setPeople(people);
    await configure(fx(), n);
    fx().emulator.faults.latency(150, { match: { method: 'PATCH' } });
    const res = await fx().syncJson();
    expect(res.code, res.report.error?.message).toBe(0);
    const peak = peakInFlight(patches(fx()));
    expect(peak).toBeLessThanOrEqual(n);
    expect(peak).toBeGreaterThan(1);
    expect(res.report.sent).toEqual({ adds: 3_000, removes: 0, batches: 30 });
    expect(acceptedRecords(fx(), 'ADD')).toBe(2_900); // the create carried the first 100
    expect(fx().membership()).toEqual(expectedHashes(people));
    expect(await fx().storedMembership()).toEqual(expectedHashes(people));
  }, 60_000);

  it('maxInFlight: 1 keeps today’s order: one request at a time, full batches in delta order, adds then removes', async () => {
    await fx().setPeople(emails(0, 1_000));
    await configure(fx(), 1);
    expect((await fx().syncJson()).code).toBe(0);
    fx().emulator.clearRequests();
    await fx().setPeople(emails(300, 1_550));
    fx().emulator.faults.latency(20, { match: { method: 'PATCH' } });
    const res = await fx().syncJson();
    expect(res.code, res.report.error?.message).toBe(0);
    const sent = patches(fx());
    expect(peakInFlight(sent)).toBe(1);
    // each request arrives after the previous one was answered
    for (let i = 1; i < sent.length; i++) expect(sent[i]!.timestamp).toBeGreaterThanOrEqual(sent[i - 1]!.timestamp + sent[i - 1]!.durationMs);
    expect(sent.map((r) => [r.operation, r.records])).toEqual([
      ...Array.from({ length: 5 }, () => ['ADD', 100]),
      ['ADD', 50],
      ['REMOVE', 100],
      ['REMOVE', 100],
      ['REMOVE', 100],
    ]);
    expect(fx().membership()).toEqual(expectedHashes(emails(300, 1_550)));
  }, 60_000);
});

describe('order and exactness with several in flight', () => {
  const fx = useSyncFixture({ refuseSmallAudiences: false });
  it('every ADD is answered and acknowledged before the first REMOVE is sent', async () => {
    await fx().setPeople(emails(0, 2_000));
    await configure(fx(), 4);
    expect((await fx().syncJson()).code).toBe(0);
    fx().emulator.clearRequests();
    // 800 leave, 1,000 join: 10 ADD and 8 REMOVE batches, answers in random-ish order
    await fx().setPeople(emails(800, 3_000));
    fx().emulator.faults.latency(60, { match: { method: 'PATCH' } });
    const res = await fx().syncJson();
    expect(res.code, res.report.error?.message).toBe(0);
    const sent = patches(fx());
    const adds = sent.filter((r) => r.operation === 'ADD');
    const removes = sent.filter((r) => r.operation === 'REMOVE');
    expect(adds).toHaveLength(10);
    expect(removes).toHaveLength(8);
    const lastAddAnswered = Math.max(...adds.map((r) => r.timestamp + r.durationMs));
    expect(Math.min(...removes.map((r) => r.timestamp))).toBeGreaterThanOrEqual(lastAddAnswered);
    expect(peakInFlight(adds)).toBeGreaterThan(1);
    expect(res.report.sent).toEqual({ adds: 1_000, removes: 800, batches: 18 });
    expect(fx().membership()).toEqual(expectedHashes(emails(800, 3_000)));
    expect(await fx().storedMembership()).toEqual(expectedHashes(emails(800, 3_000)));
  }, 60_000);

  it('a request Pinterest rejects stops new ones; those in flight are answered and acknowledged, then the sync fails with it', async () => {
    const people = emails(0, 3_000);
    await fx().setPeople(people);
    await configure(fx(), 4);
    fx().emulator.faults.latency(100, { match: { method: 'PATCH' } });
    // the 8th PATCH is refused for good (400 is not retried)
    const arrivals = watchArrivals(fx().emulator);
    arrivals.onArrival(isListPatch, 8, () => {
      fx().emulator.faults.failNext({ status: 400, count: 1, message: 'invalid request for this test', match: { method: 'PATCH' } });
    });
    // (the rule is consulted right after onArrival: the 9th PATCH is the one refused)
    const res = await fx().syncJson();
    expect(res.code).toBe(1);
    expect(res.report.status).toBe('failed');
    expect(res.report.error?.message).toMatch(/invalid request for this test/);
    const log = patches(fx());
    const refused = log.find((r) => r.status === 400)!;
    // nothing was sent once the refusal was back (250 ms for the client to read it on a busy machine), and
    // everything that was out was answered
    expect(log.filter((r) => r.timestamp > refused.timestamp + refused.durationMs + 250)).toEqual([]);
    expect(log.every((r) => r.status === 200 || r === refused)).toBe(true);
    const pinterest = fx().membership();
    expect(await fx().storedMembership()).toEqual(pinterest);
    expect(res.report.sent.adds).toBe(pinterest.size);

    fx().emulator.faults.clear();
    const rerun = await fx().syncJson();
    expect(rerun.code, rerun.report.error?.message).toBe(0);
    expect(rerun.report.sent.adds).toBe(3_000 - pinterest.size);
    expect(fx().membership()).toEqual(expectedHashes(people));
  }, 60_000);
});

describe('faults with several in flight', () => {
  // Pinterest takes at most 60 records a request; pinsync is configured for 100
  const fx = useSyncFixture({ refuseSmallAudiences: false, maxRecordsPerRequest: 60 });

  it('under 500s, dropped connections and a real size limit, every record is sent and acknowledged exactly once', async () => {
    const limited = fx();
    await limited.setPeople(emails(0, 50));
    await configure(limited, 4);
    expect((await limited.syncJson()).code).toBe(0);
    limited.emulator.clearRequests();

    const people = emails(20, 2_500);
    await limited.setPeople(people);
    limited.emulator.faults.latency(30, { match: { method: 'PATCH' } });
    limited.emulator.faults.failRate(0.15, { statuses: [500, 503], match: { method: 'PATCH' } });
    limited.emulator.faults.dropRate(0.05, { match: { method: 'PATCH' } });
    const res = await limited.syncJson();
    expect(res.code, res.report.error?.message).toBe(0);
    const expected = expectedHashes(people);
    expect(limited.membership()).toEqual(expected);
    expect(await limited.storedMembership()).toEqual(expected);
    // exact accounting: 2,450 joined and 20 left, each accepted once (a refused or failed request applies nothing)
    expect(res.report.sent.adds).toBe(2_450);
    expect(res.report.sent.removes).toBe(20);
    const log = patches(limited);
    expect(log.filter((r) => r.status === 200).reduce((s, r) => s + r.records, 0)).toBe(2_470);
    expect(res.report.sent.batches).toBe(log.filter((r) => r.status === 200).length);
    expect(log.filter((r) => r.status === 200).every((r) => r.records <= 60)).toBe(true);
    expect(log.some((r) => r.status === 413)).toBe(true);
    expect(log.some((r) => r.status === 500 || r.status === 503)).toBe(true);
    expect(peakInFlight(log)).toBeGreaterThan(1);
    expect(peakInFlight(log)).toBeLessThanOrEqual(4);
  }, 120_000);
});

describe('stops with several writes in flight', () => {
  const fx = useSyncFixture({ refuseSmallAudiences: false });
  async function killDuring(op: 'ADD' | 'REMOVE', afterPatches: number): Promise<{ inFlightAtKill: number }> {
    fx().emulator.faults.latency(400, { match: { method: 'PATCH' } });
    const arrivals = watchArrivals(fx().emulator);
    const child = fx().spawnCli(['sync']);
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = once(child, 'exit');
    const isOp = (a: { method: string; path: string }) => isListPatch(a);
    await arrivals.waitFor(isOp, afterPatches, 60_000).catch((err: unknown) => {
      throw new Error(`${String(err)}; stderr: ${stderr}`);
    });
    // wait until several are out at once (the pipeline refills as answers come)
    const deadline = Date.now() + 30_000;
    while (unanswered(fx(), arrivals.arrivals.filter(isListPatch).length) < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 2));
    const inFlightAtKill = unanswered(fx(), arrivals.arrivals.filter(isListPatch).length);
    child.kill('SIGKILL');
    await exited;
    // the emulator still answers (applies) what was held: Pinterest may be ahead of the state, never behind
    await new Promise((r) => setTimeout(r, 600));
    fx().emulator.faults.clear();
    expect(patches(fx()).filter((r) => r.operation === op).length).toBeGreaterThan(0);
    return { inFlightAtKill };
  }

  it('kill -9 during adds: the state is behind Pinterest, and the rerun sends exactly what is missing', async () => {
    const people = emails(0, 3_000);
    await fx().setPeople(people);
    await configure(fx(), 4);
    const { inFlightAtKill } = await killDuring('ADD', 6);
    expect(inFlightAtKill).toBeGreaterThanOrEqual(3);

    const pinterest = fx().membership();
    const stored = await fx().storedMembership();
    for (const h of stored) expect(pinterest.has(h)).toBe(true);
    const expected = expectedHashes(people);
    expect(stored.size).toBeLessThan(expected.size);
    const rerun = await fx().syncJson();
    expect(rerun.code, rerun.report.error?.message).toBe(0);
    expect(rerun.report.sent.adds).toBe(expected.size - stored.size);
    expect(fx().membership()).toEqual(expected);
    expect(await fx().storedMembership()).toEqual(expected);
    expect(fx().emulator.lists()).toHaveLength(1);
  }, 120_000);

  it('kill -9 during removes: the state never claims a removal Pinterest has not applied; the rerun is exact', async () => {
    const people = emails(0, 3_000);
    await fx().setPeople(people);
    await configure(fx(), 4);
    expect((await fx().syncJson()).code).toBe(0);
    fx().emulator.clearRequests();
    const remaining = people.slice(0, 500);
    await fx().setPeople(remaining);
    const { inFlightAtKill } = await killDuring('REMOVE', 6);
    expect(inFlightAtKill).toBeGreaterThanOrEqual(3);

    const pinterest = fx().membership();
    const stored = await fx().storedMembership();
    for (const h of pinterest) expect(stored.has(h)).toBe(true);
    const expected = expectedHashes(remaining);
    expect(stored.size).toBeGreaterThan(expected.size);
    const rerun = await fx().syncJson();
    expect(rerun.code, rerun.report.error?.message).toBe(0);
    expect(rerun.report.sent.removes).toBe(stored.size - expected.size);
    expect(fx().membership()).toEqual(expected);
    expect(await fx().storedMembership()).toEqual(expected);
  }, 120_000);

  it('SIGINT: no new request starts, every one in flight is answered and acknowledged, exit 130; the rerun is exact', async () => {
    const people = emails(0, 3_000);
    const expected = expectedHashes(people);
    await fx().setPeople(people);
    await configure(fx(), 4);
    fx().emulator.faults.latency(400, { match: { method: 'PATCH' } });
    const arrivals = watchArrivals(fx().emulator);
    const child = fx().spawnCli(['sync', '--json']);
    let stderr = '';
    let stdout = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    await arrivals.waitFor(isListPatch, 6, 60_000);
    const deadline = Date.now() + 30_000;
    while (unanswered(fx(), arrivals.arrivals.filter(isListPatch).length) < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 2));
    const arrivedAtSignal = arrivals.arrivals.filter(isListPatch).length;
    const inFlightAtSignal = unanswered(fx(), arrivedAtSignal);
    expect(inFlightAtSignal).toBeGreaterThanOrEqual(3);
    child.kill('SIGINT');
    const [code] = await exited;
    fx().emulator.faults.clear();

    expect(code, stderr).toBe(130);
    // every PATCH that was out was answered 200 (none cut off); at most one window's worth started while the
    // signal was on its way (without the stop, ~20 more batches would follow)
    const log = patches(fx());
    expect(log.every((r) => r.status === 200)).toBe(true);
    expect(log.length).toBeLessThanOrEqual(arrivedAtSignal + 4);
    expect(log.length).toBeLessThan(29);
    const stored = await fx().storedMembership();
    expect(stored).toEqual(fx().membership());
    const report = (JSON.parse(stdout) as { syncs: { status: string; sent: { adds: number } }[] }).syncs[0]!;
    expect(report.status).toBe('interrupted');
    expect(report.sent.adds).toBe(stored.size);

    const rerun = await fx().syncJson();
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(rerun.report.sent.adds).toBe(expected.size - stored.size);
    expect(fx().membership()).toEqual(expected);
    expect(await fx().storedMembership()).toEqual(expected);
  }, 120_000);
});
