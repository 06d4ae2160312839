/**
 * The generic ingest path: stream the warehouse's rows, normalize and hash each mapped column in Node, and stage
 * the hashes in the state engine batch by batch. Used for every warehouse the state engine cannot read itself.
 */
import { WarehouseError } from './errors.js';
import { familyOf, REJECT_REASONS, type IdentifierFamily, type IdentifierType } from './identifier-types.js';
import type { Progress } from './logger.js';
import { createNormalizeCounts, normalizeColumn } from './normalize/normalize-column.js';
import type { DiffSession } from './state-store.js';
import type { ColumnStats } from './sync-report.js';
import type { RowBatch, Warehouse } from './warehouse.js';

export interface IngestRequest {
  /** Sync name, for errors. */
  syncName: string;
  /** SQL to run. */
  sql: string;
  /** Mapped columns in config order. */
  columns: { column: string; type: IdentifierType }[];
  /** Rows per warehouse batch. */
  batchSize: number;
  /** Cancels the read. */
  signal?: AbortSignal;
}

export async function ingestRows(
  warehouse: Warehouse,
  session: DiffSession,
  req: IngestRequest,
  progress: Progress,
): Promise<{ sourceRows: number; columns: ColumnStats[] }> {
  const counts = req.columns.map(() => createNormalizeCounts());
  const families = req.columns.map((c) => familyOf(c.type));
  let indexes: number[] | undefined;
  let sourceRows = 0;
  for await (const batch of warehouse.read({ sql: req.sql, syncName: req.syncName, batchSize: req.batchSize, signal: req.signal })) {
    indexes ??= resolveColumns(req, batch);
    const hashes: string[] = [];
    const batchFamilies: IdentifierFamily[] = [];
    for (let c = 0; c < req.columns.length; c++) {
      for (const hash of normalizeColumn(req.columns[c]!.type, batch.columns[indexes[c]!]!, counts[c])) {
        if (hash === null) continue;
        hashes.push(hash);
        batchFamilies.push(families[c]!);
      }
    }
    await session.appendRecords(hashes, batchFamilies);
    sourceRows += batch.rowCount;
    progress.tick(batch.rowCount);
  }
  const stats: ColumnStats[] = req.columns.map((c, i) => {
    const n = counts[i]!;
    const rejected: ColumnStats['rejected'] = {};
    for (const reason of REJECT_REASONS) if (n.rejected[reason] > 0) rejected[reason] = n.rejected[reason];
    return { column: c.column, type: c.type, hashed: n.ok - n.prehashed, prehashed: n.prehashed, empty: n.empty, rejected };
  });
  return { sourceRows, columns: stats };
}

// Column names are matched case-insensitively: Snowflake upper-cases unquoted names, Postgres lower-cases them.
function resolveColumns(req: IngestRequest, batch: RowBatch): number[] {
  const lower = batch.columnNames.map((n) => n.toLowerCase());
  return req.columns.map(({ column }) => {
    const exact = batch.columnNames.indexOf(column);
    if (exact >= 0) return exact;
    const i = lower.indexOf(column.toLowerCase());
    if (i < 0) {
      throw new WarehouseError(
        'PINSYNC_WAREHOUSE_COLUMN',
        `sync ${req.syncName}: the query returned no column "${column}" (it returned: ${batch.columnNames.join(', ') || 'no columns'})`,
      );
    }
    return i;
  });
}
