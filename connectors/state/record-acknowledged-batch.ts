/**
 * The bookkeeping half of an acknowledgement, the same in every state engine: the run's counters, the batches log
 * and, when the batch created the list, the sync's list id. Runs inside the transaction that records the batch's
 * records (acknowledged-records.ts), so the two are never out of step.
 */
import type { Transaction } from 'kysely';
import type { Acknowledgement } from '../../core/state-store.js';
import type { StateDatabase } from './state-tables.js';

/** Records `ack` for sync `syncId` in `trx` (its records are recorded in the same transaction). */
export async function recordAcknowledgedBatch(trx: Transaction<StateDatabase>, syncId: number, ack: Acknowledgement): Promise<void> {
  const records = ack.end - ack.start;
  const run = await trx
    .updateTable('runs')
    .set((eb) => ({
      batches: eb('batches', '+', 1),
      ...(ack.op === 'ADD' ? { adds_sent: eb('adds_sent', '+', records) } : { removes_sent: eb('removes_sent', '+', records) }),
    }))
    .where('id', '=', ack.runId)
    .returning('batches')
    .executeTakeFirstOrThrow();
  await trx
    .insertInto('batches')
    .values({ run_id: ack.runId, seq: Number(run.batches), op: ack.op, records, customer_list_id: ack.customerListId, acknowledged_at: new Date() })
    .execute();
  if (ack.createdList) {
    await trx
      .updateTable('syncs')
      .set({ customer_list_id: ack.customerListId, pending_list_name: null, updated_at: new Date() })
      .where('id', '=', syncId)
      .execute();
  }
}
