/**
 * Regroups the row stream of `stmt.streamRows()` (one array per row, `rowMode: 'array'`) into column-major
 * RowBatches of at most `batchSize` rows. The stream is consumed with `for await`, so backpressure holds (the SDK
 * downloads the next result chunk only as rows are read), its errors reach the caller, and leaving the loop early
 * destroys it; `.pipe()` would drop errors and keep downloading.
 */
import type { Readable } from 'node:stream';
import type { RowBatch } from '../../../core/warehouse.js';
import type { SnowflakeCellDecoder } from './snowflake-cell-values.js';

/** Batches the rows of `rows`; each cell passes through its column's decoder (`decoders[c]`). */
export async function* snowflakeRowBatches(
  rows: Readable,
  columnNames: readonly string[],
  decoders: readonly SnowflakeCellDecoder[],
  batchSize: number,
): AsyncGenerator<RowBatch> {
  let columns: unknown[][] = columnNames.map(() => []);
  let rowCount = 0;
  for await (const row of rows as AsyncIterable<unknown[]>) {
    for (let c = 0; c < columns.length; c++) columns[c]!.push(decoders[c]!(row[c]));
    if (++rowCount === batchSize) {
      yield { columnNames, columns, rowCount };
      columns = columnNames.map(() => []);
      rowCount = 0;
    }
  }
  if (rowCount > 0) yield { columnNames, columns, rowCount };
}
