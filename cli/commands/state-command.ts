/**
 * `pinsync state copy --from STATE --to STATE [--force] [--json]`: moves a state between backends (the work is
 * connectors/state/copy-state.ts). Each side is written as `state:` is (`duckdb:PATH`, a `.duckdb` path, a
 * `postgres://` URL); relative paths resolve against the working directory, there being no config file to be next to.
 * Exit 0 when the target was verified, 1 when the copy failed or the target does not match, 2 for a usage error
 * (before anything is opened).
 */
import { resolve } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { type StateLocation, stateSchema } from '../../core/config/state-schema.js';
import { EXIT, UsageError, exitCodeOf } from '../../core/errors.js';
import { type StateCopyProgress, type StateCopyResult, copyState, sameStateLocation } from '../../connectors/state/copy-state.js';
import { parsePostgresStateUrl } from '../../connectors/state/postgres/postgres-state-url.js';
import type { CliIo } from '../cli-io.js';
import { formatCount } from '../output/format-values.js';
import { reportCommandError } from '../report-command-error.js';

/** `state copy` arguments. */
export interface StateCopyArgs {
  /** `--from`, as written. */
  from: string;
  /** `--to`, as written. */
  to: string;
  /** Replace the target's data for the copied syncs instead of refusing a non-empty target. */
  force: boolean;
  /** JSON output. */
  json: boolean;
}

/** Bumped only when a field is removed or changes meaning. */
export const STATE_COPY_JSON_VERSION = 1;

/** Members between two progress lines of one sync. */
const PROGRESS_EVERY = 1_000_000;

/** The `state` command for `yargs().command(...)`; `setExitCode` receives the subcommand's exit code. */
export function stateCommand(io: CliIo, setExitCode: (code: number) => void): CommandModule {
  return {
    command: 'state',
    describe: 'manage the state: copy it to another backend (e.g. a DuckDB file to Postgres)',
    builder: (y: Argv) =>
      y
        .command(
          'copy',
          'copy syncs, memberships, runs and tokens from one state to another, then verify the target',
          (s) =>
            s
              .option('from', { type: 'string', demandOption: true, describe: 'the state to copy: duckdb:PATH, PATH.duckdb or postgres://…' })
              .option('to', { type: 'string', demandOption: true, describe: 'the state to copy into (created and migrated if needed)' })
              .option('force', {
                type: 'boolean',
                default: false,
                describe: 'the target already holds pinsync data: replace its data for the copied syncs and tokens (other syncs stay)',
              })
              .option('json', { type: 'boolean', default: false, describe: 'JSON output' }),
          async (a) => {
            // yargs has already reported a missing option (usage exit code) but still calls the handler.
            if (typeof a.from !== 'string' || typeof a.to !== 'string') return;
            setExitCode(await stateCopyCommand({ from: a.from, to: a.to, force: a.force, json: a.json }, io));
          },
        )
        .demandCommand(1, 'name a state command: copy'),
    handler: () => undefined,
  };
}

export async function stateCopyCommand(args: StateCopyArgs, io: CliIo): Promise<number> {
  // Usage errors are thrown (exit 2) before anything is opened.
  const from = parseLocation('--from', args.from, io);
  const to = parseLocation('--to', args.to, io);
  if (sameStateLocation(from, to)) throw new UsageError('--from and --to name the same state; copy into another file or schema');
  try {
    const result = await copyState({ from, to, force: args.force, env: io.env, onProgress: progressWriter(io) });
    io.stdout.write(args.json ? `${JSON.stringify({ version: STATE_COPY_JSON_VERSION, ...result }, null, 2)}\n` : renderTable(result));
    if (!result.ok) {
      io.stderr.write(
        `pinsync: state copy: the target ${result.to} does NOT match the source ${result.from}: do not use it; ` +
          'run the copy again with --force (it replaces what this copy wrote)\n',
      );
      return EXIT.syncFailed;
    }
    return EXIT.ok;
  } catch (err) {
    reportCommandError(err, io);
    return exitCodeOf(err);
  }
}

function parseLocation(flag: string, value: string, io: CliIo): StateLocation {
  const forms = 'duckdb:PATH, a path ending in .duckdb, or postgres://user@host:5432/db?schema=pinsync';
  if (value.trim() === '') throw new UsageError(`${flag} needs a state: ${forms}`);
  const parsed = stateSchema.safeParse(value);
  // The value itself is not echoed: it may be a URL with a password in it.
  if (!parsed.success) throw new UsageError(`${flag} must be ${forms}`);
  const location = parsed.data;
  if (location.kind === 'duckdb') return { kind: 'duckdb', path: resolve(io.cwd, location.path) };
  // Parsed now so a malformed URL or schema is a usage error, not a failure after the source was opened.
  parsePostgresStateUrl(location.url, io.env);
  return location;
}

function progressWriter(io: CliIo): (event: StateCopyProgress) => void {
  const shown = new Map<string, number>();
  return (event) => {
    if (event.phase === 'verify') {
      io.stderr.write(`state copy: verifying ${event.sync}\n`);
      return;
    }
    if (event.phase === 'runs') {
      if (event.copied === event.total) io.stderr.write(`state copy: ${formatCount(event.total)} runs copied\n`);
      return;
    }
    const step = Math.floor(event.copied / PROGRESS_EVERY);
    if (event.copied === event.total || step > (shown.get(event.sync) ?? 0)) {
      io.stderr.write(`state copy: ${event.sync}: ${formatCount(event.copied)}/${formatCount(event.total)} members copied\n`);
      shown.set(event.sync, step);
    }
  };
}

function renderTable(result: StateCopyResult): string {
  const header = ['sync', 'members', 'runs', 'digest ok', 'problems'];
  const rows = result.syncs.map((s) => [
    s.sync,
    s.targetMembers === s.members ? formatCount(s.members) : `${formatCount(s.targetMembers)} of ${formatCount(s.members)}`,
    s.targetRuns === s.runs ? formatCount(s.runs) : `${formatCount(s.targetRuns)} of ${formatCount(s.runs)}`,
    s.digestOk ? 'yes' : 'NO',
    s.problems.join('; '),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === 1 || i === 2 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  const out = [line(header), ...rows.map(line)];
  if (result.tokens.destinations > 0) {
    out.push(`tokens: ${result.tokens.destinations} destination${result.tokens.destinations === 1 ? '' : 's'}, ${result.tokens.ok ? 'verified' : 'NOT the same in the target'}`);
  }
  if (result.ok) {
    out.push(`Copied ${result.from} to ${result.to}${result.forced ? ' (--force)' : ''} and verified it: point \`state:\` (or PINSYNC_STATE) at the target.`);
  }
  return `${out.join('\n')}\n`;
}
