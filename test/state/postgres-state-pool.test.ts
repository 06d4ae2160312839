/**
 * Connections of one Postgres state store under concurrency (a scheduler running several syncs in one process):
 * open diff sessions must not starve the store's own queries, and a wait for a connection ends in a clear error
 * rather than forever.
 */
import { escapeIdentifier } from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { PostgresStateStore } from '../../connectors/state/postgres/postgres-state-store.js';
import { TokenCipher } from '../../connectors/state/token-cipher.js';
import type { PinsyncError } from '../../core/errors.js';
import type { DiffSession } from '../../core/state-store.js';
import { pgAdmin } from '../warehouses/postgres-target.js';
import { freshSchema, stateUrl } from './postgres-state-target.js';

const OWNER = { pid: process.pid, host: 'scheduler', runId: null };
const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

async function openStore(opts: { connectTimeoutMs?: number } = {}): Promise<{ store: PostgresStateStore; schema: string }> {
  const schema = freshSchema();
  cleanups.push(async () => {
    const admin = await pgAdmin();
    await admin.query(`DROP SCHEMA IF EXISTS ${escapeIdentifier(schema)} CASCADE`);
    await admin.end();
  });
  const store = (await PostgresStateStore.open(stateUrl(schema), { cipher: TokenCipher.fromEnv(''), ...opts }))!;
  cleanups.push(() => store.close());
  return { store, schema };
}

const hash = (sync: number, i: number) => (sync * 1_000_000 + i).toString(16).padStart(64, '0');

describe('Postgres state connections', () => {
  it('six syncs at once on one store: every diff session, lock and run record goes through, none waits for another', async () => {
    const { store } = await openStore();
    const names = ['a', 'b', 'c', 'd', 'e', 'f'];
    for (const name of names) await store.saveSync(name, { adAccountId: '1', normalizationVersion: 1 });
    const sessions: DiffSession[] = [];
    try {
      // Every session stays open while the others open, and while the store records locks and runs.
      for (const name of names) sessions.push(await store.openDiff(name));
      const runs = await Promise.all(
        names.map(async (name, n) => {
          const lock = await store.acquireLock(name, OWNER);
          const run = await store.startRun(name, new Date());
          await lock.setRun(run);
          await sessions[n]!.appendRecords(Array.from({ length: n + 1 }, (_, i) => hash(n, i)), Array.from({ length: n + 1 }, () => 'email' as const));
          const counts = await sessions[n]!.computeDiff({ fullResync: false });
          await sessions[n]!.acknowledge({ runId: run, op: 'ADD', start: 0, end: counts.adds, customerListId: `L${n}`, createdList: true });
          expect(await store.getSync(name)).toMatchObject({ membershipCount: n + 1 });
          return { run, lock, counts };
        }),
      );
      // Each session saw only its own records.
      expect(runs.map((r) => r.counts.adds)).toEqual([1, 2, 3, 4, 5, 6]);
      for (const { lock } of runs) await lock.release();
      expect(await store.listRuns({})).toHaveLength(names.length);
    } finally {
      for (const s of sessions) await s.dispose();
    }
  });

  it('a store whose connections are all busy fails the next query with an error naming the state, instead of waiting forever', async () => {
    const { store, schema } = await openStore({ connectTimeoutMs: 1_000 });
    const admin = await pgAdmin();
    try {
      // Every pooled connection waits on the server behind this lock.
      await admin.query('BEGIN');
      await admin.query(`LOCK TABLE ${escapeIdentifier(schema)}.runs IN ACCESS EXCLUSIVE MODE`);
      const blocked = Array.from({ length: 8 }, () => store.listRuns({}).then(() => undefined, (err: unknown) => err));
      const err = (await store.getSync('vip').catch((e: unknown) => e)) as PinsyncError;
      expect(err.code).toBe('PINSYNC_STATE_POSTGRES_BUSY');
      expect(err.message).toContain(`schema=${schema}`);
      expect(err.message).toMatch(/busy/);
      await admin.query('COMMIT');
      // Queries that had a connection finish once the lock is gone; the rest were refused as clearly.
      for (const outcome of await Promise.all(blocked)) if (outcome !== undefined) expect((outcome as PinsyncError).code).toBe('PINSYNC_STATE_POSTGRES_BUSY');
      expect(await store.getSync('vip')).toBeUndefined();
    } finally {
      await admin.query('ROLLBACK').catch(() => undefined);
      await admin.end();
    }
  });
});
