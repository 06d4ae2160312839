#!/usr/bin/env node
/**
 * The `pinsync` command line: argument parsing only. Each command is a function over core, runnable in-process
 * (tests and the demo call `main` directly with their own streams).
 */
import yargs, { type Argv } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { EXIT, UsageError } from '../core/errors.js';
import { type CliIo, processIo } from './cli-io.js';
import { configOption } from './config-source.js';
import { authCommand } from './commands/auth-command.js';
import { doctorCommand } from './commands/doctor-command.js';
import { configureEmulatorOptions, emulatorCommand } from './commands/emulator-command.js';
import { runsCommand } from './commands/runs-command.js';
import { stateCommand } from './commands/state-command.js';
import { validateCommand } from './commands/validate-command.js';
import { runSyncs } from './run-syncs.js';

const FORMATS = ['table', 'json', 'markdown'] as const;

/** Runs one pinsync invocation and resolves with its exit code. */
export async function main(argv: string[], io: CliIo): Promise<number> {
  let exitCode: number = EXIT.ok;
  const withConfig = <T>(y: Argv<T>) =>
    y.option('config', configOption(io));
  const withSyncs = <T>(y: Argv<T>) =>
    y.option('sync', { type: 'string', array: true, coerce: syncNames, describe: 'only this sync (repeatable); default: all' });
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
        exitCode = await validateCommand({ config: a.config }, io);
      },
    )
    .command(
      'plan',
      'dry run: query, normalize, hash and diff; report adds/removes/rejects and the guardrail verdict. Sends and stores nothing.',
      (y) =>
        withLogs(withSyncs(withConfig(y)))
          .option('format', { type: 'string', choices: FORMATS, default: 'table' as const, describe: 'report format' })
          .option('out', { type: 'string', describe: 'write the report to this file instead of stdout' })
          .option('full-resync', { type: 'boolean', default: false, describe: 'plan a full resync' }),
      async (a) => {
        exitCode = await runSyncs(
          { config: a.config, sync: a.sync, dryRun: true, fullResync: a['full-resync'], force: false, recreate: false, format: a.format as (typeof FORMATS)[number], out: a.out, logLevel: a['log-level'], logJson: a['log-json'] },
          io,
        );
      },
    )
    .command(
      'sync',
      'plan, then push the deltas to Pinterest and record the run',
      (y) =>
        withLogs(withSyncs(withConfig(y)))
          .option('dry-run', { type: 'boolean', default: false, describe: 'same as plan' })
          .option('full-resync', { type: 'boolean', default: false, describe: 'send the whole current membership as ADD (removals still sent)' })
          .option('force', { type: 'boolean', default: false, describe: 'send even when a guardrail trips (the report says so)' })
          .option('recreate', { type: 'boolean', default: false, describe: 'the list or audience was deleted on Pinterest: build new ones and send the full membership' })
          .option('json', { type: 'boolean', default: false, describe: 'print the report as JSON' })
          .option('format', { type: 'string', choices: FORMATS, describe: 'report format (overrides --json)' })
          .option('out', { type: 'string', describe: 'write the report to this file instead of stdout' }),
      async (a) => {
        const format = (a.format ?? (a.json ? 'json' : 'table')) as (typeof FORMATS)[number];
        exitCode = await runSyncs(
          { config: a.config, sync: a.sync, dryRun: a['dry-run'], fullResync: a['full-resync'], force: a.force, recreate: a.recreate, format, out: a.out, logLevel: a['log-level'], logJson: a['log-json'] },
          io,
        );
      },
    )
    .command(
      'runs',
      'run history: when, counts, API calls, list/audience ids, errors',
      (y) =>
        withSyncs(withConfig(y))
          .option('json', { type: 'boolean', default: false, describe: 'JSON output' })
          .option('limit', { type: 'number', default: 20, coerce: runLimit, describe: 'most recent runs to show' }),
      async (a) => {
        exitCode = await runsCommand({ config: a.config, sync: a.sync, json: a.json, limit: a.limit }, io);
      },
    )
    .command(
      'doctor',
      'check each sync: warehouse reachable, token valid, ad account access, list and audience exist and are linked',
      (y) => withSyncs(withConfig(y)).option('json', { type: 'boolean', default: false, describe: 'JSON output' }),
      async (a) => {
        exitCode = await doctorCommand({ config: a.config, sync: a.sync, json: a.json }, io);
      },
    )
    .command(
      'emulator',
      'run a local Pinterest API v5 emulator (for demos, tests and rehearsals)',
      (y) => configureEmulatorOptions(y),
      async (a) => {
        exitCode = await emulatorCommand(a, io);
      },
    )
    .command(authCommand(io, (code) => {
      exitCode = code;
    }))
    .command(stateCommand(io, (code) => {
      exitCode = code;
    }))
    .demandCommand(1, 'name a command: validate, plan, sync, runs, doctor, auth, state or emulator')
    .strict()
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
      process.exitCode = controller.signal.aborted && code === EXIT.ok ? EXIT.interrupted : code;
    },
    (err: unknown) => {
      process.stderr.write(`pinsync: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = controller.signal.aborted ? EXIT.interrupted : EXIT.usage;
    },
  );
}
