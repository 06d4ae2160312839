/**
 * With several PATCHes in flight, answers come back in any order and their acknowledgements overlap reads of the
 * next ranges. Each state engine (DuckDB file, Postgres) must then end with exactly the acknowledged ranges applied,
 * whatever the order, and count each batch once on the run.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { IdentifierFamily } from '../../core/identifier-types.js';
import type { StateStore } from '../../core/state-store.js';
import { DuckDbStateStore } from '../../connectors/state/duckdb/duckdb-state-store.js';
import { postgresStateLocation } from '../state/postgres-state-target.js';

function hashes(n: number, from = 0): string[] {
  return Array.from({ length: n }, (_, i) => createHash('sha256').update(`p${from + i}@example.com`).digest('hex'));
}
const emails = (n: number): IdentifierFamily[] => Array.from({ length: n }, () => 'email' as const);

/** [start, end) ranges of `size` over `total`, in a scrambled order: last first, then odd, then even. */
function scrambledRanges(total: number, size: number): { start: number; end: number }[] {
  const ranges = [];
  for (let start = 0; start < total; start += size) ranges.push({ start, end: Math.min(total, start + size) });
  const last = ranges.pop()!;
  return [last, ...ranges.filter((_, i) => i % 2 === 1), ...ranges.filter((_, i) => i % 2 === 0)];
}

async function stored(store: StateStore, name: string): Promise<string[]> {
  const s = await store.openDiff(name);
  try {
    const counts = await s.computeDiff({ fullResync: false });
    return (await s.readRange('REMOVE', 0, counts.removes)).sort();
  } finally {
    await s.dispose();
  }
}

async function exercise(store: StateStore): Promise<void> {
  const name = 'ooo';
  await store.saveSync(name, { adAccountId: '1', normalizationVersion: 1 });
  // shared state proves the lock inside every acknowledgement
  const lock = await store.acquireLock(name, { pid: process.pid, host: 'test', runId: null });
  try {
    await pushTwice(store, name);
  } finally {
    await lock.release();
  }
}

async function pushTwice(store: StateStore, name: string): Promise<void> {
  const all = hashes(1_000);

  // First run: 1,000 adds in 10 ranges, acknowledged concurrently in a scrambled order, reads interleaved.
  const runId = await store.startRun(name, new Date());
  const first = await store.openDiff(name);
  await first.appendRecords(all, emails(all.length));
  expect(await first.computeDiff({ fullResync: false })).toMatchObject({ adds: 1_000 });
  await Promise.all(
    scrambledRanges(1_000, 100).map(async (r) => {
      const records = await first.readRange('ADD', r.start, r.end);
      expect(records).toHaveLength(r.end - r.start);
      await first.acknowledge({ runId, op: 'ADD', ...r, customerListId: 'l', createdList: false });
    }),
  );
  await first.dispose();
  expect(await stored(store, name)).toEqual([...all].sort());
  expect((await store.listRuns({ syncNames: [name] }))[0]).toMatchObject({ addsSent: 1_000, removesSent: 0, batches: 10 });

  // Second run: 400 leave and 250 join; REMOVE ranges acknowledged out of order and only some of them (a kill).
  const next = [...all.slice(400), ...hashes(250, 5_000)];
  const run2 = await store.startRun(name, new Date());
  const second = await store.openDiff(name);
  await second.appendRecords(next, emails(next.length));
  expect(await second.computeDiff({ fullResync: false })).toMatchObject({ adds: 250, removes: 400 });
  const removed: string[] = [];
  const acked = scrambledRanges(400, 60).slice(0, 4);
  await Promise.all(
    acked.map(async (r) => {
      removed.push(...(await second.readRange('REMOVE', r.start, r.end)));
      await second.acknowledge({ runId: run2, op: 'REMOVE', ...r, customerListId: 'l', createdList: false });
    }),
  );
  // a replayed acknowledgement of one of them changes nothing in the membership
  await second.acknowledge({ runId: run2, op: 'REMOVE', ...acked[0]!, customerListId: 'l', createdList: false });
  await second.dispose();
  const gone = new Set(removed);
  expect(await stored(store, name)).toEqual(all.filter((h) => !gone.has(h)).sort());
}

describe('out-of-order, concurrent acknowledgement of disjoint ranges', () => {
  it('DuckDB state: exactly the acknowledged ranges end up applied', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pinsync-ooo-'));
    const store = await DuckDbStateStore.open(join(dir, 'state.duckdb'));
    try {
      await exercise(store);
    } finally {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('Postgres state: exactly the acknowledged ranges end up applied', async () => {
    const location = await postgresStateLocation();
    const store = (await location.open())!;
    try {
      await exercise(store);
    } finally {
      await store.close();
      await location.cleanup();
    }
  });
});
