/**
 * The application layer of `plan`, `sync` and `pinsync schedule`: run these selected syncs with this config. Selects
 * (dbt-style), gates on dbt, `--if-due` and `--requested` (dbt sync requests), checks credentials, opens the state, runs each sync through the engine,
 * sends the alerts and returns the reports. Pure core: connectors come through `AppRuntime`, output is the caller's.
 * One failed sync does not stop the others; a PinsyncError before the first sync (config, dbt, credentials) is thrown.
 */
import type { LoadedConfig } from '../config/load-config.js';
import { type PreparedSync, prepareDbtSyncs } from '../dbt/prepare-dbt-syncs.js';
import type { Selection } from '../dbt/select-syncs.js';
import { type Logger, noProgress, type Progress, silentLogger } from '../logger.js';
import { handledEntries, keepRequestedSyncs } from '../dbt/requested-syncs.js';
import { UsageError } from '../errors.js';
import { keepDueSyncs } from '../schedule/keep-due-syncs.js';
import type { StateStore } from '../state-store.js';
import { runSync } from '../sync-engine.js';
import { runSegmentedSync } from '../fan-out/run-segmented-sync.js';
import { segmentFilterOf } from '../fan-out/segment-selection.js';
import { selectSyncsFor, syncJobFromConfig } from '../sync-jobs.js';
import type { SyncReport } from '../sync-report.js';
import type { Warehouse } from '../warehouse.js';
import type { AppRuntime } from './app-runtime.js';
import type { RunObserver } from './run-observer.js';
import type { RunSyncsResult } from './run-syncs-result.js';

/** How to run: the `plan`/`sync` switches and the caller's surroundings. */
export interface RunSyncsOptions {
  /** plan / --dry-run: nothing is created, changed or sent. */
  dryRun: boolean;
  /** --full-resync. */
  fullResync: boolean;
  /** --force. */
  force: boolean;
  /** --recreate. */
  recreate: boolean;
  /** `--after-dbt [PATH]`: undefined when absent, '' for `<target>/run_results.json`. */
  afterDbt?: string | undefined;
  /** `--include-unbuilt`. */
  includeUnbuilt?: boolean;
  /** `--if-due`: the syncs whose schedule has not fallen due since their last run become skipped rows. */
  ifDue?: boolean;
  /**
   * `--requested`: only the model syncs the pinsync dbt package's post-hook asked for since `since`, each once; the
   * others become skipped rows. `schema`: the requests table's schema (default `pinsync`).
   */
  requested?: { since: Date; schema?: string | undefined } | undefined;
  /** Folder a relative --after-dbt PATH is relative to. */
  cwd: string;
  /** The config file as the user typed it (`-c`), for messages that spell out a command. */
  configLabel: string;
  /** Aborted on SIGINT/SIGTERM: runs stop between batches, and no further sync starts. */
  signal?: AbortSignal | undefined;
  /** PINSYNC_NO_PUSHDOWN=1: diff in the state, never in the warehouse. */
  noPushdown?: boolean;
  /** An open state store the caller owns (a scheduler): used and left open. Default: opened and closed here. */
  state?: StateStore | undefined;
  /** Default: silence. */
  logger?: Logger;
  /** Progress bar of long phases; default none. */
  progress?: Progress;
  /** The clock `--if-due` measures against; default the system clock. */
  now?: () => Date;
}

export async function runSyncs(
  config: LoadedConfig,
  selection: Selection,
  options: RunSyncsOptions,
  runtime: AppRuntime,
  observer: RunObserver = {},
): Promise<RunSyncsResult> {
  const logger = options.logger ?? silentLogger;
  const { dryRun } = options;
  let state: StateStore | undefined;
  const warehouses = new Map<string, Warehouse>();
  const warehouseOf = async (name: string): Promise<Warehouse> => {
    let warehouse = warehouses.get(name);
    if (!warehouse) {
      warehouse = await runtime.createWarehouse(name, config.warehouses[name]!);
      warehouses.set(name, warehouse);
    }
    return warehouse;
  };
  try {
    // Before anything is opened or read: a usage error never leaves a state file behind.
    if (options.requested !== undefined && options.afterDbt !== undefined) {
      throw new UsageError('--requested gates each request on its own dbt build; leave out --after-dbt');
    }
    const selected = selectSyncsFor(config, selection);
    // dbt first: an unknown model or stale artifacts stop the command (exit 2) before credentials or state are touched.
    let prepared = prepareDbtSyncs(config, selected, {
      afterDbt: options.afterDbt,
      includeUnbuilt: options.includeUnbuilt ?? false,
      cwd: options.cwd,
      mode: dryRun ? 'plan' : 'sync',
      fullResync: options.fullResync,
    });
    // --if-due reads the run history, so the state is opened here even when nothing turns out to be due.
    if (options.ifDue) {
      state = options.state ?? (await runtime.openState(config, { planOnly: dryRun }));
      prepared = await keepDueSyncs(prepared, state, options.now?.() ?? new Date());
    }
    // --requested reads the handled requests from the state and the requests from the syncs' warehouses.
    let requestKeys: Map<string, string[]> | undefined;
    if (options.requested !== undefined) {
      state ??= options.state ?? (await runtime.openState(config, { planOnly: dryRun }));
      const requested = await keepRequestedSyncs(
        config,
        prepared,
        { state, warehouse: (name) => warehouseOf(name), logger },
        { since: options.requested.since, schema: options.requested.schema, mode: dryRun ? 'plan' : 'sync', fullResync: options.fullResync, now: options.now?.() ?? new Date() },
      );
      prepared = requested.prepared;
      requestKeys = requested.keys;
    }
    const skipped = prepared.flatMap((p) => (p.kind === 'skipped' ? [p.skipped] : []));
    for (const s of skipped) logger.info({ sync: s.sync }, `skipped: ${s.reason}`);
    const toRun = prepared.filter((p): p is Extract<PreparedSync, { kind: 'run' }> => p.kind === 'run').map((p) => p.sync);
    // Credentials are checked only for the destinations a real sync writes to: plan needs none.
    const destinations = [...new Set(toRun.map((s) => s.destination))];
    if (!dryRun) for (const name of destinations) runtime.assertCredentialsSet(config, name, options.configLabel);
    await observer.runStart?.({ syncs: prepared.flatMap((p) => (p.kind === 'skipped' ? [] : [p.sync.name])), skipped, dryRun });
    // When the dbt gate left nothing to run, nothing is opened (a first run would otherwise create the state file).
    if (toRun.length > 0) state ??= options.state ?? (await runtime.openState(config, { planOnly: dryRun }));
    // Before anything is read: a destination that was never authorized would otherwise fail only at the first push.
    if (!dryRun) for (const name of destinations) await runtime.assertAuthorized(config, name, state!, options.configLabel);
    const reports: SyncReport[] = [];
    for (const entry of prepared) {
      if (options.signal?.aborted) break;
      if (entry.kind === 'skipped') continue;
      if (entry.kind === 'stopped') {
        // Logged like the engine's guardrail stops, so a cron log says why nothing was sent.
        logger.error({ sync: entry.sync.name, code: entry.report.error?.code }, `sync ${entry.sync.name} stopped by the dbt gate, nothing was sent: ${entry.report.guardrail.reasons.join('; ')}`);
        reports.push(entry.report);
        await observer.syncReport?.(entry.report);
        continue;
      }
      const sync = entry.sync;
      const warehouse = await warehouseOf(sync.warehouse);
      const destination = dryRun ? undefined : runtime.createDestination(config, sync.destination, { state: state!, logger, configLabel: options.configLabel });
      observer.syncStart?.({ sync: sync.name });
      let syncReports: SyncReport[];
      try {
        const job = syncJobFromConfig(config, sync, entry.relation);
        const deps = { warehouse, state: state!, destination, logger, progress: observedProgress(options.progress ?? noProgress, sync.name, observer) };
        const syncOptions = { dryRun, fullResync: options.fullResync, force: options.force, recreate: options.recreate, signal: options.signal, noPushdown: options.noPushdown ?? false };
        // A segment sync fans out into one report per segment (core/fan-out/).
        syncReports = job.segments ? await runSegmentedSync(job, deps, syncOptions, segmentFilterOf(selection)) : [await runSync(job, deps, syncOptions)];
      } finally {
        await destination?.close();
      }
      for (const report of syncReports) {
        const withGate = entry.warnings.length > 0 ? { ...report, warnings: [...entry.warnings, ...report.warnings] } : report;
        reports.push(withGate);
        await observer.syncReport?.(withGate);
      }
    }
    // Handled requests are recorded once their runs have ended (a plan records nothing): a crash before this line
    // leaves them to the next poll, which runs the sync again, with nothing to send if nothing changed.
    if (requestKeys !== undefined && !dryRun && state !== undefined) {
      await state.markRequestsHandled?.(handledEntries(requestKeys, reports, options.now?.() ?? new Date()));
    }
    // Alerts: sent once every sync has run, noted on the runs; they never change an outcome.
    const result: RunSyncsResult = { reports: await runtime.notifyAlerts(config, reports, { state, logger }), skipped };
    await observer.runEnd?.(result);
    return result;
  } finally {
    for (const w of warehouses.values()) await w.close().catch(() => undefined);
    if (state !== options.state) await state?.close().catch(() => undefined);
  }
}

/**
 * The engine reports each acknowledged push batch as a tick of its "pushing" phase (sync-engine.ts); the reading
 * phase ticks rows. Passing the ticks through keeps the progress bar and feeds the observer without a new engine hook.
 */
function observedProgress(progress: Progress, sync: string, observer: RunObserver): Progress {
  const onBatch = observer.batchAcknowledged;
  if (onBatch === undefined) return progress;
  let pushing = false;
  return {
    start(phase, total) {
      // A segment sync's segments push as `<sync>/<value>: pushing`.
      pushing = phase === `${sync}: pushing` || (phase.startsWith(`${sync}/`) && phase.endsWith(': pushing'));
      progress.start(phase, total);
    },
    tick(delta) {
      progress.tick(delta);
      if (pushing) onBatch({ sync, records: delta });
    },
    stop() {
      pushing = false;
      progress.stop();
    },
  };
}
