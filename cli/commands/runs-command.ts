/** `pinsync runs`: the run history from the state store, as a table, JSON, or an HTML page with charts. */
import { resolve } from 'node:path';
import { EXIT, UsageError, exitCodeOf } from '../../core/errors.js';
import type { RunRecord } from '../../core/state-store.js';
import { selectSyncs } from '../../core/sync-jobs.js';
import { openStateStore } from '../../connectors/state/open-state-store.js';
import type { CliIo } from '../cli-io.js';
import { loadCliConfig } from '../config-source.js';
import { prepareReportFile, writeReportFile } from '../output/report-file.js';
import { type RunRow, renderRuns } from '../output/render-runs.js';
import { reportCommandError } from '../report-command-error.js';

/** What `pinsync runs` was asked for. */
export interface RunsCommandArgs {
  /** Config path (or `-`). */
  config: string;
  /** Only these syncs; undefined: all. */
  sync: string[] | undefined;
  /** `--json` (the same as `--format json`). */
  json: boolean;
  /** Most recent runs in the table or JSON; the HTML page charts every run in the period. */
  limit: number;
  /** Output format; default table (json with `--json`). */
  format?: 'table' | 'json' | 'html' | undefined;
  /** Write the output to this file instead of stdout. */
  out?: string | undefined;
  /** `--since`: an age (`90d`, `12h`, `30m`) or a UTC date or time (`2026-10-01`); unset: every run. */
  since?: string | undefined;
}

export async function runsCommand(args: RunsCommandArgs, io: CliIo, now: Date = new Date()): Promise<number> {
  try {
    const format = args.format ?? (args.json ? 'json' : 'table');
    const since = args.since === undefined ? undefined : parseSince(args.since, now);
    // The history needs no Pinterest credentials (a CI job may not have them).
    const config = await loadCliConfig(args.config, io, 'runs', { deferCredentials: true });
    // A mistyped name would otherwise show an empty history, as if the sync had never run.
    selectSyncs(config, args.sync);
    const outFile = args.out === undefined ? undefined : resolve(io.cwd, args.out);
    if (outFile !== undefined) await prepareReportFile(outFile, args.out!);
    const state = await openStateStore(config.state, { planOnly: true, env: io.env });
    let text: string;
    try {
      // The page charts the whole period: no limit (a year of hourly runs reads in well under a second from DuckDB).
      const runs = await state.listRuns({ syncNames: args.sync, limit: format === 'html' ? null : args.limit, since });
      if (format === 'html') {
        // Loaded only for the page: the table and JSON stay as quick to start as before.
        const { renderRunsHtml } = await import('../output/html/render-runs-html.js');
        text = renderRunsHtml(runs.map((run) => ({ row: toRunRow(run), report: run.report })), { generatedAt: now, since });
      } else {
        text = renderRuns(runs.map(toRunRow), format);
      }
    } finally {
      await state.close();
    }
    // The table and JSON keep the blank line they always ended with; the page ends with its own newline.
    if (outFile === undefined) io.stdout.write(format === 'html' ? text : `${text}\n`);
    else {
      await writeReportFile(outFile, text);
      io.stderr.write(`runs written to ${args.out}\n`);
    }
    return EXIT.ok;
  } catch (err) {
    reportCommandError(err, io);
    return exitCodeOf(err);
  }
}

/** `--since`: `90d`, `12h`, `30m` back from `now`, or an ISO date (`2026-10-01`, UTC midnight) or date-time. */
export function parseSince(value: string, now: Date): Date {
  const text = value.trim();
  const age = /^(\d+)\s*([dhm])$/.exec(text);
  if (age) {
    const n = Number(age[1]);
    if (n >= 1) return new Date(now.getTime() - n * { d: 86_400_000, h: 3_600_000, m: 60_000 }[age[2] as 'd' | 'h' | 'm']);
  } else if (/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(text)) {
    // A date or a time without a zone is UTC, like every time pinsync prints.
    const zoned = /(Z|[+-]\d{2}:?\d{2})$/.test(text.slice(10));
    const date = new Date((text.length === 10 ? `${text}T00:00:00Z` : zoned ? text : `${text}Z`).replace(' ', 'T'));
    // `new Date` rolls 2026-02-30 over to March 2: a day that does not exist is a typo, not a date. The calendar
    // day is checked on its own, so a zone (which may move the instant to another day) cannot hide it.
    const day = text.slice(0, 10);
    if (!Number.isNaN(date.getTime()) && new Date(`${day}T00:00:00Z`).toISOString().slice(0, 10) === day) return date;
  }
  throw new UsageError(`--since must be an age like 90d, 12h or 30m, or a UTC date like 2026-10-01 (got "${value}")`);
}

/** A stored run as the history lists it. */
export function toRunRow(run: RunRecord): RunRow {
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
