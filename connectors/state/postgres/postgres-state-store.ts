/**
 * State shared between machines: the state tables in a PostgreSQL schema, through kysely's PostgresDialect over a
 * pg.Pool (the same kysely code as the DuckDB file, see ../kysely-state-store.ts).
 *
 * Locks: each run holds a session-level advisory lock on a connection of its own for as long as it lives. The server
 * releases it when that connection dies (kill -9, OOM, a stopped container, a dropped network), so a crashed
 * runner's lock frees itself with no lease to wait out. The `locks` row only names the holder (host, pid, run,
 * process start, backend) for the message a second runner sees. An acknowledgement is refused unless, inside its
 * own transaction, the server still shows our backend holding the lock (see `verifyLock`).
 */
import { randomUUID } from 'node:crypto';
import { Kysely, PostgresDialect, sql, type Transaction } from 'kysely';
import pg from 'pg';
import { LockHeldError, PinsyncError, StateError } from '../../../core/errors.js';
import type { DiffSession, LockOwner, SyncLock } from '../../../core/state-store.js';
import { buildClientConfig } from '../../warehouses/postgres/postgres-config.js';
import { KyselyStateStore, lockHeldError, writeLockRow } from '../kysely-state-store.js';
import { translateRejections } from '../state-errors.js';
import { checkStateVersion, migrateState } from '../state-migrations.js';
import type { StateDatabase } from '../state-tables.js';
import { KEY_HELP, TokenCipher } from '../token-cipher.js';
import { PostgresDiffSession } from './postgres-diff-session.js';
import { parsePostgresStateUrl, type PostgresStateUrl } from './postgres-state-url.js';

/** First key of every pinsync sync lock ('pins'); the second is hashtext('<schema>/<sync>'). */
const LOCK_CLASS = 0x70696e73;
/** How long a refused runner waits for a holder that just took the lock to name its run, and how often it looks. */
const HOLDER_NAME_WAIT_MS = 3_000;
const HOLDER_NAME_POLL_MS = 50;

export interface PostgresStateOptions {
  /** `plan`, `runs`, `doctor`, `auth status`: create and migrate nothing; an absent schema opens as undefined. */
  readOnly?: boolean;
  /** Seals tokens at rest; default: from PINSYNC_STATE_KEY (required before tokens are stored). */
  cipher?: TokenCipher;
  /** Where PINSYNC_STATE_PASSWORD is read; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Bound on connecting and on waiting for a free pooled connection; default 30 s. */
  connectTimeoutMs?: number;
}

/**
 * Connections for the store's own queries (sync records, runs, locks rows, tokens). Each is held for one statement
 * or one short transaction; diff sessions and locks have connections of their own, so this bound is never the
 * number of syncs running at once.
 */
const POOL_SIZE = 4;

/** A lock this store holds: its own connection, the backend on the server, and the row's owner token. */
interface HeldLock {
  client: pg.Client;
  backendPid: number;
  token: string;
  /** Set when the lock connection failed: the server has released the lock. */
  lost: boolean;
}

export class PostgresStateStore extends KyselyStateStore {
  readonly kind = 'postgres';
  private closed = false;
  private readonly held = new Map<string, HeldLock>();
  /** Diff sessions' connections not yet released; closed with the store. */
  private readonly sessionClients = new Set<pg.Client>();

  private constructor(
    db: Kysely<StateDatabase>,
    cipher: TokenCipher,
    private readonly location: PostgresStateUrl,
    private readonly clientConfig: pg.ClientConfig,
  ) {
    super(db, cipher, location.display);
  }

  /**
   * Connects, creates the schema if missing and migrates it (once, however many runners start at the same time).
   * With `readOnly`, nothing is created: a database without pinsync's schema yields undefined (empty state).
   */
  static async open(url: string, opts: PostgresStateOptions = {}): Promise<PostgresStateStore | undefined> {
    const location = parsePostgresStateUrl(url, opts.env);
    const cipher = opts.cipher ?? TokenCipher.fromEnv(opts.env?.PINSYNC_STATE_KEY ?? process.env.PINSYNC_STATE_KEY);
    const base = await buildClientConfig(
      { url: location.connectionUrl, password: location.password, applicationName: 'pinsync-state', connectTimeoutMs: opts.connectTimeoutMs },
      `state ${location.display}`,
    );
    // The state reads timestamps as Dates and counts as text (Number()ed): pg's defaults, not the warehouse's parsers.
    const clientConfig: pg.ClientConfig = { ...base, types: undefined };
    // connectionTimeoutMillis also bounds a wait for a free pooled connection: it fails (see runtimeError), never hangs.
    const pool = new pg.Pool({ ...clientConfig, max: POOL_SIZE });
    // An idle pooled connection that dies (server restart) must not crash the process; the next query reconnects.
    pool.on('error', () => undefined);
    pool.on('connect', (client) => {
      // A connection that dies while checked out (a diff session's) would otherwise raise an unhandled 'error'
      // event and kill the process; its pending query still rejects, which is how the run learns of it.
      client.on('error', () => undefined);
      // Queued ahead of the first acquirer's queries on this connection.
      client.query(`SET search_path TO ${pg.escapeIdentifier(location.schema)}`).catch(() => undefined);
    });
    const db = new Kysely<StateDatabase>({ dialect: new PostgresDialect({ pool }) });
    const store = new PostgresStateStore(db, cipher, location, clientConfig);
    try {
      if (opts.readOnly) {
        const found = await sql<{ t: string | null }>`SELECT to_regclass(${`${pg.escapeIdentifier(location.schema)}.schema_migrations`}) AS t`.execute(db);
        if (found.rows[0]?.t == null) {
          await store.close();
          return undefined;
        }
        await checkStateVersion(db, location.display);
      } else {
        await migrateState(db, 'postgres', location.display, { schema: location.schema });
      }
    } catch (err) {
      await store.close();
      throw connectError(location, err);
    }
    // Every later failure of the server (a restart, a dropped connection) names the state and says what to do.
    return translateRejections(store, (err) => runtimeError(location, err));
  }

  async acquireLock(syncName: string, owner: LockOwner): Promise<SyncLock> {
    const client = new pg.Client({ ...this.clientConfig, application_name: 'pinsync-state-lock' });
    const lock: HeldLock = { client, backendPid: 0, token: randomUUID(), lost: false };
    client.on('error', () => {
      lock.lost = true;
    });
    client.on('end', () => {
      lock.lost = true;
    });
    const key = this.lockKey(syncName);
    try {
      await client.connect();
      const { rows } = await client.query<{ ok: boolean; pid: number }>('SELECT pg_try_advisory_lock($1, hashtext($2)) AS ok, pg_backend_pid() AS pid', [
        LOCK_CLASS,
        key,
      ]);
      if (!rows[0]?.ok) {
        await client.end().catch(() => undefined);
        throw await this.lockHeld(syncName);
      }
      lock.backendPid = Number(rows[0].pid);
    } catch (err) {
      await client.end().catch(() => undefined);
      if (err instanceof PinsyncError) throw err;
      throw connectError(this.location, err);
    }
    const named = this.db.transaction().execute(async (trx) => {
      // A row left by a holder whose connection died is stale: the advisory lock we now hold proves it.
      await writeLockRow(trx, syncName, owner, { token: lock.token, expiresAt: null, backendPid: lock.backendPid });
    });
    // Without its row the lock would be held but unnamed (and unverifiable): give it up.
    await named.catch(async (err: unknown) => {
      await this.letGo(lock);
      throw err;
    });
    this.held.set(syncName, lock);
    return {
      setRun: async (runId: number) => {
        await this.db.updateTable('locks').set({ run_id: runId }).where('owner_token', '=', lock.token).execute();
      },
      release: async () => {
        if (this.held.get(syncName) !== lock) return;
        this.held.delete(syncName);
        await this.letGo(lock);
      },
    };
  }

  /**
   * Refuses (throws PINSYNC_STATE_LOCK_LOST) unless this store still holds `syncName`'s lock, checked on the
   * server inside `trx`: our lock backend holds the advisory lock and the row is still ours. Called first by an
   * acknowledgement and by the bulk application of recorded batches, so a runner whose lock connection dropped never
   * records or applies one.
   */
  async verifyLock(syncName: string, trx: Transaction<StateDatabase>): Promise<void> {
    const lock = this.held.get(syncName);
    const lost = (why: string) =>
      new StateError(
        'PINSYNC_STATE_LOCK_LOST',
        `sync ${syncName} ${why} on the state ${this.where}, so nothing more is recorded or applied to its membership ` +
          '(a batch Pinterest just accepted stays unrecorded; batches already recorded stay recorded for the next run): ' +
          'another runner may own the sync now. Run the sync again: it sends what is not recorded (adding or removing a record twice is harmless). ' +
          'If this repeats, check the network to the database and that no transaction-pooling proxy sits in between',
      );
    if (!lock) throw lost('holds no lock');
    if (lock.lost) throw lost('lost its lock (the lock connection closed)');
    const { rows } = await sql<{ ok: number }>`
      SELECT 1 AS ok FROM ${sql.id(this.location.schema, 'locks')} l
       WHERE l.sync_name = ${syncName} AND l.owner_token = ${lock.token}
         AND EXISTS (SELECT 1 FROM pg_locks p
                      WHERE p.locktype = 'advisory' AND p.granted AND p.pid = ${lock.backendPid}
                        AND p.classid = ${LOCK_CLASS}::int4::oid AND p.objid = hashtext(${this.lockKey(syncName)})::oid AND p.objsubid = 2)`.execute(trx);
    if (rows.length === 0) throw lost('lost its lock (the server no longer shows its lock connection holding it)');
  }

  async openDiff(syncName: string): Promise<DiffSession> {
    const syncId = await this.syncIdOrNone(syncName);
    const session = await PostgresDiffSession.create({
      db: this.db,
      pool: { connect: () => this.sessionConnection() },
      schema: this.location.schema,
      syncId,
      verifyLock: (trx) => this.verifyLock(syncName, trx),
    }).catch((err: unknown) => Promise.reject(runtimeError(this.location, err)));
    return translateRejections(session, (err) => runtimeError(this.location, err));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const lock of this.held.values()) await this.letGo(lock);
    this.held.clear();
    // A session never disposed would otherwise keep its connection, and the process, alive.
    for (const client of this.sessionClients) await client.end().catch(() => undefined);
    this.sessionClients.clear();
    await this.db.destroy();
  }

  /**
   * A connection of its own for one diff session, outside the pool: a session holds its connection for the whole
   * run (its temp tables live there), so sessions taken from the pool would leave the store's own queries waiting
   * once as many syncs run at once as the pool has connections. `release` closes it, which drops its temp tables.
   */
  private async sessionConnection(): Promise<pg.PoolClient> {
    const client = new pg.Client(this.clientConfig);
    // A connection that dies mid-session rejects its pending query, which is how the run learns of it; the
    // 'error' event alone would crash the process.
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query(`SET search_path TO ${pg.escapeIdentifier(this.location.schema)}`);
    } catch (err) {
      await client.end().catch(() => undefined);
      throw err;
    }
    this.sessionClients.add(client);
    const release = () => {
      this.sessionClients.delete(client);
      void client.end().catch(() => undefined);
    };
    return Object.assign(client, { release }) as unknown as pg.PoolClient;
  }

  protected async liveRunIds(runIds: number[]): Promise<Set<number>> {
    const { rows } = await sql<{ run_id: string }>`
      SELECT l.run_id FROM ${sql.id(this.location.schema, 'locks')} l
       WHERE l.run_id IN (${sql.join(runIds)})
         AND EXISTS (SELECT 1 FROM pg_locks p
                      WHERE p.locktype = 'advisory' AND p.granted AND p.pid = l.backend_pid
                        AND p.classid = ${LOCK_CLASS}::int4::oid
                        AND p.objid = hashtext(${`${this.location.schema}/`} || l.sync_name)::oid AND p.objsubid = 2)`.execute(this.db);
    return new Set(rows.map((r) => Number(r.run_id)));
  }

  override checkTokenStorage(): void {
    if (!this.cipher.hasKey) {
      throw new StateError(
        'PINSYNC_STATE_KEY_MISSING',
        `pinsync stores refreshed OAuth tokens in the shared Postgres state ${this.where} only encrypted, and PINSYNC_STATE_KEY is not set; ${KEY_HELP}`,
      );
    }
  }

  private lockKey(syncName: string): string {
    return `${this.location.schema}/${syncName}`;
  }

  private async lockHeld(syncName: string): Promise<LockHeldError> {
    // A holder names itself just after it takes the lock (its row, then its run): two runners started at the same
    // moment would otherwise see it unnamed. A holder that never names itself is reported as it is after the wait.
    let held = await this.db.selectFrom('locks').selectAll().where('sync_name', '=', syncName).executeTakeFirst();
    for (let waited = 0; (held?.run_id ?? null) === null && waited < HOLDER_NAME_WAIT_MS; waited += HOLDER_NAME_POLL_MS) {
      await new Promise((resolve) => setTimeout(resolve, HOLDER_NAME_POLL_MS));
      held = await this.db.selectFrom('locks').selectAll().where('sync_name', '=', syncName).executeTakeFirst();
    }
    if (!held) {
      return new LockHeldError(`sync ${syncName} is already running on another runner of the state ${this.where}; two runs of one sync never run at once — wait for it to finish`);
    }
    return lockHeldError(syncName, held);
  }

  private async letGo(lock: HeldLock): Promise<void> {
    if (!lock.lost) {
      await this.db.deleteFrom('locks').where('owner_token', '=', lock.token).execute().catch(() => undefined);
    }
    // Closing the session releases its advisory lock on the server.
    lock.lost = true;
    await lock.client.end().catch(() => undefined);
  }
}


/** A failure of the server or the connection while the state is in use; anything else is returned as it was. */
function runtimeError(location: PostgresStateUrl, err: unknown): unknown {
  if (err instanceof PinsyncError || !(err instanceof Error)) return err;
  // pg.Pool's words for "no pooled connection became free within connectionTimeoutMillis".
  if (err.message === 'timeout exceeded when trying to connect') {
    return new StateError(
      'PINSYNC_STATE_POSTGRES_BUSY',
      `the Postgres state ${location.display} did not answer in time: all ${POOL_SIZE} of this runner's connections to it stayed busy ` +
        'until the connect timeout, each waiting on the server (a lock another session holds, or an overloaded server); ' +
        'check pg_stat_activity on that database for what they wait on, then run again: only batches recorded in the state count as sent',
      { cause: err },
    );
  }
  const code = (err as { code?: unknown }).code;
  const lost =
    (typeof code === 'string' && /^(08|57P)/.test(code)) ||
    /Connection terminated|ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|terminating connection|Client has encountered a connection error/i.test(err.message);
  if (!lost) return err;
  return new StateError(
    'PINSYNC_STATE_POSTGRES_LOST',
    `the Postgres state ${location.display} failed while in use: ${err.message}; ` +
      'run again once the server is reachable: only batches recorded in the state count as sent, so the next run sends what is missing',
    { cause: err },
  );
}

/** A failure to reach or prepare the state database, naming it (never its password), the cause and the fix. */
function connectError(location: PostgresStateUrl, err: unknown): unknown {
  if (err instanceof PinsyncError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new StateError(
    'PINSYNC_STATE_POSTGRES',
    `cannot use the Postgres state ${location.display}: ${message}; check \`state:\` (or PINSYNC_STATE), that the server is reachable and ` +
      `that the user may create the schema ${location.schema} (or that it exists), and PINSYNC_STATE_PASSWORD when the URL has no password`,
    { cause: err },
  );
}
