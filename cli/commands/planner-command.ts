/**
 * `pinsync planner clean [--sync NAME]`: drops the delta tables killed `diff: warehouse` runs left in the planner
 * schemas of the selected syncs' warehouses. Tables whose acknowledged batches are not applied yet are kept and
 * listed with why (the sync's next run applies them): dropping one would lose what Pinterest acknowledged.
 */
import { EXIT, exitCodeOf } from '../../core/errors.js';
import { selectSyncs } from '../../core/sync-jobs.js';
import type { PlannerCleanResult } from '../../core/warehouse.js';
import { openStateStore } from '../../connectors/state/open-state-store.js';
import { createWarehouse } from '../../connectors/warehouses/create-warehouse.js';
import type { CliIo } from '../cli-io.js';
import { loadCliConfig } from '../config-source.js';
import { reportCommandError } from '../report-command-error.js';

export async function plannerCleanCommand(args: { config: string; sync: string[] | undefined; json: boolean }, io: CliIo): Promise<number> {
  try {
    // Nothing here talks to Pinterest.
    const config = await loadCliConfig(args.config, io, 'planner clean', { deferCredentials: true });
    const syncs = selectSyncs(config, args.sync).filter((s) => s.diff === 'warehouse');
    const byWarehouse = new Map<string, string[]>();
    for (const s of syncs) byWarehouse.set(s.warehouse, [...(byWarehouse.get(s.warehouse) ?? []), s.name]);
    const total: PlannerCleanResult = { dropped: [], kept: [] };
    if (byWarehouse.size > 0) {
      const state = await openStateStore(config.state, { env: io.env });
      try {
        for (const [name, syncNames] of byWarehouse) {
          const warehouse = await createWarehouse(name, config.warehouses[name]!);
          try {
            if (!warehouse.cleanPlanner) continue;
            const result = await warehouse.cleanPlanner({ state, syncNames });
            total.dropped.push(...result.dropped);
            total.kept.push(...result.kept);
          } finally {
            await warehouse.close();
          }
        }
      } finally {
        await state.close();
      }
    }
    io.stdout.write(`${args.json ? JSON.stringify(total) : render(total, syncs.length)}\n`);
    return EXIT.ok;
  } catch (err) {
    reportCommandError(err, io);
    return exitCodeOf(err);
  }
}

function render(result: PlannerCleanResult, syncs: number): string {
  if (syncs === 0) return 'no selected sync uses diff: warehouse; nothing to clean';
  const lines = [`dropped ${result.dropped.length} leftover delta table${result.dropped.length === 1 ? '' : 's'}`];
  for (const d of result.dropped) lines.push(`  dropped ${d.table} (sync ${d.syncName})`);
  for (const k of result.kept) lines.push(`  kept ${k.table} (sync ${k.syncName}): ${k.reason}`);
  return lines.join('\n');
}
