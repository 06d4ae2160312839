/**
 * The default state store: one DuckDB file. The state tables are the kysely code every engine shares
 * (../kysely-state-store.ts) through our DuckDB dialect; the membership and the diff are bulk SQL from sql/duckdb/
 * run on the same connection (temp tables are per connection). Here: opening the file, locks, and checkpoints.
 *
 * DuckDB lets one process at a time open a file for writing, so a second pinsync on the same state file fails at
 * open; we turn DuckDB's message into one that says what to do. The `locks` table still matters for several syncs
 * in one process (a scheduler), and that same file lock is what tells a live lock from a stale one: a lock row
 * whose owner token is not one of this process's live locks was left by a process that is gone, whatever its pid.
 */
import { randomUUID } from 'node:crypto';
import { dirname } from 'node:path';
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { Kysely } from 'kysely';
import { PinsyncError, StateError, messageOf } from '../../../core/errors.js';
import type { DiffSession, LockOwner, SyncLock } from '../../../core/state-store.js';
import { KyselyStateStore, lockHeldError, writeLockRow } from '../kysely-state-store.js';
import { TokenCipher } from '../token-cipher.js';
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
  /** Seals tokens at rest; default: from PINSYNC_STATE_KEY (plain when unset, as before). */
  cipher?: TokenCipher;
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

export class DuckDbStateStore extends KyselyStateStore {
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
    db: Kysely<StateDatabase>,
    private readonly options: DuckDbStateOptions,
    /** Keeps new files private while the store is open (DuckDB creates the WAL and spill files when it likes). */
    private readonly umask: { release(): void },
    cipher: TokenCipher,
  ) {
    super(db, cipher, path);
  }

  /**
   * Opens (creating if needed) and migrates the state file. Everything created for it (its folder, the file, the WAL,
   * the spill folder) is private to the owner whatever the umask; folders that already existed are left as they are.
   */
  static async open(path: string, options: DuckDbStateOptions = {}): Promise<DuckDbStateStore> {
    const inMemory = path === ':memory:' || options.readOnly === true;
    // A malformed key is refused before anything is opened.
    const cipher = options.cipher ?? TokenCipher.fromEnv();
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
    const store = new DuckDbStateStore(path, instance, conn, mutex, db, options, umask, cipher);
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

  async acquireLock(syncName: string, owner: LockOwner): Promise<SyncLock> {
    const leaseMs = this.options.leaseMs ?? DEFAULT_LEASE_MS;
    const token = randomUUID();
    await this.db.transaction().execute(async (trx) => {
      const held = await trx.selectFrom('locks').selectAll().where('sync_name', '=', syncName).executeTakeFirst();
      if (held && held.owner_token !== null && liveLockTokens.has(held.owner_token)) throw lockHeldError(syncName, held);
      // Anything else was left by a process that is gone (a kill -9, a stopped container): it is taken over.
      await writeLockRow(trx, syncName, owner, { token, expiresAt: new Date(Date.now() + leaseMs) });
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

  protected async liveRunIds(): Promise<Set<number>> {
    // Only this process can hold a live lock on an open state file (see liveLockTokens).
    if (liveLockTokens.size === 0) return new Set();
    const live = await this.db.selectFrom('locks').select('run_id').where('owner_token', 'in', [...liveLockTokens]).execute();
    return new Set(live.map((l) => Number(l.run_id)));
  }

  // Pinterest has already retired the previous refresh token, so these rows are the only way back in: fold them
  // into the state file (fsync'ed) now rather than at close, and out of the WAL, which a crash or a backup of the
  // file alone can lose. Best effort: the commit already made them durable in the WAL.
  protected override async afterTokensSaved(): Promise<void> {
    if (!this.options.readOnly && this.path !== ':memory:') {
      await this.mutex.run(() => this.conn.run('CHECKPOINT')).catch(() => undefined);
    }
  }

  async openDiff(syncName: string): Promise<DiffSession> {
    // A sync with no state row yet (plan before the first sync) diffs against an empty membership.
    const syncId = await this.syncIdOrNone(syncName);
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
}
