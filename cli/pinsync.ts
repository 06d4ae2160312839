#!/usr/bin/env node
/**
 * The `pinsync` command line: argument parsing only. Each command is a function over core, runnable in-process
 * (tests and the demo call `main` directly with their own streams).
 */
import yargs, { type Argv } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { EXIT, UsageError } from '../core/errors.js';
import { type CliIo, processIo } from './cli-io.js';
import { DEFAULT_CONCURRENCY, DEFAULT_HEALTH_HOST, DEFAULT_MAX_CONSECUTIVE_FAILURES, DEFAULT_SHUTDOWN_TIMEOUT_S } from './commands/schedule-defaults.js';
import { configOption } from './config-source.js';
import { type OptionTable, rejectMisreadOptions } from './reject-misread-options.js';

/** Options whose value may be left out (`--after-dbt` alone means the project's run_results.json). */
const OPTIONAL_VALUE: ReadonlySet<string> = new Set(['after-dbt']);

const FORMATS = ['table', 'json', 'markdown'] as const;
/** plan and sync also write an HTML page (schedule prints each run's report to a log, where a page makes no sense). */
const REPORT_FORMATS = [...FORMATS, 'html'] as const;

// Each command's module (and through it the SDKs, the emulator, the OAuth flow, the state copier) is imported only
// when that command runs: start-up is most of a small command's time (`validate` loaded 550 modules, kysely's 262
// among them, to check a YAML file). Handlers import theirs; the commands below need theirs while yargs parses (their
// options and subcommands), so they are imported before parsing when the command line names them, or all of them
// when it names no command (`--help`, a typo), for the help and the errors to list every command.
const PARSE_TIME_COMMANDS = ['emulator', 'auth', 'state'] as const;
const COMMAND_NAMES: readonly string[] = ['validate', 'plan', 'sync', 'schedule', 'runs', 'doctor', 'dbt', 'alerts', ...PARSE_TIME_COMMANDS];

// `pinsync schedule` runs until it is stopped: a stop signal is its normal end (exit 0), not an interruption (130).
const stopEndsCommand = { schedule: false };

async function loadParseTimeCommands(argv: readonly string[]) {
  const namesNone = !argv.some((a) => COMMAND_NAMES.includes(a));
  const wanted = (name: (typeof PARSE_TIME_COMMANDS)[number]) => namesNone || argv.includes(name);
  const [emulator, auth, state] = await Promise.all([
    wanted('emulator') ? import('./commands/emulator-command.js') : undefined,
    wanted('auth') ? import('./commands/auth-command.js') : undefined,
    wanted('state') ? import('./commands/state-command.js') : undefined,
  ]);
  return { emulator, auth, state };
}

/** A module `loadParseTimeCommands` loaded whenever its command can run. */
function loaded<T>(module: T | undefined, name: string): T {
  if (module === undefined) throw new Error(`pinsync: the ${name} command's module was not loaded`);
  return module;
}

/** Runs one pinsync invocation and resolves with its exit code. */
export async function main(argv: string[], io: CliIo): Promise<number> {
  let exitCode: number = EXIT.ok;
  const commands = await loadParseTimeCommands(argv);
  const withConfig = <T>(y: Argv<T>) =>
    y.option('config', configOption(io));
  const withSyncs = <T>(y: Argv<T>) =>
    y.option('sync', { type: 'string', array: true, coerce: syncNames, describe: 'only this sync (repeatable); default: all' });
  // dbt-style selection and the dbt gate, for plan and sync (issue 11 §2).
  const withDbt = <T>(y: Argv<T>) =>
    y
      .option('select', { alias: 's', type: 'string', array: true, coerce: selectors('--select'), describe: 'dbt-style: sync names, model:NAME, tag:T; space = or, comma = and (repeatable)' })
      .option('exclude', { type: 'string', array: true, coerce: selectors('--exclude'), describe: 'dbt-style selectors to leave out' })
      .option('after-dbt', { type: 'string', describe: 'gate model: syncs on this dbt run_results.json (default <target>/run_results.json): rebuilt and tested green, or skipped/stopped' })
      .option('include-unbuilt', { type: 'boolean', default: false, describe: 'with --after-dbt: also sync what that dbt run did not rebuild' })
      .option('requested', { type: 'boolean', default: false, describe: 'only the model: syncs a dbt post-hook ({{ pinsync.request_sync() }}) asked for and not yet handled; each runs once' })
      .option('requested-since', { type: 'string', coerce: ageOption('--requested-since'), describe: 'with --requested: read requests this recent (e.g. 7d, 12h, 30m; default 7d)' })
      .option('requests-schema', { type: 'string', describe: 'with --requested: schema of the sync_requests table (the dbt var pinsync_schema; default pinsync)' });
  const withLogs = <T>(y: Argv<T>) =>
    y
      .option('log-level', { type: 'string', choices: ['silent', 'error', 'warn', 'info', 'debug'], describe: 'stderr log level (default info, or $PINSYNC_LOG_LEVEL)' })
      .option('log-json', { type: 'boolean', default: false, describe: 'log JSON lines instead of text' });

  const parser = yargs(argv)
    .scriptName('pinsync')
    .usage('$0 <command> [options]\n\nKeep Pinterest customer lists and audiences in step with a SQL query over your warehouse.')
    .command(
      'validate',
      'check the config; every problem with its path (exit 2 if any)',
      (y) => withConfig(y),
      async (a) => {
        const { validateCommand } = await import('./commands/validate-command.js');
        exitCode = await validateCommand({ config: a.config }, io);
      },
    )
    .command(
      'plan',
      'dry run: query, normalize, hash and diff; report adds/removes/rejects and the guardrail verdict. Sends and stores nothing.',
      (y) =>
        withDbt(withLogs(withSyncs(withConfig(y))))
          .option('format', { type: 'string', choices: REPORT_FORMATS, default: 'table' as const, describe: 'report format (html: a page to open; needs --out at a terminal)' })
          .option('out', { type: 'string', describe: 'write the report to this file instead of stdout' })
          .option('full-resync', { type: 'boolean', default: false, describe: 'plan a full resync' })
          .option('if-due', { type: 'boolean', default: false, describe: 'only the syncs whose schedule fell due since their last run' }),
      async (a) => {
        const { runSyncs } = await import('./run-syncs.js');
        exitCode = await runSyncs(
          { config: a.config, sync: a.sync, select: a.select, exclude: a.exclude, afterDbt: a['after-dbt'], includeUnbuilt: a['include-unbuilt'], ifDue: a['if-due'], requested: a.requested, requestedSinceMs: a['requested-since'], requestsSchema: a['requests-schema'], dryRun: true, fullResync: a['full-resync'], force: false, recreate: false, format: a.format as (typeof REPORT_FORMATS)[number], out: a.out, logLevel: a['log-level'], logJson: a['log-json'] },
          io,
        );
      },
    )
    .command(
      'sync',
      'plan, then push the deltas to Pinterest and record the run',
      (y) =>
        withDbt(withLogs(withSyncs(withConfig(y))))
          .option('dry-run', { type: 'boolean', default: false, describe: 'same as plan' })
          .option('full-resync', { type: 'boolean', default: false, describe: 'send the whole current membership as ADD (removals still sent)' })
          .option('force', { type: 'boolean', default: false, describe: 'send even when a guardrail trips (the report says so)' })
          .option('recreate', { type: 'boolean', default: false, describe: 'the list or audience was deleted on Pinterest: build new ones and send the full membership' })
          .option('json', { type: 'boolean', default: false, describe: 'print the report as JSON' })
          .option('format', { type: 'string', choices: REPORT_FORMATS, describe: 'report format (overrides --json; html: a page to open, needs --out at a terminal)' })
          .option('out', { type: 'string', describe: 'write the report to this file instead of stdout' })
          .option('if-due', { type: 'boolean', default: false, describe: 'only the syncs whose schedule fell due since their last run (for cron/CronJob at a short interval)' }),
      async (a) => {
        const format = (a.format ?? (a.json ? 'json' : 'table')) as (typeof REPORT_FORMATS)[number];
        const { runSyncs } = await import('./run-syncs.js');
        exitCode = await runSyncs(
          { config: a.config, sync: a.sync, select: a.select, exclude: a.exclude, afterDbt: a['after-dbt'], includeUnbuilt: a['include-unbuilt'], ifDue: a['if-due'], requested: a.requested, requestedSinceMs: a['requested-since'], requestsSchema: a['requests-schema'], dryRun: a['dry-run'], fullResync: a['full-resync'], force: a.force, recreate: a.recreate, format, out: a.out, logLevel: a['log-level'], logJson: a['log-json'] },
          io,
        );
      },
    )
    .command(
      'schedule',
      'run each sync when its schedule: falls due, until SIGTERM/SIGINT (the config is read once: restart to apply a change)',
      (y) =>
        withLogs(withSyncs(withConfig(y)))
          .option('select', { alias: 's', type: 'string', array: true, coerce: selectors('--select'), describe: 'dbt-style: sync names, model:NAME, tag:T' })
          .option('exclude', { type: 'string', array: true, coerce: selectors('--exclude'), describe: 'dbt-style selectors to leave out' })
          .option('concurrency', { type: 'number', default: DEFAULT_CONCURRENCY, coerce: wholeAtLeastOne('--concurrency'), describe: 'most syncs running at a time' })
          .option('shutdown-timeout', { type: 'number', default: DEFAULT_SHUTDOWN_TIMEOUT_S, coerce: wholeAtLeastOne('--shutdown-timeout'), describe: 'seconds to wait for running syncs after SIGTERM/SIGINT' })
          .option('format', { type: 'string', choices: FORMATS, default: 'table' as const, describe: 'format of each run\'s report on stdout' })
          .option('health-port', { type: 'number', coerce: healthPort, describe: 'serve GET /healthz and GET /metrics (Prometheus) on this port (0: any free port, logged)' })
          .option('health-host', { type: 'string', default: DEFAULT_HEALTH_HOST, describe: 'interface for --health-port (0.0.0.0 to let a probe or Prometheus in from outside)' })
          .option('max-consecutive-failures', { type: 'number', default: DEFAULT_MAX_CONSECUTIVE_FAILURES, coerce: wholeAtLeastZero('--max-consecutive-failures'), describe: '/healthz answers 503 once a sync has failed more than this many times in a row' })
          .option('poll-requests', { type: 'number', coerce: wholeAtLeastZero('--poll-requests'), describe: 'also run the model: syncs a dbt post-hook requested, polling every SECONDS (off by default; 300 recommended)' })
          .option('requests-schema', { type: 'string', describe: 'with --poll-requests: schema of the sync_requests table (the dbt var pinsync_schema; default pinsync)' }),
      async (a) => {
        const { scheduleCommand } = await import('./commands/schedule-command.js');
        stopEndsCommand.schedule = true;
        exitCode = await scheduleCommand(
          { config: a.config, sync: a.sync, select: a.select, exclude: a.exclude, concurrency: a.concurrency, shutdownTimeoutS: a['shutdown-timeout'], format: a.format as (typeof FORMATS)[number], logLevel: a['log-level'], logJson: a['log-json'], healthPort: a['health-port'], healthHost: a['health-host'], maxConsecutiveFailures: a['max-consecutive-failures'], pollRequestsS: a['poll-requests'], requestsSchema: a['requests-schema'] },
          io,
        );
      },
    )
    .command(
      'runs',
      'run history: when, counts, API calls, list/audience ids, errors (--format html: one page with charts over time)',
      (y) =>
        withSyncs(withConfig(y))
          .option('json', { type: 'boolean', default: false, describe: 'JSON output' })
          .option('format', { type: 'string', choices: ['table', 'json', 'html'] as const, describe: 'output format (overrides --json); html: a self-contained page with charts over time and each run\'s report' })
          .option('out', { type: 'string', describe: 'write to this file instead of stdout' })
          .option('since', { type: 'string', describe: 'only runs started since: an age (90d, 12h, 30m) or a UTC date (2026-10-01)' })
          .option('limit', { type: 'number', default: 20, coerce: runLimit, describe: 'most recent runs to show (table, json; the html page charts every run since --since)' }),
      async (a) => {
        const { runsCommand } = await import('./commands/runs-command.js');
        exitCode = await runsCommand({ config: a.config, sync: a.sync, json: a.json, limit: a.limit, format: a.format as 'table' | 'json' | 'html' | undefined, out: a.out, since: a.since }, io);
      },
    )
    .command(
      'planner',
      'diff: warehouse helpers: clean (drop leftover delta tables of killed runs from the planner schema)',
      (y) =>
        y
          .command(
            'clean',
            'drop leftover delta tables whose acknowledged batches are all applied (never ones still to apply)',
            (c) => withSyncs(withConfig(c)).option('json', { type: 'boolean', default: false, describe: 'JSON output' }),
            async (a) => {
              const { plannerCleanCommand } = await import('./commands/planner-command.js');
              exitCode = await plannerCleanCommand({ config: a.config, sync: a.sync, json: a.json }, io);
            },
          )
          .demandCommand(1, 'name a planner command: clean'),
    )
    .command(
      'doctor',
      'check each sync: warehouse reachable, token valid, ad account access, list and audience exist and are linked',
      (y) => withSyncs(withConfig(y)).option('json', { type: 'boolean', default: false, describe: 'JSON output' }),
      async (a) => {
        const { doctorCommand } = await import('./commands/doctor-command.js');
        exitCode = await doctorCommand({ config: a.config, sync: a.sync, json: a.json }, io);
      },
    )
    .command(
      'dbt',
      'dbt helpers: exposures (lineage from dbt models to Pinterest audiences)',
      (y) =>
        y
          .command(
            'exposures',
            'write dbt exposures YAML (one per sync that reads a dbt model) for the dbt docs lineage',
            (e) => withConfig(e).option('out', { type: 'string', describe: 'write to this file (e.g. ../analytics/models/pinsync_exposures.yml) instead of stdout' }),
            async (a) => {
              const { dbtExposuresCommand } = await import('./commands/dbt-command.js');
              exitCode = await dbtExposuresCommand({ config: a.config, out: a.out }, io);
            },
          )
          .demandCommand(1, 'name a dbt command: exposures'),
    )
    .command(
      'alerts',
      'alert channels: test (send a test event to every channel in alerts:)',
      (y) =>
        y
          .command(
            'test',
            'send a test event to every alert channel; prints ok/failed per channel (exit 1 if one failed)',
            (e) => withConfig(e),
            async (a) => {
              const { alertsTestCommand } = await import('./commands/alerts-command.js');
              exitCode = await alertsTestCommand({ config: a.config }, io);
            },
          )
          .demandCommand(1, 'name an alerts command: test'),
    )
    .command(
      'emulator',
      'run a local Pinterest API v5 emulator (for demos, tests and rehearsals)',
      (y) => loaded(commands.emulator, 'emulator').configureEmulatorOptions(y),
      async (a) => {
        exitCode = await loaded(commands.emulator, 'emulator').emulatorCommand(a, io);
      },
    )
    .command(commands.auth ? [commands.auth.authCommand(io, (code) => {
      exitCode = code;
    })] : [])
    .command(commands.state ? [commands.state.stateCommand(io, (code) => {
      exitCode = code;
    })] : [])
    .demandCommand(1, 'name a command: validate, plan, sync, schedule, runs, doctor, auth, state, dbt, alerts or emulator')
    .strict()
    // After yargs' own checks: words it parsed without complaint but not as typed (`--dry-run=yes`, `-c` with no file).
    .check((_args, options) => rejectMisreadOptions(argv, options as unknown as OptionTable, OPTIONAL_VALUE))
    .help()
    .version()
    .wrap(Math.min(110, process.stdout.columns ?? 100))
    .exitProcess(false)
    // Throwing is what keeps the handler from running: with exitProcess(false) a .fail() that returns lets yargs go
    // on and run the command with whatever it could parse (`sync --dryrun` would sync for real).
    .fail((msg: string | null, err: Error | undefined) => {
      throw new UsageError(msg ?? err?.message ?? 'invalid command line');
    });
  try {
    await parser.parseAsync();
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.stderr.write(`pinsync: ${err.message}\nRun pinsync --help for usage.\n`);
    return EXIT.usage;
  }
  return exitCode;
}

/** `--sync` without a name (or `--sync "$UNSET"`) would otherwise mean every sync: refuse it instead. */
function syncNames(names: string[]): string[] {
  if (names.length === 0 || names.some((n) => n.trim() === '')) {
    throw new UsageError('--sync needs a sync name (repeat it for several); leave --sync out to run every sync');
  }
  return names;
}

/** `--select` with nothing after it would otherwise select every sync: refuse it, as `--sync` does. */
function selectors(flag: string) {
  return (values: string[]): string[] => {
    if (values.length === 0 || values.some((v) => v.trim() === '')) {
      throw new UsageError(`${flag} needs a selector (a sync name, model:NAME or tag:T; repeat it or separate with spaces for several)`);
    }
    return values;
  };
}

function wholeAtLeastOne(flag: string) {
  return (value: number): number => {
    if (!Number.isInteger(value) || value < 1) throw new UsageError(`${flag} must be a whole number of at least 1`);
    return value;
  };
}

function wholeAtLeastZero(flag: string) {
  return (value: number): number => {
    if (!Number.isInteger(value) || value < 0) throw new UsageError(`${flag} must be a whole number of at least 0`);
    return value;
  };
}

/** `7d`, `12h`, `30m` → milliseconds: how far back `--requested` reads. */
function ageOption(flag: string) {
  return (value: string): number => {
    const match = /^(\d+)\s*([dhm])$/.exec(value.trim());
    if (!match || Number(match[1]) < 1) throw new UsageError(`${flag} must be a number of days, hours or minutes, like 7d, 12h or 30m`);
    return Number(match[1]) * { d: 86_400_000, h: 3_600_000, m: 60_000 }[match[2] as 'd' | 'h' | 'm'];
  };
}

function healthPort(port: number): number {
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError('--health-port must be a TCP port (0 to 65535)');
  return port;
}

function runLimit(limit: number): number {
  if (!Number.isInteger(limit) || limit < 1) throw new UsageError('--limit must be a whole number of at least 1');
  return limit;
}

// Run when executed directly (bin, tsx), not when imported by tests or the demo.
const invokedDirectly = process.argv[1] !== undefined && /pinsync(\.[cm]?[jt]s)?$/.test(process.argv[1]);
if (invokedDirectly) {
  // The first stop signal lets the Pinterest request in flight finish and be acknowledged, then the run stops before
  // its next batch and is recorded as interrupted (exit 130); a second one quits at once. SIGHUP counts too: a
  // closed terminal or an ssh session that drops must not leave a run recorded as `running`.
  const controller = new AbortController();
  let stops = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    stops++;
    if (stops > 1) process.exit(EXIT.interrupted);
    if (signal === 'SIGHUP') {
      // The terminal is gone: writing to it fails with EIO/EPIPE, which must not crash the orderly stop.
      for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);
    }
    process.stderr.write(`pinsync: ${signal}: finishing the request in flight, then stopping (send it again to quit at once)\n`);
    controller.abort();
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, onSignal);
  main(hideBin(process.argv), processIo(controller.signal)).then(
    (code) => {
      // A stop that arrived between syncs skips the rest without any sync reporting it: still an interrupted command.
      process.exitCode = controller.signal.aborted && code === EXIT.ok && !stopEndsCommand.schedule ? EXIT.interrupted : code;
      // A schedule past its shutdown timeout leaves runs going that would keep the process alive: it ends here.
      if (stopEndsCommand.schedule && code === EXIT.interrupted) process.exit(code);
    },
    (err: unknown) => {
      process.stderr.write(`pinsync: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = controller.signal.aborted ? EXIT.interrupted : EXIT.usage;
    },
  );
}
