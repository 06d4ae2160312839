/**
 * What only shared Postgres state has to prove: runners that start at once on a fresh database, read-only commands
 * that create nothing and work while a sync runs, locks across runners (a dead connection frees its lock, and a
 * runner that lost its lock cannot acknowledge), and messages that never show the password.
 */
import { Kysely, PostgresDialect } from 'kysely';
import pg, { escapeIdentifier } from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { openStateStore } from '../../connectors/state/open-state-store.js';
import { PostgresStateStore } from '../../connectors/state/postgres/postgres-state-store.js';
import { parsePostgresStateUrl } from '../../connectors/state/postgres/postgres-state-url.js';
import { STATE_SCHEMA_VERSION } from '../../connectors/state/state-migrations.js';
import type { StateDatabase } from '../../connectors/state/state-tables.js';
import { TokenCipher } from '../../connectors/state/token-cipher.js';
import { PinsyncError } from '../../core/errors.js';
import type { StateStore } from '../../core/state-store.js';
import { pgAdmin } from '../warehouses/postgres-target.js';
import { freshSchema, killLockConnection, stateUrl } from './postgres-state-target.js';

const OWNER = { pid: 4242, host: 'runner-a', runId: null };
const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function schemaExists(schema: string): Promise<boolean> {
  const admin = await pgAdmin();
  try {
    const { rowCount } = await admin.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
    return rowCount === 1;
  } finally {
    await admin.end();
  }
}

async function openStore(url: string): Promise<PostgresStateStore> {
  const store = (await PostgresStateStore.open(url, { cipher: TokenCipher.fromEnv('') }))!;
  cleanups.push(() => store.close());
  return store;
}

function dropSchemaAfter(schema: string): void {
  cleanups.unshift(async () => {
    const admin = await pgAdmin();
    await admin.query(`DROP SCHEMA IF EXISTS ${escapeIdentifier(schema)} CASCADE`);
    await admin.end();
  });
}

describe('Postgres state', () => {
  it('two runners starting at once on a fresh database both succeed and migrate once', async () => {
    const schema = freshSchema();
    dropSchemaAfter(schema);
    const url = stateUrl(schema);
    const stores = await Promise.all([openStore(url), openStore(url), openStore(url)]);
    expect(stores).toHaveLength(3);
    const admin = await pgAdmin();
    const { rows } = await admin.query<{ version: number; n: string }>(
      `SELECT version, count(*) AS n FROM ${escapeIdentifier(schema)}.schema_migrations GROUP BY version ORDER BY version`,
    );
    await admin.end();
    expect(rows.map((r) => [r.version, Number(r.n)])).toEqual(Array.from({ length: STATE_SCHEMA_VERSION }, (_, i) => [i + 1, 1]));
  });

  it('read-only commands treat a database without pinsync’s schema as empty state and create nothing', async () => {
    const schema = freshSchema();
    dropSchemaAfter(schema);
    expect(await PostgresStateStore.open(stateUrl(schema), { readOnly: true })).toBeUndefined();
    const state: StateStore = await openStateStore({ kind: 'postgres', url: stateUrl(schema) }, { planOnly: true });
    try {
      expect(await state.listRuns({})).toEqual([]);
      expect(await state.getSync('vip')).toBeUndefined();
      expect(await state.getTokens('k')).toBeUndefined();
    } finally {
      await state.close();
    }
    expect(await schemaExists(schema)).toBe(false);
  });

  it('read-only commands work while a sync runs on the same state, and see when its runner died', async () => {
    const schema = freshSchema();
    dropSchemaAfter(schema);
    const runner = await openStore(stateUrl(schema));
    const lock = await runner.acquireLock('vip', OWNER);
    const run = await runner.startRun('vip', new Date());
    await lock.setRun(run);
    const reader = await openStateStore({ kind: 'postgres', url: stateUrl(schema) }, { planOnly: true });
    cleanups.push(() => reader.close());
    expect(reader.kind).toBe('postgres');
    expect((await reader.listRuns({}))[0]).toMatchObject({ id: run, status: 'running', holderGone: false });

    const admin = await pgAdmin();
    cleanups.push(() => admin.end());
    await killLockConnection(admin, schema, 'vip');
    expect((await reader.listRuns({}))[0]).toMatchObject({ id: run, status: 'running', holderGone: true });
  });

  it('a second runner is refused naming the holder; once the holder’s connection dies, the lock is free and the old holder cannot acknowledge', async () => {
    const schema = freshSchema();
    dropSchemaAfter(schema);
    const a = await openStore(stateUrl(schema));
    const b = await openStore(stateUrl(schema));
    const lock = await a.acquireLock('vip', OWNER);
    const run = await a.startRun('vip', new Date());
    await lock.setRun(run);

    // Its own transaction on the same schema, as a diff session's acknowledgement would open one.
    const pool = new pg.Pool({ connectionString: stateUrl(schema).replace(/\?.*$/, ''), options: `-c search_path=${schema}` });
    const db = new Kysely<StateDatabase>({ dialect: new PostgresDialect({ pool }) });
    cleanups.push(() => db.destroy());
    await db.transaction().execute((trx) => a.verifyLock('vip', trx));

    const err = (await b.acquireLock('vip', { ...OWNER, pid: 7, host: 'runner-b' }).catch((e: unknown) => e)) as PinsyncError;
    expect(err).toBeInstanceOf(PinsyncError);
    expect(err.code).toBe('PINSYNC_LOCKED');
    expect(err.exitCode).toBe(1);
    expect(err.message).toMatch(new RegExp(`run ${run}, pid 4242 on runner-a, process started \\d{4}-`));

    const admin = await pgAdmin();
    cleanups.push(() => admin.end());
    await killLockConnection(admin, schema, 'vip');
    const refused = (await db.transaction().execute((trx) => a.verifyLock('vip', trx)).catch((e: unknown) => e)) as PinsyncError;
    expect(refused.code).toBe('PINSYNC_STATE_LOCK_LOST');
    expect(refused.message).toContain('sync vip lost its lock');

    const taken = await b.acquireLock('vip', { ...OWNER, pid: 7, host: 'runner-b' });
    // The old holder stays refused even though a lock row for the sync exists again: it is not ours.
    await expect(db.transaction().execute((trx) => a.verifyLock('vip', trx))).rejects.toMatchObject({ code: 'PINSYNC_STATE_LOCK_LOST' });
    await db.transaction().execute((trx) => b.verifyLock('vip', trx));
    await taken.release();
    await expect(db.transaction().execute((trx) => b.verifyLock('vip', trx))).rejects.toMatchObject({ code: 'PINSYNC_STATE_LOCK_LOST' });
  });

  it('a connection killed mid-run (a server restart) fails naming the state and what to do, and the next open works', async () => {
    const schema = freshSchema();
    dropSchemaAfter(schema);
    const store = await openStore(stateUrl(schema));
    await store.saveSync('vip', { normalizationVersion: 1 });
    const session = await store.openDiff('vip');
    const admin = await pgAdmin();
    cleanups.push(() => admin.end());
    await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'pinsync-state' AND pid <> pg_backend_pid()");
    const err = (await session.appendRecords(['a'.repeat(64)], ['email']).catch((e: unknown) => e)) as PinsyncError;
    expect(err.code).toBe('PINSYNC_STATE_POSTGRES_LOST');
    expect(err.message).toContain(`postgres://postgres@`);
    expect(err.message).toContain(`?schema=${schema}`);
    expect(err.message).toContain('run again once the server is reachable');
    await session.dispose().catch(() => undefined);
    const next = await openStore(stateUrl(schema));
    expect(await next.getSync('vip')).toMatchObject({ name: 'vip' });
  });

  it('an unreachable server fails naming the state without its password, the cause and the fix', async () => {
    const err = (await PostgresStateStore.open('postgres://svc:hunter2secret@127.0.0.1:1/db?schema=ops').catch((e: unknown) => e)) as PinsyncError;
    expect(err.code).toBe('PINSYNC_STATE_POSTGRES');
    expect(err.message).toContain('postgres://svc@127.0.0.1:1/db?schema=ops');
    expect(err.message).toMatch(/ECONNREFUSED/);
    expect(err.message).not.toContain('hunter2secret');
  });
});

describe('Postgres state URL', () => {
  it('takes the schema from the URL (default pinsync) and the password from PINSYNC_STATE_PASSWORD only when the URL has none', () => {
    const env = { PINSYNC_STATE_PASSWORD: 'from-env' };
    expect(parsePostgresStateUrl('postgres://svc@db.internal:5432/app?schema=ops&sslmode=verify-full', env)).toEqual({
      connectionUrl: 'postgres://svc@db.internal:5432/app?sslmode=verify-full',
      password: 'from-env',
      schema: 'ops',
      display: 'postgres://svc@db.internal:5432/app?schema=ops',
    });
    const withPassword = parsePostgresStateUrl('postgres://svc:in-url@db.internal/app', env);
    expect(withPassword.password).toBeUndefined();
    expect(withPassword.schema).toBe('pinsync');
    expect(withPassword.display).not.toContain('in-url');
  });

  it('refuses a schema name that is not a plain identifier', () => {
    expect(() => parsePostgresStateUrl('postgres://svc@db/app?schema=a;drop')).toThrow(/schema=a;drop is not a plain schema name/);
  });
});
