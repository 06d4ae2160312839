/**
 * The generic ingest path: stream the warehouse's rows, normalize and hash each mapped column in Node, and stage
 * the hashes in the state engine batch by batch. Used for every warehouse the state engine cannot read itself.
 */
import { WarehouseError } from './errors.js';
import { familyOf, type IdentifierFamily, type IdentifierType } from './identifier-types.js';
import type { Progress } from './logger.js';
import { normalizeIdentifier } from './normalize/normalize-identifier.js';
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
  const stats: ColumnStats[] = req.columns.map((c) => ({ column: c.column, type: c.type, hashed: 0, prehashed: 0, empty: 0, rejected: {} }));
  const families = req.columns.map((c) => familyOf(c.type));
  let indexes: number[] | undefined;
  let sourceRows = 0;
  for await (const batch of warehouse.read({ sql: req.sql, syncName: req.syncName, batchSize: req.batchSize, signal: req.signal })) {
    indexes ??= resolveColumns(req, batch);
    const hashes: string[] = [];
    const batchFamilies: IdentifierFamily[] = [];
    for (let c = 0; c < req.columns.length; c++) {
      const values = batch.columns[indexes[c]!]!;
      const type = req.columns[c]!.type;
      const s = stats[c]!;
      for (let r = 0; r < batch.rowCount; r++) {
        const outcome = normalizeIdentifier(type, values[r]);
        if (outcome.status === 'ok') {
          hashes.push(outcome.hash);
          batchFamilies.push(families[c]!);
          if (outcome.prehashed) s.prehashed++;
          else s.hashed++;
        } else if (outcome.status === 'empty') s.empty++;
        else s.rejected[outcome.reason] = (s.rejected[outcome.reason] ?? 0) + 1;
      }
    }
    await session.appendRecords(hashes, batchFamilies);
    sourceRows += batch.rowCount;
    progress.tick(batch.rowCount);
  }
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
