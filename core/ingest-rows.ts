/**
 * The generic ingest path: stream the warehouse's rows, normalize and hash each mapped column in Node, and stage
 * the hashes in the state engine batch by batch. Used for every warehouse the state engine cannot read itself, and
 * for every explicit-action sync (each record is staged with its row's action).
 */
import { EXIT, PinsyncError } from './errors.js';
import { type ActionRowCounts, parseAction, type RecordAction } from './explicit-actions.js';
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
  /** Explicit actions: the column saying add or remove per row; rows with any other value are rejected whole. */
  actionColumn?: string | undefined;
}

/** What the ingest read. */
export interface IngestResult {
  /** Rows the query returned. */
  sourceRows: number;
  /** Per mapped column outcome counts (explicit actions: of the rows with a valid action only). */
  columns: ColumnStats[];
  /** Explicit actions only: the action column's rows by action. */
  actions?: ActionRowCounts;
  /**
   * Explicit actions only: the families with a valid value on a row marked add. Only adds can go to a list a run
   * creates, so they, not the removes, decide its list type.
   */
  addFamilies?: IdentifierFamily[];
}

export async function ingestRows(
  warehouse: Warehouse,
  session: DiffSession,
  req: IngestRequest,
  progress: Progress,
): Promise<IngestResult> {
  const counts = req.columns.map(() => createNormalizeCounts());
  const families = req.columns.map((c) => familyOf(c.type));
  let indexes: number[] | undefined;
  let actionIndex: number | undefined;
  const actionRows: ActionRowCounts = { addRows: 0, removeRows: 0, invalidRows: 0 };
  const addFamilies = new Set<IdentifierFamily>();
  const resolve = (names: readonly string[]) => {
    indexes = resolveResultColumns(req.syncName, req.columns, names);
    if (req.actionColumn !== undefined) actionIndex = resolveActionColumn(req.syncName, req.actionColumn, names);
  };
  // Checked before any row is read where the engine can tell (a misnamed column then fails even on an empty
  // result), else on the first batch.
  const described = await warehouse.describeColumns?.({ sql: req.sql, syncName: req.syncName, signal: req.signal });
  if (described) resolve(described);
  let sourceRows = 0;
  for await (const batch of warehouse.read({ sql: req.sql, syncName: req.syncName, batchSize: req.batchSize, signal: req.signal })) {
    if (!indexes) resolve(batch.columnNames);
    // Explicit actions: only the rows with a valid action are read, each record staged with its row's action.
    const rows = actionIndex === undefined ? undefined : validActionRows(batch.columns[actionIndex]!, actionRows);
    const hashes: string[] = [];
    const batchFamilies: IdentifierFamily[] = [];
    const batchActions: RecordAction[] | undefined = rows && [];
    for (let c = 0; c < req.columns.length; c++) {
      const cells = batch.columns[indexes![c]!]!;
      const normalized = normalizeColumn(req.columns[c]!.type, rows ? rows.index.map((r) => cells[r]) : cells, counts[c]);
      for (let i = 0; i < normalized.length; i++) {
        const hash = normalized[i];
        if (hash === null || hash === undefined) continue;
        hashes.push(hash);
        batchFamilies.push(families[c]!);
        if (batchActions) {
          batchActions.push(rows!.action[i]!);
          if (rows!.action[i] === 'ADD') addFamilies.add(families[c]!);
        }
      }
    }
    await (batchActions ? session.appendRecords(hashes, batchFamilies, batchActions) : session.appendRecords(hashes, batchFamilies));
    sourceRows += batch.rowCount;
    progress.tick(batch.rowCount);
  }
  const stats: ColumnStats[] = req.columns.map((c, i) => {
    const n = counts[i]!;
    const rejected: ColumnStats['rejected'] = {};
    for (const reason of REJECT_REASONS) if (n.rejected[reason] > 0) rejected[reason] = n.rejected[reason];
    return { column: c.column, type: c.type, hashed: n.ok - n.prehashed, prehashed: n.prehashed, empty: n.empty, rejected };
  });
  return req.actionColumn === undefined ? { sourceRows, columns: stats } : { sourceRows, columns: stats, actions: actionRows, addFamilies: [...addFamilies] };
}

// The rows of a batch whose action is add or remove, with that action; the others are counted as invalid.
function validActionRows(cells: readonly unknown[], tally: ActionRowCounts): { index: number[]; action: RecordAction[] } {
  const index: number[] = [];
  const action: RecordAction[] = [];
  for (let r = 0; r < cells.length; r++) {
    const parsed = parseAction(cells[r]);
    if (parsed === undefined) {
      tally.invalidRows++;
      continue;
    }
    index.push(r);
    action.push(parsed);
    if (parsed === 'ADD') tally.addRows++;
    else tally.removeRows++;
  }
  return { index, action };
}

// Matched like the identifier columns (exactly, then ignoring case), with a message that names `actions.column`.
function resolveActionColumn(syncName: string, column: string, returned: readonly string[]): number {
  const exact = returned.indexOf(column);
  const i = exact >= 0 ? exact : returned.map((n) => n.toLowerCase()).indexOf(column.toLowerCase());
  if (i >= 0) return i;
  throw new PinsyncError(
    'PINSYNC_COLUMN_MISSING',
    `sync ${syncName}: actions.column names column "${column}", but the query returns no such column (it returns: ${returned.join(', ') || 'no columns'}). ` +
      'Fix actions.column, or name the column in the query (select … AS <name>).',
    EXIT.usage,
  );
}
