/**
 * A staged diff in the Postgres state. The session holds one pooled connection for its whole life: its staged
 * records and frozen delta are TEMP tables, private to that connection (two sessions never see each other's, and a
 * dead connection takes them with it), and its acknowledgements run as transactions on that same connection, so a
 * batch's move into `membership` and its record commit or roll back together. The diff itself is SQL
 * (sql/postgres/diff-*.sql); Node only ever holds one batch of hashes.
 */
import { CompiledQuery, Kysely, PostgresDialect, type PostgresPool, type Transaction } from 'kysely';
import pg from 'pg';
import { StateError } from '../../../core/errors.js';
import type { IdentifierFamily } from '../../../core/identifier-types.js';
import type { Acknowledgement, DiffSession } from '../../../core/state-store.js';
import type { DiffCounts } from '../../../core/sync-report.js';
import { loadSql, renderSql, splitStatements } from '../../sql-files.js';
import { Mutex } from '../duckdb/mutex.js';
import { FAMILY_CODES } from '../membership-family-codes.js';
import { recordAcknowledgedBatch } from '../record-acknowledged-batch.js';
import type { StateDatabase } from '../state-tables.js';

/**
 * Records per staging INSERT (two bound arrays, one round trip). Measured on 200k records: statements of 1k to 100k
 * records stage within noise of each other (the server's unnest and decode dominate), so the chunk only bounds one
 * statement's parameter text (~1.5 MB here) whatever batch size the caller appends.
 */
const STAGE_CHUNK = 20_000;

/** What `create` needs. */
export interface PostgresDiffSessionOptions {
  /** The state tables' kysely (the session runs its own on its dedicated connection, in the same schema). */
  db: Kysely<StateDatabase>;
  /** The state's pool; the session takes one connection from it until `dispose`. */
  pool: pg.Pool;
  /** Schema holding the state tables. */
  schema: string;
  /** The sync's state row id; -1 when it has none yet (an empty acknowledged membership). */
  syncId: number;
  /** Throws when this runner no longer holds the sync's lock; called first inside each acknowledgement's transaction. */
  verifyLock?: ((trx: Transaction<StateDatabase>) => Promise<void>) | undefined;
}

export class PostgresDiffSession implements DiffSession {
  private staged = false;
  private frozen = false;
  private disposed = false;
  private planCounts: DiffCounts | undefined;
  private planFullResync = false;
  private readonly mutex = new Mutex();
  private readonly vars: Readonly<Record<string, string>>;

  private constructor(
    private readonly client: pg.PoolClient,
    private readonly db: Kysely<StateDatabase>,
    private readonly syncId: number,
    private readonly verifyLock: PostgresDiffSessionOptions['verifyLock'],
    schema: string,
  ) {
    this.vars = { syncId: String(syncId), membership: `${pg.escapeIdentifier(schema)}.membership` };
  }

  static async create(opts: PostgresDiffSessionOptions): Promise<PostgresDiffSession> {
    if (!Number.isSafeInteger(opts.syncId)) throw new StateError('PINSYNC_STATE_UNKNOWN_SYNC', `invalid sync id ${opts.syncId} for a diff session`);
    const client = await opts.pool.connect();
    // kysely over this one connection, so an acknowledgement's transaction sees the session's temp tables.
    const lease = { query: client.query.bind(client), release: () => {} };
    const pool = { connect: async () => lease, end: async () => {} } as unknown as PostgresPool;
    const db = new Kysely<StateDatabase>({ dialect: new PostgresDialect({ pool }) }).withSchema(opts.schema);
    return new PostgresDiffSession(client, db, opts.syncId, opts.verifyLock, opts.schema);
  }

  async appendRecords(hashes: readonly string[], families: readonly IdentifierFamily[]): Promise<void> {
    await this.mutex.run(async () => {
      this.checkOpen();
      if (!this.staged) await this.execFile('diff-stage');
      this.staged = true;
      const append = this.sqlFile('diff-append');
      for (let i = 0; i < hashes.length; i += STAGE_CHUNK) {
        const chunk = hashes.slice(i, i + STAGE_CHUNK);
        const codes = families.slice(i, i + STAGE_CHUNK).map((f) => FAMILY_CODES[f]);
        await this.client.query(append, [chunk, codes]);
      }
    });
  }

  async computeDiff(opts: { fullResync: boolean; countsOnly?: boolean }): Promise<DiffCounts> {
    return this.mutex.run(async () => {
      this.checkOpen();
      // An empty source appended nothing: its current set is empty.
      if (!this.staged) await this.execFile('diff-stage');
      this.staged = true;
      await this.execFile('diff-current');
      if (opts.countsOnly) {
        const row = await this.queryOne<{ acknowledged: string; current: string; common: string }>(this.sqlFile('diff-plan-counts'));
        const acknowledged = Number(row.acknowledged);
        const current = Number(row.current);
        const common = Number(row.common);
        this.planFullResync = opts.fullResync;
        this.planCounts = { acknowledged, current, adds: opts.fullResync ? current : current - common, removes: acknowledged - common, unchanged: common };
        return this.planCounts;
      }
      const acknowledged = await this.queryOne<{ n: string }>(`SELECT count(*) AS n FROM ${this.vars.membership} WHERE sync_id = ${this.vars.syncId}`);
      const file = Number(acknowledged.n) === 0 ? 'diff-delta-first' : opts.fullResync ? 'diff-delta-full-resync' : 'diff-delta';
      await this.execFile(file);
      await this.execFile('diff-delta-index');
      const row = await this.queryOne<{ acknowledged: string; current: string; adds: string; removes: string }>(this.sqlFile('diff-counts'));
      // From here on only the delta is read; the current set would only hold space during the push.
      await this.client.query('DROP TABLE pg_temp.current_records');
      this.frozen = true;
      const removes = Number(row.removes);
      return { acknowledged: Number(row.acknowledged), current: Number(row.current), adds: Number(row.adds), removes, unchanged: Number(row.acknowledged) - removes };
    });
  }

  async sample(op: 'ADD' | 'REMOVE', n: number): Promise<string[]> {
    if (this.frozen) return this.readRange(op, 0, n);
    const counts = this.planCounts;
    if (!counts || (op === 'ADD' ? counts.adds : counts.removes) === 0) return [];
    const limit = Math.max(0, Math.floor(n));
    const acknowledged = `(SELECT h FROM ${this.vars.membership} WHERE sync_id = ${this.vars.syncId})`;
    const current = 'pg_temp.current_records';
    const text =
      op === 'ADD'
        ? this.planFullResync
          ? `SELECT encode(h, 'hex') AS h FROM ${current} LIMIT $1`
          : renderSql(loadSql('postgres', 'diff-plan-sample'), { from: current, other: acknowledged })
        : renderSql(loadSql('postgres', 'diff-plan-sample'), { from: acknowledged, other: current });
    return this.mutex.run(async () => {
      this.checkOpen();
      const { rows } = await this.client.query<{ h: string }>(text, [limit]);
      return rows.map((r) => r.h);
    });
  }

  async readRange(op: 'ADD' | 'REMOVE', start: number, end: number): Promise<string[]> {
    return this.mutex.run(async () => {
      this.checkFrozen();
      const text = renderSql(loadSql('postgres', 'diff-read-range'), { table: op === 'ADD' ? 'delta_add' : 'delta_remove' });
      const { rows } = await this.client.query<{ hash: string }>(text, [start, end]);
      return rows.map((r) => r.hash);
    });
  }

  async acknowledge(ack: Acknowledgement): Promise<void> {
    if (this.syncId < 0) throw new StateError('PINSYNC_STATE_UNKNOWN_SYNC', 'cannot acknowledge a batch for a sync that has no state row');
    await this.mutex.run(async () => {
      this.checkFrozen();
      const apply = CompiledQuery.raw(this.sqlFile(ack.op === 'ADD' ? 'diff-acknowledge-add' : 'diff-acknowledge-remove'), [ack.start, ack.end]);
      await this.db.transaction().execute(async (trx) => {
        // First, so a runner that lost its lock applies nothing.
        if (this.verifyLock) await this.verifyLock(trx);
        await trx.executeQuery(apply);
        await recordAcknowledgedBatch(trx, this.syncId, ack);
      });
    });
  }

  async dispose(): Promise<void> {
    await this.mutex.run(async () => {
      if (this.disposed) return;
      this.disposed = true;
      try {
        await this.client.query(this.sqlFile('diff-dispose'));
      } catch (err) {
        // The tables stay with a connection we cannot clean: close it (which drops them) rather than pool it.
        this.client.release(err instanceof Error ? err : new Error(String(err)));
        return;
      }
      this.client.release();
    });
  }

  private checkOpen(): void {
    if (this.disposed) throw new StateError('PINSYNC_STATE_DIFF_DISPOSED', 'this diff session was disposed; open a new one (StateStore.openDiff)');
  }

  private checkFrozen(): void {
    this.checkOpen();
    if (!this.frozen) {
      throw new StateError('PINSYNC_STATE_DIFF_NOT_FROZEN', 'the diff was not frozen for sending: call computeDiff without countsOnly before reading or acknowledging batches');
    }
  }

  // One of sql/postgres/ with the membership table and the sync id filled in.
  private sqlFile(name: string): string {
    return renderSql(loadSql('postgres', name), this.vars);
  }

  private async execFile(name: string): Promise<void> {
    for (const statement of splitStatements(this.sqlFile(name))) await this.client.query(statement);
  }

  private async queryOne<T extends pg.QueryResultRow>(text: string): Promise<T> {
    const { rows } = await this.client.query<T>(text);
    return rows[0]!;
  }
}
