/**
 * Regroups the row stream of `stmt.streamRows()` (one array per row, `rowMode: 'array'`) into column-major
 * RowBatches of at most `batchSize` rows. The stream is consumed with `for await`, so backpressure holds (the SDK
 * downloads the next result chunk only as rows are read), its errors reach the caller, and leaving the loop early
 * destroys it; `.pipe()` would drop errors and keep downloading.
 */
import type { Readable } from 'node:stream';
import type { RowBatch } from '../../../core/warehouse.js';
import { ColumnBatcher } from '../column-batcher.js';
import type { SnowflakeCellDecoder } from './snowflake-cell-values.js';

/** Batches the rows of `rows`; each cell passes through its column's decoder (`decoders[c]`). */
export async function* snowflakeRowBatches(
  rows: Readable,
  columnNames: readonly string[],
  decoders: readonly SnowflakeCellDecoder[],
  batchSize: number,
): AsyncGenerator<RowBatch> {
  const batcher = new ColumnBatcher(columnNames, batchSize);
  for await (const row of rows as AsyncIterable<unknown[]>) {
    const batch = batcher.appendRow(row, decoders);
    if (batch) yield batch;
  }
  const rest = batcher.rest();
  if (rest) yield rest;
}
