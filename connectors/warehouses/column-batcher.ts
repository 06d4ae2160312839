/**
 * Regroups what a warehouse driver hands over (DuckDB's column chunks, a Postgres FETCH's rows, Snowflake's row
 * stream) into column-major RowBatches of exactly `batchSize` rows, the last one shorter, so every engine gives core
 * the same batches for the same result however its driver slices it. Only the batch being filled is held: a full one
 * is handed over at once, and its arrays are never touched again.
 */
import type { RowBatch } from '../../core/warehouse.js';

export class ColumnBatcher {
  private columns: unknown[][];
  private rowCount = 0;

  constructor(
    private readonly columnNames: readonly string[],
    private readonly batchSize: number,
  ) {
    this.columns = columnNames.map(() => []);
  }

  /** Appends `rowCount` rows given column by column (`columns[c][r]`); yields each batch as it fills. */
  *appendColumns(columns: readonly (readonly unknown[])[], rowCount: number): Generator<RowBatch> {
    let offset = 0;
    while (offset < rowCount) {
      const take = Math.min(this.batchSize - this.rowCount, rowCount - offset);
      for (let c = 0; c < this.columns.length; c++) {
        const src = columns[c]!;
        const dst = this.columns[c]!;
        for (let r = offset; r < offset + take; r++) dst.push(src[r]);
      }
      this.rowCount += take;
      offset += take;
      if (this.rowCount === this.batchSize) yield this.take();
    }
  }

  /** Appends rows given row by row (`rows[r][c]`); yields each batch as it fills. */
  *appendRows(rows: readonly (readonly unknown[])[]): Generator<RowBatch> {
    let offset = 0;
    while (offset < rows.length) {
      const take = Math.min(this.batchSize - this.rowCount, rows.length - offset);
      for (let r = offset; r < offset + take; r++) {
        const row = rows[r]!;
        for (let c = 0; c < this.columns.length; c++) this.columns[c]!.push(row[c]);
      }
      this.rowCount += take;
      offset += take;
      if (this.rowCount === this.batchSize) yield this.take();
    }
  }

  /** Appends one row, each cell passed through its column's decoder when given; returns the batch it filled, if any. */
  appendRow(row: readonly unknown[], decoders?: readonly ((value: unknown) => unknown)[]): RowBatch | undefined {
    if (decoders) for (let c = 0; c < this.columns.length; c++) this.columns[c]!.push(decoders[c]!(row[c]));
    else for (let c = 0; c < this.columns.length; c++) this.columns[c]!.push(row[c]);
    return ++this.rowCount === this.batchSize ? this.take() : undefined;
  }

  /** The rows not yet handed over (the last, shorter batch), or undefined when there are none. */
  rest(): RowBatch | undefined {
    return this.rowCount > 0 ? this.take() : undefined;
  }

  private take(): RowBatch {
    const batch: RowBatch = { columnNames: this.columnNames, columns: this.columns, rowCount: this.rowCount };
    this.columns = this.columnNames.map(() => []);
    this.rowCount = 0;
    return batch;
  }
}
