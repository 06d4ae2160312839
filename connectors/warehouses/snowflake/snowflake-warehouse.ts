/**
 * Snowflake as a warehouse. Each read opens its own session, tagged `QUERY_TAG = 'pinsync:<sync>'` so the sync is
 * visible in Snowflake's query history, runs one statement with `streamResult: true` and streams its rows; the
 * session ends when the iteration does (completed, broken out of, failed or aborted). A session per read costs one
 * login round trip per sync and keeps reads independent: no shared session state, nothing to reset between syncs.
 *
 * Cells are decoded by column type (snowflake-cell-values.ts): NUMBER as exact text, BINARY as bytes whatever the
 * account's BINARY_OUTPUT_FORMAT, VARIANT/OBJECT/ARRAY parsed from their JSON text. Column names are reported as
 * Snowflake returns them (unquoted names upper-case); core matches them case-insensitively.
 *
 * `check()` asks for CURRENT_WAREHOUSE(), CURRENT_DATABASE() and CURRENT_SCHEMA(): a login succeeds even when the
 * configured warehouse does not exist or the role may not use it (Snowflake leaves the session without one), and
 * `SELECT 1` runs without a warehouse, so only the session's context proves a sync's query could run.
 */
import type { Readable } from 'node:stream';
import type { Connection, RowStatement, StatementOption } from 'snowflake-sdk';
import type { RowBatch, Warehouse, WarehouseReadRequest } from '../../../core/warehouse.js';
import { WarehouseError, warehouseReadCancelled } from '../../../core/errors.js';
import { snowflakeCellDecoder } from './snowflake-cell-values.js';
import { snowflakeConnectionOptions, type SnowflakeConnectionSettings } from './snowflake-config.js';
import { missingSessionObjectText, toSnowflakeError, type MissingSessionObject, type SnowflakeErrorContext } from './snowflake-errors.js';
import { checkedSnowflakePrivateKey } from './snowflake-private-key.js';
import { snowflakeRowBatches } from './snowflake-row-batches.js';
import { loadSnowflakeSdk, type SnowflakeSdkLog } from './snowflake-sdk-loader.js';
import { abortable } from '../abortable.js';

export interface SnowflakeWarehouseOptions extends SnowflakeConnectionSettings {
  /** The configured warehouse name, for messages about checks that run for no particular sync. */
  name?: string;
  /** Snowflake stops a statement that runs longer (`STATEMENT_TIMEOUT_IN_SECONDS`); Snowflake's default when unset. */
  statementTimeoutSeconds?: number;
  /** Receives the SDK's error-level log lines; dropped when unset. */
  sdkLog?: SnowflakeSdkLog;
}

// As text: NUMBER (exact), dates (in the session's format) and the JSON of VARIANT/OBJECT/ARRAY/MAP, which
// snowflake-cell-values.ts parses. BINARY is not here: as a string it would follow BINARY_OUTPUT_FORMAT (hex or
// base64), as a Buffer it is the bytes. OBJECT/ARRAY/MAP are SDK native type names its typings leave out.
const FETCH_AS_STRING = ['Number', 'Date', 'JSON', 'OBJECT', 'ARRAY', 'MAP'] as unknown as StatementOption['fetchAsString'];
// Context functions run in Snowflake's cloud services: this needs no warehouse, and says whether the session has one.
const CHECK_SQL = 'SELECT CURRENT_WAREHOUSE() AS "WAREHOUSE", CURRENT_DATABASE() AS "DATABASE", CURRENT_SCHEMA() AS "SCHEMA"';
// Cancelling and logging out are best effort: a slow answer must not hold up the caller.
const CLEANUP_WAIT_MS = 5_000;

export class SnowflakeWarehouse implements Warehouse {
  readonly engine = 'snowflake' as const;
  private readonly open = new Set<Connection>();

  constructor(private readonly options: SnowflakeWarehouseOptions) {}

  async check(opts: { signal?: AbortSignal } = {}): Promise<void> {
    const who = `warehouse ${this.options.name ?? this.options.account}`;
    let current: readonly unknown[] = [];
    for await (const batch of this.run({ sql: CHECK_SQL, who, tag: 'pinsync:check', batchSize: 1, signal: opts.signal })) {
      current = batch.columns.map((column) => column[0]);
    }
    const [warehouse, database, schema] = current;
    const o = this.options;
    const missing: MissingSessionObject[] = [];
    // Without a database Snowflake has no schema either: only the database is worth naming then.
    if (database === null || database === undefined) missing.push({ kind: 'database', name: o.database });
    else if (schema === null || schema === undefined) missing.push({ kind: 'schema', name: `${o.database}.${o.schema}` });
    if (warehouse === null || warehouse === undefined) missing.push({ kind: 'warehouse', name: o.warehouse });
    if (missing.length > 0) {
      const context = { role: o.role, settingsPath: this.settingsPath() };
      throw new WarehouseError('PINSYNC_WAREHOUSE_PERMISSION', `${who}: ${missing.map((m) => missingSessionObjectText(m, context)).join('; ')}`);
    }
  }

  read(req: WarehouseReadRequest): AsyncIterable<RowBatch> {
    return this.run({ sql: req.sql, who: `sync ${req.syncName}`, tag: `pinsync:${req.syncName}`, batchSize: req.batchSize, signal: req.signal });
  }

  // `warehouses.<name>` as written in the config; the account when the connector was built without a name.
  private settingsPath(): string {
    return `warehouses.${this.options.name ?? this.options.account}`;
  }

  async close(): Promise<void> {
    await Promise.all([...this.open].map((conn) => destroy(conn)));
    this.open.clear();
  }

  private async *run(q: { sql: string; who: string; tag: string; batchSize: number; signal: AbortSignal | undefined }): AsyncGenerator<RowBatch> {
    const { who, signal } = q;
    const ctx = (phase: 'connect' | 'query'): SnowflakeErrorContext => ({
      who,
      phase,
      account: this.options.account,
      username: this.options.username,
      statementTimeoutSeconds: this.options.statementTimeoutSeconds,
      warehouse: this.options.warehouse,
      database: this.options.database,
      schema: this.options.schema,
      role: this.options.role,
      settingsPath: this.settingsPath(),
    });
    if (signal?.aborted) throw warehouseReadCancelled(who, signal.reason);

    const privateKey = checkedSnowflakePrivateKey(this.options, who);
    const sdk = await loadSnowflakeSdk(this.options.sdkLog);
    let conn: Connection;
    try {
      conn = sdk.createConnection(snowflakeConnectionOptions({ ...this.options, ...(privateKey !== undefined && { privateKey }) }, q.tag));
    } catch (err) {
      // Invalid options are caught synchronously (a malformed account, an unreadable key setting).
      throw toSnowflakeError(err, ctx('connect'));
    }
    this.open.add(conn);
    let statement: RowStatement | undefined;
    let rows: Readable | undefined;
    let finished = false;
    let failedOnServer = false;
    const onAbort = () => rows?.destroy(warehouseReadCancelled(who, signal?.reason));
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      try {
        await abortable(connect(conn), signal, () => warehouseReadCancelled(who, signal?.reason));
      } catch (err) {
        throw toSnowflakeError(err, ctx('connect'));
      }
      try {
        if (this.options.statementTimeoutSeconds !== undefined) {
          // A session parameter set by statement: documented, and it covers the one statement this session runs.
          await abortable(execute(conn, { sqlText: `ALTER SESSION SET STATEMENT_TIMEOUT_IN_SECONDS = ${Math.floor(this.options.statementTimeoutSeconds)}` }).done, signal, () => warehouseReadCancelled(who, signal?.reason));
        }
        const started = execute(conn, { sqlText: q.sql, streamResult: true, fetchAsString: FETCH_AS_STRING, rowMode: 'array' });
        statement = started.statement;
        // A statement Snowflake answered with an error has ended there: nothing to cancel.
        started.done.catch(() => (failedOnServer = true));
        await abortable(started.done, signal, () => warehouseReadCancelled(who, signal?.reason));
      } catch (err) {
        throw toSnowflakeError(err, ctx('query'));
      }
      const columns = statement.getColumns() ?? [];
      const columnNames = columns.map((c) => c.getName());
      const decoders = columns.map((c) => snowflakeCellDecoder(c.getType()));
      rows = statement.streamRows();
      if (signal?.aborted) onAbort();
      try {
        yield* snowflakeRowBatches(rows, columnNames, decoders, q.batchSize);
      } catch (err) {
        throw toSnowflakeError(err, ctx('query'));
      }
      finished = true;
    } finally {
      signal?.removeEventListener('abort', onAbort);
      rows?.destroy();
      // Broken out of, failed or aborted before the end: stop the statement rather than let it run on the warehouse.
      if (!finished && statement && !failedOnServer) await cancel(statement);
      this.open.delete(conn);
      await destroy(conn);
    }
  }
}

function connect(conn: Connection): Promise<void> {
  return new Promise((resolve, reject) => conn.connect((err) => (err ? reject(err) : resolve())));
}

// `execute` hands back the statement at once (so it can be cancelled while it runs); `done` settles when Snowflake
// has answered with the result's metadata (or the error).
function execute(conn: Connection, options: StatementOption): { statement: RowStatement; done: Promise<void> } {
  let statement!: RowStatement;
  const done = new Promise<void>((resolve, reject) => {
    statement = conn.execute({ ...options, complete: (err) => (err ? reject(err) : resolve()) }) as RowStatement;
  });
  return { statement, done };
}

function cancel(statement: RowStatement): Promise<void> {
  return bounded(new Promise<void>((resolve) => statement.cancel(() => resolve())));
}

// Also called on a connection still logging in (aborted mid-login): the SDK queues the logout until the login is
// done, so the session does not outlive us. On one that never connected it answers at once.
function destroy(conn: Connection): Promise<void> {
  return bounded(new Promise<void>((resolve) => conn.destroy(() => resolve())));
}

async function bounded(promise: Promise<void>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([promise.catch(() => undefined), new Promise<void>((resolve) => (timer = setTimeout(resolve, CLEANUP_WAIT_MS)))]);
  } finally {
    clearTimeout(timer);
  }
}

