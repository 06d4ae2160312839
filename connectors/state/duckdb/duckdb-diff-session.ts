/**
 * A staged diff in the DuckDB state engine. The source's records go into temp tables (appended from Node, or
 * produced by SQL when the warehouse is a DuckDB file we can attach), the delta is frozen in `delta_add` /
 * `delta_remove` with dense positions, and each acknowledged batch moves a position range into `membership` in
 * the same transaction that records the batch.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { type Kysely, sql } from 'kysely';
import { PinsyncError, StateError, WarehouseError } from '../../../core/errors.js';
import type { IdentifierFamily, RejectReason } from '../../../core/identifier-types.js';
import { familyOf } from '../../../core/identifier-types.js';
import { resolveResultColumns } from '../../../core/result-columns.js';
import type { Acknowledgement, DiffSession, PushdownQuery } from '../../../core/state-store.js';
import type { ColumnStats, DiffCounts } from '../../../core/sync-report.js';
import { cellKindOf, type DuckDbCellKind } from '../../duckdb/duckdb-cell-kind.js';
import { installNormalizationMacros, normalizationPipelineSql } from '../../duckdb/duckdb-normalization.js';
import { assertWarehouseFileExists, duckDbOpenError, duckDbQueryError, setFileSearchPathSql } from '../../duckdb/duckdb-warehouse-file.js';
import { loadSql, renderSql, splitStatements } from '../../sql-files.js';
import type { StateDatabase } from '../state-tables.js';
import type { Mutex } from './mutex.js';

export const FAMILY_CODES: Readonly<Record<IdentifierFamily, number>> = { email: 1, maid: 2, idfa: 3 };

const TABLE_OF = { ADD: 'delta_add', REMOVE: 'delta_remove' } as const;

/** Sample hashes a summary-only plan keeps (the report shows five). */
const PLAN_SAMPLES = 5;

export class DuckDbDiffSession implements DiffSession {
  private appender: Awaited<ReturnType<DuckDBConnection['createAppender']>> | undefined;
  private staged: 'none' | 'stage_records' | 'stage_groups' | 'summary' = 'none';
  private summary: { current: number; samples: string[] } | undefined;
  private frozen = false;
  private planCounts: DiffCounts | undefined;
  private planFullResync = false;
  private planRelations: { ack: string; current: string; out: string } | undefined;

  private constructor(
    private readonly conn: DuckDBConnection,
    private readonly mutex: Mutex,
    private readonly db: Kysely<StateDatabase>,
    private readonly syncId: number,
  ) {}

  /** `syncId` -1 stands for a sync with no state yet: an empty acknowledged membership. */
  static async create(opts: { conn: DuckDBConnection; mutex: Mutex; db: Kysely<StateDatabase>; syncId: number }): Promise<DuckDbDiffSession> {
    const session = new DuckDbDiffSession(opts.conn, opts.mutex, opts.db, opts.syncId);
    await session.exec(loadSql('duckdb', 'diff-dispose'));
    return session;
  }

  async appendRecords(hashes: readonly string[], families: readonly IdentifierFamily[]): Promise<void> {
    await this.mutex.run(async () => {
      if (!this.appender) {
        for (const s of splitStatements(loadSql('duckdb', 'diff-stage'))) await this.conn.run(s);
        this.appender = await this.conn.createAppender('stage_records', 'main', 'temp');
        this.staged = 'stage_records';
      }
      const appender = this.appender;
      for (let i = 0; i < hashes.length; i++) {
        appender.appendVarchar(hashes[i]!);
        appender.appendUTinyInt(FAMILY_CODES[families[i]!]);
        appender.endRow();
      }
    });
  }

  async ingestPushdown(
    query: PushdownQuery,
    opts: { signal?: AbortSignal; summaryOnly?: boolean } = {},
  ): Promise<{ sourceRows: number; columns: ColumnStats[] }> {
    const userSql = stripTrailingSemicolon(query.sql);
    let stats: { col: number; kind: string; n: number }[] = [];
    await this.withAttachedWarehouse(query, opts.signal, async () => {
      // Bound on its own first, so a misnamed identifier column or a syntax error is reported against the user's
      // query, never against the SQL pinsync wraps around it.
      const { names: returned, kinds } = await this.describeUserQuery(query.syncName, userSql);
      const indexes = resolveResultColumns(query.syncName, query.columns, returned);
      // The user's SQL on lines of its own: a trailing `-- comment` cannot swallow the closing parenthesis, and an
      // error's `LINE n:` can be mapped back to the user's line numbers.
      const pipeline = normalizationPipelineSql(
        // Each column read by its type, as the DuckDB connector reads it for the streamed path.
        query.columns.map((c, i) => ({ expr: `pinsync_source.${quoteIdent(returned[indexes[i]!]!)}`, type: c.type, kind: kinds[indexes[i]!]! })),
        `(\n${userSql}\n) AS pinsync_source`,
      );
      const vars = {
        columns: query.columns.map((_, i) => String(i)).join(', '),
        families: query.columns.map((c) => String(FAMILY_CODES[familyOf(c.type)])).join(', '),
        outcomes: query.columns.map((_, i) => `o${i}`).join(', '),
        pipeline,
        samples: String(PLAN_SAMPLES),
      };
      const statement = renderSql(loadSql('duckdb', opts.summaryOnly ? 'diff-pushdown-summary' : 'diff-pushdown-outcomes'), vars);
      try {
        if (!opts.summaryOnly) {
          await this.conn.run(statement);
          return;
        }
        const rows = (await this.conn.runAndReadAll(statement)).getRowObjectsJS() as {
          by_kind: number;
          col: number | null;
          kind: string | null;
          distinct_hashes: bigint;
          n: bigint;
          samples: string[] | null;
        }[];
        for (const row of rows) {
          if (Number(row.by_kind) === 0) this.summary = { current: Number(row.distinct_hashes), samples: (row.samples ?? []).filter((h) => h !== null) };
          else stats.push({ col: Number(row.col), kind: String(row.kind), n: Number(row.n) });
        }
        this.summary ??= { current: 0, samples: [] };
      } catch (err) {
        throw duckDbQueryError(`sync ${query.syncName}`, new Error(atUserLines(messageOf(err), statement, userSql), { cause: err }));
      }
    });
    this.staged = opts.summaryOnly ? 'summary' : 'stage_groups';
    if (!opts.summaryOnly) stats = await this.query<{ col: number; kind: string; n: number }>(loadSql('duckdb', 'diff-pushdown-stats'));
    const result: ColumnStats[] = query.columns.map((c) => ({ column: c.column, type: c.type, hashed: 0, prehashed: 0, empty: 0, rejected: {} }));
    let sourceRows = 0;
    for (const { col, kind, n } of stats) {
      const s = result[Number(col)]!;
      if (Number(col) === 0) sourceRows += Number(n);
      if (kind === 'hashed') s.hashed += Number(n);
      else if (kind === 'prehashed') s.prehashed += Number(n);
      else if (kind === 'empty') s.empty += Number(n);
      else s.rejected[kind as RejectReason] = (s.rejected[kind as RejectReason] ?? 0) + Number(n);
    }
    return { sourceRows, columns: result };
  }

  // Preparing binds the query (tables, columns, a CSV's header) without running it.
  private async describeUserQuery(syncName: string, userSql: string): Promise<{ names: string[]; kinds: DuckDbCellKind[] }> {
    let prepared;
    try {
      prepared = await this.conn.prepare(userSql);
    } catch (err) {
      throw duckDbQueryError(`sync ${syncName}`, err);
    }
    try {
      const columns = Array.from({ length: prepared.columnCount }, (_, i) => i);
      return { names: columns.map((i) => prepared.columnName(i)), kinds: columns.map((i) => cellKindOf(prepared.columnType(i))) };
    } finally {
      prepared.destroySync();
    }
  }

  // Runs `fn` with the warehouse attached read-only and set as the default catalog, so the user's unqualified table
  // names resolve there (and never to state tables), and relative file paths in the query resolve against the
  // config's folder; an abort interrupts the running statement. Errors of `fn` arrive already classified.
  private async withAttachedWarehouse(query: PushdownQuery, signal: AbortSignal | undefined, fn: () => Promise<void>): Promise<void> {
    const attachAlias = 'pinsync_warehouse';
    const who = `sync ${query.syncName}`;
    await this.mutex.run(async () => {
      await installNormalizationMacros(this.conn);
      const stateCatalog = String((await this.conn.runAndReadAll('SELECT current_database()')).getRows()[0]![0]);
      // ATTACH of a missing file in read-only mode fails, but checking first gives the same message as the
      // streamed path, and never lets a DuckDB that would create the file do so.
      await assertWarehouseFileExists(who, query.attachPath);
      try {
        await this.conn.run(`ATTACH ${quoteLiteral(query.attachPath)} AS ${attachAlias}${query.attachPath === ':memory:' ? '' : ' (READ_ONLY)'}`);
      } catch (err) {
        throw duckDbOpenError(who, query.attachPath, err);
      }
      const onAbort = () => this.conn.interrupt();
      signal?.addEventListener('abort', onAbort);
      try {
        await this.conn.run(`USE ${attachAlias}`);
        if (query.fileSearchPath !== undefined) await this.conn.run(setFileSearchPathSql(query.fileSearchPath));
        await fn();
      } catch (err) {
        if (signal?.aborted) throw new WarehouseError('PINSYNC_ABORTED', `${who}: reading the warehouse was cancelled`, { cause: err });
        throw err instanceof PinsyncError ? err : duckDbQueryError(who, err);
      } finally {
        signal?.removeEventListener('abort', onAbort);
        if (query.fileSearchPath !== undefined) await this.conn.run('RESET file_search_path');
        await this.conn.run(`USE ${quoteIdent(stateCatalog)}`);
        await this.conn.run(`DETACH ${attachAlias}`);
      }
    });
  }

  async computeDiff(opts: { fullResync: boolean; countsOnly?: boolean }): Promise<DiffCounts> {
    await this.mutex.run(async () => {
      if (this.appender) {
        this.appender.closeSync();
        this.appender = undefined;
      }
    });
    if (this.staged === 'summary') {
      if (!opts.countsOnly) throw new StateError('PINSYNC_STATE_SUMMARY', 'a summary-only ingest can only be planned, not frozen for sending');
      const current = this.summary!.current;
      this.planCounts = { acknowledged: 0, current, adds: current, removes: 0, unchanged: 0 };
      return this.planCounts;
    }
    if (opts.countsOnly) return this.countDiff(opts.fullResync);
    this.frozen = true;
    await this.stageCurrentRecords();
    const acknowledged = await this.acknowledgedCount();
    const file = acknowledged === 0 ? 'diff-delta-first' : opts.fullResync ? 'diff-delta-full-resync' : 'diff-delta';
    await this.exec(renderSql(loadSql('duckdb', file), { syncId: String(this.syncId) }));
    const counts = await this.counts('diff-counts');
    // From here on only the delta is read; the full current set would only hold memory during the push.
    await this.exec('DROP TABLE IF EXISTS temp.main.current_records');
    return counts;
  }

  private async acknowledgedCount(): Promise<number> {
    const [row] = await this.query<{ n: number }>(`SELECT count(*) AS n FROM membership WHERE sync_id = ${this.syncId}`);
    return Number(row!.n);
  }

  // Plan mode: no positions and no delta tables, just counts and samples. With nothing acknowledged yet (a first
  // plan) the staged hex hashes are counted as they are, skipping a conversion of the whole current set; otherwise
  // the current set is converted to 32-byte digests once and compared with the stored ones, half the memory of hex.
  private async countDiff(fullResync: boolean): Promise<DiffCounts> {
    const empty = (await this.acknowledgedCount()) === 0;
    if (empty) {
      if (this.staged === 'stage_groups') await this.exec('CREATE OR REPLACE TEMP VIEW current_hex AS SELECT lower(hex(h)) AS h FROM stage_groups WHERE by_kind = 0 AND h IS NOT NULL');
      else {
        const from = this.staged === 'stage_records' ? 'stage_records' : '(SELECT NULL::VARCHAR AS hash WHERE false)';
        await this.exec(`CREATE OR REPLACE TEMP TABLE current_hex_distinct AS SELECT DISTINCT hash AS h FROM ${from}`);
        await this.exec('CREATE OR REPLACE TEMP VIEW current_hex AS SELECT h FROM current_hex_distinct');
      }
      this.planRelations = { ack: '(SELECT NULL::VARCHAR AS h WHERE false)', current: 'current_hex', out: 's.h' };
    } else {
      await this.stageCurrentRecords();
      this.planRelations = { ack: `(SELECT h FROM membership WHERE sync_id = ${this.syncId})`, current: 'current_records', out: 'lower(hex(s.h))' };
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
    if (this.staged === 'stage_records') await this.exec(loadSql('duckdb', 'diff-current-from-stage'));
    else if (this.staged === 'stage_groups') await this.exec(loadSql('duckdb', 'diff-current-from-outcomes'));
    else await this.exec('CREATE OR REPLACE TEMP TABLE current_records (h BLOB, family UTINYINT)');
  }

  private async counts(file: string): Promise<DiffCounts> {
    const [row] = await this.query<{ acknowledged: number; current: number; adds: number; removes: number }>(
      renderSql(loadSql('duckdb', file), { syncId: String(this.syncId) }),
    );
    const acknowledged = Number(row!.acknowledged);
    const removes = Number(row!.removes);
    return { acknowledged, current: Number(row!.current), adds: Number(row!.adds), removes, unchanged: acknowledged - removes };
  }

  async sample(op: 'ADD' | 'REMOVE', n: number): Promise<string[]> {
    if (this.frozen) return this.readRange(op, 0, n);
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
    const rows = await this.query<{ hash: string }>(
      renderSql(loadSql('duckdb', 'diff-read-range'), { table: TABLE_OF[op], start: String(start), end: String(end) }),
    );
    return rows.map((r) => r.hash);
  }

  async acknowledge(ack: Acknowledgement): Promise<void> {
    if (this.syncId < 0) throw new StateError('PINSYNC_STATE_UNKNOWN_SYNC', 'cannot acknowledge a batch for a sync that has no state row');
    const vars = { syncId: String(this.syncId), start: String(ack.start), end: String(ack.end) };
    const records = ack.end - ack.start;
    await this.db.transaction().execute(async (trx) => {
      const file = ack.op === 'ADD' ? 'diff-acknowledge-add' : 'diff-acknowledge-remove';
      await sql.raw(renderSql(loadSql('duckdb', file), vars)).execute(trx);
      const run = await trx
        .updateTable('runs')
        .set((eb) => ({
          batches: eb('batches', '+', 1),
          ...(ack.op === 'ADD' ? { adds_sent: eb('adds_sent', '+', records) } : { removes_sent: eb('removes_sent', '+', records) }),
        }))
        .where('id', '=', ack.runId)
        .returning('batches')
        .executeTakeFirstOrThrow();
      await trx
        .insertInto('batches')
        .values({ run_id: ack.runId, seq: Number(run.batches), op: ack.op, records, customer_list_id: ack.customerListId, acknowledged_at: new Date() })
        .execute();
      if (ack.createdList) {
        await trx
          .updateTable('syncs')
          .set({ customer_list_id: ack.customerListId, pending_list_name: null, updated_at: new Date() })
          .where('id', '=', this.syncId)
          .execute();
      }
    });
  }

  async dispose(): Promise<void> {
    await this.mutex.run(async () => {
      if (this.appender) {
        this.appender.closeSync();
        this.appender = undefined;
      }
    });
    await this.exec(loadSql('duckdb', 'diff-dispose'));
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

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function quoteLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

function stripTrailingSemicolon(text: string): string {
  return text.trim().replace(/;+\s*$/, '');
}

/**
 * DuckDB's `LINE n:` context of an error in the wrapped statement, renumbered to the user's own query when the
 * position falls inside it (the caret moved with the shorter prefix), and dropped when it points into pinsync's
 * SQL, which would mean nothing to the user.
 */
function atUserLines(message: string, statement: string, userSql: string): string {
  const context = /\n*LINE (\d+): ([^\n]*)(?:\n( *)\^)?/.exec(message);
  if (!context) return message;
  const start = statement.indexOf(`(\n${userSql}\n)`);
  const firstUserLine = start < 0 ? -1 : statement.slice(0, start).split('\n').length + 1;
  const line = Number(context[1]) - firstUserLine + 1;
  const before = message.slice(0, context.index);
  if (firstUserLine < 0 || line < 1 || line > userSql.split('\n').length) return before;
  const prefixShift = `LINE ${context[1]}: `.length - `LINE ${line}: `.length;
  const caret = context[3] !== undefined ? `\n${' '.repeat(Math.max(0, context[3].length - prefixShift))}^` : '';
  return `${before}\n\nLINE ${line}: ${context[2]}${caret}${message.slice(context.index + context[0].length)}`;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
