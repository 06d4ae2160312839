/**
 * A segment sync, end to end: one warehouse read routed into one staged diff per segment (ingest-segments.ts), then
 * each segment runs the rest of the engine (diff, guardrails, push, acknowledge, audience) as its own sync named
 * `<sync>/<value>`, with its own state, lock, run history and report. Segments known from earlier runs that the
 * query no longer yields are kept (a warning) or emptied (`onDisappear: empty`, guardrails apply).
 *
 * Order of refusals, all before anything is sent: more segments than `maxSegments` (exit 2, nothing run); then,
 * per new segment, the ad account's list ceiling (that segment fails, the known ones still run).
 */
import { hostname } from 'node:os';
import { EXIT, InterruptedError, PinsyncError, UsageError, exitCodeOf, messageOf } from '../errors.js';
import { noProgress, silentLogger } from '../logger.js';
import { NORMALIZATION_VERSION } from '../normalize/normalization-version.js';
import { scrubErrorText } from '../scrub-error-text.js';
import { runSync, type SyncDeps } from '../sync-engine.js';
import type { SyncJob, SyncOptions } from '../sync-job.js';
import { blankReport, type SyncReport } from '../sync-report.js';
import { type StagedSegment, ingestSegments } from './ingest-segments.js';
import { includeMatcher, segmentListName, segmentOfSyncName, segmentSyncName } from './segment-naming.js';
import { type SegmentFilter, segmentSelected } from './segment-selection.js';
import type { SegmentsConfig } from './segments-schema.js';

/** Every segment runs (no `segment:` selector). */
export const ALL_SEGMENTS: SegmentFilter = { only: undefined, exclude: new Set() };

export async function runSegmentedSync(job: SyncJob, deps: SyncDeps, options: SyncOptions, filter: SegmentFilter = ALL_SEGMENTS): Promise<SyncReport[]> {
  const settings = job.segments;
  if (!settings) throw new UsageError(`sync ${job.name} has no segments: settings`);
  const logger = deps.logger ?? silentLogger;
  const progress = deps.progress ?? noProgress;
  const { state } = deps;
  const startedAt = new Date();
  const parent = (): SyncReport =>
    blankReport({ sync: job.name, mode: options.dryRun ? 'plan' : 'sync', adAccountId: job.adAccountId, fullResync: options.fullResync, forced: options.force, startedAt });
  let lock: { release(): Promise<void> } | undefined;
  // The fan-out's own run row (`<sync>`): the read and its dispatch, so `--if-due`, schedules and `runs --sync <sync>`
  // see the segment sync run; each segment's run is its own row (`<sync>/<value>`).
  let parentRunId: number | undefined;
  const finishParent = async (report: SyncReport): Promise<void> => {
    if (parentRunId === undefined) return;
    const runId = parentRunId;
    parentRunId = undefined;
    report.runId = runId;
    report.durationMs = Date.now() - startedAt.getTime();
    await state.finishRun(runId, { status: report.status, report }).catch((err: unknown) => {
      logger.error({ sync: job.name }, `could not record the run: ${messageOf(err)}`);
    });
  };
  const staged = new Map<string, StagedSegment>();
  const reports: SyncReport[] = [];
  try {
    // Two fan-outs of one sync would stage against each other's half-applied segments: the sync's own name is
    // locked for the whole fan-out, each segment's run takes its own lock as any sync does.
    if (!options.dryRun) {
      const held = await state.acquireLock(job.name, { pid: process.pid, host: hostname(), runId: null });
      lock = held;
      parentRunId = await state.startRun(job.name, startedAt);
      await held.setRun(parentRunId);
    }
    const included = includeMatcher(settings.include);
    logger.info({ sync: job.name }, 'reading the warehouse (segments)');
    progress.start(`${job.name}: reading`);
    const readStart = performance.now();
    const read = await ingestSegments(
      deps.warehouse,
      {
        syncName: job.name,
        sql: job.sql,
        columns: job.columns,
        segmentColumn: settings.column,
        batchSize: job.readBatchSize,
        maxSegments: settings.maxSegments,
        included,
        selected: (value) => segmentSelected(filter, job.name, value),
        open: (value) => openSegment(job, deps, options, value),
        signal: options.signal,
      },
      progress,
    );
    progress.stop();
    const readMs = Math.round(performance.now() - readStart);
    if (read.tooMany) {
      throw new PinsyncError(
        'PINSYNC_TOO_MANY_SEGMENTS',
        `sync ${job.name}: the query yields ${read.distinct} segments in column ${settings.column}${settings.include.length > 0 ? ' (after include)' : ''}, ` +
          `more than maxSegments ${settings.maxSegments}; nothing was sent. Raise segments.maxSegments or narrow segments.include if that many is intended.`,
        EXIT.usage,
      );
    }
    for (const [value, segment] of read.segments) staged.set(value, segment);
    const summary = readSummary(job, read.sourceRows, read.segments.size, read.skipped, readMs);
    logger.info({ sync: job.name, rows: read.sourceRows, segments: read.segments.size }, summary);

    const values = [...staged.keys()].sort();
    const room = options.dryRun ? Infinity : await listRoom(job, deps, settings, values);
    let newLists = 0;
    for (const value of values) {
      const segment = staged.get(value)!;
      staged.delete(value);
      const name = segmentSyncName(job.name, value);
      if (options.signal?.aborted) {
        await segment.session.dispose().catch(() => undefined);
        continue;
      }
      const stored = await state.getSync(name);
      const isNew = !stored?.customerListId && !stored?.pendingListName;
      if (isNew && !options.dryRun && ++newLists > room) {
        await segment.session.dispose().catch(() => undefined);
        reports.push(failed(segmentReport(job, options, name), listLimitError(job, settings, name)));
        continue;
      }
      const report = await runSync(segmentJob(job, settings, value), deps, { ...options, staged: segment });
      if (isNew && options.dryRun) report.warnings.unshift(`new segment: the first sync creates customer list and audience "${segmentListName(job.audience.name, value)}"`);
      reports.push(report);
    }
    const seen = new Set(read.segments.keys());
    for (const value of await knownSegments(job, deps)) {
      if (seen.has(value) || !segmentSelected(filter, job.name, value) || options.signal?.aborted) continue;
      const disappeared = await runDisappeared(job, deps, options, settings, value);
      if (disappeared) reports.push(disappeared);
    }
    const own = parent();
    own.status = options.signal?.aborted ? 'interrupted' : options.dryRun ? 'planned' : 'succeeded';
    if (options.signal?.aborted) own.exitCode = EXIT.interrupted;
    own.sourceRows = read.sourceRows;
    own.phases.readMs = readMs;
    own.warnings.push(reports.length > 0 ? `${summary}; ${reports.length} segment report${reports.length === 1 ? '' : 's'}` : `${summary}; no segment to ${options.dryRun ? 'plan' : 'sync'}`);
    await finishParent(own);
    if (reports.length > 0) reports[0]!.warnings.unshift(summary);
    else reports.push(own);
    return reports;
  } catch (err) {
    progress.stop();
    for (const segment of staged.values()) await segment.session.dispose().catch(() => undefined);
    // A stop aborts the read, which then fails with the warehouse's own text: once a stop was asked for, it is the stop.
    const stopped = options.signal?.aborted && !(err instanceof InterruptedError) ? new InterruptedError(`sync ${job.name} interrupted; segments that had not started sent nothing, the next run syncs them`) : err;
    const report = failed(parent(), stopped);
    await finishParent(report);
    logger.error({ sync: job.name, code: report.error?.code }, report.error?.message ?? '');
    // The segments that ran keep their reports (their runs are recorded); the failure is the sync's own row.
    return [...reports, report];
  } finally {
    await lock?.release().catch(() => undefined);
  }
}

// A real run records the segment before staging into it: the session keys its staged rows and acknowledgements by
// the sync's state row, which a plan (nothing stored) never creates.
async function openSegment(job: SyncJob, deps: SyncDeps, options: SyncOptions, value: string) {
  const name = segmentSyncName(job.name, value);
  if (!options.dryRun && (await deps.state.getSync(name)) === undefined) {
    await deps.state.saveSync(name, { adAccountId: job.adAccountId, normalizationVersion: NORMALIZATION_VERSION });
  }
  return deps.state.openDiff(name);
}

/** The engine's job for one segment: its own name and list name, the parent's query settings and guardrails. */
export function segmentJob(job: SyncJob, settings: SegmentsConfig, value: string): SyncJob {
  return {
    ...job,
    name: segmentSyncName(job.name, value),
    audience: { name: segmentListName(settings.name, value), description: job.audience.description },
    segments: undefined,
  };
}

// Pinterest documents no ceiling; pinsync keeps the account under `accountListLimit` (counted through the list
// call) so a fan-out that would pass it fails those new segments with a clear message instead of a Pinterest error.
async function listRoom(job: SyncJob, deps: SyncDeps, settings: SegmentsConfig, values: readonly string[]): Promise<number> {
  let anyNew = false;
  for (const value of values) {
    const stored = await deps.state.getSync(segmentSyncName(job.name, value));
    if (!stored?.customerListId && !stored?.pendingListName) anyNew = true;
  }
  if (!anyNew || !deps.destination) return Infinity;
  const existing = (await deps.destination.listCustomerLists()).length;
  return Math.max(0, settings.accountListLimit - existing);
}

function listLimitError(job: SyncJob, settings: SegmentsConfig, name: string): PinsyncError {
  return new PinsyncError(
    'PINSYNC_LIST_LIMIT',
    `sync ${name}: creating its customer list would take ad account ${job.adAccountId} past ${settings.accountListLimit} customer lists ` +
      '(segments.accountListLimit); nothing was sent for this segment. Remove unused lists in Ads Manager, narrow segments.include, ' +
      'or raise segments.accountListLimit if Pinterest allows your account more.',
    EXIT.syncFailed,
  );
}

// The segments this sync ran before, from the run history (the state keeps no list of a sync's sub-syncs).
async function knownSegments(job: SyncJob, deps: SyncDeps): Promise<string[]> {
  const runs = await deps.state.listRuns({ limit: null });
  const values = new Set<string>();
  for (const run of runs) {
    const value = segmentOfSyncName(job.name, run.syncName);
    if (value !== undefined) values.add(value);
  }
  return [...values].sort();
}

// A segment the query no longer yields. keep: its list stays as it is, and the report says so. empty: a run with
// an empty source removes its members; an empty source is what onDisappear: empty asks for, so only
// maxRemovePercent (a 100% removal) guards it: --force, or maxRemovePercent: 100.
async function runDisappeared(job: SyncJob, deps: SyncDeps, options: SyncOptions, settings: SegmentsConfig, value: string): Promise<SyncReport | undefined> {
  const name = segmentSyncName(job.name, value);
  const stored = await deps.state.getSync(name);
  if (!stored || stored.membershipCount === 0) return undefined;
  if (settings.onDisappear === 'keep') {
    const report = segmentReport(job, options, name);
    report.status = options.dryRun ? 'planned' : 'succeeded';
    report.pinterest.customerListId = stored.customerListId ?? undefined;
    report.pinterest.audienceId = stored.audienceId ?? undefined;
    report.diff = { acknowledged: stored.membershipCount, current: stored.membershipCount, adds: 0, removes: 0, unchanged: stored.membershipCount };
    report.warnings.push(
      `segment "${value}" is no longer in the query: its customer list keeps its ${stored.membershipCount} members (onDisappear: keep); ` +
        'set onDisappear: empty to remove them',
    );
    return report;
  }
  const session = await deps.state.openDiff(name);
  const sub = segmentJob(job, settings, value);
  const report = await runSync({ ...sub, guardrails: { ...sub.guardrails, allowEmptySource: true } }, deps, { ...options, staged: { session, sourceRows: 0, columns: [] } });
  report.warnings.unshift(`segment "${value}" is no longer in the query: its members are removed (onDisappear: empty)`);
  return report;
}

function segmentReport(job: SyncJob, options: SyncOptions, name: string): SyncReport {
  return blankReport({ sync: name, mode: options.dryRun ? 'plan' : 'sync', adAccountId: job.adAccountId, fullResync: options.fullResync, forced: options.force, startedAt: new Date() });
}

function failed(report: SyncReport, err: unknown): SyncReport {
  report.status = err instanceof InterruptedError ? 'interrupted' : 'failed';
  report.error = { code: err instanceof PinsyncError ? err.code : 'PINSYNC_UNEXPECTED', message: scrubErrorText(messageOf(err)) };
  report.exitCode = exitCodeOf(err);
  return report;
}

function readSummary(job: SyncJob, rows: number, segments: number, skipped: Partial<Record<string, number>>, readMs: number): string {
  const parts = Object.entries(skipped).map(([reason, n]) => `${n} ${reason.replace('_', ' ')}`);
  return `segments of ${job.name}: one read of ${rows} rows in ${readMs} ms fed ${segments} segment${segments === 1 ? '' : 's'}${parts.length > 0 ? ` (rows skipped: ${parts.join(', ')})` : ''}`;
}
