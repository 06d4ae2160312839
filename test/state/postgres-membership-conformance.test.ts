/**
 * The membership conformance cases (membership-conformance.ts) on Postgres: PostgresDiffSession on the run's test
 * server, in a fresh schema migrated by the state migrations; plus what only the Postgres session has (the lock
 * check inside each acknowledgement, one pooled connection per session).
 */
import { randomBytes } from 'node:crypto';
import { Kysely, PostgresDialect, sql, type Transaction } from 'kysely';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KyselyStateStore } from '../../connectors/state/kysely-state-store.js';
import { PostgresDiffSession } from '../../connectors/state/postgres/postgres-diff-session.js';
import { migrateState } from '../../connectors/state/state-migrations.js';
import type { StateDatabase } from '../../connectors/state/state-tables.js';
import { TokenCipher } from '../../connectors/state/token-cipher.js';
import type { DiffSession, SyncLock } from '../../core/state-store.js';
import { pgAdmin, pgTestUrl } from '../warehouses/postgres-target.js';
import { describeMembershipConformance, families, hashes } from './membership-conformance.js';

/** The shared state tables over a schema of the test server, with diff sessions from PostgresDiffSession. */
class SessionTestStore extends KyselyStateStore {
  readonly kind = 'postgres';
  /** Handed to each session; replaced by a test to refuse acknowledgements. */
  verifyLock: ((trx: Transaction<StateDatabase>) => Promise<void>) | undefined;

  constructor(
    db: Kysely<StateDatabase>,
    /** The pool the sessions take their connection from. */
    readonly pool: pg.Pool,
    /** The schema holding the state tables. */
    readonly schema: string,
  ) {
    super(db, TokenCipher.fromEnv(''), `test schema ${schema}`);
  }

  /** The state tables' kysely, for inspection. */
  get tables(): Kysely<StateDatabase> {
    return this.db;
  }

  async openDiff(syncName: string): Promise<DiffSession> {
    const syncId = await this.syncIdOrNone(syncName);
    return PostgresDiffSession.create({ db: this.db, pool: this.pool, schema: this.schema, syncId, verifyLock: (trx) => this.verifyLock?.(trx) ?? Promise.resolve() });
  }

  acquireLock(): Promise<SyncLock> {
    throw new Error('locks are not part of the membership tests');
  }

  async close(): Promise<void> {
    await this.db.destroy();
  }

  protected async liveRunIds(): Promise<Set<number>> {
    return new Set();
  }
}

async function openTestStore(): Promise<{ store: SessionTestStore; dispose(): Promise<void>; leftovers(): Promise<number> }> {
  const schema = `membership_${randomBytes(4).toString('hex')}`;
  const pool = new pg.Pool({ connectionString: pgTestUrl(), application_name: `pinsync-${schema}`, max: 4, options: `-c search_path=${schema}` });
  const db = new Kysely<StateDatabase>({ dialect: new PostgresDialect({ pool }) });
  await migrateState(db, 'postgres', `test schema ${schema}`, { schema });
  const store = new SessionTestStore(db, pool, schema);
  return {
    store,
    async dispose() {
      await store.close();
      const admin = await pgAdmin();
      await admin.query(`DROP SCHEMA ${pg.escapeIdentifier(schema)} CASCADE`);
      await admin.end();
    },
    async leftovers() {
      const { rows } = await sql<{ n: string }>`SELECT count(*) AS n FROM acked_records`.execute(store.tables);
      return Number(rows[0]!.n);
    },
  };
}

describeMembershipConformance('postgres', openTestStore);

describe('PostgresDiffSession', () => {
  let target: Awaited<ReturnType<typeof openTestStore>>;
  let store: SessionTestStore;
  const open: DiffSession[] = [];

  beforeEach(async () => {
    target = await openTestStore();
    store = target.store;
  });

  afterEach(async () => {
    // A session left open by a failed test would hold its pooled connection, and closing the pool would wait for it.
    for (const s of open.splice(0)) await s.dispose().catch(() => undefined);
    await target.dispose();
  });

  async function openSession(name: string): Promise<DiffSession> {
    const s = await store.openDiff(name);
    open.push(s);
    return s;
  }

  async function frozenSession(name: string, n: number): Promise<{ session: DiffSession; runId: number }> {
    await store.saveSync(name, { adAccountId: '1', normalizationVersion: 1 });
    const runId = await store.startRun(name, new Date());
    const frozen = await openSession(name);
    await frozen.appendRecords(hashes(name, n), families(n));
    await frozen.computeDiff({ fullResync: false });
    return { session: frozen, runId };
  }

  it('refuses an acknowledgement when the lock check fails, and applies and records nothing', async () => {
    const { session, runId } = await frozenSession('a', 3);
    store.verifyLock = async () => {
      throw new Error('lock lost');
    };
    await expect(session.acknowledge({ runId, op: 'ADD', start: 0, end: 3, customerListId: 'l', createdList: true })).rejects.toThrow('lock lost');
    expect(await store.getSync('a')).toMatchObject({ membershipCount: 0, customerListId: null });
    expect((await store.listRuns({ syncNames: ['a'] }))[0]).toMatchObject({ addsSent: 0, batches: 0 });
    await session.dispose();
  });

  it('runs the lock check inside the acknowledgement transaction', async () => {
    const { session, runId } = await frozenSession('a', 2);
    // A write made by the check commits with the batch, and rolls back with it when the batch fails.
    store.verifyLock = async (trx) => {
      await trx.updateTable('syncs').set({ max_batch_records: 7 }).where('name', '=', 'a').execute();
    };
    await expect(session.acknowledge({ runId: runId + 1000, op: 'ADD', start: 0, end: 2, customerListId: 'l', createdList: false })).rejects.toThrow();
    expect(await store.getSync('a')).toMatchObject({ maxBatchRecords: null, membershipCount: 0 });
    await session.acknowledge({ runId, op: 'ADD', start: 0, end: 2, customerListId: 'l', createdList: false });
    expect(await store.getSync('a')).toMatchObject({ maxBatchRecords: 7, membershipCount: 2 });
    await session.dispose();
  });

  it('holds one pooled connection until disposed, and leaves no table behind on it', async () => {
    const { session } = await frozenSession('a', 2);
    expect(store.pool.totalCount - store.pool.idleCount).toBe(1);
    await session.dispose();
    expect(store.pool.totalCount - store.pool.idleCount).toBe(0);
    // Every pooled connection is free of temp tables (the next session on it starts clean).
    const clients = await Promise.all(Array.from({ length: store.pool.totalCount }, () => store.pool.connect()));
    for (const client of clients) {
      const { rows } = await client.query("SELECT count(*)::int AS n FROM pg_class WHERE relpersistence = 't' AND relkind = 'r' AND pg_table_is_visible(oid)");
      expect(rows[0].n).toBe(0);
      client.release();
    }
    await expect(session.readRange('ADD', 0, 1)).rejects.toMatchObject({ code: 'PINSYNC_STATE_DIFF_DISPOSED' });
  });

  it('refuses to read or acknowledge batches of a counts-only plan, naming the fix', async () => {
    await store.saveSync('a', { adAccountId: '1', normalizationVersion: 1 });
    const plan = await openSession('a');
    await plan.appendRecords(hashes('a', 2), families(2));
    await plan.computeDiff({ fullResync: false, countsOnly: true });
    await expect(plan.readRange('ADD', 0, 2)).rejects.toMatchObject({ code: 'PINSYNC_STATE_DIFF_NOT_FROZEN', message: expect.stringContaining('computeDiff') });
  });

  it('refuses to stage a record that is not a hex SHA-256 digest instead of staging a wrong one', async () => {
    const s = await openSession('a');
    const good = hashes('a', 1)[0]!;
    for (const bad of [`${good.slice(0, 62)}zz`, good.slice(0, 62), 'not a digest']) {
      await expect(s.appendRecords([good, bad], families(2))).rejects.toMatchObject({ code: 'PINSYNC_STATE_BAD_HASH', message: expect.not.stringContaining(bad) });
    }
  });

  it('stages, diffs and acknowledges 200k records', async () => {
    const total = 200_000;
    const batch = 10_000;
    const runId = await store.startRun('big', new Date());
    await store.saveSync('big', { adAccountId: '1', normalizationVersion: 1 });
    const first = await openSession('big');
    for (let i = 0; i < total; i += batch) await first.appendRecords(hashes('big', batch, i), families(batch));
    expect(await first.computeDiff({ fullResync: false })).toMatchObject({ current: total, adds: total });
    for (let start = 0; start < total; start += 100_000) {
      expect(await first.readRange('ADD', start, start + 100_000)).toHaveLength(100_000);
      await first.acknowledge({ runId, op: 'ADD', start, end: start + 100_000, customerListId: 'l', createdList: false });
    }
    await first.dispose();

    // Half turn over: 100k removes and 100k adds against 200k acknowledged.
    const second = await openSession('big');
    for (let i = total / 2; i < total * 1.5; i += batch) await second.appendRecords(hashes('big', batch, i), families(batch));
    expect(await second.computeDiff({ fullResync: false })).toEqual({ acknowledged: total, current: total, adds: total / 2, removes: total / 2, unchanged: total / 2 });
    await second.dispose();
    const { rows } = await sql<{ n: string }>`SELECT count(*) AS n FROM membership`.execute(store.tables);
    expect(Number(rows[0]!.n)).toBe(total);
  });
});
