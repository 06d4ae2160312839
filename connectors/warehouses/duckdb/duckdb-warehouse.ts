/**
 * DuckDB as a warehouse: a database file (opened read-only, so dbt or another reader can share it) or `:memory:`
 * for queries that read CSV/Parquet themselves. Results stream chunk by chunk; only one batch is ever held.
 */
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { warehouseReadCancelled } from '../../../core/errors.js';
import type { AttachableDuckDb, RowBatch, Warehouse, WarehouseReadRequest } from '../../../core/warehouse.js';
import { openDuckDb } from '../../duckdb/open-duckdb.js';
import { ColumnBatcher } from '../column-batcher.js';
import { chunkCells } from './duckdb-cell-values.js';
import { duckDbOpenError, duckDbQueryError } from './duckdb-errors.js';
import { assertWarehouseFileExists, setFileSearchPathSql } from './duckdb-warehouse-file.js';

export interface DuckDbWarehouseOptions {
  /** The warehouse's name in the config, for errors that concern no particular sync (`check`). */
  name?: string;
  /** Database file (resolved against the config's folder) or `:memory:`. */
  path: string;
  /** DuckDB threads for this warehouse's instance. */
  threads?: number;
  /** DuckDB memory_limit for this warehouse's instance. */
  memoryLimit?: string;
  /** Folder relative file paths inside queries resolve against (the config's folder); default: the working directory. */
  fileSearchPath?: string | undefined;
}

export class DuckDbWarehouse implements Warehouse {
  readonly engine = 'duckdb' as const;
  readonly attachableDuckDb: AttachableDuckDb;
  private instance: DuckDBInstance | undefined;

  constructor(private readonly options: DuckDbWarehouseOptions) {
    this.attachableDuckDb = { path: options.path, fileSearchPath: options.fileSearchPath };
  }

  // Preparing binds the query (tables, columns, even a CSV's header) without running it.
  async describeColumns(req: { sql: string; syncName: string }): Promise<readonly string[]> {
    const conn = await this.connect(`sync ${req.syncName}`);
    try {
      let prepared;
      try {
        prepared = await conn.prepare(req.sql);
      } catch (err) {
        throw duckDbQueryError(`sync ${req.syncName}`, err);
      }
      try {
        return Array.from({ length: prepared.columnCount }, (_, i) => prepared.columnName(i));
      } finally {
        prepared.destroySync();
      }
    } finally {
      conn.closeSync();
    }
  }

  async check(): Promise<void> {
    const conn = await this.connect(`warehouse ${this.options.name ?? this.options.path}`);
    try {
      await conn.run('SELECT 1');
    } finally {
      conn.closeSync();
    }
  }

  async *read(req: WarehouseReadRequest): AsyncIterable<RowBatch> {
    const conn = await this.connect(`sync ${req.syncName}`);
    const onAbort = () => conn.interrupt();
    req.signal?.addEventListener('abort', onAbort);
    try {
      const aborted = () => warehouseReadCancelled(`sync ${req.syncName}`);
      let result;
      try {
        result = await conn.stream(req.sql);
      } catch (err) {
        throw req.signal?.aborted ? aborted() : duckDbQueryError(`sync ${req.syncName}`, err);
      }
      const columnTypes = result.columnTypes();
      const batcher = new ColumnBatcher(result.columnNames(), req.batchSize);
      for (;;) {
        let chunk;
        try {
          chunk = await result.fetchChunk();
        } catch (err) {
          // An interrupt surfaces as DuckDB's "INTERRUPT Error": report it as the cancellation it is.
          throw req.signal?.aborted ? aborted() : duckDbQueryError(`sync ${req.syncName}`, err);
        }
        if (req.signal?.aborted) throw aborted();
        if (!chunk || chunk.rowCount === 0) break;
        // By column type: exact decimals as text, JSON unwrapped, BLOB as bytes (see duckdb-cell-values.ts).
        for (const batch of batcher.appendColumns(chunkCells(chunk, columnTypes), chunk.rowCount)) {
          if (req.signal?.aborted) throw aborted();
          yield batch;
        }
      }
      const rest = batcher.rest();
      if (rest) yield rest;
    } finally {
      req.signal?.removeEventListener('abort', onAbort);
      conn.closeSync();
    }
  }

  async close(): Promise<void> {
    this.instance?.closeSync();
    this.instance = undefined;
  }

  // Opened lazily: with a DuckDB state store the query usually runs inside the state engine instead (pushdown),
  // and this instance is never needed.
  private async connect(who: string): Promise<DuckDBConnection> {
    if (!this.instance) {
      const { path } = this.options;
      await assertWarehouseFileExists(who, path);
      try {
        this.instance = await openDuckDb(path, {
          readOnly: path !== ':memory:',
          threads: this.options.threads,
          memoryLimit: this.options.memoryLimit,
        });
      } catch (err) {
        throw duckDbOpenError(who, path, err);
      }
    }
    const conn = await this.instance.connect();
    if (this.options.fileSearchPath !== undefined) await conn.run(setFileSearchPathSql(this.options.fileSearchPath));
    return conn;
  }
}
