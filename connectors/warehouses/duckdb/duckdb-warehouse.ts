/**
 * DuckDB as a warehouse: a database file (opened read-only, so dbt or another reader can share it) or `:memory:`
 * for queries that read CSV/Parquet themselves. Results stream chunk by chunk; only one batch is ever held.
 */
import { access } from 'node:fs/promises';
import { type DuckDBConnection, type DuckDBInstance, JSDuckDBValueConverter } from '@duckdb/node-api';
import { WarehouseError } from '../../../core/errors.js';
import type { RowBatch, Warehouse, WarehouseReadRequest } from '../../../core/warehouse.js';
import { openDuckDb } from '../../duckdb/open-duckdb.js';

export interface DuckDbWarehouseOptions {
  /** Database file (resolved against the config's folder) or `:memory:`. */
  path: string;
  /** DuckDB threads for this warehouse's instance. */
  threads?: number;
  /** DuckDB memory_limit for this warehouse's instance. */
  memoryLimit?: string;
}

export class DuckDbWarehouse implements Warehouse {
  readonly engine = 'duckdb' as const;
  readonly attachableDuckDb: { path: string };
  private instance: DuckDBInstance | undefined;

  constructor(private readonly options: DuckDbWarehouseOptions) {
    this.attachableDuckDb = { path: options.path };
  }

  async check(): Promise<void> {
    const conn = await this.connect('check');
    try {
      await conn.run('SELECT 1');
    } finally {
      conn.closeSync();
    }
  }

  async *read(req: WarehouseReadRequest): AsyncIterable<RowBatch> {
    const conn = await this.connect(req.syncName);
    const onAbort = () => conn.interrupt();
    req.signal?.addEventListener('abort', onAbort);
    try {
      const aborted = () => new WarehouseError('PINSYNC_ABORTED', `sync ${req.syncName}: reading the warehouse was cancelled`);
      let result;
      try {
        result = await conn.stream(req.sql);
      } catch (err) {
        throw req.signal?.aborted ? aborted() : queryError(req.syncName, err);
      }
      const columnNames = result.columnNames();
      let columns: unknown[][] = columnNames.map(() => []);
      let rowCount = 0;
      for (;;) {
        let chunk;
        try {
          chunk = await result.fetchChunk();
        } catch (err) {
          // An interrupt surfaces as DuckDB's "INTERRUPT Error": report it as the cancellation it is.
          throw req.signal?.aborted ? aborted() : queryError(req.syncName, err);
        }
        if (req.signal?.aborted) throw aborted();
        if (!chunk || chunk.rowCount === 0) break;
        const values = chunk.convertColumns(JSDuckDBValueConverter);
        let offset = 0;
        while (offset < chunk.rowCount) {
          const take = Math.min(req.batchSize - rowCount, chunk.rowCount - offset);
          for (let c = 0; c < columns.length; c++) {
            const src = values[c]!;
            const dst = columns[c]!;
            for (let r = offset; r < offset + take; r++) dst.push(src[r]);
          }
          rowCount += take;
          offset += take;
          if (rowCount === req.batchSize) {
            if (req.signal?.aborted) throw aborted();
            yield { columnNames, columns, rowCount };
            columns = columnNames.map(() => []);
            rowCount = 0;
          }
        }
      }
      if (rowCount > 0) yield { columnNames, columns, rowCount };
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
  private async connect(syncName: string): Promise<DuckDBConnection> {
    if (!this.instance) {
      const { path } = this.options;
      if (path !== ':memory:') {
        try {
          await access(path);
        } catch {
          throw new WarehouseError('PINSYNC_WAREHOUSE_UNREACHABLE', `sync ${syncName}: DuckDB warehouse file ${path} does not exist`);
        }
      }
      try {
        this.instance = await openDuckDb(path, {
          readOnly: path !== ':memory:',
          threads: this.options.threads,
          memoryLimit: this.options.memoryLimit,
        });
      } catch (err) {
        throw new WarehouseError('PINSYNC_WAREHOUSE_UNREACHABLE', `sync ${syncName}: cannot open DuckDB warehouse ${path}: ${messageOf(err)}`, { cause: err });
      }
    }
    return this.instance.connect();
  }
}

function queryError(syncName: string, err: unknown): WarehouseError {
  return new WarehouseError('PINSYNC_WAREHOUSE_QUERY', `sync ${syncName}: the warehouse query failed: ${messageOf(err)}`, { cause: err });
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
