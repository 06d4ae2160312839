/** The start of each sync's latest recorded run, from the state's run history (what the due rule measures from). */
import type { StateStore } from '../state-store.js';

// Every recorded run counts, failed and interrupted ones too: a run that failed at 03:00 used the 03:00 tick, and the
// next tick retries. Retrying at every `--if-due` invocation instead would hammer a broken warehouse or token.
export async function lastRunStarts(state: Pick<StateStore, 'listRuns'>, syncNames: readonly string[]): Promise<Map<string, Date>> {
  const starts = new Map<string, Date>();
  for (const name of syncNames) {
    const [latest] = await state.listRuns({ syncNames: [name], limit: 1 });
    if (latest) starts.set(name, new Date(latest.startedAt));
  }
  return starts;
}
