/**
 * The default state store: one DuckDB file. kysely handles the small tables; the membership and the diff are bulk
 * SQL from sql/duckdb/ run on the same connection (temp tables are per connection).
 *
 * DuckDB lets one process at a time open a file for writing, so a second pinsync on the same state file fails at
 * open; we turn DuckDB's message into one that says what to do. The `locks` table still matters for several syncs
 * in one process (a scheduler), and that same file lock is what tells a live lock from a stale one: a lock row
 * whose owner token is not one of this process's live locks was left by a process that is gone, whatever its pid.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { Kysely, sql } from 'kysely';
import { LockHeldError, PinsyncError, StateError } from '../../../core/errors.js';
import type { DiffSession, LockOwner, RunOutcome, RunRecord, StateStore, StoredTokens, SyncLock, SyncRecord } from '../../../core/state-store.js';
import type { RunStatus, SyncReport } from '../../../core/sync-report.js';
import { openDuckDb } from '../../duckdb/open-duckdb.js';
import { createPrivateFolder, holdPrivateUmask, makeStateFilesPrivate } from '../private-state-files.js';
import { stateFolderError, stateOpenError, translateRejections, translateStateIoError } from '../state-errors.js';
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
  /** Lease of a lock (`expires_at`), moved forward by each heartbeat; recorded for shared state and for people. */
  leaseMs?: number;
  /**
   * Plan mode: the file is attached read-only to an in-memory engine, so staging and diffing work (temp tables,
   * attaching the warehouse) while the state file cannot change.
   */
  readOnly?: boolean;
}

const HEARTBEAT_MS = 30_000;
const DEFAULT_LEASE_MS = 10 * 60_000;

/**
 * Owner tokens of the locks this process holds, over every store it has open. Only this process can write an open
 * state file, so these are the only lock rows that can be alive; any other row was left by a process that is gone.
 */
const liveLockTokens = new Set<string>();

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
  /** Heartbeats of the locks taken through this store, by owner token. */
  private readonly heldLocks = new Map<string, NodeJS.Timeout>();

  private constructor(
    /** Path of the state file. */
    readonly path: string,
    private readonly instance: DuckDBInstance,
    private readonly conn: DuckDBConnection,
    private readonly mutex: Mutex,
    private readonly db: Kysely<StateDatabase>,
    private readonly options: DuckDbStateOptions,
    /** Keeps new files private while the store is open (DuckDB creates the WAL and spill files when it likes). */
    private readonly umask: { release(): void },
  ) {}

  /**
   * Opens (creating if needed) and migrates the state file. Everything created for it (its folder, the file, the WAL,
   * the spill folder) is private to the owner whatever the umask; folders that already existed are left as they are.
   */
  static async open(path: string, options: DuckDbStateOptions = {}): Promise<DuckDbStateStore> {
    const inMemory = path === ':memory:' || options.readOnly === true;
    const umask = holdPrivateUmask();
    let instance: DuckDBInstance | undefined;
    let conn: DuckDBConnection | undefined;
    try {
      if (!inMemory) await createPrivateFolder(dirname(path)).catch((err: unknown) => Promise.reject(stateFolderError(path, err)));
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
        conn?.closeSync();
        instance?.closeSync();
        throw stateOpenError(path, err);
      }
    } catch (err) {
      umask.release();
      throw err;
    }
    // Files an older pinsync (or another umask) left readable are tightened here; new ones are private already.
    if (!inMemory) await makeStateFilesPrivate(path);
    const mutex = new Mutex();
    const db = new Kysely<StateDatabase>({ dialect: new DuckDbDialect({ connection: conn, mutex, translateError: (err) => translateStateIoError(path, err) }) });
    const store = new DuckDbStateStore(path, instance, conn, mutex, db, options, umask);
    try {
      if (options.readOnly && path !== ':memory:') await checkStateVersion(db, path);
      else await migrateState(db, 'duckdb', path);
    } catch (err) {
      await store.close();
      if (err instanceof PinsyncError) throw err;
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

  async acquireLock(syncName: string, owner: LockOwner): Promise<SyncLock> {
    const leaseMs = this.options.leaseMs ?? DEFAULT_LEASE_MS;
    const token = randomUUID();
    await this.db.transaction().execute(async (trx) => {
      const held = await trx.selectFrom('locks').selectAll().where('sync_name', '=', syncName).executeTakeFirst();
      if (held && held.owner_token !== null && liveLockTokens.has(held.owner_token)) {
        const started = held.process_started_at ? `, process started ${new Date(held.process_started_at).toISOString()}` : '';
        throw new LockHeldError(
          `sync ${syncName} is already running (run ${held.run_id ?? '?'}, pid ${held.pid} on ${held.host}${started}, ` +
            `locked since ${new Date(held.acquired_at).toISOString()}); two runs of one sync never run at once — wait for it to finish`,
        );
      }
      // Anything else was left by a process that is gone (a kill -9, a stopped container): it is taken over.
      if (held) await trx.deleteFrom('locks').where('sync_name', '=', syncName).execute();
      const now = new Date();
      await trx
        .insertInto('locks')
        .values({
          sync_name: syncName,
          pid: owner.pid,
          host: owner.host,
          run_id: owner.runId,
          acquired_at: now,
          heartbeat_at: now,
          owner_token: token,
          process_started_at: owner.processStartedAt ?? PROCESS_STARTED_AT,
          expires_at: new Date(now.getTime() + leaseMs),
        })
        .execute();
    });
    liveLockTokens.add(token);
    const heartbeat = setInterval(() => {
      const now = new Date();
      void this.db
        .updateTable('locks')
        .set({ heartbeat_at: now, expires_at: new Date(now.getTime() + leaseMs) })
        .where('owner_token', '=', token)
        .execute()
        .catch(() => undefined);
    }, HEARTBEAT_MS);
    heartbeat.unref();
    this.heldLocks.set(token, heartbeat);
    return {
      setRun: async (runId: number) => {
        await this.db.updateTable('locks').set({ run_id: runId }).where('owner_token', '=', token).execute();
      },
      release: async () => {
        if (!this.forgetLock(token) || this.closed) return;
        await this.db.deleteFrom('locks').where('owner_token', '=', token).execute();
      },
    };
  }

  /** Stops a lock's heartbeat and stops counting it as live; false when it was already forgotten. */
  private forgetLock(token: string): boolean {
    const heartbeat = this.heldLocks.get(token);
    if (heartbeat === undefined) return false;
    clearInterval(heartbeat);
    this.heldLocks.delete(token);
    liveLockTokens.delete(token);
    return true;
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
    const ids = rows.map((r) => Number(r.id));
    const lists = new Map<number, string>();
    if (ids.length > 0) {
      const batches = await this.db
        .selectFrom('batches')
        .select(['run_id', (eb) => eb.fn.max('customer_list_id').as('customer_list_id')])
        .where('run_id', 'in', ids)
        .groupBy('run_id')
        .execute();
      for (const b of batches) lists.set(Number(b.run_id), b.customer_list_id);
    }
    // Only this process can hold a live lock on an open state file (see liveLockTokens).
    const live = liveLockTokens.size === 0 ? [] : await this.db.selectFrom('locks').select('run_id').where('owner_token', 'in', [...liveLockTokens]).execute();
    const liveRuns = new Set(live.map((l) => Number(l.run_id)));
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
      customerListId: lists.get(Number(r.id)) ?? null,
      holderGone: r.status === 'running' && !liveRuns.has(Number(r.id)),
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
    // Pinterest has already retired the previous refresh token, so these rows are the only way back in: fold them
    // into the state file (fsync'ed) now rather than at close, and out of the WAL, which a crash or a backup of the
    // file alone can lose. Best effort: the commit above already made them durable in the WAL.
    if (!this.options.readOnly && this.path !== ':memory:') {
      await this.mutex.run(() => this.conn.run('CHECKPOINT')).catch(() => undefined);
    }
  }

  async openDiff(syncName: string): Promise<DiffSession> {
    const row = await this.db.selectFrom('syncs').select('id').where('name', '=', syncName).executeTakeFirst();
    // A sync with no state row yet (plan before the first sync) diffs against an empty membership.
    const syncId = row ? Number(row.id) : -1;
    const session = await DuckDbDiffSession.create({ conn: this.conn, mutex: this.mutex, db: this.db, syncId });
    return translateRejections(session, (err) => translateStateIoError(this.path, err));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Locks still held stay in the file and are stale from now on: the next opener takes them over.
    for (const token of [...this.heldLocks.keys()]) this.forgetLock(token);
    try {
      await this.db.destroy();
      await this.mutex.run(async () => {
        // A checkpoint folds the WAL into the file so the next open is fast and the file is self-contained.
        if (!this.options.readOnly) await this.conn.run('CHECKPOINT').catch(() => undefined);
        this.conn.closeSync();
        this.instance.closeSync();
      });
    } finally {
      this.umask.release();
    }
  }

  private async syncId(name: string): Promise<number> {
    const row = await this.db.selectFrom('syncs').select('id').where('name', '=', name).executeTakeFirst();
    if (!row) throw new StateError('PINSYNC_STATE_UNKNOWN_SYNC', `sync ${name} has no state yet`);
    return Number(row.id);
  }
}

// timeOrigin is when this process started, in epoch milliseconds.
const PROCESS_STARTED_AT = new Date(Math.round(performance.timeOrigin));

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
