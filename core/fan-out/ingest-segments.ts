/**
 * One warehouse read feeding every segment: rows stream in, are routed by the segment column's value, normalized and
 * hashed in Node per segment (so each segment gets its own column counts), and staged in that segment's DiffSession,
 * opened on the value's first sighting. The in-engine DuckDB pushdown is not used here: it stages one query's result
 * into one session.
 */
import { familyOf, REJECT_REASONS, type IdentifierFamily, type IdentifierType } from '../identifier-types.js';
import type { Progress } from '../logger.js';
import { createNormalizeCounts, type NormalizeCounts, normalizeColumn } from '../normalize/normalize-column.js';
import { resolveResultColumns } from '../result-columns.js';
import type { DiffSession } from '../state-store.js';
import type { ColumnStats } from '../sync-report.js';
import type { Warehouse } from '../warehouse.js';
import { type SegmentSkipReason, segmentValueOf } from './segment-naming.js';

export interface SegmentIngestRequest {
  /** The segment sync's name, for errors. */
  syncName: string;
  /** SQL to run. */
  sql: string;
  /** Mapped identifier columns in config order. */
  columns: { column: string; type: IdentifierType }[];
  /** The column whose value picks the segment. */
  segmentColumn: string;
  /** Rows per warehouse batch. */
  batchSize: number;
  /** Most segments staged; past it the read goes on only counting distinct values (for the refusal's message). */
  maxSegments: number;
  /** Whether a segment value passes `include`. */
  included(value: string): boolean;
  /** Whether a segment runs in this invocation (`--select segment:`). */
  selected(value: string): boolean;
  /** Opens the session a new segment's rows are staged in. */
  open(value: string): Promise<DiffSession>;
  /** Cancels the read. */
  signal?: AbortSignal | undefined;
}

/** One segment's staged rows. */
export interface StagedSegment {
  /** Its session (the caller owns it). */
  session: DiffSession;
  /** Rows routed to it. */
  sourceRows: number;
  /** Per-column counts of those rows. */
  columns: ColumnStats[];
}

export interface SegmentIngestResult {
  /** Staged segments by value, in first-seen order; empty when `tooMany`. */
  segments: Map<string, StagedSegment>;
  /** Rows read in all. */
  sourceRows: number;
  /** Rows that fed no segment, by reason (only reasons that occurred). */
  skipped: Partial<Record<SegmentSkipReason, number>>;
  /** Distinct included values seen (selected or not); counted on past maxSegments. */
  distinct: number;
  /** The query yielded more than maxSegments included values: nothing was kept staged. */
  tooMany: boolean;
}

// Distinct raw segment cells whose route is remembered; past it (a column of mostly distinct values) cells are decided
// row by row, which is only slower.
const MAX_CACHED_ROUTES = 100_000;

interface Bucket {
  session: DiffSession;
  rows: number;
  counts: NormalizeCounts[];
}

export async function ingestSegments(warehouse: Warehouse, req: SegmentIngestRequest, progress: Progress): Promise<SegmentIngestResult> {
  const families = req.columns.map((c) => familyOf(c.type));
  const buckets = new Map<string, Bucket>();
  const seen = new Set<string>();
  const skipped: Partial<Record<SegmentSkipReason, number>> = {};
  const skip = (reason: SegmentSkipReason) => (skipped[reason] = (skipped[reason] ?? 0) + 1);
  let tooMany = false;
  let sourceRows = 0;
  let indexes: number[] | undefined;
  const wanted = [...req.columns, { column: req.segmentColumn }];
  // Where a raw cell goes, decided on its first sighting: the checks and look-ups are per value, not per row.
  // null: nowhere and not counted (past maxSegments, only distinct values are counted).
  const routes = new Map<unknown, Bucket | SegmentSkipReason | null>();
  const decide = async (cell: unknown, rowsOf: Map<Bucket, number[]>): Promise<Bucket | SegmentSkipReason | null> => {
    const picked = segmentValueOf(cell);
    if ('skip' in picked) return picked.skip;
    const value = picked.value;
    if (!req.included(value)) return 'excluded';
    if (!seen.has(value)) {
      seen.add(value);
      if (seen.size > req.maxSegments && !tooMany) {
        // Too many: the read goes on only to count the values for the refusal's message; nothing stays staged.
        tooMany = true;
        await disposeAll(buckets);
        buckets.clear();
        rowsOf.clear();
        routes.clear();
      }
    }
    if (tooMany) return null;
    if (!req.selected(value)) return 'not_selected';
    let bucket = buckets.get(value);
    if (!bucket) {
      bucket = { session: await req.open(value), rows: 0, counts: req.columns.map(() => createNormalizeCounts()) };
      buckets.set(value, bucket);
    }
    return bucket;
  };
  const described = await warehouse.describeColumns?.({ sql: req.sql, syncName: req.syncName, signal: req.signal });
  if (described) indexes = resolveResultColumns(req.syncName, wanted, described);
  try {
    for await (const batch of warehouse.read({ sql: req.sql, syncName: req.syncName, batchSize: req.batchSize, signal: req.signal })) {
      indexes ??= resolveResultColumns(req.syncName, wanted, batch.columnNames);
      sourceRows += batch.rowCount;
      const segmentCells = batch.columns[indexes[req.columns.length]!]!;
      // Row numbers per segment in this batch: each segment's columns are then normalized as one slice.
      const rowsOf = new Map<Bucket, number[]>();
      for (let r = 0; r < batch.rowCount; r++) {
        const cell = segmentCells[r];
        let route = routes.get(cell);
        if (route === undefined) {
          route = await decide(cell, rowsOf);
          if (cell !== null && typeof cell !== 'object' && routes.size < MAX_CACHED_ROUTES) routes.set(cell, route);
        }
        if (route === null) continue;
        if (typeof route === 'string') {
          skip(route);
          continue;
        }
        let rows = rowsOf.get(route);
        if (!rows) rowsOf.set(route, (rows = []));
        rows.push(r);
      }
      for (const [bucket, rows] of rowsOf) {
        const hashes: string[] = [];
        const hashFamilies: IdentifierFamily[] = [];
        for (let c = 0; c < req.columns.length; c++) {
          const cells = batch.columns[indexes[c]!]!;
          const slice = rows.map((r) => cells[r]);
          for (const hash of normalizeColumn(req.columns[c]!.type, slice, bucket.counts[c])) {
            if (hash === null) continue;
            hashes.push(hash);
            hashFamilies.push(families[c]!);
          }
        }
        await bucket.session.appendRecords(hashes, hashFamilies);
        bucket.rows += rows.length;
      }
      progress.tick(batch.rowCount);
    }
  } catch (err) {
    await disposeAll(buckets);
    throw err;
  }
  const segments = new Map<string, StagedSegment>();
  for (const [value, b] of buckets) segments.set(value, { session: b.session, sourceRows: b.rows, columns: columnStats(req.columns, b.counts) });
  return { segments, sourceRows, skipped, distinct: seen.size, tooMany };
}

async function disposeAll(buckets: Map<string, Bucket>): Promise<void> {
  for (const b of buckets.values()) await b.session.dispose().catch(() => undefined);
}

// The same shape core/ingest-rows.ts reports for a whole sync.
function columnStats(columns: { column: string; type: IdentifierType }[], counts: NormalizeCounts[]): ColumnStats[] {
  return columns.map((c, i) => {
    const n = counts[i]!;
    const rejected: ColumnStats['rejected'] = {};
    for (const reason of REJECT_REASONS) if (n.rejected[reason] > 0) rejected[reason] = n.rejected[reason];
    return { column: c.column, type: c.type, hashed: n.ok - n.prehashed, prehashed: n.prehashed, empty: n.empty, rejected };
  });
}
