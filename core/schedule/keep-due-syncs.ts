/** `sync --if-due`: the selected syncs whose schedule has not fallen due since their last run become skipped rows. */
import type { PreparedSync } from '../dbt/prepare-dbt-syncs.js';
import type { StateStore } from '../state-store.js';
import { dueSyncs } from './due-syncs.js';
import { lastRunStarts } from './last-run-starts.js';

export async function keepDueSyncs(prepared: readonly PreparedSync[], state: Pick<StateStore, 'listRuns'>, now: Date): Promise<PreparedSync[]> {
  const considered = prepared.flatMap((p) => (p.kind === 'skipped' ? [] : [p.sync]));
  const starts = await lastRunStarts(
    state,
    considered.map((s) => s.name),
  );
  const verdicts = new Map(dueSyncs(considered, starts, now).map((v) => [v.sync, v]));
  return prepared.map((p) => {
    if (p.kind === 'skipped') return p;
    const verdict = verdicts.get(p.sync.name)!;
    // A sync the dbt gate stopped but that is not due is skipped too: --if-due would not have run it anyway.
    return verdict.due ? p : { kind: 'skipped', sync: p.sync, skipped: { sync: p.sync.name, reason: verdict.reason } };
  });
}
