/**
 * The default state store: one DuckDB file. kysely handles the small tables; the membership and the diff are bulk
 * SQL from sql/duckdb/ run on the same connection (temp tables are per connection).
 *
 * DuckDB lets one process at a time open a file for writing, so a second pinsync on the same state file fails at
 * open; we turn DuckDB's message into one that says what to do. The `locks` table still matters for several syncs
 * in one process and for shared (Postgres) state.
 */
import { chmod, mkdir } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { Kysely, sql } from 'kysely';
import { LockHeldError, StateError } from '../../../core/errors.js';
import type { DiffSession, LockOwner, RunOutcome, RunRecord, StateStore, StoredTokens, SyncRecord } from '../../../core/state-store.js';
import type { RunStatus, SyncReport } from '../../../core/sync-report.js';
import { openDuckDb } from '../../duckdb/open-duckdb.js';
import { checkStateVersion, migrateState } from '../state-migrations.js';
import type { StateDatabase } from '../state-tables.js';
import { DuckDbDiffSession } from './duckdb-diff-session.js';
import { DuckDbDialect } from './duckdb-kysely-dialect.js';
import { Mutex } from './mutex.js';

export interface DuckDbStateOptions {
  /** DuckDB memory_limit for the state engine; past it the diff spills to disk. */
  memoryLimit?: string;
  /** DuckDB threads. */
  threads?: number;
  /** How long a lock may go without a heartbeat before another host may take it over. */
  staleLockMs?: number;
  /**
   * Plan mode: the file is attached read-only to an in-memory engine, so staging and diffing work (temp tables,
   * attaching the warehouse) while the state file cannot change.
   */
  readOnly?: boolean;
}

const HEARTBEAT_MS = 30_000;

/**
 * DuckDB's memory limit for the state engine (PINSYNC_STATE_MEMORY_LIMIT overrides it). Past it the diff spills to
 * `<state>.tmp`. Measured on ten million records: 512MB keeps every phase's peak RSS under 850 MB; 384MB saved
 * another ~150 MB but DuckDB then sometimes failed a DISTINCT over 11M hashes with "Out of Memory" (some operators
 * cannot spill everything), which would fail a sync.
 */
export const DEFAULT_STATE_MEMORY_LIMIT = '512MB';

export class DuckDbStateStore implements StateStore {
  readonly kind = 'duckdb';
  private closed = false;

  private constructor(
    /** Path of the state file. */
    readonly path: string,
    private readonly instance: DuckDBInstance,
    private readonly conn: DuckDBConnection,
    private readonly mutex: Mutex,
    private readonly db: Kysely<StateDatabase>,
    private readonly options: DuckDbStateOptions,
  ) {}

  /** Opens (creating if needed, owner-only permissions) and migrates the state file. */
  static async open(path: string, options: DuckDbStateOptions = {}): Promise<DuckDbStateStore> {
    const inMemory = path === ':memory:' || options.readOnly === true;
    if (!inMemory) await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    let instance: DuckDBInstance;
    let conn: DuckDBConnection;
    try {
      instance = await openDuckDb(inMemory ? ':memory:' : path, {
        memoryLimit: options.memoryLimit ?? DEFAULT_STATE_MEMORY_LIMIT,
        threads: options.threads,
        tempDirectory: path === ':memory:' ? undefined : `${path}.tmp`,
      });
      conn = await instance.connect();
      if (options.readOnly && path !== ':memory:') {
        await conn.run(`ATTACH '${path.replace(/'/g, "''")}' AS pinsync_state (READ_ONLY)`);
        await conn.run('USE pinsync_state');
      }
    } catch (err) {
      throw translateOpenError(path, err);
    }
    if (!inMemory) await chmod(path, 0o600).catch(() => undefined);
    const mutex = new Mutex();
    const db = new Kysely<StateDatabase>({ dialect: new DuckDbDialect({ connection: conn, mutex }) });
    const store = new DuckDbStateStore(path, instance, conn, mutex, db, options);
    try {
      if (options.readOnly && path !== ':memory:') await checkStateVersion(db);
      else await migrateState(db, 'duckdb');
    } catch (err) {
      await store.close();
      throw new StateError('PINSYNC_STATE_MIGRATION', `cannot prepare the state file ${path}: ${messageOf(err)}`, { cause: err });
    }
    return store;
  }

  async getSync(name: string): Promise<SyncRecord | undefined> {
    const row = await this.db.selectFrom('syncs').selectAll().where('name', '=', name).executeTakeFirst();
    if (!row) return undefined;
    const count = await sql<{ n: number }>`SELECT count(*) AS n FROM membership WHERE sync_id = ${row.id}`.execute(this.db);
    return {
      name: row.name,
      adAccountId: row.ad_account_id,
      customerListId: row.customer_list_id,
      audienceId: row.audience_id,
      normalizationVersion: row.normalization_version,
      pendingListName: row.pending_list_name,
      pendingListKnownIds: row.pending_list_known_ids === null ? null : (JSON.parse(row.pending_list_known_ids) as string[]),
      maxBatchRecords: row.max_batch_records,
      membershipCount: Number(count.rows[0]?.n ?? 0),
    };
  }

  async saveSync(name: string, patch: Partial<Omit<SyncRecord, 'name' | 'membershipCount'>>): Promise<SyncRecord> {
    const now = new Date();
    const values = {
      ...(patch.adAccountId !== undefined && { ad_account_id: patch.adAccountId }),
      ...(patch.customerListId !== undefined && { customer_list_id: patch.customerListId }),
      ...(patch.audienceId !== undefined && { audience_id: patch.audienceId }),
      ...(patch.normalizationVersion !== undefined && { normalization_version: patch.normalizationVersion }),
      ...(patch.pendingListName !== undefined && { pending_list_name: patch.pendingListName }),
      ...(patch.pendingListKnownIds !== undefined && {
        pending_list_known_ids: patch.pendingListKnownIds === null ? null : JSON.stringify(patch.pendingListKnownIds),
      }),
      ...(patch.maxBatchRecords !== undefined && { max_batch_records: patch.maxBatchRecords }),
    };
    const existing = await this.db.selectFrom('syncs').select('id').where('name', '=', name).executeTakeFirst();
    if (existing) {
      await this.db.updateTable('syncs').set({ ...values, updated_at: now }).where('id', '=', existing.id).execute();
    } else {
      await this.db
        .insertInto('syncs')
        .values({ name, normalization_version: patch.normalizationVersion ?? 1, ...values, created_at: now, updated_at: now })
        .execute();
    }
    return (await this.getSync(name))!;
  }

  async clearMembership(name: string): Promise<void> {
    const id = await this.syncId(name);
    await sql`DELETE FROM membership WHERE sync_id = ${id}`.execute(this.db);
  }

  async acquireLock(syncName: string, owner: LockOwner): Promise<{ release(): Promise<void> }> {
    const staleMs = this.options.staleLockMs ?? 10 * 60_000;
    await this.db.transaction().execute(async (trx) => {
      const held = await trx.selectFrom('locks').selectAll().where('sync_name', '=', syncName).executeTakeFirst();
      if (held) {
        const sameHost = held.host === owner.host;
        const age = Date.now() - new Date(held.heartbeat_at).getTime();
        const alive = sameHost ? processAlive(held.pid) : age < staleMs;
        if (alive) {
          throw new LockHeldError(
            `sync ${syncName} is already running (pid ${held.pid} on ${held.host}, run ${held.run_id ?? '?'}, since ${new Date(held.acquired_at).toISOString()}); ` +
              'two runs of one sync never run at once — wait for it to finish',
          );
        }
        await trx.deleteFrom('locks').where('sync_name', '=', syncName).execute();
      }
      const now = new Date();
      await trx
        .insertInto('locks')
        .values({ sync_name: syncName, pid: owner.pid, host: owner.host, run_id: owner.runId, acquired_at: now, heartbeat_at: now })
        .execute();
    });
    const heartbeat = setInterval(() => {
      void this.db
        .updateTable('locks')
        .set({ heartbeat_at: new Date() })
        .where('sync_name', '=', syncName)
        .where('pid', '=', owner.pid)
        .execute()
        .catch(() => undefined);
    }, HEARTBEAT_MS);
    heartbeat.unref();
    return {
      release: async () => {
        clearInterval(heartbeat);
        if (this.closed) return;
        await this.db.deleteFrom('locks').where('sync_name', '=', syncName).where('pid', '=', owner.pid).where('host', '=', owner.host).execute();
      },
    };
  }

  async startRun(syncName: string, startedAt: Date): Promise<number> {
    await this.db
      .updateTable('runs')
      .set({ status: 'interrupted' satisfies RunStatus })
      .where('sync_name', '=', syncName)
      .where('status', '=', 'running')
      .execute();
    const row = await this.db
      .insertInto('runs')
      .values({ sync_name: syncName, status: 'running', started_at: startedAt, pid: process.pid, host: hostname(), report: null })
      .returning('id')
      .executeTakeFirstOrThrow();
    return Number(row.id);
  }

  async finishRun(runId: number, outcome: RunOutcome): Promise<void> {
    await this.db
      .updateTable('runs')
      .set({ status: outcome.status, finished_at: new Date(), report: JSON.stringify(outcome.report) })
      .where('id', '=', runId)
      .execute();
  }

  async listRuns(filter: { syncNames?: string[]; limit?: number }): Promise<RunRecord[]> {
    let q = this.db.selectFrom('runs').selectAll().orderBy('id', 'desc').limit(filter.limit ?? 50);
    if (filter.syncNames && filter.syncNames.length > 0) q = q.where('sync_name', 'in', filter.syncNames);
    const rows = await q.execute();
    return rows.map((r) => ({
      id: Number(r.id),
      syncName: r.sync_name,
      status: r.status as RunStatus,
      startedAt: new Date(r.started_at).toISOString(),
      finishedAt: r.finished_at ? new Date(r.finished_at).toISOString() : null,
      report: r.report ? (JSON.parse(r.report) as SyncReport) : null,
      addsSent: Number(r.adds_sent),
      removesSent: Number(r.removes_sent),
      batches: Number(r.batches),
    }));
  }

  async getTokens(destinationKey: string): Promise<StoredTokens | undefined> {
    const row = await this.db.selectFrom('tokens').selectAll().where('destination_key', '=', destinationKey).executeTakeFirst();
    if (!row) return undefined;
    return {
      accessToken: row.access_token,
      accessExpiresAt: row.access_expires_at ? new Date(row.access_expires_at) : null,
      refreshToken: row.refresh_token,
      refreshExpiresAt: row.refresh_expires_at ? new Date(row.refresh_expires_at) : null,
      configFingerprint: row.config_fingerprint,
      updatedAt: new Date(row.updated_at),
    };
  }

  async saveTokens(destinationKey: string, tokens: Omit<StoredTokens, 'updatedAt'>): Promise<void> {
    const values = {
      access_token: tokens.accessToken,
      access_expires_at: tokens.accessExpiresAt,
      refresh_token: tokens.refreshToken,
      refresh_expires_at: tokens.refreshExpiresAt,
      config_fingerprint: tokens.configFingerprint,
      updated_at: new Date(),
    };
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('tokens').where('destination_key', '=', destinationKey).execute();
      await trx.insertInto('tokens').values({ destination_key: destinationKey, ...values }).execute();
    });
  }

  async openDiff(syncName: string): Promise<DiffSession> {
    const row = await this.db.selectFrom('syncs').select('id').where('name', '=', syncName).executeTakeFirst();
    // A sync with no state row yet (plan before the first sync) diffs against an empty membership.
    const syncId = row ? Number(row.id) : -1;
    return DuckDbDiffSession.create({ conn: this.conn, mutex: this.mutex, db: this.db, syncId });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.db.destroy();
    await this.mutex.run(async () => {
      // A checkpoint folds the WAL into the file so the next open is fast and the file is self-contained.
      if (!this.options.readOnly) await this.conn.run('CHECKPOINT').catch(() => undefined);
      this.conn.closeSync();
      this.instance.closeSync();
    });
  }

  private async syncId(name: string): Promise<number> {
    const row = await this.db.selectFrom('syncs').select('id').where('name', '=', name).executeTakeFirst();
    if (!row) throw new StateError('PINSYNC_STATE_UNKNOWN_SYNC', `sync ${name} has no state yet`);
    return Number(row.id);
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function translateOpenError(path: string, err: unknown): Error {
  const message = messageOf(err);
  const pid = /PID (\d+)/.exec(message)?.[1];
  if (/Could not set lock|Conflicting lock/i.test(message)) {
    return new LockHeldError(
      `the state file ${path} is in use by another pinsync process${pid ? ` (pid ${pid})` : ''}; ` +
        'runs that share a state file run one at a time — wait for it to finish',
    );
  }
  return new StateError('PINSYNC_STATE_OPEN', `cannot open the state file ${path}: ${message}`, { cause: err });
}
