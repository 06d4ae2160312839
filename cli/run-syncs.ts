/**
 * `plan` and `sync`: load the config, open the state, run each selected sync in turn and render the reports.
 * One failed sync does not stop the others; the worst exit code wins.
 */
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { loadConfig } from '../core/config/load-config.js';
import { EXIT, PinsyncError, exitCodeOf } from '../core/errors.js';
import type { StateStore } from '../core/state-store.js';
import { runSync } from '../core/sync-engine.js';
import { selectSyncs, syncJobFromConfig } from '../core/sync-jobs.js';
import type { SyncReport } from '../core/sync-report.js';
import type { Warehouse } from '../core/warehouse.js';
import { createPinterestDestination } from '../connectors/pinterest/create-pinterest-destination.js';
import { openStateStore } from '../connectors/state/open-state-store.js';
import { createWarehouse } from '../connectors/warehouses/create-warehouse.js';
import type { CliIo } from './cli-io.js';
import { createLogger } from './output/create-logger.js';
import { createProgress } from './output/create-progress.js';
import { overallExitCode, renderReports } from './output/render-report.js';
import { reportCommandError } from './report-command-error.js';

export interface RunSyncsArgs {
  /** Config file path. */
  config: string;
  /** `--sync` names; all syncs when empty. */
  sync: string[] | undefined;
  /** plan / --dry-run. */
  dryRun: boolean;
  /** --full-resync. */
  fullResync: boolean;
  /** --force. */
  force: boolean;
  /** --recreate. */
  recreate: boolean;
  /** Report format. */
  format: 'table' | 'json' | 'markdown';
  /** Write the report to this file instead of stdout. */
  out: string | undefined;
  /** Log level override. */
  logLevel: string | undefined;
  /** Logs as JSON lines. */
  logJson: boolean;
}

export async function runSyncs(args: RunSyncsArgs, io: CliIo): Promise<number> {
  const logger = createLogger({ level: args.logLevel ?? io.env.PINSYNC_LOG_LEVEL, json: args.logJson, stream: io.stderr });
  let state: StateStore | undefined;
  const warehouses = new Map<string, Warehouse>();
  try {
    const config = await loadConfig(resolve(io.cwd, args.config), io.env);
    const selected = selectSyncs(config, args.sync);
    state = await openStateStore(config.state, { planOnly: args.dryRun });
    const progress = createProgress({ stream: io.stderr as NodeJS.WriteStream, enabled: args.format !== 'json' || args.out !== undefined });
    const reports: SyncReport[] = [];
    for (const sync of selected) {
      if (io.signal?.aborted) break;
      let warehouse = warehouses.get(sync.warehouse);
      if (!warehouse) {
        warehouse = await createWarehouse(sync.warehouse, config.warehouses[sync.warehouse]!);
        warehouses.set(sync.warehouse, warehouse);
      }
      const destination = args.dryRun
        ? undefined
        : createPinterestDestination(config.destinations[sync.destination]!, { state, logger, name: sync.destination, configPath: args.config });
      try {
        const report = await runSync(
          syncJobFromConfig(config, sync),
          { warehouse, state, destination, logger, progress },
          { dryRun: args.dryRun, fullResync: args.fullResync, force: args.force, recreate: args.recreate, signal: io.signal, noPushdown: io.env.PINSYNC_NO_PUSHDOWN === '1' },
        );
        reports.push(report);
      } finally {
        await destination?.close();
      }
    }
    const text = renderReports(reports, args.format, { color: args.format === 'table' && args.out === undefined && io.stdout.isTTY === true });
    if (args.out !== undefined) {
      await writeFile(resolve(io.cwd, args.out), text);
      logger.info(`report written to ${args.out}`);
    } else io.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
    return overallExitCode(reports);
  } catch (err) {
    reportCommandError(err, io);
    return err instanceof PinsyncError ? err.exitCode : exitCodeOf(err) || EXIT.syncFailed;
  } finally {
    for (const w of warehouses.values()) await w.close().catch(() => undefined);
    await state?.close().catch(() => undefined);
  }
}
