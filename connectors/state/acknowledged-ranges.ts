/**
 * Acknowledgement in O(batch), the same in every engine (state-schema-v4.sql): an accepted batch is recorded as a
 * position range of the sync's frozen delta, and the recorded ranges are applied to the membership in bulk. The
 * delta a range points into lives in two tables of the state, named per sync, until its ranges are applied: the
 * run that froze it applies them when its push ends, and a run that was killed first leaves them for the next run,
 * which applies them before it diffs. Applying deletes the ranges in the same transaction, so it happens once.
 */
import { type Kysely, sql, type Transaction } from 'kysely';
import { StateError } from '../../core/errors.js';
import type { Acknowledgement } from '../../core/state-store.js';
import type { StateDatabase } from './state-tables.js';

/** A position interval [start, end) of one side of the delta. */
export type Interval = readonly [start: number, end: number];

/** Recorded, not yet applied positions of the delta, merged into disjoint sorted intervals. */
export interface PendingIntervals {
  /** ADD positions. */
  ADD: Interval[];
  /** REMOVE positions. */
  REMOVE: Interval[];
}

/** The tables that hold a sync's frozen delta between the freeze and the application of its ranges. */
export function deltaTableNames(syncId: number): { add: string; remove: string } {
  return { add: `pinsync_delta_add_${syncId}`, remove: `pinsync_delta_remove_${syncId}` };
}

/** Records `ack`'s range; runs in the transaction that records the batch (record-acknowledged-batch.ts). */
export async function recordAcknowledgedRange(trx: Transaction<StateDatabase>, syncId: number, ack: Acknowledgement): Promise<void> {
  await trx.insertInto('acked_ranges').values({ sync_id: syncId, run_id: ack.runId, op: ack.op, start_pos: ack.start, end_pos: ack.end }).execute();
}

/**
 * The sync's recorded ranges, merged. A push acknowledges adjacent ranges, so a finished run merges into one
 * interval per side and a killed one into a few (one per gap its unanswered requests left); the application's SQL
 * is then a handful of comparisons on `pos`, not a join with every batch. A replayed acknowledgement merges away.
 */
export async function pendingIntervals(db: Kysely<StateDatabase>, syncId: number): Promise<PendingIntervals> {
  const rows = await db.selectFrom('acked_ranges').select(['op', 'start_pos', 'end_pos']).where('sync_id', '=', syncId).execute();
  const byOp: Record<'ADD' | 'REMOVE', Interval[]> = { ADD: [], REMOVE: [] };
  for (const r of rows) byOp[r.op === 'REMOVE' ? 'REMOVE' : 'ADD'].push([Number(r.start_pos), Number(r.end_pos)]);
  return { ADD: mergeIntervals(byOp.ADD), REMOVE: mergeIntervals(byOp.REMOVE) };
}

/** Sorts and merges overlapping or touching intervals; drops empty ones. */
export function mergeIntervals(intervals: readonly Interval[]): Interval[] {
  const sorted = intervals.filter(([s, e]) => e > s).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const merged: [number, number][] = [];
  for (const [s, e] of sorted) {
    const last = merged[merged.length - 1];
    if (last && s <= last[1]) last[1] = Math.max(last[1], e);
    else merged.push([s, e]);
  }
  return merged;
}

/** True when nothing is pending. */
export function nothingPending(p: PendingIntervals): boolean {
  return p.ADD.length === 0 && p.REMOVE.length === 0;
}

/** A SQL predicate over `column` matching the intervals (`false` for none). Integers only, so inlining is safe. */
export function intervalPredicate(intervals: readonly Interval[], column = 'pos'): string {
  if (intervals.length === 0) return 'false';
  return intervals
    .map(([s, e]) => {
      if (!Number.isSafeInteger(s) || !Number.isSafeInteger(e)) throw new Error(`invalid delta interval [${s}, ${e})`);
      return `(${column} >= ${s} AND ${column} < ${e})`;
    })
    .join(' OR ');
}

/** Template variables of the apply/pending SQL for these intervals. */
export function intervalVars(p: PendingIntervals): { addRanges: string; removeRanges: string } {
  return { addRanges: intervalPredicate(p.ADD), removeRanges: intervalPredicate(p.REMOVE) };
}

/**
 * How many records the pending ranges add to and take from the stored membership (an add already stored, under
 * --full-resync, adds nothing). Reads only the ranges' rows of the delta tables.
 */
export async function pendingMembershipChange(db: Kysely<StateDatabase>, syncId: number): Promise<{ adds: number; removes: number; pending: PendingIntervals }> {
  const pending = await pendingIntervals(db, syncId);
  if (nothingPending(pending)) return { adds: 0, removes: 0, pending };
  const names = deltaTableNames(syncId);
  const { addRanges, removeRanges } = intervalVars(pending);
  const adds = pending.ADD.length === 0 ? 0 : await count(db, `SELECT count(*) AS n FROM ${names.add} WHERE NOT known AND (${addRanges})`);
  const removes = pending.REMOVE.length === 0 ? 0 : await count(db, `SELECT count(*) AS n FROM ${names.remove} WHERE ${removeRanges}`);
  return { adds, removes, pending };
}

async function count(db: Kysely<StateDatabase>, text: string): Promise<number> {
  const { rows } = await sql.raw<{ n: number | string | bigint }>(text).execute(db);
  return Number(rows[0]?.n ?? 0);
}

/** Ranges recorded for a delta that no longer exists (dropped by hand): applying is impossible, dropping them unsafe. */
export function pendingDeltaLost(syncId: number): StateError {
  const names = deltaTableNames(syncId);
  return new StateError(
    'PINSYNC_STATE_PENDING_DELTA_LOST',
    `the state records acknowledged batches of an interrupted run whose delta (${names.add}, ${names.remove}) is gone, ` +
      'so the stored membership cannot be brought up to what Pinterest holds; run `pinsync sync --recreate` for this sync ' +
      '(a new list gets the full membership) or restore the state from a backup',
  );
}

/**
 * A relation of (h, family) holding sync `syncId`'s acknowledged membership as the next run will see it: the stored
 * rows with the pending ranges applied. For readers that must not (or cannot) apply them: a plan, a state copy
 * from a read-only source. Table names default to the unqualified ones (a connection whose search path is the
 * state's).
 */
export function acknowledgedMembershipSql(
  syncId: number,
  pending: PendingIntervals,
  tables: { membership?: string; deltaAdd?: string; deltaRemove?: string } = {},
): string {
  const membership = tables.membership ?? 'membership';
  const stored = `SELECT h, family FROM ${membership} WHERE sync_id = ${Number(syncId)}`;
  if (nothingPending(pending)) return `(${stored})`;
  const names = deltaTableNames(syncId);
  const { addRanges, removeRanges } = intervalVars(pending);
  return (
    `(${stored} AND h NOT IN (SELECT h FROM ${tables.deltaRemove ?? names.remove} WHERE ${removeRanges}) ` +
    `UNION ALL SELECT h, family FROM ${tables.deltaAdd ?? names.add} WHERE NOT known AND (${addRanges}))`
  );
}
