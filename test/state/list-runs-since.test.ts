/**
 * `listRuns` with `since` and without a limit (`runs --format html` charts the whole history), on every state engine,
 * and on a DuckDB state holding a year of hourly runs: every run comes back, each with the list its batches went to.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DuckDbStateStore } from '../../connectors/state/duckdb/duckdb-state-store.js';
import type { StateStore } from '../../core/state-store.js';
import type { SyncReport } from '../../core/sync-report.js';
import { InMemoryStateData, InMemoryStateStore } from '../fakes/in-memory-state-store.js';
import { postgresStateLocation } from './postgres-state-target.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function duckDbStore(): Promise<DuckDbStateStore> {
  const dir = await mkdtemp(join(tmpdir(), 'pinsync-list-runs-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const store = (await DuckDbStateStore.open(join(dir, 'state.duckdb')))!;
  cleanups.push(() => store.close());
  return store;
}

const engines: [string, () => Promise<StateStore>][] = [
  ['duckdb', duckDbStore],
  ['memory', async () => new InMemoryStateStore(new InMemoryStateData())],
  [
    'postgres',
    async () => {
      const location = await postgresStateLocation();
      cleanups.push(() => location.cleanup());
      const store = (await location.open())!;
      cleanups.push(() => store.close());
      return store;
    },
  ],
];

const report = (sync: string) => ({ sync, status: 'succeeded' }) as unknown as SyncReport;
const DAY = 86_400_000;
const START = Date.parse('2026-03-01T00:00:00Z');

describe.each(engines)('listRuns since and without a limit: %s', (_kind, open) => {
  it('keeps the runs that started at or after `since`, newest first, and `limit: null` returns all of them', async () => {
    const store = await open();
    const ids: number[] = [];
    for (let day = 0; day < 60; day++) {
      const id = await store.startRun(day % 2 === 0 ? 'vip' : 'churned', new Date(START + day * DAY));
      await store.finishRun(id, { status: 'succeeded', report: report('vip') });
      ids.push(id);
    }
    // The default limit stays 50; null lifts it.
    expect(await store.listRuns({})).toHaveLength(50);
    expect((await store.listRuns({ limit: null })).map((r) => r.id)).toEqual([...ids].reverse());

    const since = new Date(START + 40 * DAY);
    const recent = await store.listRuns({ limit: null, since });
    expect(recent.map((r) => r.id)).toEqual(ids.slice(40).reverse());
    // Inclusive: the run that started exactly at `since` is in.
    expect(recent.at(-1)!.startedAt).toBe(since.toISOString());

    const vipRecent = await store.listRuns({ syncNames: ['vip'], since, limit: 3 });
    expect(vipRecent.map((r) => r.startedAt)).toEqual([58, 56, 54].map((d) => new Date(START + d * DAY).toISOString()));
    expect(await store.listRuns({ since: new Date(START + 61 * DAY), limit: null })).toEqual([]);
  });
});

describe('listRuns on a DuckDB state with a year of hourly runs', () => {
  it('returns all 9,000 runs with the list each one sent to, fast enough to chart', async () => {
    const store = await duckDbStore();
    const db = store.stateTables;
    const count = 9_000;
    // Written in bulk (one run at a time through startRun/finishRun takes ~7 ms each on DuckDB: a minute).
    const rows = Array.from({ length: count }, (_, i) => ({
      id: i + 1,
      // every tenth run is another sync's: it falls inside the id range the batches lookup uses, and must not leak
      sync_name: i % 10 === 9 ? 'other' : 'vip',
      status: 'succeeded',
      started_at: new Date(START + i * 3_600_000).toISOString(),
      finished_at: new Date(START + i * 3_600_000 + 60_000).toISOString(),
      report: JSON.stringify(report('vip')),
    }));
    for (let i = 0; i < rows.length; i += 500) await db.insertInto('runs').values(rows.slice(i, i + 500)).execute();
    // The list was recreated half-way: runs before and after name different lists.
    const batches = rows.map((r) => ({ run_id: r.id, seq: 1, op: 'ADD', records: 10, customer_list_id: r.sync_name === 'other' ? '999' : r.id <= count / 2 ? '111' : '222', acknowledged_at: r.finished_at }));
    for (let i = 0; i < batches.length; i += 500) await db.insertInto('batches').values(batches.slice(i, i + 500)).execute();

    const started = performance.now();
    const runs = await store.listRuns({ syncNames: ['vip'], limit: null });
    const ms = performance.now() - started;
    console.log(`listRuns: ${runs.length} runs from a DuckDB state in ${ms.toFixed(0)} ms`);
    expect(runs).toHaveLength(count * 0.9);
    expect(runs[0]!.id).toBe(count - 1);
    expect(runs.every((r) => r.customerListId === (r.id <= count / 2 ? '111' : '222'))).toBe(true);
    const lastMonth = await store.listRuns({ syncNames: ['vip'], limit: null, since: new Date(START + (count - 720) * 3_600_000) });
    expect(lastMonth).toHaveLength(648);
    // A generous bound: the measured figure is printed above; this only catches a per-run round trip.
    expect(ms).toBeLessThan(5_000);
  });
});
