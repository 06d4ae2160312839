/**
 * Two diff sessions open at once on one DuckDB state store (a scheduler running two syncs in one process): each
 * session's staged records, delta and acknowledgements must be its own sync's, whatever the interleaving.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DuckDbStateStore } from '../../connectors/state/duckdb/duckdb-state-store.js';
import type { IdentifierFamily } from '../../core/identifier-types.js';

let dir: string;
let store: DuckDbStateStore;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pinsync-diff-isolation-'));
  store = await DuckDbStateStore.open(join(dir, 'state.duckdb'));
});

afterEach(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

function hashes(prefix: string, n: number): string[] {
  return Array.from({ length: n }, (_, i) => createHash('sha256').update(`${prefix}${i}@example.com`).digest('hex'));
}

function emails(n: number): IdentifierFamily[] {
  return Array.from({ length: n }, () => 'email' as const);
}

async function startSync(name: string): Promise<number> {
  await store.saveSync(name, { adAccountId: '1', normalizationVersion: 1 });
  return store.startRun(name, new Date());
}

describe('DuckDB diff sessions sharing one store', () => {
  it('stage, diff, read, acknowledge and dispose interleaved keep each sync to its own records', async () => {
    const runA = await startSync('a');
    const runB = await startSync('b');
    const a = await store.openDiff('a');
    const b = await store.openDiff('b');
    const hashesA = hashes('a', 3);
    const hashesB = hashes('b', 1);

    await a.appendRecords(hashesA.slice(0, 2), emails(2));
    await b.appendRecords(hashesB, emails(1));
    await a.appendRecords(hashesA.slice(2), emails(1));

    expect(await a.computeDiff({ fullResync: false })).toMatchObject({ acknowledged: 0, current: 3, adds: 3, removes: 0 });
    expect(await b.computeDiff({ fullResync: false })).toMatchObject({ acknowledged: 0, current: 1, adds: 1, removes: 0 });
    expect((await a.readRange('ADD', 0, 10)).sort()).toEqual([...hashesA].sort());
    expect(await b.readRange('ADD', 0, 10)).toEqual(hashesB);

    await b.acknowledge({ runId: runB, op: 'ADD', start: 0, end: 1, customerListId: 'lb', createdList: true });
    await a.acknowledge({ runId: runA, op: 'ADD', start: 0, end: 3, customerListId: 'la', createdList: true });
    await a.dispose();
    // Disposing one session leaves the other's delta readable.
    expect(await b.readRange('ADD', 0, 10)).toEqual(hashesB);
    await b.dispose();

    expect(await store.getSync('a')).toMatchObject({ membershipCount: 3, customerListId: 'la' });
    expect(await store.getSync('b')).toMatchObject({ membershipCount: 1, customerListId: 'lb' });
  });

  it('the next runs diff each sync against its own acknowledged membership', async () => {
    const runA = await startSync('a');
    const runB = await startSync('b');
    const hashesA = hashes('a', 3);
    const hashesB = hashes('b', 2);
    for (const [name, run, list] of [['a', runA, hashesA], ['b', runB, hashesB]] as const) {
      const session = await store.openDiff(name);
      await session.appendRecords(list, emails(list.length));
      await session.computeDiff({ fullResync: false });
      await session.acknowledge({ runId: run, op: 'ADD', start: 0, end: list.length, customerListId: `l${name}`, createdList: true });
      await session.dispose();
    }

    // a drops one record, b gains one; both sessions staged and planned before either freezes its delta.
    const a = await store.openDiff('a');
    const b = await store.openDiff('b');
    await a.appendRecords(hashesA.slice(0, 2), emails(2));
    const newB = hashes('b', 3);
    await b.appendRecords(newB, emails(3));
    expect(await a.computeDiff({ fullResync: false, countsOnly: true })).toMatchObject({ acknowledged: 3, current: 2, adds: 0, removes: 1 });
    expect(await b.computeDiff({ fullResync: false, countsOnly: true })).toMatchObject({ acknowledged: 2, current: 3, adds: 1, removes: 0 });
    expect(await a.sample('REMOVE', 5)).toEqual([hashesA[2]]);
    expect(await b.sample('ADD', 5)).toEqual([newB[2]]);
    await a.dispose();
    await b.dispose();

    const a2 = await store.openDiff('a');
    const b2 = await store.openDiff('b');
    await a2.appendRecords(hashesA.slice(0, 2), emails(2));
    await b2.appendRecords(newB, emails(3));
    expect(await a2.computeDiff({ fullResync: false })).toMatchObject({ acknowledged: 3, current: 2, adds: 0, removes: 1 });
    expect(await b2.computeDiff({ fullResync: false })).toMatchObject({ acknowledged: 2, current: 3, adds: 1, removes: 0 });
    expect(await a2.readRange('REMOVE', 0, 10)).toEqual([hashesA[2]]);
    expect(await b2.readRange('ADD', 0, 10)).toEqual([newB[2]]);
    const runA2 = await store.startRun('a', new Date());
    const runB2 = await store.startRun('b', new Date());
    await a2.acknowledge({ runId: runA2, op: 'REMOVE', start: 0, end: 1, customerListId: 'la', createdList: false });
    await b2.acknowledge({ runId: runB2, op: 'ADD', start: 0, end: 1, customerListId: 'lb', createdList: false });
    await b2.dispose();
    await a2.dispose();

    expect(await store.getSync('a')).toMatchObject({ membershipCount: 2 });
    expect(await store.getSync('b')).toMatchObject({ membershipCount: 3 });
  });

  it('a session opened while another is staging does not drop the first one’s records', async () => {
    await startSync('a');
    const a = await store.openDiff('a');
    await a.appendRecords(hashes('a', 3), emails(3));
    const b = await store.openDiff('b');
    expect(await b.computeDiff({ fullResync: false })).toMatchObject({ current: 0, adds: 0 });
    expect(await a.computeDiff({ fullResync: false })).toMatchObject({ current: 3, adds: 3 });
    await b.dispose();
    await a.dispose();
  });

  it('a pushdown ingest and an appended ingest running side by side each diff their own rows', async () => {
    const runA = await startSync('a');
    await startSync('b');
    const a = await store.openDiff('a');
    const b = await store.openDiff('b');
    const ingest = await a.ingestPushdown!(
      {
        syncName: 'a',
        attachPath: ':memory:',
        sql: "SELECT * FROM (VALUES ('one@example.com'), ('two@example.com'), ('not an email')) t(email)",
        columns: [{ column: 'email', type: 'email' }],
      },
      {},
    );
    expect(ingest).toMatchObject({ sourceRows: 3, columns: [{ column: 'email', hashed: 2, rejected: { invalid_email: 1 } }] });
    await b.appendRecords(hashes('b', 4), emails(4));
    expect(await b.computeDiff({ fullResync: false })).toMatchObject({ current: 4, adds: 4 });
    expect(await a.computeDiff({ fullResync: false })).toMatchObject({ current: 2, adds: 2 });
    expect(await a.readRange('ADD', 0, 10)).toHaveLength(2);
    await b.dispose();
    await a.acknowledge({ runId: runA, op: 'ADD', start: 0, end: 2, customerListId: 'la', createdList: true });
    await a.dispose();
    expect(await store.getSync('a')).toMatchObject({ membershipCount: 2 });
    expect(await store.getSync('b')).toMatchObject({ membershipCount: 0 });
  });
});
