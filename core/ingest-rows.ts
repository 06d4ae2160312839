/**
 * The generic ingest path: stream the warehouse's rows, normalize and hash each mapped column in Node, and stage
 * the hashes in the state engine batch by batch. Used for every warehouse the state engine cannot read itself.
 */
import { familyOf, REJECT_REASONS, type IdentifierFamily, type IdentifierType } from './identifier-types.js';
import type { Progress } from './logger.js';
import { createNormalizeCounts, normalizeColumn } from './normalize/normalize-column.js';
import { resolveResultColumns } from './result-columns.js';
import type { DiffSession } from './state-store.js';
import type { ColumnStats } from './sync-report.js';
import type { Warehouse } from './warehouse.js';

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
  // Checked before any row is read where the engine can tell (a misnamed column then fails even on an empty
  // result), else on the first batch.
  const described = await warehouse.describeColumns?.({ sql: req.sql, syncName: req.syncName, signal: req.signal });
  if (described) indexes = resolveResultColumns(req.syncName, req.columns, described);
  let sourceRows = 0;
  for await (const batch of warehouse.read({ sql: req.sql, syncName: req.syncName, batchSize: req.batchSize, signal: req.signal })) {
    indexes ??= resolveResultColumns(req.syncName, req.columns, batch.columnNames);
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
