/**
 * `pinsync schedule`: a foreground loop that runs each selected sync when its `schedule:` falls due, until
 * SIGTERM/SIGINT. Every run goes through runSyncs, the path `pinsync sync` takes, in this process: the Pinterest
 * pacing budget of an ad account is shared by all runs, and runs going at the same time share one open state (a
 * DuckDB state file must not be opened twice by one process). The config is read once; a change needs a restart.
 */
import { EXIT, PinsyncError, UsageError, exitCodeOf } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import { lastRunStarts } from '../../core/schedule/last-run-starts.js';
import { Scheduler, type SchedulerClock, type SchedulerEvent, systemClock } from '../../core/schedule/scheduler.js';
import type { StateLocation } from '../../core/config/state-schema.js';
import type { StateStore } from '../../core/state-store.js';
import { selectSyncsFor } from '../../core/sync-jobs.js';
import { assertPinterestAuthorized, assertPinterestCredentialsSet } from '../../connectors/pinterest/oauth/pinterest-oauth-preflight.js';
import { notifySkippedTickAlerts } from '../../connectors/alerts/notify-alerts.js';
import { type HealthServer, startHealthServer } from '../../connectors/metrics/health-server.js';
import { PinsyncMetrics } from '../../connectors/metrics/pinsync-metrics.js';
import { openStateStore } from '../../connectors/state/open-state-store.js';
import { createRuntime } from '../../connectors/runtime/create-runtime.js';
import type { CliIo } from '../cli-io.js';
import { loadCliConfig } from '../config-source.js';
import { colorAllowed } from '../output/ansi.js';
import { createLogger } from '../output/create-logger.js';
import { reportCommandError } from '../report-command-error.js';
import { runSyncs } from '../run-syncs.js';
import { DEFAULT_HEALTH_HOST, DEFAULT_MAX_CONSECUTIVE_FAILURES } from './schedule-defaults.js';

export interface ScheduleArgs {
  /** Config file path. */
  config: string;
  /** `--sync` names; all scheduled syncs when empty. */
  sync: string[] | undefined;
  /** `--select` dbt-style selectors. */
  select?: string[] | undefined;
  /** `--exclude` dbt-style selectors. */
  exclude?: string[] | undefined;
  /** Most runs at a time. */
  concurrency: number;
  /** Seconds to wait for running syncs after a stop signal. */
  shutdownTimeoutS: number;
  /** Format of each run's report on stdout. */
  format: 'table' | 'json' | 'markdown';
  /** Log level override. */
  logLevel: string | undefined;
  /** Logs as JSON lines. */
  logJson: boolean;
  /** `--health-port`: serve /healthz and /metrics on this port; no server when undefined. */
  healthPort?: number | undefined;
  /** `--health-host`: interface the health server binds (default 127.0.0.1). */
  healthHost?: string | undefined;
  /** `--max-consecutive-failures`: /healthz answers 503 once a sync has failed more than this many times in a row. */
  maxConsecutiveFailures?: number | undefined;
  /** `--poll-requests SECONDS`: also run the model syncs a dbt post-hook requested, polling this often; off when unset. */
  pollRequestsS?: number | undefined;
  /** `--requests-schema`: schema of the dbt requests table; default `pinsync`. */
  requestsSchema?: string | undefined;
}

/** Test seams. */
export interface ScheduleHooks {
  /** Default: the system clock. */
  clock?: SchedulerClock;
}

export async function scheduleCommand(args: ScheduleArgs, io: CliIo, hooks: ScheduleHooks = {}): Promise<number> {
  const logger = createLogger({ level: args.logLevel ?? io.env.PINSYNC_LOG_LEVEL, json: args.logJson, stream: io.stderr, color: colorAllowed(io.stderr, io.env) });
  let shared: SharedState | undefined;
  let health: HealthServer | undefined;
  try {
    const config = await loadCliConfig(args.config, io, 'schedule', { deferCredentials: true });
    const selection = selectSyncsFor(config, { sync: args.sync, select: args.select, exclude: args.exclude });
    const scheduled = selection.filter((s) => s.schedule !== undefined);
    // With --poll-requests every selected model: sync may be requested by its dbt post-hook, scheduled or not.
    const pollable = args.pollRequestsS ? selection.filter((s) => s.model !== undefined) : [];
    if (args.pollRequestsS && pollable.length === 0) throw new UsageError('--poll-requests: no selected sync reads a dbt model (model:), and dbt sync requests name models');
    if (args.requestsSchema !== undefined && !args.pollRequestsS) throw new UsageError('--requests-schema only applies with --poll-requests');
    for (const s of selection) if (s.schedule === undefined && !pollable.includes(s)) logger.info({ sync: s.name }, `skipped: ${s.name} has no schedule`);
    if (scheduled.length === 0 && pollable.length === 0) {
      throw new UsageError('no selected sync has a schedule: add schedule: "15 * * * *" (cron) to the syncs pinsync schedule should run');
    }
    const served = [...new Set([...scheduled, ...pollable])];
    const destinations = [...new Set(served.map((s) => s.destination))];
    // Refused at start-up, not at 3 a.m. at the first tick.
    for (const name of destinations) assertPinterestCredentialsSet(config, name, args.config);
    // Every sync's report reaches the metrics through the run's observer (dbt-gate stops included).
    const metrics = new PinsyncMetrics(served.map((s) => s.name));
    const state = (shared = new SharedState(config.state, io.env));
    const starts = await state.use(async (store) => {
      for (const name of destinations) await assertPinterestAuthorized(config, name, store, { destinationName: name, configPath: args.config });
      // Failure streaks continue across restarts, as the alerts count them: a restart must not hide a failing sync.
      // Per sync: one window shared by all would let a sync that runs every few minutes push a daily one's runs out.
      const history = await Promise.all(served.map((s) => store.listRuns({ syncNames: [s.name], limit: 50 })));
      metrics.seedFromHistory(history.flat());
      return lastRunStarts(
        store,
        scheduled.map((s) => s.name),
      );
    });

    // A tick skipped because the sync's previous run is still going raises the alerts' `warning` event; `first` marks
    // the first skip during that run, so `repeat: first` sends one alert per overlapping run. Deliveries are bounded
    // and never throw; shutdown waits for the ones still going.
    const skippingRun = new Set<string>();
    const deliveries = new Set<Promise<unknown>>();
    const alertSkippedTick = (event: SchedulerEvent): void => {
      if (event.type === 'end') skippingRun.delete(event.sync);
      if (event.type !== 'overlap' || !config.alerts?.length) return;
      const first = !skippingRun.has(event.sync);
      skippingRun.add(event.sync);
      const delivery = notifySkippedTickAlerts(config, { sync: event.sync, tick: event.tick, skippedTotal: event.skippedTotal, first }, { logger });
      deliveries.add(delivery);
      void delivery.finally(() => deliveries.delete(delivery));
    };
    // Bound before anything runs: a port in use is a start-up error (exit 2), not a surprise at the first scrape.
    let stopping = false;
    if (args.healthPort !== undefined) {
      const host = args.healthHost ?? DEFAULT_HEALTH_HOST;
      health = await startHealthServer({ host, port: args.healthPort, metrics, maxConsecutiveFailures: args.maxConsecutiveFailures ?? DEFAULT_MAX_CONSECUTIVE_FAILURES, isRunning: () => !stopping });
      logger.info({ event: 'health_listening', port: health.port }, `serving /healthz and /metrics on http://${host.includes(':') ? `[${host}]` : host}:${health.port}`);
    }
    // One runtime for the scheduler's lifetime: every run waits at the same pacing gate of its credentials.
    const runtime = createRuntime({ env: io.env });
    const exclusive = new SyncExclusion();
    const scheduler = new Scheduler({
      syncs: scheduled,
      lastRunStarts: starts,
      concurrency: args.concurrency,
      clock: hooks.clock,
      onEvent: (event) => {
        logEvent(logger, event, args.concurrency);
        alertSkippedTick(event);
        metrics.recordSchedulerEvent(event);
      },
      run: (sync) =>
        exclusive.run([sync], () =>
          state.use((store) =>
            runSyncs(
              { config: args.config, sync: [sync], dryRun: false, fullResync: false, force: false, recreate: false, format: args.format, out: undefined, logLevel: args.logLevel, logJson: args.logJson },
              io,
              { state: store, config, runtime, observer: { syncReport: (report) => metrics.recordReport(report) } },
            ),
          ),
        ),
    });
    // dbt sync requests: every poll runs the requested syncs not running now, once each, through `sync --requested`.
    const pollStop = new AbortController();
    const polling =
      args.pollRequestsS === undefined || args.pollRequestsS === 0
        ? Promise.resolve()
        : pollRequests({
            every: args.pollRequestsS * 1000,
            clock: hooks.clock ?? systemClock,
            stop: pollStop.signal,
            syncs: pollable.map((s) => s.name),
            exclusive,
            logger,
            run: (syncs) =>
              state.use((store) =>
                runSyncs(
                  { config: args.config, sync: syncs, requested: true, requestsSchema: args.requestsSchema, dryRun: false, fullResync: false, force: false, recreate: false, format: args.format, out: undefined, logLevel: args.logLevel, logJson: args.logJson },
                  io,
                  { state: store, config, runtime, observer: { syncReport: (report) => metrics.recordReport(report) }, quietWhenNothingRan: true },
                ),
              ),
          });
    const next = Object.entries(scheduler.nextTicks())
      .map(([sync, at]) => `${sync} ${scheduler.queuedSyncs.includes(sync) ? 'now' : (at?.toISOString() ?? 'never')}`)
      .join(', ');
    logger.info(
      { syncs: scheduled.map((s) => s.name), concurrency: args.concurrency },
      `scheduling ${scheduled.length} sync(s) (concurrency ${args.concurrency}); next: ${next || 'none'}. The config was read once: restart pinsync schedule to apply a change.`,
    );
    if (pollable.length > 0) logger.info({ syncs: pollable.map((s) => s.name) }, `polling dbt sync requests every ${args.pollRequestsS} s for ${pollable.map((s) => s.name).join(', ')}`);
    const stopped = stopRequested(io.signal);
    scheduler.start();
    await stopped;
    stopping = true;
    pollStop.abort();
    logger.info(`stopping: no new runs; waiting up to ${args.shutdownTimeoutS} s for ${exclusive.busy.length} running sync(s) to finish their batch in flight`);
    const deadline = Date.now() + args.shutdownTimeoutS * 1000;
    const { stillRunning: scheduledStill } = await scheduler.stop(args.shutdownTimeoutS * 1000);
    // A requested run going on is waited for within the same timeout.
    const timer = new AbortController();
    await Promise.race([polling, (hooks.clock ?? systemClock).sleep(Math.max(0, deadline - Date.now()), timer.signal)]);
    timer.abort();
    const stillRunning = [...new Set([...scheduledStill, ...exclusive.busy])];
    const skipped = Object.entries(scheduler.skippedOverlaps()).filter(([, n]) => n > 0);
    if (skipped.length > 0) logger.info({ skippedOverlaps: Object.fromEntries(skipped) }, `ticks skipped because the previous run was still going: ${skipped.map(([s, n]) => `${s} ${n}`).join(', ')}`);
    if (stillRunning.length > 0) {
      // Their runs stay recorded as running; the next run of each sync marks them interrupted and resumes from the state.
      logger.error({ syncs: stillRunning }, `shutdown timeout (${args.shutdownTimeoutS} s) passed with ${stillRunning.join(', ')} still running; exiting anyway`);
      return EXIT.interrupted;
    }
    logger.info(`stopped after ${scheduler.started} run(s)`);
    return EXIT.ok;
  } catch (err) {
    reportCommandError(err, io);
    return err instanceof PinsyncError ? err.exitCode : exitCodeOf(err) || EXIT.syncFailed;
  } finally {
    // Closed last, so /metrics can be scraped while running syncs finish.
    await health?.close();
    await shared?.closed();
  }
}

/**
 * The state, open while at least one run uses it and closed when the last one ends: between runs another process
 * (`pinsync runs`, a manual `pinsync sync`) can open a DuckDB state file, which one process at a time may hold.
 */
class SharedState {
  private store: Promise<StateStore> | undefined;
  private users = 0;
  private closing: Promise<void> = Promise.resolve();

  constructor(
    private readonly location: StateLocation,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  /** Runs `fn` with the open state, opening it first when nobody else is using it. */
  async use<T>(fn: (store: StateStore) => Promise<T>): Promise<T> {
    this.users++;
    try {
      if (this.store === undefined) {
        // After the previous close: one process never holds two instances of one DuckDB file.
        const previous = this.closing;
        this.store = previous.then(() => openStateStore(this.location, { env: this.env }));
      }
      const store = await this.store;
      return await fn(store);
    } finally {
      this.users--;
      if (this.users === 0 && this.store !== undefined) {
        const store = this.store;
        this.store = undefined;
        this.closing = store.then((s) => s.close()).catch(() => undefined);
        await this.closing;
      }
    }
  }

  /** Resolves once the state is closed (immediately when nobody uses it). */
  closed(): Promise<void> {
    return this.closing;
  }
}

/**
 * At most one run per sync among the scheduler's runs and the request polls of this process: a run waits for the
 * one going on for its sync (the state lock would otherwise refuse it), and the poll leaves busy syncs to its next turn.
 */
class SyncExclusion {
  private readonly going = new Map<string, Promise<unknown>>();

  /** Syncs with a run going on (or waiting for one). */
  get busy(): string[] {
    return [...this.going.keys()];
  }

  /** Runs `fn` once no run of `syncs` is going on, and holds them until it ends. */
  run<T>(syncs: readonly string[], fn: () => Promise<T>): Promise<T> {
    const before = Promise.all(syncs.map((s) => this.going.get(s)?.catch(() => undefined)));
    const mine = before.then(fn);
    for (const s of syncs) this.going.set(s, mine);
    const release = () => {
      for (const s of syncs) if (this.going.get(s) === mine) this.going.delete(s);
    };
    mine.then(release, release);
    return mine;
  }
}

/** What the request poll needs. */
interface PollOptions {
  /** Milliseconds between polls (the first one waits too: a restart loop must not hammer the warehouse). */
  every: number;
  /** Time as the scheduler sees it. */
  clock: SchedulerClock;
  /** Aborted on stop: no further poll. */
  stop: AbortSignal;
  /** The syncs a request may run. */
  syncs: readonly string[];
  /** Shared with the scheduler's runs. */
  exclusive: SyncExclusion;
  /** Errors of a poll (it goes on). */
  logger: Logger;
  /** `sync --requested` of these syncs; resolves with its exit code. */
  run(syncs: string[]): Promise<number>;
}

async function pollRequests(options: PollOptions): Promise<void> {
  while (!options.stop.aborted) {
    await options.clock.sleep(options.every, options.stop);
    if (options.stop.aborted) return;
    const busy = new Set(options.exclusive.busy);
    const free = options.syncs.filter((s) => !busy.has(s));
    // A sync running now keeps its requests; the next poll sees them still open.
    if (free.length === 0) continue;
    try {
      const code = await options.exclusive.run(free, () => options.run(free));
      if (code !== EXIT.ok) options.logger.warn({ event: 'requested_run_end', exitCode: code }, `requested run ended with exit ${code} (see its report)`);
    } catch (err) {
      options.logger.error({ event: 'requested_run_end' }, `polling dbt sync requests failed: ${err instanceof Error ? err.message : 'unexpected error'}; polling goes on`);
    }
  }
}

/** Resolves on the first stop signal (SIGTERM/SIGINT/SIGHUP abort io.signal); never without one. */
function stopRequested(signal: AbortSignal | undefined): Promise<void> {
  if (signal === undefined) return new Promise<void>(() => undefined);
  if (signal.aborted) return Promise.resolve();
  return new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}

function logEvent(logger: Logger, event: SchedulerEvent, concurrency: number): void {
  switch (event.type) {
    case 'start':
      logger.info({ sync: event.sync, event: 'run_start' }, `run of ${event.sync} starting (${event.reason})`);
      return;
    case 'end': {
      const seconds = (event.durationMs / 1000).toFixed(1);
      if (event.error !== undefined) logger.error({ sync: event.sync, event: 'run_end' }, `run of ${event.sync} failed after ${seconds} s: ${event.error instanceof Error ? event.error.message : 'unexpected error'}`);
      else if (event.exitCode === EXIT.ok) logger.info({ sync: event.sync, event: 'run_end', exitCode: event.exitCode }, `run of ${event.sync} finished in ${seconds} s`);
      else logger.warn({ sync: event.sync, event: 'run_end', exitCode: event.exitCode }, `run of ${event.sync} ended with exit ${event.exitCode} after ${seconds} s (see its report)`);
      return;
    }
    case 'overlap':
      logger.warn(
        { sync: event.sync, event: 'tick_skipped', tick: event.tick.toISOString(), skippedTotal: event.skippedTotal },
        `skipped the ${event.tick.toISOString()} tick of ${event.sync}: its previous run is still going (${event.skippedTotal} skipped so far)`,
      );
      return;
    case 'queued':
      logger.info({ sync: event.sync, event: 'run_queued' }, `${event.sync} is due and waits for a free slot (--concurrency ${concurrency})`);
      return;
    case 'dropped':
      logger.info({ sync: event.sync, event: 'run_dropped' }, `${event.sync} was due but had not started: not started because pinsync schedule is stopping`);
      return;
  }
}
