/** `pinsync runs`: the run history from the state store. */
import { EXIT, exitCodeOf } from '../../core/errors.js';
import type { RunRecord } from '../../core/state-store.js';
import { selectSyncs } from '../../core/sync-jobs.js';
import { openStateStore } from '../../connectors/state/open-state-store.js';
import type { CliIo } from '../cli-io.js';
import { loadCliConfig } from '../config-source.js';
import { type RunRow, renderRuns } from '../output/render-runs.js';
import { reportCommandError } from '../report-command-error.js';

export async function runsCommand(args: { config: string; sync: string[] | undefined; json: boolean; limit: number }, io: CliIo): Promise<number> {
  try {
    // The history needs no Pinterest credentials (a CI job may not have them).
    const config = await loadCliConfig(args.config, io, 'runs', { deferCredentials: true });
    // A mistyped name would otherwise show an empty history, as if the sync had never run.
    selectSyncs(config, args.sync);
    const state = await openStateStore(config.state, { planOnly: true, env: io.env });
    try {
      const runs = await state.listRuns({ syncNames: args.sync, limit: args.limit });
      io.stdout.write(`${renderRuns(runs.map(toRunRow), args.json ? 'json' : 'table')}\n`);
      return EXIT.ok;
    } finally {
      await state.close();
    }
  } catch (err) {
    reportCommandError(err, io);
    return exitCodeOf(err);
  }
}

function toRunRow(run: RunRecord): RunRow {
  const r = run.report;
  // Counts a failed run never measured are unknown (null), not zero.
  const read = r?.reached?.read ?? true;
  const diffed = r?.reached?.diff ?? true;
  const rejectedTotal = r && read ? Object.values(r.rejected).reduce((a, b) => a + (b ?? 0), 0) : null;
  return {
    id: run.id,
    syncName: run.syncName,
    // A run still recorded as running whose lock holder is gone was killed; only the next run can record that.
    status: run.status === 'running' && run.holderGone ? 'interrupted?' : run.status,
    mode: r?.mode ?? 'sync',
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    durationMs: r?.durationMs ?? null,
    sourceRows: read ? (r?.sourceRows ?? null) : null,
    addsPlanned: diffed ? (r?.diff.adds ?? null) : null,
    removesPlanned: diffed ? (r?.diff.removes ?? null) : null,
    unchanged: diffed ? (r?.diff.unchanged ?? null) : null,
    addsSent: run.addsSent,
    removesSent: run.removesSent,
    rejectedTotal,
    apiCalls: r?.pinterest.apiCalls ?? null,
    retries: r?.pinterest.retries ?? null,
    customerListId: r?.pinterest.customerListId ?? run.customerListId,
    audienceId: r?.pinterest.audienceId ?? null,
    listStatus: r?.pinterest.list?.status ?? null,
    listUploaded: r?.pinterest.list?.numUploadedUserRecords ?? null,
    listRemoved: r?.pinterest.list?.numRemovedUserRecords ?? null,
    audienceStatus: r?.pinterest.audience?.status ?? null,
    audienceSize: r?.pinterest.audience?.size ?? null,
    forced: r?.forced ?? false,
    fullResync: r?.fullResync ?? false,
    errorCode: r?.error?.code ?? null,
    errorMessage: r?.error?.message ?? null,
  };
}
