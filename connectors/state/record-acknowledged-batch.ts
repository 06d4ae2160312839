/**
 * An acknowledgement, the same in every state engine: the batch's range (applied to the membership later, in bulk:
 * acknowledged-ranges.ts), the run's counters, the batches log and, when the batch created the list, the sync's list
 * id, all in one transaction, so the four are never out of step.
 */
import type { Transaction } from 'kysely';
import type { Acknowledgement } from '../../core/state-store.js';
import { recordAcknowledgedRange } from './acknowledged-ranges.js';
import type { StateDatabase } from './state-tables.js';

/** Records `ack` for sync `syncId` in `trx`. */
export async function recordAcknowledgedBatch(trx: Transaction<StateDatabase>, syncId: number, ack: Acknowledgement): Promise<void> {
  await recordAcknowledgedRange(trx, syncId, ack);
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
