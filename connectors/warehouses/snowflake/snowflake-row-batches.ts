/**
 * Regroups the row stream of `stmt.streamRows()` (one array per row, `rowMode: 'array'`) into column-major
 * RowBatches of at most `batchSize` rows. The stream is consumed with `for await`, so backpressure holds (the SDK
 * downloads the next result chunk only as rows are read), its errors reach the caller, and leaving the loop early
 * destroys it; `.pipe()` would drop errors and keep downloading.
 */
import type { Readable } from 'node:stream';
import type { RowBatch } from '../../../core/warehouse.js';

/** Batches the rows of `rows`; cells pass through `toCell`. */
export async function* snowflakeRowBatches(rows: Readable, columnNames: readonly string[], batchSize: number): AsyncGenerator<RowBatch> {
  let columns: unknown[][] = columnNames.map(() => []);
  let rowCount = 0;
  for await (const row of rows as AsyncIterable<unknown[]>) {
    for (let c = 0; c < columns.length; c++) columns[c]!.push(toCell(row[c]));
    if (++rowCount === batchSize) {
      yield { columnNames, columns, rowCount };
      columns = columnNames.map(() => []);
      rowCount = 0;
    }
  }
  if (rowCount > 0) yield { columnNames, columns, rowCount };
}

// NUMBER, dates and BINARY arrive as strings (`fetchAsString`); VARIANT/OBJECT/ARRAY arrive parsed and become JSON
// text, which is what a cell of another engine holding the same document would show.
function toCell(value: unknown): unknown {
  if (value === undefined) return null;
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) return JSON.stringify(value);
  return value;
}
