/**
 * A Warehouse over rows given by the test, for the engine's tests. Like the real connectors it yields column-major
 * batches of at most `batchSize` rows, names its columns before reading (`describeColumns`), and a stop (the
 * request's signal) ends the read with an error rather than a short result.
 */
import { WarehouseError } from '../../core/errors.js';
import type { RowBatch, Warehouse, WarehouseEngine, WarehouseReadRequest } from '../../core/warehouse.js';

export class InMemoryWarehouse implements Warehouse {
  readonly engine: WarehouseEngine = 'postgres';
  /** Column names of every result. */
  columnNames: string[];
  /** Rows of every result, one cell per column; replace them between runs to play churn. */
  rows: unknown[][];
  /** Queries read so far. */
  reads = 0;
  #closed = false;

  constructor(columnNames: string[], rows: unknown[][]) {
    this.columnNames = columnNames;
    this.rows = rows;
  }

  /** A one-column warehouse of these values. */
  static ofColumn(column: string, values: readonly unknown[]): InMemoryWarehouse {
    return new InMemoryWarehouse([column], values.map((v) => [v]));
  }

  async check(): Promise<void> {
    this.#open();
  }

  async describeColumns(): Promise<readonly string[]> {
    this.#open();
    return [...this.columnNames];
  }

  async *read(req: WarehouseReadRequest): AsyncIterable<RowBatch> {
    this.#open();
    this.reads++;
    const rows = [...this.rows];
    for (let from = 0; from < rows.length; from += req.batchSize) {
      if (req.signal?.aborted) throw new WarehouseError('PINSYNC_WAREHOUSE_CANCELLED', `sync ${req.syncName}: the query was cancelled`);
      const slice = rows.slice(from, from + req.batchSize);
      yield { columnNames: [...this.columnNames], columns: this.columnNames.map((_, c) => slice.map((r) => r[c] ?? null)), rowCount: slice.length };
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  #open(): void {
    if (this.#closed) throw new WarehouseError('PINSYNC_WAREHOUSE_CLOSED', 'the warehouse connection is closed');
  }
}
