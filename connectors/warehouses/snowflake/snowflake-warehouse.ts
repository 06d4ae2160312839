/**
 * Snowflake as a warehouse. Each read opens its own session, tagged `QUERY_TAG = 'pinsync:<sync>'` so the sync is
 * visible in Snowflake's query history, runs one statement with `streamResult: true` and streams its rows; the
 * session ends when the iteration does (completed, broken out of, failed or aborted). A session per read costs one
 * login round trip per sync and keeps reads independent: no shared session state, nothing to reset between syncs.
 *
 * NUMBER columns are fetched as strings (`fetchAsString`), so large integer identifiers stay exact. Column names are
 * reported as Snowflake returns them (unquoted names upper-case); core matches them case-insensitively.
 */
import type { Readable } from 'node:stream';
import type { Connection, RowStatement, StatementOption } from 'snowflake-sdk';
import type { RowBatch, Warehouse, WarehouseReadRequest } from '../../../core/warehouse.js';
import { snowflakeConnectionOptions, type SnowflakeConnectionSettings } from './snowflake-connection-options.js';
import { snowflakeAbortedError, toSnowflakeError, type SnowflakeErrorContext } from './snowflake-errors.js';
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

// Kept exact (NUMBER), unambiguous (dates in the session's format) and hashable (BINARY as hex) as text.
const FETCH_AS_STRING: StatementOption['fetchAsString'] = ['Number', 'Date', 'Buffer'];
// Cancelling and logging out are best effort: a slow answer must not hold up the caller.
const CLEANUP_WAIT_MS = 5_000;

export class SnowflakeWarehouse implements Warehouse {
  readonly engine = 'snowflake' as const;
  private readonly open = new Set<Connection>();

  constructor(private readonly options: SnowflakeWarehouseOptions) {}

  async check(opts: { signal?: AbortSignal } = {}): Promise<void> {
    const who = `warehouse ${this.options.name ?? this.options.account}`;
    for await (const _batch of this.run({ sql: 'SELECT 1', who, tag: 'pinsync:check', batchSize: 1, signal: opts.signal })) {
      // One row proves the login, the warehouse and the session context.
    }
  }

  read(req: WarehouseReadRequest): AsyncIterable<RowBatch> {
    return this.run({ sql: req.sql, who: `sync ${req.syncName}`, tag: `pinsync:${req.syncName}`, batchSize: req.batchSize, signal: req.signal });
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
    });
    if (signal?.aborted) throw snowflakeAbortedError(who, signal.reason);

    const sdk = await loadSnowflakeSdk(this.options.sdkLog);
    let conn: Connection;
    try {
      conn = sdk.createConnection(snowflakeConnectionOptions(this.options, q.tag));
    } catch (err) {
      // Invalid options are caught synchronously (a malformed account, an unreadable key setting).
      throw toSnowflakeError(err, ctx('connect'));
    }
    this.open.add(conn);
    let statement: RowStatement | undefined;
    let rows: Readable | undefined;
    let finished = false;
    let failedOnServer = false;
    const onAbort = () => rows?.destroy(snowflakeAbortedError(who, signal?.reason));
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      try {
        await abortable(connect(conn), signal, () => snowflakeAbortedError(who, signal?.reason));
      } catch (err) {
        throw toSnowflakeError(err, ctx('connect'));
      }
      try {
        if (this.options.statementTimeoutSeconds !== undefined) {
          // A session parameter set by statement: documented, and it covers the one statement this session runs.
          await abortable(execute(conn, { sqlText: `ALTER SESSION SET STATEMENT_TIMEOUT_IN_SECONDS = ${Math.floor(this.options.statementTimeoutSeconds)}` }).done, signal, () => snowflakeAbortedError(who, signal?.reason));
        }
        const started = execute(conn, { sqlText: q.sql, streamResult: true, fetchAsString: FETCH_AS_STRING, rowMode: 'array' });
        statement = started.statement;
        // A statement Snowflake answered with an error has ended there: nothing to cancel.
        started.done.catch(() => (failedOnServer = true));
        await abortable(started.done, signal, () => snowflakeAbortedError(who, signal?.reason));
      } catch (err) {
        throw toSnowflakeError(err, ctx('query'));
      }
      const columnNames = (statement.getColumns() ?? []).map((c) => c.getName());
      rows = statement.streamRows();
      if (signal?.aborted) onAbort();
      try {
        yield* snowflakeRowBatches(rows, columnNames, q.batchSize);
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

