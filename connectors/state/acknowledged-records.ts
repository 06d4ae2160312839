/**
 * Acknowledgement in O(batch), the same in every engine (state-schema-v4.sql): an accepted batch's records are
 * copied from the run's delta into `acked_records` in the transaction that records the batch
 * (sql/default/diff-acknowledge.sql), and applied to the membership in bulk (diff-apply-acknowledged.sql), in one
 * transaction that also forgets them. The run applies them during and after its push; a run killed first leaves them
 * to the next run, which applies them before it diffs. Until then they count as acknowledged: Pinterest has them.
 */
import { type Kysely, sql } from 'kysely';
import type { StateDatabase } from './state-tables.js';

/** Whether sync `syncId` has acknowledged records not applied to its membership yet. */
export async function hasPendingAcknowledgements(db: Kysely<StateDatabase>, syncId: number): Promise<boolean> {
  const row = await db.selectFrom('acked_records').select('sync_id').where('sync_id', '=', syncId).limit(1).executeTakeFirst();
  return row !== undefined;
}

/** How many records the pending acknowledgements add to and take from the stored membership (replays once). */
export async function pendingMembershipChange(db: Kysely<StateDatabase>, syncId: number): Promise<{ adds: number; removes: number }> {
  const { rows } = await sql<{ op: string; n: number | string | bigint }>`
    SELECT op, count(DISTINCT h) AS n FROM acked_records WHERE sync_id = ${syncId} GROUP BY op`.execute(db);
  const count = (op: string) => Number(rows.find((r) => r.op === op)?.n ?? 0);
  return { adds: count('ADD'), removes: count('REMOVE') };
}

/**
 * A relation of (h, family) holding sync `syncId`'s acknowledged membership as the next run will see it: the stored
 * rows with the pending acknowledgements applied. For readers that must not (or cannot) apply them: a plan, a state
 * copy from a read-only source. Table names default to the unqualified ones (a connection whose search path is the
 * state's).
 */
export function acknowledgedMembershipSql(syncId: number, pending: boolean, tables: { membership?: string; acked?: string } = {}): string {
  const id = Number(syncId);
  const membership = tables.membership ?? 'membership';
  const acked = tables.acked ?? 'acked_records';
  const stored = `SELECT h, family FROM ${membership} m WHERE sync_id = ${id}`;
  if (!pending) return `(${stored})`;
  // NOT EXISTS, not NOT IN: Postgres runs NOT IN (subquery) as a hash only while it fits in work_mem, and otherwise
  // rescans the subquery for every member.
  return (
    `(${stored} AND NOT EXISTS (SELECT 1 FROM ${acked} a WHERE a.sync_id = ${id} AND a.op = 'REMOVE' AND a.h = m.h) ` +
    `UNION ALL SELECT DISTINCT h, family FROM ${acked} WHERE sync_id = ${id} AND op = 'ADD')`
  );
}
