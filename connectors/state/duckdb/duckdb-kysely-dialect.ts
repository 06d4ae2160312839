/**
 * A small kysely dialect for DuckDB (kysely-duckdb only supports 0.28 loosely and pulls the old `duckdb` package).
 * DuckDB speaks PostgreSQL's SQL closely enough that the Postgres query compiler and adapter work unchanged:
 * `$1` parameters, `"quoted"` identifiers and RETURNING are all accepted.
 *
 * There is exactly one DuckDB connection behind it, shared with the raw bulk SQL of the state store, because temp
 * tables (the staged diff) are visible only to the connection that made them. A mutex serializes users.
 */
import type { DuckDBConnection, DuckDBValue } from '@duckdb/node-api';
import {
  CompiledQuery,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  type Driver,
  type Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type QueryCompiler,
  type QueryResult,
} from 'kysely';
import { Mutex } from './mutex.js';

export interface DuckDbDialectConfig {
  /** The single connection every query goes through. */
  connection: DuckDBConnection;
  /** Serializes kysely and raw users of the connection. */
  mutex: Mutex;
  /** Turns an engine error into one a user can act on (a full disk); default: as it is. */
  translateError?: (err: unknown) => unknown;
}

export class DuckDbDialect implements Dialect {
  constructor(private readonly config: DuckDbDialectConfig) {}
  createDriver(): Driver {
    return new DuckDbDriver(this.config);
  }
  createQueryCompiler(): QueryCompiler {
    return new PostgresQueryCompiler();
  }
  createAdapter(): DialectAdapter {
    return new PostgresAdapter();
  }
  createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    // Not used by pinsync (its migrator is its own); present because the Dialect interface requires one.
    return new PostgresIntrospector(db);
  }
}

class DuckDbDriver implements Driver {
  private readonly connection: DuckDbKyselyConnection;
  private release: (() => void) | undefined;
  constructor(private readonly config: DuckDbDialectConfig) {
    this.connection = new DuckDbKyselyConnection(config.connection, config.translateError ?? ((err) => err));
  }
  async init(): Promise<void> {}
  async acquireConnection(): Promise<DatabaseConnection> {
    this.release = await this.config.mutex.acquire();
    return this.connection;
  }
  async beginTransaction(conn: DatabaseConnection): Promise<void> {
    await conn.executeQuery(CompiledQuery.raw('BEGIN TRANSACTION'));
  }
  async commitTransaction(conn: DatabaseConnection): Promise<void> {
    await conn.executeQuery(CompiledQuery.raw('COMMIT'));
  }
  async rollbackTransaction(conn: DatabaseConnection): Promise<void> {
    try {
      await conn.executeQuery(CompiledQuery.raw('ROLLBACK'));
    } catch (err) {
      // DuckDB already rolled back a transaction whose COMMIT failed (a full disk); kysely would otherwise throw this
      // instead of the error that explains what happened.
      if (!/no transaction is active/i.test(err instanceof Error ? err.message : String(err))) throw err;
    }
  }
  async releaseConnection(): Promise<void> {
    const release = this.release;
    this.release = undefined;
    release?.();
  }
  async destroy(): Promise<void> {}
}

class DuckDbKyselyConnection implements DatabaseConnection {
  constructor(
    private readonly conn: DuckDBConnection,
    private readonly translateError: (err: unknown) => unknown,
  ) {}

  async executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    const params = compiled.parameters.map(toDuckDbValue);
    const reader = await this.conn.runAndReadAll(compiled.sql, params).catch((err: unknown) => Promise.reject(this.translateError(err)));
    const rows = reader.getRowObjectsJS().map(fromDuckDbRow);
    const kind = compiled.query.kind;
    const isDml = kind === 'InsertQueryNode' || kind === 'UpdateQueryNode' || kind === 'DeleteQueryNode';
    // A DML without RETURNING answers one row {Count: n} instead of rows.
    if (isDml && rows.length === 1 && 'Count' in rows[0]!) {
      return { rows: [], numAffectedRows: BigInt(rows[0]!.Count as number) };
    }
    return { rows: rows as R[] };
  }

  // eslint-disable-next-line require-yield
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('streamQuery is not supported by the pinsync DuckDB dialect; use the state store bulk API');
  }
}

function toDuckDbValue(value: unknown): DuckDBValue {
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'boolean' || typeof value === 'string' || typeof value === 'bigint' || value === null) return value;
  if (typeof value === 'number') return Number.isInteger(value) ? BigInt(value) : value;
  if (value === undefined) return null;
  return JSON.stringify(value);
}

// Counts come back as bigint; every count pinsync stores fits a double exactly.
function fromDuckDbRow(row: Record<string, unknown>): Record<string, unknown> {
  for (const key of Object.keys(row)) {
    const v = row[key];
    if (typeof v === 'bigint' && v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER)) row[key] = Number(v);
  }
  return row;
}
