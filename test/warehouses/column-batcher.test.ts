/**
 * The one helper every streaming warehouse uses to regroup what its driver hands over (DuckDB's column chunks,
 * Postgres FETCH results, Snowflake's row stream) into RowBatches of exactly `batchSize` rows: whatever the shape
 * and size of the pieces, the same rows give the same batches.
 */
import { describe, expect, it } from 'vitest';
import { ColumnBatcher } from '../../connectors/warehouses/column-batcher.js';
import type { RowBatch } from '../../core/warehouse.js';

const NAMES = ['n', 'label'] as const;
const rowOf = (n: number): unknown[] => [n, `row ${n}`];
const rows = (from: number, to: number): unknown[][] => Array.from({ length: to - from }, (_, i) => rowOf(from + i));

// Pieces of 7 rows, so they straddle batch boundaries in every way.
function pieces(total: number, size = 7): unknown[][][] {
  const out: unknown[][][] = [];
  for (let from = 0; from < total; from += size) out.push(rows(from, Math.min(total, from + size)));
  return out;
}

function byColumns(batchSize: number, total: number): RowBatch[] {
  const batcher = new ColumnBatcher(NAMES, batchSize);
  const out: RowBatch[] = [];
  for (const piece of pieces(total)) {
    const columns = NAMES.map((_, c) => piece.map((row) => row[c]));
    out.push(...batcher.appendColumns(columns, piece.length));
  }
  const rest = batcher.rest();
  if (rest) out.push(rest);
  return out;
}

function byRows(batchSize: number, total: number): RowBatch[] {
  const batcher = new ColumnBatcher(NAMES, batchSize);
  const out: RowBatch[] = [];
  for (const piece of pieces(total)) out.push(...batcher.appendRows(piece));
  const rest = batcher.rest();
  if (rest) out.push(rest);
  return out;
}

function oneByOne(batchSize: number, total: number): RowBatch[] {
  const batcher = new ColumnBatcher(NAMES, batchSize);
  const out: RowBatch[] = [];
  for (const row of rows(0, total)) {
    const batch = batcher.appendRow(row);
    if (batch) out.push(batch);
  }
  const rest = batcher.rest();
  if (rest) out.push(rest);
  return out;
}

function expected(batchSize: number, total: number): RowBatch[] {
  const out: RowBatch[] = [];
  for (let from = 0; from < total; from += batchSize) {
    const piece = rows(from, Math.min(total, from + batchSize));
    out.push({ columnNames: NAMES, columns: NAMES.map((_, c) => piece.map((row) => row[c])), rowCount: piece.length });
  }
  return out;
}

describe('ColumnBatcher', () => {
  it.each([
    [1, 3],
    [5, 23],
    [7, 21],
    [10, 100],
    [50, 23],
    [3, 0],
  ])('gives batches of %i rows for %i rows, the same from columns, rows or one row at a time', (batchSize, total) => {
    const want = expected(batchSize, total);
    expect(byColumns(batchSize, total)).toEqual(want);
    expect(byRows(batchSize, total)).toEqual(want);
    expect(oneByOne(batchSize, total)).toEqual(want);
  });

  it('hands over a full batch as soon as it fills, before the rest of the piece is copied', () => {
    const batcher = new ColumnBatcher(NAMES, 4);
    const batches = batcher.appendRows(rows(0, 10))[Symbol.iterator]();
    expect(batches.next().value?.rowCount).toBe(4);
    expect(batches.next().value?.rowCount).toBe(4);
    expect(batches.next().done).toBe(true);
    expect(batcher.rest()?.rowCount).toBe(2);
    expect(batcher.rest()).toBeUndefined();
  });

  it('decodes each cell of a row with its column decoder', () => {
    const batcher = new ColumnBatcher(NAMES, 2);
    expect(batcher.appendRow(['1', 'a'], [Number, (v) => String(v).toUpperCase()])).toBeUndefined();
    expect(batcher.appendRow(['2', 'b'], [Number, (v) => String(v).toUpperCase()])).toEqual({ columnNames: NAMES, columns: [[1, 2], ['A', 'B']], rowCount: 2 });
  });

  it('never reuses the arrays of a batch it handed over', () => {
    const batcher = new ColumnBatcher(NAMES, 2);
    const [first] = [...batcher.appendRows(rows(0, 3))];
    batcher.appendRow(rowOf(3));
    expect(first!.columns).toEqual([[0, 1], ['row 0', 'row 1']]);
  });
});
