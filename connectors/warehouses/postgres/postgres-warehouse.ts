/**
 * Postgres (and Redshift, which speaks the same wire protocol) as a warehouse. Every read gets its own client and
 * streams through a server-side cursor, so only one batch (plus one prefetched FETCH) is ever in memory:
 *
 *   BEGIN READ ONLY; SET statement_timeout = …; SELECT pg_backend_pid(), version()   -- one round trip
 *   SET LOCAL cursor_tuple_fraction = 1; DECLARE pinsync_read CURSOR FOR <query>       -- one round trip
 *   FETCH FORWARD n FROM pinsync_read   -- repeated; the next one is sent while the caller handles this batch
 *   SELECT … FROM pg_type …             -- once, only if the first FETCH returned types not known by OID
 *   ROLLBACK                            -- closes the cursor and undoes the SETs; nothing was written
 *
 * The transaction is READ ONLY so a sync's query can never change the warehouse. Aborting cancels the running
 * statement with `pg_cancel_backend` from a second connection; breaking out early does the same for a prefetch
 * still running, then rolls back and closes the client.
 *
 * Redshift differences, all handled here or documented for users:
 * - Cursors exist only inside a transaction block (this is why the read opens one; plain Postgres would allow
 *   `WITH HOLD` cursors outside, Redshift does not), and only one cursor may be open per session (we open one).
 * - DECLARE takes no `NO SCROLL`/`WITH HOLD` options, so none are used.
 * - On the first FETCH Redshift materializes the whole result on the leader node; the total size of all open
 *   cursors is capped per node type (`max_cursor_result_set_size`). For very large audiences, keep the diff in
 *   the warehouse (see DESIGN, "Where state lives") rather than streaming every row out.
 * - Single-node clusters accept at most 1,000 rows per FETCH, so on Redshift (detected from `version()`) each
 *   FETCH asks for at most 1,000 rows by default and several FETCHes fill one batch; multi-node clusters have no
 *   such cap, so `maxFetchRows` may raise it there.
 * - `cursor_tuple_fraction` does not exist, so it is not set; SUPER and VARBYTE are parsed like JSON and bytea.
 * - `statement_timeout` exists but a WLM query timeout may cancel first; either surfaces as a WarehouseError.
 * - int8/numeric arrive as text exactly as on Postgres (see postgres-cell-values.ts for every type).
 */
import type { Client, ClientConfig, FieldDef, QueryArrayResult, QueryResult } from 'pg';
import type { StateStore } from '../../../core/state-store.js';
import type { PlannerCleanResult, PlannerDiffRequest, PlannerDiffSession, RowBatch, Warehouse, WarehouseReadRequest } from '../../../core/warehouse.js';
import { ColumnBatcher } from '../column-batcher.js';
import { buildClientConfig, type PostgresConnectionOptions } from './postgres-config.js';
import { cancelBackend, closeClient, connectClient } from './postgres-connection.js';
import { UsageError, warehouseReadCancelled } from '../../../core/errors.js';
import { DEFAULT_PLANNER_STATEMENT_TIMEOUT_MS } from './planner/planner-timeout.js';
import { type PgErrorContext, toWarehouseError } from './postgres-errors.js';
import { learnTypes, pinsyncPgTypes, ReadTypes } from './postgres-cell-values.js';

/** Redshift single-node clusters refuse `FETCH FORWARD n` with n above this. */
export const REDSHIFT_MAX_FETCH_ROWS = 1000;

const CURSOR = 'pinsync_read';

export interface PostgresWarehouseOptions extends PostgresConnectionOptions {
  /** The warehouse's name in the config, used in errors that concern no particular sync (`check`). */
  name: string;
  /** `statement_timeout` for each statement of a read (the DECLARE and every FETCH); unset: the server's default. */
  statementTimeoutMs?: number;
  /** `planner:`: the schema where `diff: warehouse` syncs keep their membership and diff (./planner/). */
  planner?: { schema: string } | undefined;
  /** Upper bound on rows per FETCH (several FETCHes then fill one batch); default: the batch size (1,000 on Redshift, whose single-node clusters refuse more). */
  maxFetchRows?: number;
}

export class PostgresWarehouse implements Warehouse {
  readonly engine = 'postgres' as const;
  private clientConfig: ClientConfig | undefined;

  constructor(private readonly options: PostgresWarehouseOptions) {}

  async check(opts: { signal?: AbortSignal } = {}): Promise<void> {
    const who = `warehouse ${this.options.name}`;
    const config = await this.config(who);
    const ctx = this.errorContext(who, config, 'connect');
    let client: Client | undefined;
    try {
      client = await connectClient(config, opts.signal, () => warehouseReadCancelled(who));
      ctx.phase = 'query';
      await client.query('SELECT 1');
    } catch (err) {
      throw opts.signal?.aborted ? warehouseReadCancelled(who, err) : toWarehouseError(err, ctx);
    } finally {
      if (client) await closeClient(client);
    }
  }

  async *read(req: WarehouseReadRequest): AsyncIterable<RowBatch> {
    const who = `sync ${req.syncName}`;
    const { signal } = req;
    if (signal?.aborted) throw warehouseReadCancelled(who);
    const config = await this.config(who);
    const ctx = this.errorContext(who, config, 'connect');

    let client: Client | undefined;
    let pid: number | undefined;
    let cancelling: Promise<void> | undefined;
    const cancel = () => {
      if (pid !== undefined && cancelling === undefined) cancelling = cancelBackend(config, pid);
    };
    // Rejects the moment the caller aborts, so no await below outlives an abort even if the server never answers.
    let onAbort = () => {};
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => {
        cancel();
        reject(warehouseReadCancelled(who));
      };
    });
    aborted.catch(() => {});
    signal?.addEventListener('abort', onAbort, { once: true });
    const untilAborted = <T>(work: Promise<T>): Promise<T> => (signal ? Promise.race([work, aborted]) : work);

    // The FETCH sent ahead while the caller works on the previous batch; `settled` tells whether it still runs.
    let prefetch: { result: Promise<QueryArrayResult>; settled: boolean } | undefined;
    let healthy = true;
    try {
      client = await connectClient(config, signal, () => warehouseReadCancelled(who));
      ctx.phase = 'query';
      const session = await untilAborted(startSession(client, this.options.statementTimeoutMs));
      pid = session.pid;
      // A cursor is planned for its first 10% of rows by default (a plan that starts fast but may take far longer
      // overall); pinsync reads every row. Redshift has no such setting. LOCAL: the ROLLBACK undoes it.
      const planForAllRows = session.redshift ? '' : 'SET LOCAL cursor_tuple_fraction = 1; ';
      await untilAborted(client.query(`${planForAllRows}DECLARE ${CURSOR} CURSOR FOR\n${stripTrailingSemicolons(req.sql)}\n`));

      const types = new ReadTypes(session.redshift);
      const fetchRows = Math.min(req.batchSize, this.options.maxFetchRows ?? (session.redshift ? REDSHIFT_MAX_FETCH_ROWS : req.batchSize));
      const sendFetch = (c: Client): { result: Promise<QueryArrayResult>; settled: boolean } => {
        const pending = { result: c.query({ text: `FETCH FORWARD ${fetchRows} FROM ${CURSOR}`, rowMode: 'array', types }), settled: false };
        pending.result.then(
          () => (pending.settled = true),
          () => (pending.settled = true),
        );
        return pending;
      };

      prefetch = sendFetch(client);
      let batcher: ColumnBatcher | undefined;
      while (prefetch) {
        const { rows, fields }: QueryArrayResult = await untilAborted(prefetch.result);
        if (batcher === undefined) {
          batcher = new ColumnBatcher(fields.map((f) => f.name), req.batchSize);
          // The first FETCH tells the column types; types not known by OID are looked up before the next FETCH,
          // and this FETCH's cells of those types (handed over as text so far) are parsed now.
          if (rows.length > 0) await untilAborted(parseUnknownTypes(client, types, rows, fields));
        }
        // A short FETCH means the cursor is exhausted; asking again would only cost a round trip.
        prefetch = rows.length === fetchRows ? sendFetch(client) : undefined;
        for (const batch of batcher.appendRows(rows)) {
          yield batch;
          if (signal?.aborted) throw warehouseReadCancelled(who);
        }
      }
      const rest = batcher?.rest();
      if (rest) yield rest;
    } catch (err) {
      healthy = false;
      if (signal?.aborted) throw warehouseReadCancelled(who, err);
      throw toWarehouseError(err, ctx);
    } finally {
      signal?.removeEventListener('abort', onAbort);
      if (client) {
        // Broke out while a prefetch still runs on the server: stop it rather than wait for rows nobody wants.
        if (prefetch && !prefetch.settled) cancel();
        if (cancelling) await cancelling;
        if (healthy) await rollback(client, prefetch?.result);
        await closeClient(client);
      }
    }
  }

  // The query planned under LIMIT 0 in a read-only transaction: Postgres reports the result's columns without
  // computing a row, so a misnamed identifier column is caught even when the result would be empty.
  async describeColumns(req: { sql: string; syncName: string; signal?: AbortSignal }): Promise<readonly string[]> {
    const who = `sync ${req.syncName}`;
    if (req.signal?.aborted) throw warehouseReadCancelled(who);
    const config = await this.config(who);
    const ctx = this.errorContext(who, config, 'connect');
    let client: Client | undefined;
    try {
      client = await connectClient(config, req.signal, () => warehouseReadCancelled(who));
      ctx.phase = 'query';
      await startSession(client, this.options.statementTimeoutMs);
      const { fields } = await client.query({ text: `SELECT * FROM (\n${stripTrailingSemicolons(req.sql)}\n) AS pinsync_columns LIMIT 0`, rowMode: 'array' });
      return fields.map((f) => f.name);
    } catch (err) {
      if (req.signal?.aborted) throw warehouseReadCancelled(who, err);
      throw toWarehouseError(err, ctx);
    } finally {
      if (client) {
        await rollback(client, undefined);
        await closeClient(client);
      }
    }
  }

  // `diff: warehouse` (./planner/): loaded only by syncs that use it.
  async openPlannerDiff(req: PlannerDiffRequest): Promise<PlannerDiffSession> {
    const who = `sync ${req.syncName}`;
    const schema = this.plannerSchema(who);
    const { PostgresPlannerSession } = await import('./planner/postgres-planner-session.js');
    const config = await this.config(who);
    const { who: _who, phase: _phase, ...errorContext } = this.errorContext(who, config, 'connect');
    return PostgresPlannerSession.open(req, { config, schema, errorContext, statementTimeoutMs: this.options.statementTimeoutMs ?? DEFAULT_PLANNER_STATEMENT_TIMEOUT_MS });
  }

  async cleanPlanner(req: { state: StateStore; syncNames?: readonly string[] | undefined; signal?: AbortSignal }): Promise<PlannerCleanResult> {
    const who = `warehouse ${this.options.name}`;
    const schema = this.plannerSchema(who);
    const [{ PlannerConnection }, { cleanPlanner }] = await Promise.all([import('./planner/planner-connection.js'), import('./planner/clean-planner.js')]);
    const config = await this.config(who);
    const conn = await PlannerConnection.open(config, this.errorContext(who, config, 'connect'), this.options.statementTimeoutMs ?? DEFAULT_PLANNER_STATEMENT_TIMEOUT_MS, req.signal);
    try {
      return await cleanPlanner(conn, schema, req.state, req.syncNames);
    } finally {
      await conn.close();
    }
  }

  private plannerSchema(who: string): string {
    const schema = this.options.planner?.schema;
    if (schema === undefined) throw new UsageError(`${who}: warehouse ${this.options.name} has no planner schema; add planner: { schema: pinsync } to its config`);
    return schema;
  }

  async close(): Promise<void> {
    // Nothing is pooled: every read and check closes its own client.
  }

  private async config(who: string): Promise<ClientConfig> {
    this.clientConfig ??= await buildClientConfig(this.options, who);
    return this.clientConfig;
  }

  private errorContext(who: string, config: ClientConfig, phase: PgErrorContext['phase']): PgErrorContext {
    return { who, server: describeServer(config, this.options), user: this.options.user ?? urlUser(this.options.url), phase, statementTimeoutMs: this.options.statementTimeoutMs };
  }
}

/** What the setup round trip learns about the session. */
interface SessionInfo {
  /** The server process running this session, for `pg_cancel_backend`. */
  pid: number;
  /** Whether the server is Redshift (smaller FETCH limit). */
  redshift: boolean;
}

// One simple-query message with three statements: a single round trip however far away the warehouse is. The SET
// comes after BEGIN so that the ROLLBACK at the end undoes it, which matters behind a transaction-mode pooler.
async function startSession(client: Client, statementTimeoutMs: number | undefined): Promise<SessionInfo> {
  const timeout = statementTimeoutMs !== undefined ? `SET statement_timeout = ${Math.floor(statementTimeoutMs)}; ` : '';
  const results = (await client.query(`BEGIN READ ONLY; ${timeout}SELECT pg_backend_pid() AS pid, version() AS version`)) as unknown as
    | QueryResult
    | QueryResult[];
  const last = Array.isArray(results) ? results[results.length - 1]! : results;
  const row = last.rows[0] as { pid: number | string; version: string };
  return { pid: Number(row.pid), redshift: /redshift/i.test(row.version) };
}

async function parseUnknownTypes(client: Client, types: ReadTypes, rows: unknown[][], fields: readonly FieldDef[]): Promise<void> {
  const unknown = new Set(types.unknown(fields.map((f) => f.dataTypeID)));
  if (unknown.size === 0) return;
  await learnTypes(types, [...unknown], async (sql) => (await client.query({ text: sql, types: pinsyncPgTypes })).rows);
  for (let c = 0; c < fields.length; c++) {
    const oid = fields[c]!.dataTypeID;
    if (!unknown.has(oid)) continue;
    const parse = types.getTypeParser(oid, 'text') as (value: string) => unknown;
    for (const row of rows) if (row[c] !== null) row[c] = parse(row[c] as string);
  }
}

async function rollback(client: Client, prefetch: Promise<unknown> | undefined): Promise<void> {
  try {
    // `pg` queues the ROLLBACK behind a FETCH still in flight; that FETCH's own outcome no longer matters.
    await prefetch?.catch(() => {});
    await client.query('ROLLBACK');
  } catch {
    // The client is closed right after, which ends the transaction on the server anyway.
  }
}

// DECLARE … CURSOR FOR takes exactly one statement without its terminator; users often end queries with ';'.
function stripTrailingSemicolons(sql: string): string {
  return sql.replace(/[\s;]+$/, '');
}

function describeServer(config: ClientConfig, opts: PostgresConnectionOptions): string {
  let host = config.host ?? opts.host;
  let port = config.port ?? opts.port;
  let database = config.database ?? opts.database;
  if (opts.url !== undefined) {
    try {
      const url = new URL(opts.url);
      host = decodeURIComponent(url.hostname) || url.searchParams.get('host') || undefined;
      port = url.port ? Number(url.port) : undefined;
      database = decodeURIComponent(url.pathname.replace(/^\//, '')) || undefined;
    } catch {
      return 'the configured URL';
    }
  }
  return `${host ?? process.env.PGHOST ?? 'localhost'}:${port ?? process.env.PGPORT ?? 5432}${database ? `/${database}` : ''}`;
}

function urlUser(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  try {
    return decodeURIComponent(new URL(url).username) || undefined;
  } catch {
    return undefined;
  }
}
