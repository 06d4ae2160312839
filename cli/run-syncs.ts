/**
 * `plan` and `sync`: argument handling and output around core/app/run-syncs.ts. Loads the config, runs the selected
 * syncs with a runtime (one per command unless the caller shares its own), renders the reports and writes --out.
 * One failed sync does not stop the others; the worst exit code wins.
 */
import { resolve } from 'node:path';
import { EXIT, PinsyncError, UsageError, exitCodeOf } from '../core/errors.js';
import { DEFAULT_REQUESTED_SINCE_DAYS } from '../core/dbt/requested-syncs.js';
import type { AppRuntime } from '../core/app/app-runtime.js';
import type { RunObserver } from '../core/app/run-observer.js';
import { runSyncs as runSelectedSyncs } from '../core/app/run-syncs.js';
import type { LoadedConfig } from '../core/config/load-config.js';
import type { Logger } from '../core/logger.js';
import type { StateStore } from '../core/state-store.js';
import { createRuntime } from '../connectors/runtime/create-runtime.js';
import type { CliIo } from './cli-io.js';
import { loadCliConfig } from './config-source.js';
import { colorAllowed } from './output/ansi.js';
import { createLogger } from './output/create-logger.js';
import { createProgress } from './output/create-progress.js';
import { type ReportFormat, overallExitCode, renderReports } from './output/render-report.js';
import { checkReportDestination, prepareReportFile, writeReportFile } from './output/report-file.js';
import { reportCommandError } from './report-command-error.js';

export interface RunSyncsArgs {
  /** Config file path. */
  config: string;
  /** `--sync` names; all syncs when empty. */
  sync: string[] | undefined;
  /** `--select` dbt-style selectors. */
  select?: string[] | undefined;
  /** `--exclude` dbt-style selectors. */
  exclude?: string[] | undefined;
  /** `--after-dbt [PATH]`: undefined when absent, '' for `<target>/run_results.json`. */
  afterDbt?: string | undefined;
  /** `--include-unbuilt`. */
  includeUnbuilt?: boolean;
  /** plan / --dry-run. */
  dryRun: boolean;
  /** --full-resync. */
  fullResync: boolean;
  /** --force. */
  force: boolean;
  /** --recreate. */
  recreate: boolean;
  /** Report format. */
  format: ReportFormat;
  /** Write the report to this file instead of stdout. */
  out: string | undefined;
  /** Log level override. */
  logLevel: string | undefined;
  /** Logs as JSON lines. */
  logJson: boolean;
  /** `--if-due`: only the syncs whose `schedule` fell due since their last recorded run; the others are skipped rows. */
  ifDue?: boolean;
  /** `--requested`: only the model syncs a dbt post-hook requested and the state has not handled. */
  requested?: boolean;
  /** `--requested-since` in milliseconds; default 7 days. */
  requestedSinceMs?: number | undefined;
  /** `--requests-schema`: schema of the requests table; default `pinsync`. */
  requestsSchema?: string | undefined;
}

/** What a long-lived caller (`pinsync schedule`) shares between runSyncs calls. */
export interface RunSyncsShared {
  /** An open state store, used and left open: one process must not open a DuckDB state file twice. */
  state?: StateStore;
  /** The config read once at start-up: a scheduler reloads nothing implicitly (a config change needs a restart). */
  config?: LoadedConfig;
  /** The caller's runtime, so its runs share one pacing budget; default: one created for this call. */
  runtime?: AppRuntime;
  /** The caller's hooks into the run (the scheduler's metrics); runStart stays the CLI's own. */
  observer?: Omit<RunObserver, 'runStart'>;
  /**
   * A poll (`schedule --poll-requests`): when no sync ran, print no report and keep the "skipped"/"no requests" notes
   * at debug level, so an idle poll every few minutes leaves no trace in the logs.
   */
  quietWhenNothingRan?: boolean;
}

export async function runSyncs(args: RunSyncsArgs, io: CliIo, shared: RunSyncsShared = {}): Promise<number> {
  const cliLogger = createLogger({ level: args.logLevel ?? io.env.PINSYNC_LOG_LEVEL, json: args.logJson, stream: io.stderr, color: colorAllowed(io.stderr, io.env) });
  const logger = shared.quietWhenNothingRan ? quietIdleNotes(cliLogger) : cliLogger;
  try {
    checkReportDestination(args.format, args.out, io.stdout);
    // Credentials are checked by runSyncs, only for the destinations a real sync writes to: plan needs none.
    const config = shared.config ?? (await loadCliConfig(args.config, io, args.dryRun ? 'plan' : 'sync', { deferCredentials: true }));
    const outFile = args.out === undefined ? undefined : resolve(io.cwd, args.out);
    const progress = createProgress({ stream: io.stderr as NodeJS.WriteStream, enabled: args.format !== 'json' || args.out !== undefined });
    const { reports, skipped } = await runSelectedSyncs(
      config,
      { sync: args.sync, select: args.select, exclude: args.exclude },
      {
        dryRun: args.dryRun,
        fullResync: args.fullResync,
        force: args.force,
        recreate: args.recreate,
        afterDbt: args.afterDbt,
        includeUnbuilt: args.includeUnbuilt,
        ifDue: args.ifDue,
        requested: requestedOption(args),
        cwd: io.cwd,
        configLabel: args.config,
        signal: io.signal,
        noPushdown: io.env.PINSYNC_NO_PUSHDOWN === '1',
        state: shared.state,
        logger,
        progress,
      },
      shared.runtime ?? createRuntime({ env: io.env }),
      {
        ...shared.observer,
        // Once the credentials are known to be set and before the state is opened: an --out that cannot be written
        // stops the command before anything is sent.
        runStart: async () => {
          if (outFile !== undefined) await prepareReportFile(outFile, args.out!);
        },
      },
    );
    const text = renderReports(reports, args.format, { color: args.format === 'table' && args.out === undefined && colorAllowed(io.stdout, io.env), skipped });
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
    if (shared.quietWhenNothingRan && reports.length === 0) toStdout = false;
    if (toStdout) io.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
    return overallExitCode(reports);
  } catch (err) {
    reportCommandError(err, io);
    return err instanceof PinsyncError ? err.exitCode : exitCodeOf(err) || EXIT.syncFailed;
  }
}

/** `--requested [--requested-since AGE] [--requests-schema S]` as runSyncs takes it; the two alone are a mistake. */
export function requestedOption(args: Pick<RunSyncsArgs, 'requested' | 'requestedSinceMs' | 'requestsSchema' | 'afterDbt'>, now = new Date()): { since: Date; schema?: string | undefined } | undefined {
  if (args.requested && args.afterDbt !== undefined) throw new UsageError('--requested gates each request on its own dbt build; leave out --after-dbt');
  if (!args.requested) {
    if (args.requestedSinceMs !== undefined) throw new UsageError('--requested-since only applies with --requested');
    if (args.requestsSchema !== undefined) throw new UsageError('--requests-schema only applies with --requested');
    return undefined;
  }
  const age = args.requestedSinceMs ?? DEFAULT_REQUESTED_SINCE_DAYS * 86_400_000;
  // On the hour (the window grows by at most an hour): every poll within an hour sends the same query text, which
  // BigQuery answers from its query cache, unbilled, until the post-hook changes the table.
  const since = new Date(Math.floor((now.getTime() - age) / 3_600_000) * 3_600_000);
  return { since, schema: args.requestsSchema };
}

const IDLE_NOTE = /^(skipped: no sync request|no dbt sync requests yet)/;

/** The logger with the notes of an idle poll moved from info to debug. */
function quietIdleNotes(logger: Logger): Logger {
  return {
    debug: (...args) => logger.debug(...args),
    info: (...args) => {
      const [obj, msg] = args;
      if (IDLE_NOTE.test(typeof obj === 'string' ? obj : (msg ?? ''))) logger.debug(...args);
      else logger.info(...args);
    },
    warn: (...args) => logger.warn(...args),
    error: (...args) => logger.error(...args),
  };
}
