/**
 * Issue 7 item 15: a 413 halves the batch size, but not forever. After a run of clean batches pinsync probes back
 * up (doubling, at most to the configured size) and remembers the size it reached; every halving is reported.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { NORMALIZATION_VERSION } from '../../core/normalize/normalization-version.js';
import { DuckDbStateStore } from '../../connectors/state/duckdb/duckdb-state-store.js';
import { expectedHashes, makePeople, SyncFixture } from '../helpers/sync-fixture.js';

let fx: SyncFixture | undefined;

afterEach(async () => {
  fx?.emulator.faults.clear();
  await fx?.close();
  fx = undefined;
});

async function rememberedSize(f: SyncFixture): Promise<number | null> {
  const store = await DuckDbStateStore.open(f.statePath);
  try {
    return (await store.getSync('people_sync'))?.maxBatchRecords ?? null;
  } finally {
    await store.close();
  }
}

function patchSizes(f: SyncFixture, from = 0): number[] {
  return f.emulator.requests.slice(from).filter((r) => r.method === 'PATCH' && r.status === 200).map((r) => r.records);
}

describe('batch size after Pinterest refused a batch as too large', () => {
  it('a single 413 is not forever: the size doubles back to the configured one after clean batches, and is remembered', async () => {
    fx = await SyncFixture.create({ refuseSmallAudiences: false });
    const people = makePeople(1, 10_000);
    await fx.setPeople(people);
    await fx.writeConfig({ maxRecords: 400 });
    // one refusal, then Pinterest takes 400 again (a transient limit, a proxy having a bad minute)
    fx.emulator.faults.failNext({ status: 413, count: 1, match: { method: 'PATCH' } });
    const res = await fx.syncJson();
    expect(res.code, res.stderr).toBe(0);
    expect(fx.membership()).toEqual(expectedHashes(people));
    const sizes = patchSizes(fx);
    // (the last batch holds what is left, so it is left out)
    expect(Math.min(...sizes.slice(0, -1))).toBe(200);
    // back up to the configured size before the end of the run
    expect(sizes.at(-2)).toBe(400);
    expect(await rememberedSize(fx)).toBeNull();
    expect(res.report.warnings.filter((w) => /too large/.test(w))).toHaveLength(1);
    expect(res.report.warnings.join(' ')).toMatch(/back to 400/);
  });

  it('a remembered smaller size is probed upward on the next run', async () => {
    fx = await SyncFixture.create({ refuseSmallAudiences: false });
    await fx.setPeople(makePeople(1, 8_000));
    await fx.writeConfig({ maxRecords: 400 });
    const store = await DuckDbStateStore.open(fx.statePath);
    await store.saveSync('people_sync', { normalizationVersion: NORMALIZATION_VERSION, maxBatchRecords: 100 });
    await store.close();
    const res = await fx.syncJson();
    expect(res.code, res.stderr).toBe(0);
    const sizes = patchSizes(fx);
    expect(sizes[0]).toBeLessThanOrEqual(100);
    expect(Math.max(...sizes)).toBe(400);
    expect(await rememberedSize(fx)).toBeNull();
  });

  it('reports every halving, and stops probing in a run once a probe was refused', async () => {
    fx = await SyncFixture.create({ refuseSmallAudiences: false, maxRecordsPerRequest: 150 });
    const people = makePeople(1, 8_000);
    await fx.setPeople(people);
    await fx.writeConfig({ maxRecords: 600 });
    const res = await fx.syncJson();
    expect(res.code, res.stderr).toBe(0);
    expect(fx.membership()).toEqual(expectedHashes(people));
    const halvings = res.report.warnings.filter((w) => /too large/.test(w));
    // 600 → 300 → 150, then a probe at 300 refused → 150 again: each halving reported
    expect(halvings).toHaveLength(3);
    expect(halvings[0]).toMatch(/refused a batch of 600 .* at most 300/);
    expect(halvings[1]).toMatch(/refused a batch of 300 .* at most 150/);
    expect(halvings[2]).toMatch(/refused a batch of 300 .* at most 150/);
    // the list create at 600 and at 300, then one refused probe: after it the run keeps 150
    expect(fx.emulator.requests.filter((r) => r.status === 413).map((r) => [r.method, r.records])).toEqual([
      ['POST', 600],
      ['POST', 300],
      ['PATCH', 300],
    ]);
    expect(await rememberedSize(fx)).toBe(150);
  });
});
