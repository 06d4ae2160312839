/**
 * One sync, end to end (DESIGN §2): read → normalize/hash → diff → guardrails → push → acknowledge → record.
 * Core talks to the warehouse, the state store and Pinterest only through their interfaces.
 *
 * The ordering rules that keep the invariants:
 * - A batch's records enter the stored membership only after Pinterest accepted it, in the same transaction that
 *   records the batch. A kill between the two leaves the state behind Pinterest, never ahead; the next run's diff
 *   re-sends exactly what is missing (replaying ADD/REMOVE of a set is harmless).
 * - Nothing is sent before the diff is complete and the guardrails have passed.
 * - Adds go before removes so a churned audience never dips (a list below 100 matches turns TOO_SMALL).
 */
import { hostname } from 'node:os';
import { batchRanges, recordsPerBatch } from './batching.js';
import type { AudienceDestination, ListType } from './destination.js';
import { DestinationError, EXIT, GuardrailError, PinsyncError, UsageError, exitCodeOf } from './errors.js';
import { evaluateGuardrails } from './guardrails.js';
import { familyOf, REJECT_REASONS, type RejectReason } from './identifier-types.js';
import { ingestRows } from './ingest-rows.js';
import { type Logger, noProgress, type Progress, silentLogger } from './logger.js';
import { NORMALIZATION_VERSION } from './normalize/normalization-version.js';
import type { DiffSession, StateStore, SyncRecord } from './state-store.js';
import type { SyncJob, SyncOptions } from './sync-job.js';
import type { ColumnStats, SyncReport } from './sync-report.js';
import type { Warehouse } from './warehouse.js';

export interface SyncDeps {
  /** Where the rows come from. */
  warehouse: Warehouse;
  /** Where membership, runs and locks live. */
  state: StateStore;
  /** Pinterest; may be omitted for a dry run, which never calls it. */
  destination: AudienceDestination | undefined;
  /** stderr logger. */
  logger?: Logger;
  /** Progress bar for long phases. */
  progress?: Progress;
}

const SAMPLE_SIZE = 5;

export async function runSync(job: SyncJob, deps: SyncDeps, options: SyncOptions): Promise<SyncReport> {
  const logger = deps.logger ?? silentLogger;
  const progress = deps.progress ?? noProgress;
  const startedAt = new Date();
  const report = emptyReport(job, options, startedAt);
  const { state } = deps;
  let lock: { release(): Promise<void> } | undefined;
  let session: DiffSession | undefined;
  try {
    let sync = await state.getSync(job.name);
    checkStoredSync(job, sync, options);
    if (!options.dryRun) {
      lock = await state.acquireLock(job.name, { pid: process.pid, host: hostname(), runId: null });
      report.runId = await state.startRun(job.name, startedAt);
      sync = await state.saveSync(job.name, {
        adAccountId: job.adAccountId,
        ...(sync === undefined && { normalizationVersion: NORMALIZATION_VERSION }),
        ...(!sync?.customerListId && job.audience.customerListId && { customerListId: job.audience.customerListId }),
      });
    }
    report.pinterest.customerListId = sync?.customerListId ?? job.audience.customerListId;
    report.pinterest.audienceId = sync?.audienceId ?? job.audience.audienceId;

    if (deps.warehouse.estimateScanBytes) {
      report.scanBytes = await deps.warehouse.estimateScanBytes({ sql: job.sql, syncName: job.name, signal: options.signal });
    }
    session = await state.openDiff(job.name);
    logger.info({ sync: job.name }, 'reading the warehouse');
    progress.start(`${job.name}: reading`);
    let phaseStart = performance.now();
    const ingested = await ingest(job, deps.warehouse, session, options, progress);
    progress.stop();
    report.phases.readMs = Math.round(performance.now() - phaseStart);
    phaseStart = performance.now();
    report.sourceRows = ingested.sourceRows;
    report.columns = ingested.columns;
    report.rejected = sumRejected(ingested.columns);

    report.diff = await session.computeDiff({ fullResync: options.fullResync });
    report.samples = { adds: await session.sample('ADD', SAMPLE_SIZE), removes: await session.sample('REMOVE', SAMPLE_SIZE) };
    report.guardrail = evaluateGuardrails(report.diff, job.guardrails, options.force);
    report.phases.diffMs = Math.round(performance.now() - phaseStart);
    logger.info({ sync: job.name, ...report.diff, readMs: report.phases.readMs, diffMs: report.phases.diffMs }, 'diff computed');

    if (report.guardrail.verdict === 'blocked') {
      throw new GuardrailError(`sync ${job.name} stopped by a guardrail, nothing was sent: ${report.guardrail.reasons.join('; ')}. Re-run with --force to send anyway.`);
    }
    if (report.guardrail.verdict === 'overridden') {
      report.warnings.push(`guardrail overridden by --force: ${report.guardrail.reasons.join('; ')}`);
    }
    if (options.dryRun) {
      report.status = 'planned';
      return report;
    }

    const destination = deps.destination;
    if (!destination) throw new UsageError('a sync needs a Pinterest destination');
    phaseStart = performance.now();
    await push(job, sync!, state, session, destination, report, options, logger, progress);
    sync = (await state.getSync(job.name))!;
    await ensureAudience(job, sync, state, destination, report, logger);
    if (options.fullResync && sync.normalizationVersion !== NORMALIZATION_VERSION) {
      await state.saveSync(job.name, { normalizationVersion: NORMALIZATION_VERSION });
    }
    await reconcile(job, state, destination, report, logger);
    report.phases.pushMs = Math.round(performance.now() - phaseStart);
    report.status = 'succeeded';
    return report;
  } catch (err) {
    progress.stop();
    report.status = err instanceof GuardrailError ? 'guardrail' : 'failed';
    report.error = { code: err instanceof PinsyncError ? err.code : 'PINSYNC_UNEXPECTED', message: messageOf(err) };
    report.exitCode = exitCodeOf(err);
    logger.error({ sync: job.name, code: report.error.code }, report.error.message);
    return report;
  } finally {
    report.durationMs = Date.now() - startedAt.getTime();
    if (deps.destination) {
      const stats = deps.destination.stats();
      report.pinterest.apiCalls = stats.apiCalls;
      report.pinterest.retries = stats.retries;
    }
    await session?.dispose().catch(() => undefined);
    if (report.runId !== undefined) {
      await state.finishRun(report.runId, { status: report.status, report }).catch((err: unknown) => {
        logger.error({ sync: job.name }, `could not record the run: ${messageOf(err)}`);
      });
    }
    await lock?.release().catch(() => undefined);
  }
}

function checkStoredSync(job: SyncJob, sync: SyncRecord | undefined, options: SyncOptions): void {
  if (!sync) return;
  if (sync.membershipCount > 0 && sync.normalizationVersion !== NORMALIZATION_VERSION && !options.fullResync) {
    throw new GuardrailError(
      `sync ${job.name}: its ${sync.membershipCount} stored members were hashed with normalization rules v${sync.normalizationVersion}, ` +
        `this pinsync uses v${NORMALIZATION_VERSION}. A plain sync would remove and re-add everyone; run it once with --full-resync ` +
        'to re-key the list (it sends the current membership as ADD and removes the old hashes).',
    );
  }
  if (sync.customerListId && job.audience.customerListId && sync.customerListId !== job.audience.customerListId) {
    throw new UsageError(
      `sync ${job.name} is bound to customer list ${sync.customerListId} in the state, but the config names ${job.audience.customerListId}; ` +
        'remove audience.customerListId from the config, or give the sync a new name to start a new list',
    );
  }
}

async function ingest(job: SyncJob, warehouse: Warehouse, session: DiffSession, options: SyncOptions, progress: Progress) {
  const attach = warehouse.attachableDuckDb;
  if (attach && session.ingestPushdown && !options.noPushdown) {
    return session.ingestPushdown({ syncName: job.name, attachPath: attach.path, sql: job.sql, columns: job.columns }, { signal: options.signal });
  }
  return ingestRows(warehouse, session, { syncName: job.name, sql: job.sql, columns: job.columns, batchSize: job.readBatchSize, signal: options.signal }, progress);
}

async function push(
  job: SyncJob,
  sync: SyncRecord,
  state: StateStore,
  session: DiffSession,
  destination: AudienceDestination,
  report: SyncReport,
  options: SyncOptions,
  logger: Logger,
  progress: Progress,
): Promise<void> {
  const { adds, removes } = report.diff;
  const size = recordsPerBatch(job.batch);
  const runId = report.runId!;
  let listId = sync.customerListId ?? undefined;
  let addFrom = 0;
  if (adds + removes === 0) return;
  progress.start(`${job.name}: pushing`, adds + removes);
  const stopIfAborted = () => {
    if (options.signal?.aborted) throw new PinsyncError('PINSYNC_ABORTED', `sync ${job.name} was interrupted; what Pinterest acknowledged is kept and the next run sends the rest`);
  };

  if (!listId && adds > 0) {
    listId = await findPendingList(job, sync, state, destination, report, logger);
    if (!listId) {
      const first = await session.readRange('ADD', 0, size);
      // Remember the creation before sending it: if we die before acknowledging, the next run finds this list
      // by name instead of creating a second one.
      await state.saveSync(job.name, { pendingListName: job.audience.name });
      try {
        const list = await destination.createCustomerList({ name: job.audience.name, listType: listTypeOf(job), records: first }, { signal: options.signal });
        listId = list.id;
        await session.acknowledge({ runId, op: 'ADD', start: 0, end: first.length, customerListId: list.id, createdList: true });
        addFrom = first.length;
        report.sent.adds += first.length;
        report.sent.batches++;
        progress.tick(first.length);
        logger.info({ sync: job.name, customerListId: list.id }, `created customer list "${job.audience.name}"`);
      } catch (err) {
        // The create may or may not have reached Pinterest. Look for it before anything else: adopting it (and
        // re-sending its first batch as a PATCH) is safe, creating a second list with the same name is not.
        if (!(err instanceof DestinationError && err.code === 'PINSYNC_PINTEREST_CREATE_UNCERTAIN')) throw err;
        listId = await findPendingList(job, { ...sync, pendingListName: job.audience.name }, state, destination, report, logger);
        if (!listId) throw err;
      }
    }
    report.pinterest.customerListId = listId;
  }
  if (!listId) return;

  const sendAll = async (op: 'ADD' | 'REMOVE', total: number, from: number) => {
    for (const { start, end } of batchRanges(total, size, from)) {
      stopIfAborted();
      const records = await session.readRange(op, start, end);
      await destination.updateCustomerList(listId!, op, records, { signal: options.signal });
      await session.acknowledge({ runId, op, start, end, customerListId: listId!, createdList: false });
      if (op === 'ADD') report.sent.adds += records.length;
      else report.sent.removes += records.length;
      report.sent.batches++;
      progress.tick(records.length);
    }
  };
  await sendAll('ADD', adds, addFrom);
  await sendAll('REMOVE', removes, 0);
  progress.stop();
}

async function findPendingList(
  job: SyncJob,
  sync: SyncRecord,
  state: StateStore,
  destination: AudienceDestination,
  report: SyncReport,
  logger: Logger,
): Promise<string | undefined> {
  if (!sync.pendingListName) return undefined;
  const matches = (await destination.listCustomerLists()).filter((l) => l.name === sync.pendingListName);
  if (matches.length === 0) return undefined;
  const newest = matches.reduce((a, b) => (BigInt(b.id) > BigInt(a.id) ? b : a));
  if (matches.length > 1) {
    report.warnings.push(`${matches.length} customer lists are named "${sync.pendingListName}"; adopted the newest (${newest.id})`);
  }
  await state.saveSync(job.name, { customerListId: newest.id, pendingListName: null });
  logger.warn({ sync: job.name, customerListId: newest.id }, 'adopted the customer list an interrupted run created');
  report.warnings.push(`adopted customer list ${newest.id}, created by an interrupted earlier run`);
  return newest.id;
}

async function ensureAudience(
  job: SyncJob,
  sync: SyncRecord,
  state: StateStore,
  destination: AudienceDestination,
  report: SyncReport,
  logger: Logger,
): Promise<void> {
  if (!sync.customerListId || sync.audienceId) return;
  if (job.audience.audienceId) {
    await state.saveSync(job.name, { audienceId: job.audience.audienceId });
    report.pinterest.audienceId = job.audience.audienceId;
    return;
  }
  try {
    const audience = await destination.createAudience({
      name: job.audience.name,
      customerListId: sync.customerListId,
      ...(job.audience.description !== undefined && { description: job.audience.description }),
    });
    await state.saveSync(job.name, { audienceId: audience.id });
    report.pinterest.audienceId = audience.id;
    logger.info({ sync: job.name, audienceId: audience.id }, `created audience "${job.audience.name}"`);
  } catch (err) {
    if (err instanceof DestinationError && err.status === 400 && /too small|at least 100|minimum/i.test(err.message)) {
      report.warnings.push(
        'the audience was not created yet: Pinterest needs at least 100 matched users on the list; pinsync will try again on the next run',
      );
      return;
    }
    throw err;
  }
}

// Pinterest's own counters are the only view of what it holds: lists cannot be read back. A failure to read them
// does not undo a push that was acknowledged, so it is a warning.
async function reconcile(job: SyncJob, state: StateStore, destination: AudienceDestination, report: SyncReport, logger: Logger): Promise<void> {
  const sync = await state.getSync(job.name);
  if (!sync?.customerListId) return;
  report.pinterest.customerListId = sync.customerListId;
  report.pinterest.audienceId = sync.audienceId ?? undefined;
  try {
    report.pinterest.list = await destination.getCustomerList(sync.customerListId);
    if (sync.audienceId) report.pinterest.audience = await destination.getAudience(sync.audienceId);
  } catch (err) {
    logger.warn({ sync: job.name }, `could not read the list after the run: ${messageOf(err)}`);
    report.warnings.push(`could not read Pinterest's counters after the run: ${messageOf(err)}`);
  }
}

function listTypeOf(job: SyncJob): ListType {
  const families = new Set(job.columns.map((c) => familyOf(c.type)));
  if (families.size === 1 && families.has('maid')) return 'MAID';
  if (families.size === 1 && families.has('idfa')) return 'IDFA';
  return 'EMAIL';
}

function sumRejected(columns: ColumnStats[]): Partial<Record<RejectReason, number>> {
  const total: Partial<Record<RejectReason, number>> = {};
  for (const reason of REJECT_REASONS) {
    const n = columns.reduce((sum, c) => sum + (c.rejected[reason] ?? 0), 0);
    if (n > 0) total[reason] = n;
  }
  return total;
}

function emptyReport(job: SyncJob, options: SyncOptions, startedAt: Date): SyncReport {
  return {
    sync: job.name,
    mode: options.dryRun ? 'plan' : 'sync',
    status: 'running',
    runId: undefined,
    fullResync: options.fullResync,
    forced: options.force,
    startedAt: startedAt.toISOString(),
    durationMs: 0,
    phases: { readMs: 0, diffMs: 0, pushMs: 0 },
    sourceRows: 0,
    scanBytes: undefined,
    columns: [],
    rejected: {},
    diff: { acknowledged: 0, current: 0, adds: 0, removes: 0, unchanged: 0 },
    samples: { adds: [], removes: [] },
    guardrail: { verdict: 'pass', reasons: [] },
    sent: { adds: 0, removes: 0, batches: 0 },
    pinterest: {
      adAccountId: job.adAccountId,
      customerListId: undefined,
      audienceId: undefined,
      list: undefined,
      audience: undefined,
      apiCalls: 0,
      retries: 0,
    },
    warnings: [],
    error: undefined,
    exitCode: EXIT.ok,
  };
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
