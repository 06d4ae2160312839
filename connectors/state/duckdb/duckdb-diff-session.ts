/**
 * A staged diff in the DuckDB state engine. The source's records go into temp tables (appended from Node, or
 * produced by SQL when the warehouse is a DuckDB file we can attach, see duckdb-pushdown-ingest.ts), the delta is
 * frozen in `delta_add` / `delta_remove` with dense positions, and each acknowledged batch's records are copied
 * into `acked_records`, which move into `membership` in bulk (acknowledged-records.ts). Every session's temp tables
 * carry a suffix of their own: sessions (several syncs in one process) share the state's connection,
 * and temp tables are per connection.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { type Kysely, sql } from 'kysely';
import { StateError } from '../../../core/errors.js';
import type { ActionDiffCounts, RecordAction } from '../../../core/explicit-actions.js';
import { actionDiffCounts } from '../../../core/explicit-actions.js';
import type { IdentifierFamily } from '../../../core/identifier-types.js';
import type { Acknowledgement, DiffSession, PushdownQuery } from '../../../core/state-store.js';
import type { ColumnStats, DiffCounts } from '../../../core/sync-report.js';
import { loadSql, renderSql, splitStatements } from '../../sql-files.js';
import { acknowledgedMembershipSql, hasPendingAcknowledgements } from '../acknowledged-records.js';
import { FAMILY_CODES } from '../membership-family-codes.js';
import { recordAcknowledgedBatch } from '../record-acknowledged-batch.js';
import type { StateDatabase } from '../state-tables.js';
import { ingestDuckDbPushdown } from './duckdb-pushdown-ingest.js';
import type { Mutex } from './mutex.js';

/** The temp relations a session stages in; the sql/duckdb/diff-*.sql templates name them by these keys. */
const SESSION_TABLES = [
  'stage_records',
  'stage_groups',
  'current_records',
  'current_hex',
  'current_hex_distinct',
  'delta_add',
  'delta_remove',
  'delta_both',
] as const;
type SessionTables = Readonly<Record<(typeof SESSION_TABLES)[number], string>>;

// Unique within the process, which is all temp tables need: they live and die with one connection.
let sessionsOpened = 0;

export class DuckDbDiffSession implements DiffSession {
  private appender: Awaited<ReturnType<DuckDBConnection['createAppender']>> | undefined;
  private staged: 'none' | 'stage_records' | 'stage_groups' | 'summary' = 'none';
  private summary: { current: number; samples: string[] } | undefined;
  private frozen = false;
  private disposed = false;
  private planCounts: DiffCounts | undefined;
  private planFullResync = false;
  private planRelations: { ack: string; current: string; out: string } | undefined;
  /** Whether the staged records carry actions (an explicit-action sync); undefined until the first append. */
  private withActions: boolean | undefined;
  /** An explicit-action plan built its delta tables: samples read them like a frozen delta's. */
  private actionPlan = false;

  private readonly tables: SessionTables;

  private constructor(
    private readonly conn: DuckDBConnection,
    private readonly mutex: Mutex,
    private readonly db: Kysely<StateDatabase>,
    private readonly syncId: number,
  ) {
    const suffix = `_s${++sessionsOpened}`;
    this.tables = Object.fromEntries(SESSION_TABLES.map((name) => [name, `${name}${suffix}`])) as SessionTables;
  }

  /** `syncId` -1 stands for a sync with no state yet: an empty acknowledged membership. */
  static async create(opts: { conn: DuckDBConnection; mutex: Mutex; db: Kysely<StateDatabase>; syncId: number }): Promise<DuckDbDiffSession> {
    return new DuckDbDiffSession(opts.conn, opts.mutex, opts.db, opts.syncId);
  }

  async appendRecords(hashes: readonly string[], families: readonly IdentifierFamily[], actions?: readonly RecordAction[]): Promise<void> {
    await this.mutex.run(async () => {
      this.checkActions(actions !== undefined);
      if (!this.appender) {
        for (const s of splitStatements(this.sqlFile(actions ? 'diff-stage-actions' : 'diff-stage'))) await this.conn.run(s);
        this.appender = await this.conn.createAppender(this.tables.stage_records, 'main', 'temp');
        this.staged = 'stage_records';
      }
      const appender = this.appender;
      for (let i = 0; i < hashes.length; i++) {
        appender.appendVarchar(hashes[i]!);
        appender.appendUTinyInt(FAMILY_CODES[families[i]!]);
        if (actions) appender.appendBoolean(actions[i] === 'REMOVE');
        appender.endRow();
      }
    });
  }

  // One session stages records either all with actions or all without: the staging table has the column or not.
  private checkActions(given: boolean): void {
    if (this.withActions !== undefined && this.withActions !== given) {
      throw new StateError('PINSYNC_STATE_ACTIONS', 'records with and without actions staged in one session');
    }
    this.withActions = given;
  }

  async ingestPushdown(
    query: PushdownQuery,
    opts: { signal?: AbortSignal; summaryOnly?: boolean } = {},
  ): Promise<{ sourceRows: number; columns: ColumnStats[] }> {
    const { sourceRows, columns, summary } = await ingestDuckDbPushdown(
      { conn: this.conn, mutex: this.mutex, stageGroups: this.tables.stage_groups },
      query,
      opts,
    );
    this.summary = summary;
    this.staged = opts.summaryOnly ? 'summary' : 'stage_groups';
    return { sourceRows, columns };
  }

  async computeDiff(opts: { fullResync: boolean; countsOnly?: boolean; explicitActions?: boolean }): Promise<DiffCounts & { actions?: ActionDiffCounts }> {
    await this.mutex.run(async () => {
      if (this.appender) {
        this.appender.closeSync();
        this.appender = undefined;
      }
    });
    if (opts.explicitActions) return this.actionDiff(opts);
    if (this.withActions) throw new StateError('PINSYNC_STATE_ACTIONS', 'records staged with actions need an explicit-action diff');
    if (this.staged === 'summary') {
      if (!opts.countsOnly) throw new StateError('PINSYNC_STATE_SUMMARY', 'a summary-only ingest can only be planned, not frozen for sending');
      const current = this.summary!.current;
      this.planCounts = { acknowledged: 0, current, adds: current, removes: 0, unchanged: 0 };
      return this.planCounts;
    }
    if (opts.countsOnly) return this.countDiff(opts.fullResync);
    // A killed run's acknowledged records must be in the membership this diff reads.
    await this.applyAcknowledged();
    this.frozen = true;
    await this.stageCurrentRecords();
    const acknowledged = await this.acknowledgedCount();
    const file = acknowledged === 0 ? 'diff-delta-first' : opts.fullResync ? 'diff-delta-full-resync' : 'diff-delta';
    await this.exec(this.sqlFile(file, { syncId: String(this.syncId) }));
    const counts = await this.counts('diff-counts');
    // From here on only the delta is read; the full current set would only hold memory during the push.
    await this.exec(`DROP TABLE IF EXISTS temp.main.${this.tables.current_records}`);
    return counts;
  }

  // Explicit actions (diff-delta-actions.sql): a sending run applies a killed run's acknowledgements and freezes the
  // delta; a plan builds the same delta tables over the membership as the next run will see it, and changes nothing.
  private async actionDiff(opts: { fullResync: boolean; countsOnly?: boolean }): Promise<DiffCounts & { actions: ActionDiffCounts }> {
    if (opts.fullResync) throw new StateError('PINSYNC_STATE_ACTIONS', 'a full resync needs the whole audience, not explicit actions');
    if (this.withActions === false) throw new StateError('PINSYNC_STATE_ACTIONS', 'records staged without actions cannot make an explicit-action diff');
    if (this.staged === 'stage_groups' || this.staged === 'summary') throw new StateError('PINSYNC_STATE_ACTIONS', 'explicit actions are staged by appendRecords, not by the pushdown ingest');
    if (this.staged === 'none') {
      await this.exec(this.sqlFile('diff-stage-actions'));
      this.staged = 'stage_records';
      this.withActions = true;
    }
    let membership: string;
    if (opts.countsOnly) {
      const pending = this.syncId >= 0 && (await hasPendingAcknowledgements(this.db, this.syncId));
      membership = acknowledgedMembershipSql(this.syncId, pending);
      this.actionPlan = true;
    } else {
      await this.applyAcknowledged();
      this.frozen = true;
      membership = `(SELECT h, family FROM membership WHERE sync_id = ${this.syncId})`;
    }
    await this.exec(this.sqlFile('diff-delta-actions', { membership }));
    const [row] = await this.query<Record<'acknowledged' | 'add_records' | 'remove_records' | 'conflicts' | 'adds' | 'removes', number | bigint>>(
      this.sqlFile('diff-actions-counts', { membership }),
    );
    const counts = actionDiffCounts({
      acknowledged: Number(row!.acknowledged),
      addRecords: Number(row!.add_records),
      removeRecords: Number(row!.remove_records),
      conflicts: Number(row!.conflicts),
      adds: Number(row!.adds),
      removes: Number(row!.removes),
    });
    await this.exec(`DROP TABLE IF EXISTS temp.main.${this.tables.current_records}`);
    return counts;
  }

  private async acknowledgedCount(relation = `(SELECT h FROM membership WHERE sync_id = ${this.syncId})`): Promise<number> {
    const [row] = await this.query<{ n: number }>(`SELECT count(*) AS n FROM ${relation}`);
    return Number(row!.n);
  }

  /**
   * The acknowledged membership's digests as a plan must see them: the stored rows, plus the acknowledged records of a
   * killed run that the next sync applies before it diffs (a plan changes nothing, so it reads them as applied).
   */
  private async acknowledgedRelation(): Promise<string> {
    if (this.syncId < 0) return '(SELECT NULL::BLOB AS h WHERE false)';
    const pending = await hasPendingAcknowledgements(this.db, this.syncId);
    return `(SELECT h FROM ${acknowledgedMembershipSql(this.syncId, pending)})`;
  }

  // Plan mode: no positions and no delta tables, just counts and samples. With nothing acknowledged yet (a first
  // plan) the staged hex hashes are counted as they are, skipping a conversion of the whole current set; otherwise
  // the current set is converted to 32-byte digests once and compared with the stored ones, half the memory of hex.
  private async countDiff(fullResync: boolean): Promise<DiffCounts> {
    const storedRelation = await this.acknowledgedRelation();
    const empty = (await this.acknowledgedCount(storedRelation)) === 0;
    if (empty) {
      const { current_hex, current_hex_distinct, stage_groups, stage_records } = this.tables;
      if (this.staged === 'stage_groups') {
        await this.exec(`CREATE OR REPLACE TEMP VIEW ${current_hex} AS SELECT lower(hex(h)) AS h FROM ${stage_groups} WHERE by_kind = 0 AND h IS NOT NULL`);
      } else {
        const from = this.staged === 'stage_records' ? stage_records : '(SELECT NULL::VARCHAR AS hash WHERE false)';
        await this.exec(`CREATE OR REPLACE TEMP TABLE ${current_hex_distinct} AS SELECT DISTINCT hash AS h FROM ${from}`);
        await this.exec(`CREATE OR REPLACE TEMP VIEW ${current_hex} AS SELECT h FROM ${current_hex_distinct}`);
      }
      this.planRelations = { ack: '(SELECT NULL::VARCHAR AS h WHERE false)', current: current_hex, out: 's.h' };
    } else {
      await this.stageCurrentRecords();
      this.planRelations = { ack: storedRelation, current: this.tables.current_records, out: 'lower(hex(s.h))' };
    }
    const [row] = await this.query<{ acknowledged: number; current: number; common: number }>(
      renderSql(loadSql('duckdb', 'diff-plan-counts'), { ack: this.planRelations.ack, current: this.planRelations.current }),
    );
    const acknowledged = Number(row!.acknowledged);
    const current = Number(row!.current);
    const common = Number(row!.common);
    this.planCounts = { acknowledged, current, adds: fullResync ? current : current - common, removes: acknowledged - common, unchanged: common };
    this.planFullResync = fullResync;
    return this.planCounts;
  }

  private async stageCurrentRecords(): Promise<void> {
    if (this.staged === 'stage_records') await this.exec(this.sqlFile('diff-current-from-stage'));
    else if (this.staged === 'stage_groups') await this.exec(this.sqlFile('diff-current-from-outcomes'));
    else await this.exec(`CREATE OR REPLACE TEMP TABLE ${this.tables.current_records} (h BLOB, family UTINYINT)`);
  }

  private async counts(file: string): Promise<DiffCounts> {
    const [row] = await this.query<{ acknowledged: number; current: number; adds: number; removes: number }>(
      this.sqlFile(file, { syncId: String(this.syncId) }),
    );
    const acknowledged = Number(row!.acknowledged);
    const removes = Number(row!.removes);
    return { acknowledged, current: Number(row!.current), adds: Number(row!.adds), removes, unchanged: acknowledged - removes };
  }

  async sample(op: 'ADD' | 'REMOVE', n: number): Promise<string[]> {
    if (this.frozen || this.actionPlan) return this.readRange(op, 0, n);
    if (this.staged === 'summary') return op === 'ADD' ? this.summary!.samples.slice(0, n) : [];
    const counts = this.planCounts;
    if (!counts || (op === 'ADD' ? counts.adds : counts.removes) === 0) return [];
    const limit = String(Math.max(0, Math.floor(n)));
    const { ack, current, out } = this.planRelations!;
    const sql =
      op === 'ADD'
        ? this.planFullResync
          ? `SELECT ${out} AS h FROM ${current} s LIMIT ${limit}`
          : renderSql(loadSql('duckdb', 'diff-plan-sample'), { from: current, other: ack, out, limit })
        : renderSql(loadSql('duckdb', 'diff-plan-sample'), { from: ack, other: current, out, limit });
    const rows = await this.query<{ h: string }>(sql);
    return rows.map((r) => r.h);
  }

  async readRange(op: 'ADD' | 'REMOVE', start: number, end: number): Promise<string[]> {
    const [row] = await this.query<{ hashes: string | null }>(
      this.sqlFile('diff-read-range', { table: this.tables[op === 'ADD' ? 'delta_add' : 'delta_remove'], start: String(start), end: String(end) }),
    );
    return row?.hashes ? row.hashes.split(',') : [];
  }

  async acknowledge(ack: Acknowledgement): Promise<void> {
    if (this.syncId < 0) throw new StateError('PINSYNC_STATE_UNKNOWN_SYNC', 'cannot acknowledge a batch for a sync that has no state row');
    const record = this.sqlFile('diff-acknowledge', {
      acked: 'acked_records',
      syncId: String(this.syncId),
      runId: String(ack.runId),
      op: ack.op,
      table: this.tables[ack.op === 'ADD' ? 'delta_add' : 'delta_remove'],
      start: String(ack.start),
      end: String(ack.end),
      notKnown: ack.op === 'ADD' ? ' AND NOT known' : '',
    });
    await this.db.transaction().execute(async (trx) => {
      await sql.raw(record).execute(trx);
      await recordAcknowledgedBatch(trx, this.syncId, ack);
    });
  }

  async applyAcknowledged(): Promise<number> {
    if (this.syncId < 0) return 0;
    // Read and applied in one transaction: an acknowledgement recorded meanwhile waits for it (one connection), so
    // none is forgotten unapplied.
    return this.db.transaction().execute(async (trx) => {
      const { rows } = await sql<{ n: number | bigint }>`SELECT count(*) AS n FROM acked_records WHERE sync_id = ${this.syncId}`.execute(trx);
      const pending = Number(rows[0]?.n ?? 0);
      if (pending === 0) return 0;
      const text = this.sqlFile('diff-apply-acknowledged', { membership: 'membership', acked: 'acked_records', syncId: String(this.syncId) });
      for (const statement of splitStatements(text)) await sql.raw(statement).execute(trx);
      return pending;
    });
  }

  async dispose(): Promise<void> {
    await this.mutex.run(async () => {
      if (this.appender) {
        this.appender.closeSync();
        this.appender = undefined;
      }
    });
    if (this.frozen && !this.disposed) {
      this.disposed = true;
      // What cannot be applied now (e.g. the state file became unwritable) stays recorded for the next run.
      await this.applyAcknowledged().catch(() => undefined);
    }
    await this.exec(this.sqlFile('diff-dispose'));
  }

  // One of sql/duckdb/ with this session's table names filled in.
  private sqlFile(name: string, vars: Readonly<Record<string, string>> = {}): string {
    return renderSql(loadSql('duckdb', name), { ...this.tables, ...vars });
  }

  private async exec(text: string): Promise<void> {
    await this.mutex.run(async () => {
      for (const statement of splitStatements(text)) await this.conn.run(statement);
    });
  }

  private async query<T>(text: string): Promise<T[]> {
    return this.mutex.run(async () => (await this.conn.runAndReadAll(text)).getRowObjectsJS() as T[]);
  }
}
