/**
 * A staged diff in the Postgres state. The session holds one connection for its whole life: its staged
 * records and frozen delta are TEMP tables, private to that connection (two sessions never see each other's, and a
 * dead connection takes them with it). Each acknowledged batch's records are copied into `acked_records` in the
 * transaction that records the batch, and move into `membership` in bulk (acknowledged-records.ts); both run as
 * transactions on the session's connection. The diff itself is SQL (sql/postgres/diff-*.sql); Node only ever holds
 * the batch it stages and the one still being written.
 */
import { CompiledQuery, Kysely, PostgresDialect, type PostgresPool, type Transaction } from 'kysely';
import pg from 'pg';
import { StateError } from '../../../core/errors.js';
import { actionDiffCounts, type ActionDiffCounts, type RecordAction } from '../../../core/explicit-actions.js';
import type { IdentifierFamily } from '../../../core/identifier-types.js';
import type { Acknowledgement, DiffSession } from '../../../core/state-store.js';
import type { DiffCounts } from '../../../core/sync-report.js';
import { loadSql, renderSql, splitStatements } from '../../sql-files.js';
import { acknowledgedMembershipSql, hasPendingAcknowledgements } from '../acknowledged-records.js';
import { Mutex } from '../duckdb/mutex.js';
import { FAMILY_CODES } from '../membership-family-codes.js';
import { recordAcknowledgedBatch } from '../record-acknowledged-batch.js';
import type { StateDatabase } from '../state-tables.js';

/**
 * Records per staging INSERT (one round trip). Measured on 200k records: statements of 1k to 100k records stage
 * within noise of each other, so the chunk only bounds one statement's parameters (~660 kB of digests here)
 * whatever batch size the caller appends.
 */
const STAGE_CHUNK = 20_000;

/** Bytes of one SHA-256 digest. */
const DIGEST_BYTES = 32;

/** What `create` needs. */
export interface PostgresDiffSessionOptions {
  /** The state tables' kysely (the session runs its own on its dedicated connection, in the same schema). */
  db: Kysely<StateDatabase>;
  /**
   * Where the session's connection comes from; it keeps it until `dispose`, then releases it (with an error when
   * it could not clean up, so a pool closes it). The state store hands each session a connection of its own outside
   * its pool, so open sessions never starve the store's queries.
   */
  pool: SessionConnectionSource;
  /** Schema holding the state tables. */
  schema: string;
  /** The sync's state row id; -1 when it has none yet (an empty acknowledged membership). */
  syncId: number;
  /** Throws when this runner no longer holds the sync's lock; called first inside each acknowledgement's transaction. */
  verifyLock?: ((trx: Transaction<StateDatabase>) => Promise<void>) | undefined;
}

/** A pg.Pool, or anything else that hands out one connection at a time with pg.Pool's `release` contract. */
export interface SessionConnectionSource {
  /** A connection for one session; the session calls its `release` exactly once. */
  connect(): Promise<pg.PoolClient>;
}

export class PostgresDiffSession implements DiffSession {
  private staged = false;
  private frozen = false;
  private disposed = false;
  private planCounts: DiffCounts | undefined;
  private planFullResync = false;
  /** Whether the staged records carry actions (an explicit-action sync); undefined until the first append. */
  private withActions: boolean | undefined;
  /** An explicit-action plan built its delta tables: samples read them. */
  private actionPlan = false;
  /** The last staging INSERT, still running while the caller prepares its next batch; awaited before any other statement. */
  private staging: Promise<unknown> | undefined;
  private readonly mutex = new Mutex();
  private readonly vars: Readonly<Record<string, string>>;

  private constructor(
    private readonly client: pg.PoolClient,
    private readonly db: Kysely<StateDatabase>,
    private readonly syncId: number,
    private readonly verifyLock: PostgresDiffSessionOptions['verifyLock'],
    schema: string,
  ) {
    this.vars = { syncId: String(syncId), membership: `${pg.escapeIdentifier(schema)}.membership`, acked: `${pg.escapeIdentifier(schema)}.acked_records` };
  }

  /** For a plan when a killed run left acknowledged records to apply: the membership as it will be once they are. */
  private planMembership: string | undefined;

  static async create(opts: PostgresDiffSessionOptions): Promise<PostgresDiffSession> {
    if (!Number.isSafeInteger(opts.syncId)) throw new StateError('PINSYNC_STATE_UNKNOWN_SYNC', `invalid sync id ${opts.syncId} for a diff session`);
    const client = await opts.pool.connect();
    // kysely over this one connection, so an acknowledgement's transaction sees the session's temp tables.
    const lease = { query: client.query.bind(client), release: () => {} };
    const pool = { connect: async () => lease, end: async () => {} } as unknown as PostgresPool;
    const db = new Kysely<StateDatabase>({ dialect: new PostgresDialect({ pool }) }).withSchema(opts.schema);
    return new PostgresDiffSession(client, db, opts.syncId, opts.verifyLock, opts.schema);
  }

  async appendRecords(hashes: readonly string[], families: readonly IdentifierFamily[], actions?: readonly RecordAction[]): Promise<void> {
    await this.mutex.run(async () => {
      this.checkOpen();
      // One session stages records either all with actions or all without: the staging table has the column or not.
      if (this.withActions !== undefined && this.withActions !== (actions !== undefined)) {
        throw new StateError('PINSYNC_STATE_ACTIONS', 'records with and without actions staged in one session');
      }
      this.withActions = actions !== undefined;
      if (!this.staged) await this.execFile(actions ? 'diff-stage-actions' : 'diff-stage');
      this.staged = true;
      const append = this.sqlFile(actions ? 'diff-append-actions' : 'diff-append');
      for (let i = 0; i < hashes.length; i += STAGE_CHUNK) {
        const n = Math.min(STAGE_CHUNK, hashes.length - i);
        const params: unknown[] = stagingParams(hashes, families, i, n);
        if (actions) params.push(actionParam(actions, i, n));
        // One INSERT in flight at a time: the server stages this chunk while the caller reads and hashes the next
        // batch (on two cores, the two overlap instead of taking turns). Its failure surfaces on the next call.
        await this.settleStaging();
        const insert = this.client.query(append, params);
        insert.catch(() => undefined);
        this.staging = insert;
      }
    });
  }

  async computeDiff(opts: { fullResync: boolean; countsOnly?: boolean; explicitActions?: boolean }): Promise<DiffCounts & { actions?: ActionDiffCounts }> {
    return this.mutex.run(async () => {
      this.checkOpen();
      await this.settleStaging();
      if (opts.explicitActions) return this.actionDiff(opts);
      if (this.withActions) throw new StateError('PINSYNC_STATE_ACTIONS', 'records staged with actions need an explicit-action diff');
      // An empty source appended nothing: its current set is empty.
      if (!this.staged) await this.execFile('diff-stage');
      this.staged = true;
      if (opts.countsOnly) {
        this.planFullResync = opts.fullResync;
        await this.prepareEffectiveMembership();
        if (!opts.fullResync) {
          // The same one pass as a sync's diff (diff-delta-raw.sql); every current record is kept or an add.
          await this.execFile('diff-delta-raw');
          const row = await this.queryOne<{ acknowledged: string; adds: string; removes: string }>(this.sqlFile('diff-plan-raw-counts'));
          const acknowledged = Number(row.acknowledged);
          const adds = Number(row.adds);
          const removes = Number(row.removes);
          this.planCounts = { acknowledged, current: acknowledged - removes + adds, adds, removes, unchanged: acknowledged - removes };
          return this.planCounts;
        }
        await this.execFile('diff-current');
        const row = await this.queryOne<{ acknowledged: string; current: string; common: string }>(this.sqlFile('diff-plan-counts'));
        const acknowledged = Number(row.acknowledged);
        const current = Number(row.current);
        const common = Number(row.common);
        this.planCounts = { acknowledged, current, adds: current, removes: acknowledged - common, unchanged: common };
        return this.planCounts;
      }
      // A killed run's acknowledged records must be in the membership this diff reads.
      await this.applyPending();
      const acknowledged = Number((await this.queryOne<{ n: string }>(`SELECT count(*) AS n FROM ${this.vars.membership} WHERE sync_id = ${this.vars.syncId}`)).n);
      // A first run and a full resync send every current record, so they need the distinct current set; a plain
      // run joins the staged records with the membership directly (diff-delta-raw.sql says why).
      const everyRecord = acknowledged === 0 || opts.fullResync;
      if (everyRecord) await this.execFile('diff-current');
      else await this.execFile('diff-delta-raw');
      await this.execFile(acknowledged === 0 ? 'diff-delta-first' : opts.fullResync ? 'diff-delta-full-resync' : 'diff-delta');
      await this.execFile('diff-delta-index');
      const row = await this.queryOne<{ adds: string; removes: string }>(this.sqlFile('diff-counts'));
      // From here on only the delta is read; the current set would only hold space during the push.
      await this.client.query('DROP TABLE IF EXISTS pg_temp.current_records');
      this.frozen = true;
      const adds = Number(row.adds);
      const removes = Number(row.removes);
      const unchanged = acknowledged - removes;
      // Every current record is acknowledged and kept, or an add; with everyRecord every one is an add.
      return { acknowledged, current: everyRecord ? adds : unchanged + adds, adds, removes, unchanged };
    });
  }

  // Under the mutex. Explicit actions (diff-delta-actions.sql): a sending run applies a killed run's acknowledgements
  // and freezes the delta; a plan builds the same delta tables over the membership as the next run will see it.
  private async actionDiff(opts: { fullResync: boolean; countsOnly?: boolean }): Promise<DiffCounts & { actions: ActionDiffCounts }> {
    if (opts.fullResync) throw new StateError('PINSYNC_STATE_ACTIONS', 'a full resync needs the whole audience, not explicit actions');
    if (this.withActions === false) throw new StateError('PINSYNC_STATE_ACTIONS', 'records staged without actions cannot make an explicit-action diff');
    if (!this.staged) await this.execFile('diff-stage-actions');
    this.staged = true;
    this.withActions = true;
    if (opts.countsOnly) await this.prepareEffectiveMembership();
    else await this.applyPending();
    await this.execFile('diff-delta-actions');
    const row = await this.queryOne<Record<'acknowledged' | 'add_records' | 'remove_records' | 'conflicts' | 'adds' | 'removes', string>>(this.sqlFile('diff-actions-counts'));
    await this.client.query('DROP TABLE IF EXISTS pg_temp.current_records');
    if (opts.countsOnly) this.actionPlan = true;
    else {
      await this.execFile('diff-delta-index');
      this.frozen = true;
    }
    return actionDiffCounts({
      acknowledged: Number(row.acknowledged),
      addRecords: Number(row.add_records),
      removeRecords: Number(row.remove_records),
      conflicts: Number(row.conflicts),
      adds: Number(row.adds),
      removes: Number(row.removes),
    });
  }

  async sample(op: 'ADD' | 'REMOVE', n: number): Promise<string[]> {
    if (this.frozen) return this.readRange(op, 0, n);
    if (this.actionPlan) {
      return this.mutex.run(async () => {
        this.checkOpen();
        const { rows } = await this.client.query<{ h: string }>(
          `SELECT encode(h, 'hex') AS h FROM ${op === 'ADD' ? 'pg_temp.delta_add' : 'pg_temp.delta_remove'} ORDER BY pos LIMIT $1`,
          [Math.max(0, Math.floor(n))],
        );
        return rows.map((r) => r.h);
      });
    }
    const counts = this.planCounts;
    if (!counts || (op === 'ADD' ? counts.adds : counts.removes) === 0) return [];
    const limit = Math.max(0, Math.floor(n));
    const acknowledged = `(SELECT h FROM ${this.planMembership ?? this.vars.membership} WHERE sync_id = ${this.vars.syncId})`;
    const current = 'pg_temp.current_records';
    const text = !this.planFullResync
      ? renderSql(loadSql('postgres', 'diff-plan-raw-sample'), { column: op === 'ADD' ? 'add_h' : 'remove_h' })
      : op === 'ADD'
        ? `SELECT encode(h, 'hex') AS h FROM ${current} LIMIT $1`
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
      const text = renderSql(loadSql('postgres', 'diff-read-range'), { table: op === 'ADD' ? 'pg_temp.delta_add' : 'pg_temp.delta_remove' });
      const { rows } = await this.client.query<{ hashes: string | null }>(text, [start, end]);
      return rows[0]?.hashes ? rows[0].hashes.split(',') : [];
    });
  }

  async acknowledge(ack: Acknowledgement): Promise<void> {
    if (this.syncId < 0) throw new StateError('PINSYNC_STATE_UNKNOWN_SYNC', 'cannot acknowledge a batch for a sync that has no state row');
    await this.mutex.run(async () => {
      this.checkFrozen();
      const record = renderSql(loadSql('postgres', 'diff-acknowledge'), {
        ...this.vars,
        runId: String(ack.runId),
        op: ack.op,
        table: ack.op === 'ADD' ? 'pg_temp.delta_add' : 'pg_temp.delta_remove',
        start: String(ack.start),
        end: String(ack.end),
        notKnown: ack.op === 'ADD' ? ' AND NOT known' : '',
      });
      await this.db.transaction().execute(async (trx) => {
        // First, so a runner that lost its lock records nothing.
        if (this.verifyLock) await this.verifyLock(trx);
        await trx.executeQuery(CompiledQuery.raw(record));
        await recordAcknowledgedBatch(trx, this.syncId, ack);
      });
    });
  }

  async applyAcknowledged(): Promise<number> {
    return this.mutex.run(async () => {
      this.checkOpen();
      return this.applyPending();
    });
  }

  // Under the mutex. Read and applied in one transaction on the session's one connection, so no acknowledgement can
  // slip in between and be forgotten unapplied.
  private async applyPending(): Promise<number> {
    if (this.syncId < 0) return 0;
    return this.db.transaction().execute(async (trx) => {
      if (this.verifyLock) await this.verifyLock(trx);
      const { rows } = await trx.executeQuery<{ n: string }>(CompiledQuery.raw(`SELECT count(*) AS n FROM ${this.vars.acked} WHERE sync_id = ${this.vars.syncId}`));
      const pending = Number(rows[0]?.n ?? 0);
      if (pending === 0) return 0;
      for (const statement of splitStatements(this.sqlFile('diff-apply-acknowledged'))) await trx.executeQuery(CompiledQuery.raw(statement));
      return pending;
    });
  }

  // A plan changes nothing, so a killed run's acknowledged records are not applied: the plan reads the membership as
  // it will be once they are (the next sync applies them before it diffs).
  private async prepareEffectiveMembership(): Promise<void> {
    if (this.syncId < 0 || !(await hasPendingAcknowledgements(this.db, this.syncId))) return;
    const { membership, acked, syncId } = this.vars;
    const relation = acknowledgedMembershipSql(this.syncId, true, { membership, acked });
    await this.client.query(`CREATE OR REPLACE TEMP VIEW effective_membership AS SELECT ${syncId} AS sync_id, h, family FROM ${relation} AS acknowledged`);
    this.planMembership = 'pg_temp.effective_membership';
  }

  async dispose(): Promise<void> {
    await this.mutex.run(async () => {
      if (this.disposed) return;
      this.disposed = true;
      try {
        await this.settleStaging();
        await this.client.query(this.sqlFile('diff-dispose'));
        if (this.planMembership) await this.client.query('DROP VIEW IF EXISTS pg_temp.effective_membership');
        // What cannot be applied now (the lock or the server lost) stays recorded for the next run.
        if (this.frozen) await this.applyPending().catch(() => undefined);
      } catch (err) {
        // The tables stay with a connection we cannot clean: close it (which drops them) rather than pool it.
        this.client.release(err instanceof Error ? err : new Error(String(err)));
        return;
      }
      this.client.release();
    });
  }

  private async settleStaging(): Promise<void> {
    const staging = this.staging;
    this.staging = undefined;
    await staging;
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
    return renderSql(loadSql('postgres', name), this.planMembership ? { ...this.vars, membership: this.planMembership } : this.vars);
  }

  private async execFile(name: string): Promise<void> {
    for (const statement of splitStatements(this.sqlFile(name))) await this.client.query(statement);
  }

  private async queryOne<T extends pg.QueryResultRow>(text: string): Promise<T> {
    const { rows } = await this.client.query<T>(text);
    return rows[0]!;
  }
}

/** The actions of `n` records from `from`, one byte each (1 remove, 0 add): diff-append-actions.sql's $4. */
function actionParam(actions: readonly RecordAction[], from: number, n: number): Buffer {
  const bytes = Buffer.allocUnsafe(n);
  for (let j = 0; j < n; j++) bytes[j] = actions[from + j] === 'REMOVE' ? 1 : 0;
  return bytes;
}

/**
 * One staging INSERT's binary parameters (diff-append.sql says why): `n` digests from `from` end to end, one family
 * code byte each, and `n`.
 */
function stagingParams(hashes: readonly string[], families: readonly IdentifierFamily[], from: number, n: number): [Buffer, Buffer, number] {
  const digests = Buffer.allocUnsafe(n * DIGEST_BYTES);
  const codes = Buffer.allocUnsafe(n);
  for (let j = 0; j < n; j++) {
    const hash = hashes[from + j]!;
    // Buffer.write stops quietly at the first non-hex character; a short write would stage a wrong digest.
    if (hash.length !== 2 * DIGEST_BYTES || digests.write(hash, j * DIGEST_BYTES, DIGEST_BYTES, 'hex') !== DIGEST_BYTES) {
      throw new StateError('PINSYNC_STATE_BAD_HASH', `record ${from + j} of the batch is not a hex SHA-256 digest`);
    }
    codes[j] = FAMILY_CODES[families[from + j]!];
  }
  return [digests, codes, n];
}
