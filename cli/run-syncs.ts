/**
 * `plan` and `sync`: load the config, open the state, run each selected sync in turn and render the reports.
 * One failed sync does not stop the others; the worst exit code wins.
 */
import { resolve } from 'node:path';
import { EXIT, PinsyncError, exitCodeOf } from '../core/errors.js';
import type { StateStore } from '../core/state-store.js';
import { runSync } from '../core/sync-engine.js';
import { selectSyncs, syncJobFromConfig } from '../core/sync-jobs.js';
import type { SyncReport } from '../core/sync-report.js';
import type { Warehouse } from '../core/warehouse.js';
import { createPinterestDestination } from '../connectors/pinterest/create-pinterest-destination.js';
import { assertPinterestAuthorized, assertPinterestCredentialsSet } from '../connectors/pinterest/oauth/pinterest-oauth-preflight.js';
import { openStateStore } from '../connectors/state/open-state-store.js';
import { createWarehouse } from '../connectors/warehouses/create-warehouse.js';
import type { CliIo } from './cli-io.js';
import { loadCliConfig } from './config-source.js';
import { colorAllowed } from './output/ansi.js';
import { createLogger } from './output/create-logger.js';
import { createProgress } from './output/create-progress.js';
import { overallExitCode, renderReports } from './output/render-report.js';
import { prepareReportFile, writeReportFile } from './output/report-file.js';
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
  const logger = createLogger({ level: args.logLevel ?? io.env.PINSYNC_LOG_LEVEL, json: args.logJson, stream: io.stderr, color: colorAllowed(io.stderr, io.env) });
  let state: StateStore | undefined;
  const warehouses = new Map<string, Warehouse>();
  try {
    // Credentials are checked below, only for the destinations a real sync writes to: plan needs none.
    const config = await loadCliConfig(args.config, io, args.dryRun ? 'plan' : 'sync', { deferCredentials: true });
    const selected = selectSyncs(config, args.sync);
    const destinations = [...new Set(selected.map((s) => s.destination))];
    if (!args.dryRun) for (const name of destinations) assertPinterestCredentialsSet(config, name, args.config);
    const outFile = args.out === undefined ? undefined : resolve(io.cwd, args.out);
    if (outFile !== undefined) await prepareReportFile(outFile, args.out!);
    state = await openStateStore(config.state, { planOnly: args.dryRun, env: io.env });
    // Before anything is read: a destination that was never authorized would otherwise fail only at the first push.
    if (!args.dryRun) {
      for (const name of destinations) await assertPinterestAuthorized(config, name, state, { destinationName: name, configPath: args.config });
    }
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
    const text = renderReports(reports, args.format, { color: args.format === 'table' && args.out === undefined && colorAllowed(io.stdout, io.env) });
    let toStdout = outFile === undefined;
    if (outFile !== undefined) {
      try {
        await writeReportFile(outFile, text);
        logger.info(`report written to ${args.out}`);
      } catch (err) {
        // The syncs have run: their outcome stands, and their report goes to stdout rather than being lost.
        logger.error(`--out ${args.out}: could not write the report (${(err as NodeJS.ErrnoException).code ?? 'error'}); printing it to stdout instead`);
        toStdout = true;
      }
    }
    if (toStdout) io.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
    return overallExitCode(reports);
  } catch (err) {
    reportCommandError(err, io);
    return err instanceof PinsyncError ? err.exitCode : exitCodeOf(err) || EXIT.syncFailed;
  } finally {
    for (const w of warehouses.values()) await w.close().catch(() => undefined);
    await state?.close().catch(() => undefined);
  }
}
