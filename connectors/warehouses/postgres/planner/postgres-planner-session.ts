/**
 * A `diff: warehouse` session on Postgres: the user's query is normalized, hashed and diffed inside the warehouse,
 * in the planner schema, and only counts and the hashes of changed members ever reach pinsync.
 *
 *   ingestQuery    ONE statement: query -> outcomes -> TEMP planner_stage (distinct digests + counts by reason)
 *   computeDiff    ONE statement freezes the delta with dense positions: <schema>.delta_<run>_<sync> for a sync
 *                  (it must outlive a killed run), a TEMP table for a plan (which changes nothing)
 *   readRange      the digests at a position range, in binary (32 bytes a hash)
 *   acknowledge    records the range in the STATE store, in the transaction that counts the batch
 *   applyAcknowledged  applies recorded ranges to <schema>.membership idempotently, then forgets them in the state
 *
 * The warehouse membership is therefore never ahead of Pinterest (a range reaches it only after the state recorded
 * it, and the state records it only after Pinterest accepted it), and nothing acknowledged is lost: a killed run's
 * ranges stay recorded with its delta table, and the next run of the sync applies them before its diff, then drops
 * the table. A plan reads the membership as it will be once they are applied, without applying them.
 */
import { escapeIdentifier, type ClientConfig } from 'pg';
import { StateError, UsageError } from '../../../../core/errors.js';
import type { IdentifierFamily, RejectReason } from '../../../../core/identifier-types.js';
import type { Acknowledgement, PlannerRange, StateStore } from '../../../../core/state-store.js';
import type { ColumnStats, DiffCounts } from '../../../../core/sync-report.js';
import type { PlannerDiffRequest, PlannerDiffSession } from '../../../../core/warehouse.js';
import { Mutex } from '../../../state/duckdb/mutex.js';
import { loadSql, renderSql, splitStatements } from '../../../sql-files.js';
import type { PgErrorContext } from '../postgres-errors.js';
import { PlannerConnection } from './planner-connection.js';
import { plannerDeltaMissing } from './planner-errors.js';
import { deltaTableName, plannerTable, sqlLiteral } from './planner-names.js';
import { normalizationPipeline } from './planner-pipeline.js';
import { preparePlanner, type PlannerLayout } from './prepare-planner.js';

/** Bytes of one SHA-256 digest. */
const DIGEST_BYTES = 32;

/** The TEMP delta of a plan. */
const PLAN_DELTA = 'pg_temp.planner_delta';

/** Where the session runs. */
export interface PlannerSessionOptions {
  /** The warehouse's pg client configuration. */
  config: ClientConfig;
  /** How errors name the server and role. */
  errorContext: Omit<PgErrorContext, 'who' | 'phase'>;
  /** The planner schema (unquoted). */
  schema: string;
  /** `statement_timeout` of every statement. */
  statementTimeoutMs: number;
}

type RangeStore = Required<Pick<StateStore, 'recordPlannerBatch' | 'listPlannerRanges' | 'forgetPlannerRanges'>>;

export class PostgresPlannerSession implements PlannerDiffSession {
  private readonly mutex = new Mutex();
  private readonly who: string;
  private readonly quotedSchema: string;
  private readonly syncLiteral: string;
  private staged = false;
  private delta: { table: string; name: string | undefined } | undefined;
  private frozen = false;
  private disposed = false;
  private current = 0;
  /** The sync's acknowledged membership as a relation with a bytea column h. */
  private members = '';

  private constructor(
    private readonly conn: PlannerConnection,
    private readonly req: PlannerDiffRequest,
    private readonly ranges: RangeStore,
    private readonly layout: PlannerLayout,
    private readonly schema: string,
  ) {
    this.who = `sync ${req.syncName}`;
    this.quotedSchema = escapeIdentifier(schema);
    this.syncLiteral = sqlLiteral(req.syncName);
  }

  /** Connects, prepares the planner schema (a plan creates nothing) and, for a sync, applies a killed run's leftovers. */
  static async open(req: PlannerDiffRequest, opts: PlannerSessionOptions): Promise<PostgresPlannerSession> {
    const who = `sync ${req.syncName}`;
    const { state } = req;
    if (!state.recordPlannerBatch || !state.listPlannerRanges || !state.forgetPlannerRanges) {
      throw new StateError('PINSYNC_PLANNER_STATE', `${who}: diff: warehouse needs a state store that records planner ranges (DuckDB or Postgres state)`);
    }
    const ranges: RangeStore = {
      recordPlannerBatch: state.recordPlannerBatch.bind(state),
      listPlannerRanges: state.listPlannerRanges.bind(state),
      forgetPlannerRanges: state.forgetPlannerRanges.bind(state),
    };
    const conn = await PlannerConnection.open(opts.config, { ...opts.errorContext, who, phase: 'connect' }, opts.statementTimeoutMs, req.signal);
    try {
      const layout = await preparePlanner(conn, opts.schema, who, req.runId !== undefined);
      const session = new PostgresPlannerSession(conn, req, ranges, layout, opts.schema);
      await session.start();
      return session;
    } catch (err) {
      await conn.close();
      throw err;
    }
  }

  private async start(): Promise<void> {
    // A sync that ran with diff: state keeps its acknowledged membership in the state: this schema's would be stale
    // (behind or, worse, ahead of Pinterest), so the switch is refused until the list is rebuilt.
    const record = await this.req.state.getSync(this.req.syncName);
    if ((record?.membershipCount ?? 0) > 0) {
      throw new UsageError(
        `sync ${this.req.syncName} was synced with diff: state, which keeps its ${record!.membershipCount} acknowledged members in the state; ` +
          'switching a sync to diff: warehouse is not supported yet: give it a new name (a new list), or run it once with --recreate ' +
          '(a new list and audience with the full membership), or set diff: state again',
      );
    }
    const none = '(SELECT NULL::bytea AS h WHERE false)';
    const stored = this.layout.hasMembership ? `(SELECT h FROM ${this.quotedSchema}.membership WHERE sync_name = ${this.syncLiteral})` : none;
    if (this.req.runId === undefined && this.req.forgetMembership) {
      // A plan changes nothing: it reads the stale membership (and ranges recorded for the forgotten list) as empty.
      this.members = none;
      return;
    }
    if (this.req.runId === undefined) {
      // A plan applies nothing: a killed run's recorded ranges are read as if applied.
      await this.conn.query('CREATE TEMP TABLE IF NOT EXISTS planner_pending (op text NOT NULL, h bytea NOT NULL)');
      await this.conn.query('TRUNCATE pg_temp.planner_pending');
      const pending = this.layout.hasDeltas ? await this.ranges.listPlannerRanges(this.req.syncName) : [];
      for (const [table, list] of byTable(pending)) {
        if (!(await this.tableExists(table))) continue;
        await this.conn.query(renderSql(loadSql('postgres', 'planner-pending'), { delta: plannerTable(this.schema, table) }), { values: rangeParams(list) });
      }
      this.members =
        pending.length === 0
          ? stored
          : `(SELECT s.h FROM ${stored} s WHERE NOT EXISTS (SELECT 1 FROM pg_temp.planner_pending p WHERE p.op = 'REMOVE' AND p.h = s.h) ` +
            `UNION SELECT h FROM pg_temp.planner_pending WHERE op = 'ADD')`;
      return;
    }
    this.members = stored;
    // Before this run's diff: what a killed run got acknowledged reaches the membership, and its delta goes.
    await this.applyPending();
    if (this.req.forgetMembership) await this.conn.query(`DELETE FROM ${this.quotedSchema}.membership WHERE sync_name = ${this.syncLiteral}`);
  }

  async appendRecords(_hashes: readonly string[], _families: readonly IdentifierFamily[]): Promise<void> {
    throw new StateError('PINSYNC_PLANNER_NO_APPEND', `${this.who}: a diff: warehouse session hashes in the warehouse; rows are never appended from pinsync`);
  }

  // A stop cancels through the request's signal, which the connection watches (PlannerConnection).
  async ingestQuery(_opts: { signal?: AbortSignal } = {}): Promise<{ sourceRows: number; columns: ColumnStats[] }> {
    return this.mutex.run(async () => {
      this.checkOpen();
      const { pipeline, pairs } = await normalizationPipeline(this.conn, this.req, this.layout.functions);
      // Split our template, then fill each statement: the user's SQL inside the pipeline may hold `;` (in a comment or a
      // string) that is no statement boundary.
      for (const statement of splitStatements(loadSql('postgres', 'planner-stage')).map((piece) => renderSql(piece, { pipeline, pairs }))) {
        await this.conn.query(statement, { cancellable: true });
      }
      // Autovacuum never analyzes TEMP tables: the diff's joins need the staged set's size.
      await this.conn.query('ANALYZE pg_temp.planner_stage', { cancellable: true });
      this.staged = true;
      const rows = await this.conn.query<{ col: number; kind: string; n: string }>(loadSql('postgres', 'planner-stage-stats'));
      const columns: ColumnStats[] = this.req.columns.map((c) => ({ column: c.column, type: c.type, hashed: 0, prehashed: 0, empty: 0, rejected: {} }));
      let sourceRows = 0;
      for (const row of rows) {
        const n = Number(row.n);
        if (Number(row.col) < 0) {
          this.current = n;
          continue;
        }
        const s = columns[Number(row.col)]!;
        if (Number(row.col) === 0) sourceRows += n;
        if (row.kind === 'hashed') s.hashed += n;
        else if (row.kind === 'prehashed') s.prehashed += n;
        else if (row.kind === 'empty') s.empty += n;
        else s.rejected[row.kind as RejectReason] = (s.rejected[row.kind as RejectReason] ?? 0) + n;
      }
      return { sourceRows, columns };
    });
  }

  async computeDiff(opts: { fullResync: boolean; countsOnly?: boolean }): Promise<DiffCounts> {
    return this.mutex.run(async () => {
      this.checkOpen();
      if (!this.staged) throw new StateError('PINSYNC_PLANNER_NOT_STAGED', `${this.who}: computeDiff before the query was staged (ingestQuery)`);
      const plan = opts.countsOnly === true || this.req.runId === undefined;
      const name = plan ? undefined : deltaTableName(this.req.syncName, this.req.runId!);
      const table = name === undefined ? PLAN_DELTA : plannerTable(this.schema, name);
      const vars = {
        temp: plan ? 'TEMP' : '',
        delta: table,
        members: this.members,
        addFilter: opts.fullResync ? '' : `AND NOT EXISTS (SELECT 1 FROM ${this.members} m WHERE m.h = s.h)`,
      };
      const statements = splitStatements(renderSql(loadSql('postgres', 'planner-delta'), vars));
      if (plan) {
        await this.conn.query(`DROP TABLE IF EXISTS ${PLAN_DELTA}`);
        for (const statement of statements) await this.conn.query(statement, { cancellable: true });
      } else {
        // The table and its entry in `deltas` appear together, so a killed run's table is always found by its sync.
        await this.conn.transaction(async () => {
          await this.conn.query(`DROP TABLE IF EXISTS ${table}`);
          await this.conn.query(`DELETE FROM ${this.quotedSchema}.deltas WHERE delta_table = $1`, { values: [name] });
          await this.conn.query(`INSERT INTO ${this.quotedSchema}.deltas (delta_table, sync_name, run_id) VALUES ($1, $2, $3)`, {
            values: [name, this.req.syncName, this.req.runId],
          });
          for (const statement of statements) await this.conn.query(statement, { cancellable: true });
        });
      }
      this.delta = { table, name };
      this.frozen = true;
      const [row] = await this.conn.query<{ acknowledged: string; adds: string; removes: string }>(
        renderSql(loadSql('postgres', 'planner-counts'), { members: this.members, delta: table }),
        { cancellable: true },
      );
      const acknowledged = Number(row!.acknowledged);
      const adds = Number(row!.adds);
      const removes = Number(row!.removes);
      return { acknowledged, current: this.current, adds, removes, unchanged: acknowledged - removes };
    });
  }

  async sample(op: 'ADD' | 'REMOVE', n: number): Promise<string[]> {
    if (!this.frozen) return [];
    return this.read(op, 0, Math.max(0, Math.floor(n)));
  }

  async readRange(op: 'ADD' | 'REMOVE', start: number, end: number): Promise<string[]> {
    this.checkFrozen();
    return this.read(op, start, end);
  }

  private async read(op: 'ADD' | 'REMOVE', start: number, end: number): Promise<string[]> {
    return this.mutex.run(async () => {
      this.checkOpen();
      const rows = await this.conn.query<{ hashes: string | null }>(renderSql(loadSql('postgres', 'planner-read-range'), { delta: this.delta!.table }), {
        values: [op, start, end],
      });
      if (!rows[0]?.hashes) return [];
      const bytes = Buffer.from(rows[0].hashes, 'base64');
      const out: string[] = [];
      for (let i = 0; i < bytes.length; i += DIGEST_BYTES) out.push(bytes.toString('hex', i, i + DIGEST_BYTES));
      return out;
    });
  }

  async acknowledge(ack: Acknowledgement): Promise<void> {
    this.checkFrozen();
    if (this.delta?.name === undefined || ack.runId !== this.req.runId) {
      throw new StateError('PINSYNC_PLANNER_NOT_FROZEN', `${this.who}: a plan's delta cannot be acknowledged (run ${ack.runId})`);
    }
    // The state only: the range reaches the warehouse membership in bulk (applyAcknowledged), never before it is recorded.
    await this.ranges.recordPlannerBatch({ syncName: this.req.syncName, runId: ack.runId, op: ack.op, start: ack.start, end: ack.end, deltaTable: this.delta.name }, ack);
  }

  async applyAcknowledged(): Promise<number> {
    if (this.req.runId === undefined) return 0;
    return this.mutex.run(async () => {
      this.checkOpen();
      return this.applyPending();
    });
  }

  /** Applies every recorded range of the sync, then forgets them; drops delta tables of other runs left with none. */
  private async applyPending(): Promise<number> {
    const pending = await this.ranges.listPlannerRanges(this.req.syncName);
    let applied = 0;
    let missing: Error | undefined;
    for (const [table, list] of byTable(pending)) {
      const exists = await this.tableExists(table);
      // A delta dropped by hand: its ADDs can be forgotten (the membership stays behind Pinterest; the next diff
      // sends them again), its REMOVEs cannot (the membership would keep members Pinterest no longer has, and never
      // send them again). Those wait for a --full-resync, which re-sends every current member.
      if (!exists && !this.req.fullResync && list.some((r) => r.op === 'REMOVE')) {
        missing ??= plannerDeltaMissing(this.who, table);
        await this.ranges.forgetPlannerRanges(list.filter((r) => r.op === 'ADD'));
        continue;
      }
      if (exists) {
        const text = renderSql(loadSql('postgres', 'planner-apply-ranges'), {
          delta: plannerTable(this.schema, table),
          schema: this.quotedSchema,
          sync: this.syncLiteral,
          version: String(Math.floor(this.req.normalizationVersion)),
        });
        // One statement, its own transaction: applied all or nothing; forgotten only once it committed.
        await this.conn.query(text, { values: rangeParams(list) });
      }
      await this.ranges.forgetPlannerRanges(list);
      applied += list.reduce((n, r) => n + r.end - r.start, 0);
    }
    await this.dropFinishedDeltas();
    if (missing) throw missing;
    return applied;
  }

  // Delta tables of this sync's earlier runs whose ranges are all applied (or that never had any: killed before
  // the first acceptance). This run's own table stays until dispose.
  private async dropFinishedDeltas(): Promise<void> {
    const tables = await this.conn.query<{ delta_table: string }>(`SELECT delta_table FROM ${this.quotedSchema}.deltas WHERE sync_name = $1`, {
      values: [this.req.syncName],
    });
    const withRanges = new Set((await this.ranges.listPlannerRanges(this.req.syncName)).map((r) => r.deltaTable));
    for (const { delta_table: table } of tables) {
      if (table === this.delta?.name || withRanges.has(table)) continue;
      await this.dropDelta(table);
    }
  }

  private async dropDelta(table: string): Promise<void> {
    await this.conn.transaction(async () => {
      await this.conn.query(`DROP TABLE IF EXISTS ${plannerTable(this.schema, table)}`);
      await this.conn.query(`DELETE FROM ${this.quotedSchema}.deltas WHERE delta_table = $1`, { values: [table] });
    });
  }

  /** The acknowledged membership size: stored rows, with a plan's unapplied ranges counted in. */
  async membershipCount(): Promise<number> {
    return this.mutex.run(async () => {
      this.checkOpen();
      const [row] = await this.conn.query<{ n: string }>(`SELECT count(*) AS n FROM ${this.members} m`);
      return Number(row!.n);
    });
  }

  async dispose(): Promise<void> {
    await this.mutex.run(async () => {
      if (this.disposed) return;
      this.disposed = true;
      try {
        if (this.req.runId !== undefined && this.delta?.name !== undefined) {
          // What cannot be applied now (the lock or the server lost) stays recorded, with its table, for the next run.
          await this.applyPending();
          const left = (await this.ranges.listPlannerRanges(this.req.syncName)).some((r) => r.deltaTable === this.delta!.name);
          if (!left) await this.dropDelta(this.delta.name);
        }
      } catch {
        // Left for the next run (or `pinsync planner clean`).
      } finally {
        await this.conn.close();
      }
    });
  }

  private async tableExists(table: string): Promise<boolean> {
    const [row] = await this.conn.query<{ ok: boolean }>('SELECT to_regclass($1) IS NOT NULL AS ok', { values: [plannerTable(this.schema, table)] });
    return row!.ok;
  }

  private checkOpen(): void {
    if (this.disposed) throw new StateError('PINSYNC_STATE_DIFF_DISPOSED', 'this diff session was disposed; open a new one');
  }

  private checkFrozen(): void {
    this.checkOpen();
    if (!this.frozen) throw new StateError('PINSYNC_STATE_DIFF_NOT_FROZEN', 'the diff was not frozen: call computeDiff before reading or acknowledging batches');
  }
}

/** Ranges grouped by their delta table. */
function byTable(ranges: readonly PlannerRange[]): Map<string, PlannerRange[]> {
  const out = new Map<string, PlannerRange[]>();
  for (const r of ranges) out.set(r.deltaTable, [...(out.get(r.deltaTable) ?? []), r]);
  return out;
}

/** $1 ops, $2 starts, $3 ends of planner-apply-ranges.sql and planner-pending.sql. */
function rangeParams(ranges: readonly PlannerRange[]): [string[], number[], number[]] {
  return [ranges.map((r) => r.op), ranges.map((r) => r.start), ranges.map((r) => r.end)];
}
