/**
 * The SQL of a dbt sync request, the contract between pinsync's dbt package (dbt/pinsync/macros/request_sync.sql)
 * and `sync --requested`: the table the post-hook creates and inserts into, and the query pinsync polls it with.
 * dbt cannot run in pinsync's tests, so `requestSyncStatements` renders, Jinja-free, what the macro renders on
 * Postgres and DuckDB for one model; the tests run it on both and check the macro file names the same columns.
 */

/** Schema of the requests table: the macro's `pinsync_schema` var defaults to it. */
export const REQUESTS_SCHEMA = 'pinsync';
/** Name of the requests table inside that schema. */
export const REQUESTS_TABLE = 'sync_requests';
/** The requests table's columns, in order: the macro creates exactly these. */
export const REQUEST_COLUMNS = ['model_unique_id', 'relation', 'invocation_id', 'requested_at'] as const;

/** One post-hook's row. */
export interface SyncRequestRow {
  /** dbt's `model.unique_id` (`model.package.name`). */
  modelUniqueId: string;
  /** `{{ this }}` as dbt renders it, e.g. `"analytics"."main"."vip"`. */
  relation: string;
  /** dbt's `invocation_id`: which `dbt build` made the request; run_results.json carries the same id. */
  invocationId: string;
  /** When the hook ran (UTC). */
  requestedAt: Date;
}

/**
 * The statements the macro runs for `row` on Postgres and DuckDB (double-quoted identifiers), with the requests table
 * in `database.schema` (database omitted: the connection's own). Each is safe to run again: the hook runs on every
 * build.
 */
export function requestSyncStatements(row: SyncRequestRow, where: { database?: string; schema?: string } = {}): string[] {
  const schema = [where.database, where.schema ?? REQUESTS_SCHEMA].filter((p): p is string => p !== undefined).map(quoteId);
  const table = [...schema, quoteId(REQUESTS_TABLE)].join('.');
  return [
    // Postgres's CREATE SCHEMA takes no database part (dbt's postgres__create_schema leaves it out too).
    `CREATE SCHEMA IF NOT EXISTS ${schema[schema.length - 1]!}`,
    `CREATE TABLE IF NOT EXISTS ${table} (model_unique_id VARCHAR, relation VARCHAR, invocation_id VARCHAR, requested_at TIMESTAMP)`,
    `INSERT INTO ${table} (${REQUEST_COLUMNS.join(', ')}) VALUES (${literal(row.modelUniqueId)}, ${literal(row.relation)}, ${literal(row.invocationId)}, ${timestampLiteral(row.requestedAt)})`,
  ];
}

/**
 * The poll: the requests of the last days, one row per (model, invocation), newest first. It reads three short
 * columns of a table that grows by one row per model build, and filters on the time the hook wrote as a UTC
 * literal, so the same text runs on DuckDB, Postgres, Snowflake and BigQuery.
 */
export function pollRequestsSql(table: string, since: Date): string {
  return (
    `SELECT model_unique_id, invocation_id, max(requested_at) AS requested_at FROM ${table} ` +
    `WHERE requested_at >= ${timestampLiteral(since)} GROUP BY model_unique_id, invocation_id ORDER BY 3 DESC`
  );
}

/** `CAST('2026-12-02 16:00:00' AS TIMESTAMP)`: a UTC wall-clock time every engine reads the same way. */
export function timestampLiteral(at: Date): string {
  return `CAST('${at.toISOString().slice(0, 19).replace('T', ' ')}' AS TIMESTAMP)`;
}

function literal(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

function quoteId(part: string): string {
  return `"${part.replace(/"/g, '""')}"`;
}
