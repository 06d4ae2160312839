/**
 * `pinsync planner clean`: drops the delta tables killed `diff: warehouse` runs left in the planner schema. A table
 * is dropped only when the state records no unapplied range in it (its acknowledged batches already reached the
 * membership, or it never had one) and its sync is not running (its lock is taken for the check). A table with
 * ranges to apply is kept and said so: dropping it would lose acknowledged batches; the sync's next run applies them.
 */
import { hostname } from 'node:os';
import { escapeIdentifier } from 'pg';
import { LockHeldError, StateError } from '../../../../core/errors.js';
import type { StateStore } from '../../../../core/state-store.js';
import type { PlannerCleanResult } from '../../../../core/warehouse.js';
import type { PlannerConnection } from './planner-connection.js';
import { plannerTable } from './planner-names.js';

/** Cleans `schema`; `syncNames` limits it to those syncs (default: every sync with leftovers). */
export async function cleanPlanner(conn: PlannerConnection, schema: string, state: StateStore, syncNames: readonly string[] | undefined): Promise<PlannerCleanResult> {
  // Without the recorded ranges nothing tells a finished delta from one still holding acknowledged batches: refuse
  // rather than drop what may be the only copy of them.
  if (!state.listPlannerRanges) {
    throw new StateError('PINSYNC_PLANNER_STATE', 'planner clean needs a state store that records planner ranges (DuckDB or Postgres state)');
  }
  const result: PlannerCleanResult = { dropped: [], kept: [] };
  const quoted = escapeIdentifier(schema);
  const [probe] = await conn.query<{ ok: boolean }>('SELECT to_regclass($1) IS NOT NULL AS ok', { values: [`${quoted}.deltas`] });
  if (!probe!.ok) return result;
  const rows = await conn.query<{ delta_table: string; sync_name: string }>(`SELECT delta_table, sync_name FROM ${quoted}.deltas ORDER BY run_id`);
  const bySync = new Map<string, string[]>();
  for (const r of rows) {
    if (syncNames && !syncNames.includes(r.sync_name)) continue;
    bySync.set(r.sync_name, [...(bySync.get(r.sync_name) ?? []), r.delta_table]);
  }
  for (const [syncName, tables] of bySync) {
    let lock;
    try {
      lock = await state.acquireLock(syncName, { pid: process.pid, host: hostname(), runId: null });
    } catch (err) {
      if (!(err instanceof LockHeldError)) throw err;
      for (const table of tables) result.kept.push({ syncName, table, reason: 'the sync is running' });
      continue;
    }
    try {
      const ranges = await state.listPlannerRanges(syncName);
      for (const table of tables) {
        // Only a table pinsync names (deltaTableName) is ever dropped, whatever the deltas table says.
        if (!/^delta_\d+_/.test(table)) {
          result.kept.push({ syncName, table, reason: 'not a delta table name pinsync makes (delta_<run>_<sync>); left alone' });
          continue;
        }
        const unapplied = ranges.filter((r) => r.deltaTable === table);
        if (unapplied.length > 0) {
          const records = unapplied.reduce((n, r) => n + r.end - r.start, 0);
          result.kept.push({
            syncName,
            table,
            reason: `${unapplied.length} acknowledged batch${unapplied.length === 1 ? '' : 'es'} (${records} records) not applied to the membership yet; the next \`pinsync sync --sync ${syncName}\` applies them and drops it`,
          });
          continue;
        }
        await conn.transaction(async () => {
          await conn.query(`DROP TABLE IF EXISTS ${plannerTable(schema, table)}`);
          await conn.query(`DELETE FROM ${quoted}.deltas WHERE delta_table = $1`, { values: [table] });
        });
        result.dropped.push({ syncName, table });
      }
    } finally {
      await lock.release();
    }
  }
  return result;
}
