/**
 * One sync, end to end (DESIGN §2): read → normalize/hash → diff → guardrails → push → acknowledge → record.
 * Core talks to the warehouse, the state store and Pinterest only through their interfaces.
 *
 * The ordering rules that keep the invariants:
 * - A batch's records are recorded (acked_records) only after Pinterest accepted it, in the same transaction that
 *   counts the batch, and reach the stored membership in bulk later. A kill between sending and recording leaves the
 *   state behind Pinterest, never ahead; the next run applies what was recorded, and its diff re-sends exactly what is
 *   missing (replaying ADD/REMOVE of a set is harmless).
 * - Nothing is sent before the diff is complete and the guardrails have passed.
 * - Adds go before removes so a churned audience never dips (a list below 100 matches turns TOO_SMALL).
 */
import { hostname } from 'node:os';
import { AdaptiveBatchSize, PROBE_AFTER_CLEAN_BATCHES, recordsPerBatch } from './batching.js';
import { DEFAULT_MAX_IN_FLIGHT, PushPipeline } from './push-pipeline.js';
import { type AudienceDestination, type AudienceInfo, type CustomerListInfo, DESTINATION_ERROR_CODES } from './destination.js';
import { DestinationError, EXIT, GuardrailError, InterruptedError, PinsyncError, UsageError, exitCodeOf, messageOf } from './errors.js';
import { evaluateGuardrails } from './guardrails.js';
import { decideList, type PendingCreate } from './list-adoption.js';
import { type IdentifierFamily, REJECT_REASONS, type RejectReason } from './identifier-types.js';
import { type IngestResult, ingestRows } from './ingest-rows.js';
import { actionsReport, actionWarnings, checkActionOptions } from './explicit-actions.js';
import { listTypeChoice, presentFamilies } from './list-type.js';
import { type Logger, noProgress, type Progress, silentLogger } from './logger.js';
import { NORMALIZATION_VERSION } from './normalize/normalization-version.js';
import { scrubErrorText } from './scrub-error-text.js';
import type { DiffSession, StateStore, SyncRecord } from './state-store.js';
import type { SyncJob, SyncOptions } from './sync-job.js';
import { blankReport, type ColumnStats, type SyncReport } from './sync-report.js';
import type { PlannerDiffSession, Warehouse } from './warehouse.js';

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

/**
 * Acknowledged ADD records applied to the stored membership in one step during the push, rather than all after it.
 * A paced push waits on Pinterest far longer than it works (a 10,000-record batch costs ~10 ms here, the pacing
 * 150 ms at 400 writes/min), so this spends that idle time; at 10M adds the application after the last batch would
 * otherwise add ~6 s (DuckDB) to ~40 s (Postgres). Removes are applied after the last batch: each application
 * looks every removed digest up in the membership, which is cheapest done once.
 */
const APPLY_ADDS_EVERY = 1_000_000;

export async function runSync(job: SyncJob, deps: SyncDeps, options: SyncOptions): Promise<SyncReport> {
  const logger = deps.logger ?? silentLogger;
  const progress = deps.progress ?? noProgress;
  const startedAt = new Date();
  const report = emptyReport(job, options, startedAt);
  const { state } = deps;
  let lock: { release(): Promise<void> } | undefined;
  let session: DiffSession | undefined;
  // The phase under way, so a run that stops part-way still reports how long that phase took.
  let phase: keyof SyncReport['phases'] | undefined;
  let phaseStart = performance.now();
  try {
    let sync = await state.getSync(job.name);
    // The list the state knew before this run adopted, recreated or created one: a diff: warehouse membership
    // describes that list, and only that one.
    const listAtStart = options.recreate ? null : (sync?.customerListId ?? null);
    checkStoredSync(job, sync, options);
    if (job.actions) checkActionOptions(job, options);
    let listBefore: CustomerListInfo | undefined;
    if (!options.dryRun) {
      if (!deps.destination) throw new UsageError('a sync needs a Pinterest destination');
      const held = await state.acquireLock(job.name, { pid: process.pid, host: hostname(), runId: null });
      lock = held;
      report.runId = await state.startRun(job.name, startedAt);
      await held.setRun(report.runId);
      if (options.recreate && sync?.customerListId) {
        report.warnings.push(`--recreate: forgot customer list ${sync.customerListId}${sync.audienceId ? ` and audience ${sync.audienceId}` : ''}; a new list and audience get the full membership`);
        await state.saveSync(job.name, { customerListId: null, audienceId: null, pendingListName: null, pendingListKnownIds: null });
        await state.clearMembership(job.name);
      }
      const adopting = !sync?.customerListId || options.recreate ? job.audience.customerListId : undefined;
      sync = await state.saveSync(job.name, {
        adAccountId: job.adAccountId,
        ...(sync === undefined && { normalizationVersion: NORMALIZATION_VERSION }),
      });
      listBefore = await verifyDestination(job, sync, adopting, deps.destination, report);
      if (adopting) sync = await state.saveSync(job.name, { customerListId: adopting, ...(job.audience.audienceId && { audienceId: job.audience.audienceId }) });
    }
    report.pinterest.customerListId = sync?.customerListId ?? job.audience.customerListId;
    report.pinterest.audienceId = sync?.audienceId ?? job.audience.audienceId;

    if (deps.warehouse.estimateScanBytes && !options.staged) {
      report.scanBytes = await deps.warehouse.estimateScanBytes({ sql: job.sql, syncName: job.name, signal: options.signal });
    }
    if (job.diff === 'warehouse') {
      const planner = await openPlannerDiff(job, deps.warehouse, state, report.runId, options, listAtStart === null);
      session = planner;
      // A `diff: warehouse` sync's membership lives in the warehouse: its size makes the checks the state's makes.
      if (sync) sync = { ...sync, membershipCount: await planner.membershipCount() };
      checkStoredSync(job, sync, options);
    } else session = options.staged?.session ?? (await state.openDiff(job.name));
    // A staged segment was read with its siblings (core/fan-out/), which logged that read.
    if (!options.staged) logger.info({ sync: job.name }, 'reading the warehouse');
    progress.start(`${job.name}: reading`);
    phase = 'readMs';
    phaseStart = performance.now();
    // A plan with nothing acknowledged needs only counts and samples: the engine need not keep every hash.
    const summaryOnly = options.dryRun && (sync?.membershipCount ?? 0) === 0;
    const ingested = options.staged ?? (await ingest(job, deps.warehouse, session, options, progress, summaryOnly));
    progress.stop();
    report.phases.readMs = Math.round(performance.now() - phaseStart);
    phase = 'diffMs';
    phaseStart = performance.now();
    report.sourceRows = ingested.sourceRows;
    report.columns = ingested.columns;
    report.rejected = sumRejected(ingested.columns);
    const actionRows = 'actions' in ingested ? ingested.actions : undefined;
    // The families a list created by this run is typed by (core/list-type.ts): with explicit actions, those of the rows
    // marked add only, since removes never go to a new list.
    const listFamilies = 'addFamilies' in ingested && ingested.addFamilies?.length ? ingested.addFamilies : presentFamilies(job.columns, ingested.columns);
    if (actionRows && actionRows.invalidRows > 0) report.rejected.invalid_action = actionRows.invalidRows;
    report.reached!.read = true;

    const { actions: actionDiff, ...diff } = await session.computeDiff({ fullResync: options.fullResync, countsOnly: options.dryRun, ...(job.actions && { explicitActions: true }) });
    report.diff = diff;
    if (job.actions) {
      report.actions = actionsReport(job.actions.column, actionRows, actionDiff);
      report.warnings.push(...actionWarnings(report.actions));
    }
    report.reached!.diff = true;
    report.samples = { adds: await session.sample('ADD', SAMPLE_SIZE), removes: await session.sample('REMOVE', SAMPLE_SIZE) };
    // An action sync's empty result means "no change", not "everyone left": it removes nobody, so it is no empty-source
    // stop; its removes are still held to maxRemovePercent of the acknowledged membership.
    report.guardrail = evaluateGuardrails(report.diff, job.actions ? { ...job.guardrails, allowEmptySource: true } : job.guardrails, options.force);
    report.reached!.guardrail = true;
    report.phases.diffMs = Math.round(performance.now() - phaseStart);
    logger.info({ sync: job.name, ...report.diff, readMs: report.phases.readMs, diffMs: report.phases.diffMs }, 'diff computed');

    if (report.guardrail.verdict === 'blocked') {
      throw new GuardrailError(`sync ${job.name} stopped by a guardrail, nothing was sent: ${report.guardrail.reasons.join('; ')}. Re-run with --force to send anyway.`);
    }
    if (report.guardrail.verdict === 'overridden') {
      report.warnings.push(`guardrail overridden by --force: ${report.guardrail.reasons.join('; ')}`);
    }
    if (options.dryRun) {
      // The list type a first sync would create its list with (the sync reports the one it did create).
      if (!report.pinterest.customerListId && report.diff.adds > 0) Object.assign(report.pinterest, listTypeChoice(listFamilies));
      report.status = 'planned';
      return report;
    }

    const destination = deps.destination!;
    phase = 'pushMs';
    phaseStart = performance.now();
    report.reached!.push = true;
    await push(job, sync!, state, session, destination, report, options, logger, progress, listFamilies);
    // What this run acknowledged reaches the membership in one bulk step (each acknowledgement only recorded its records);
    // an interrupted or failed run gets the same from dispose, or from the next run if this process dies first.
    await session.applyAcknowledged();
    stopIfInterrupted(job, options, report);
    sync = (await state.getSync(job.name))!;
    await ensureAudience(job, sync, state, destination, report, logger);
    if (options.fullResync && sync.normalizationVersion !== NORMALIZATION_VERSION) {
      await state.saveSync(job.name, { normalizationVersion: NORMALIZATION_VERSION });
    }
    await reconcile(job, state, destination, report, listBefore, logger);
    report.phases.pushMs = Math.round(performance.now() - phaseStart);
    phase = undefined;
    report.status = 'succeeded';
    return report;
  } catch (thrown) {
    progress.stop();
    if (phase !== undefined) report.phases[phase] = Math.round(performance.now() - phaseStart);
    const err = asInterruption(thrown, job, options, report);
    report.status = err instanceof GuardrailError ? 'guardrail' : err instanceof InterruptedError ? 'interrupted' : 'failed';
    report.error = { code: err instanceof PinsyncError ? err.code : 'PINSYNC_UNEXPECTED', message: scrubErrorText(messageOf(err)) };
    report.exitCode = exitCodeOf(err);
    logger.error({ sync: job.name, code: report.error.code }, report.error.message);
    return report;
  } finally {
    report.durationMs = Date.now() - startedAt.getTime();
    if (deps.destination) {
      const stats = deps.destination.stats();
      report.pinterest.apiCalls = stats.apiCalls;
      report.pinterest.retries = stats.retries;
      if (stats.rateLimited !== undefined) report.pinterest.rateLimited = stats.rateLimited;
    }
    // A staged session is the engine's to dispose even when the run stopped before taking it up.
    await (session ?? options.staged?.session)?.dispose().catch(() => undefined);
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

async function ingest(job: SyncJob, warehouse: Warehouse, session: DiffSession, options: SyncOptions, progress: Progress, summaryOnly: boolean): Promise<IngestResult> {
  if (job.diff === 'warehouse') return (session as PlannerDiffSession).ingestQuery({ signal: options.signal });
  const attach = warehouse.attachableDuckDb;
  // Explicit actions take the generic path: the pushdown's SQL pipeline yields only the identifier columns' outcomes.
  if (attach && session.ingestPushdown && !options.noPushdown && !job.actions) {
    return session.ingestPushdown({ syncName: job.name, attachPath: attach.path, fileSearchPath: attach.fileSearchPath, sql: job.sql, columns: job.columns }, { signal: options.signal, summaryOnly });
  }
  return ingestRows(
    warehouse,
    session,
    { syncName: job.name, sql: job.sql, columns: job.columns, batchSize: job.readBatchSize, signal: options.signal, actionColumn: job.actions?.column },
    progress,
  );
}

// `diff: warehouse`: the warehouse normalizes, hashes and diffs in its planner schema and owns the session; accepted
// batches are recorded in the state as ranges of its delta (see PlannerDiffRequest). A plan (no run) changes nothing.
async function openPlannerDiff(
  job: SyncJob,
  warehouse: Warehouse,
  state: StateStore,
  runId: number | undefined,
  options: SyncOptions,
  noListInState: boolean,
): Promise<PlannerDiffSession> {
  if (!warehouse.openPlannerDiff) {
    throw new UsageError(`sync ${job.name}: diff: warehouse needs a Postgres warehouse with planner: { schema: ... } in its config`);
  }
  return warehouse.openPlannerDiff({
    syncName: job.name,
    sql: job.sql,
    columns: job.columns,
    runId: options.dryRun ? undefined : runId,
    state,
    normalizationVersion: NORMALIZATION_VERSION,
    fullResync: options.fullResync,
    // No list in the state (a new or lost state file, --recreate, a recreate that failed after forgetting the list):
    // whatever the planner schema holds for this sync went to a list pinsync no longer writes to. Trusting it would
    // leave the new list short and the membership ahead of Pinterest, so the sync starts from nothing, as in state mode.
    forgetMembership: noListInState,
    signal: options.signal,
  });
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
  listFamilies: readonly IdentifierFamily[],
): Promise<void> {
  const { adds, removes } = report.diff;
  if (adds + removes === 0) return;
  const runId = report.runId!;
  // A size Pinterest refused before is not sent first: start from the remembered one and probe upward from there.
  const configured = recordsPerBatch(job.batch);
  const batchSize = new AdaptiveBatchSize(configured, sync.maxBatchRecords ?? configured);
  let listId = sync.customerListId ?? undefined;
  let addFrom = 0;
  progress.start(`${job.name}: pushing`, adds + removes);

  // Pinterest refused a batch as too large: halve the size, here and in the state, and say so every time. The
  // halves are position ranges of the frozen delta, so no record is dropped or sent twice by the split itself.
  const shrink = async (refused: number, err: unknown): Promise<number> => {
    if (refused <= 1) throw err;
    const { half, shrank } = batchSize.refused(refused);
    if (shrank) {
      const size = batchSize.current;
      await state.saveSync(job.name, { maxBatchRecords: size });
      logger.warn({ sync: job.name, batch: size }, `Pinterest refused ${refused} records in one request as too large; sending at most ${size} from now on`);
      report.warnings.push(`Pinterest refused a batch of ${refused} records as too large; pinsync now sends at most ${size} per request (remembered; larger batches are tried again after ${PROBE_AFTER_CLEAN_BATCHES} clean ones)`);
    }
    return half;
  };
  const acknowledged = async (op: 'ADD' | 'REMOVE', count: number): Promise<void> => {
    if (op === 'ADD') report.sent.adds += count;
    else report.sent.removes += count;
    report.sent.batches++;
    progress.tick(count);
    const grown = batchSize.accepted(count);
    if (grown !== undefined) logger.info({ sync: job.name, batch: grown }, `trying ${grown} records per request after ${PROBE_AFTER_CLEAN_BATCHES} accepted batches`);
    // Remembered once Pinterest took a request of that size (a refusal of the probe writes the smaller size back in
    // shrink); the configured size is no limit to keep.
    const confirmed = batchSize.takeConfirmed();
    if (confirmed === undefined) return;
    await state.saveSync(job.name, { maxBatchRecords: confirmed >= configured ? null : confirmed });
    if (confirmed >= configured) report.warnings.push(`Pinterest took ${PROBE_AFTER_CLEAN_BATCHES} batches in a row after refusing a larger one; back to ${confirmed} records per request, the configured size`);
  };

  if (!listId && adds > 0) {
    let uncertainCreates = 0;
    let pending: PendingCreate | undefined = sync.pendingListName ? { name: sync.pendingListName, knownIds: sync.pendingListKnownIds } : undefined;
    while (!listId) {
      const decision = decideList({
        syncName: job.name,
        adAccountId: job.adAccountId,
        name: job.audience.name,
        lists: await destination.listCustomerLists(),
        pending,
        allowExisting: options.recreate === true,
      });
      if (decision.kind === 'adopt') {
        listId = decision.listId;
        await state.saveSync(job.name, { customerListId: listId, pendingListName: null, pendingListKnownIds: null });
        logger.warn({ sync: job.name, customerListId: listId }, 'adopted the customer list an unanswered create of this sync made');
        report.warnings.push(`adopted customer list ${listId}, made by this sync's own create whose answer was lost`);
        break;
      }
      stopIfInterrupted(job, options, report);
      const first = await session.readRange('ADD', 0, Math.min(batchSize.current, adds));
      // Remember the creation, and which lists already had the name, before sending it: if the answer is lost or we
      // die before acknowledging, a later look-up adopts only a list that is not one of these.
      pending = { name: job.audience.name, knownIds: decision.knownIds };
      await state.saveSync(job.name, { pendingListName: pending.name, pendingListKnownIds: decision.knownIds });
      try {
        // The list type follows the families with valid values in this run (core/list-type.ts), fixed from now on.
        const created = await destination.createList({ name: job.audience.name, families: listFamilies, records: first });
        listId = created.id;
        Object.assign(report.pinterest, listTypeChoice(listFamilies));
        await session.acknowledge({ runId, op: 'ADD', start: 0, end: first.length, customerListId: created.id, createdList: true });
        await state.saveSync(job.name, { pendingListKnownIds: null });
        addFrom = first.length;
        await acknowledged('ADD', first.length);
        logger.info({ sync: job.name, customerListId: created.id }, `created customer list "${job.audience.name}"`);
      } catch (err) {
        if (isCode(err, DESTINATION_ERROR_CODES.tooLarge)) {
          await shrink(first.length, err);
          continue;
        }
        // The create may or may not have reached Pinterest: the next look-up adopts it if it did, and creates
        // again if it did not. Twice unanswered is a Pinterest that is not answering: stop.
        if (!isCode(err, DESTINATION_ERROR_CODES.createUncertain) || ++uncertainCreates > 1) throw err;
      }
    }
    report.pinterest.customerListId = listId;
  }
  if (!listId) return;
  const list = listId;

  // Up to maxInFlight PATCHes wait on Pinterest at once (the destination's pacing still decides when each starts);
  // each range is acknowledged when its own answer arrives. Every ADD is answered before the first REMOVE.
  let addsSinceApplied = 0;
  const pipeline = new PushPipeline({
    size: batchSize,
    maxInFlight: job.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT,
    hooks: {
      read: (op, range) => session.readRange(op, range.start, range.end),
      send: async (op, records) => {
        try {
          // No abort signal: a stop lets the requests in flight finish so their batches are acknowledged (see SyncOptions).
          await destination.updateCustomerList(list, op, records);
        } catch (err) {
          if (isCode(err, DESTINATION_ERROR_CODES.notFound)) throw listMissing(job, list, err);
          throw err;
        }
      },
      acknowledge: async (op, range, records) => {
        await session.acknowledge({ runId, op, start: range.start, end: range.end, customerListId: list, createdList: false });
        await acknowledged(op, records);
        if (op === 'ADD' && (addsSinceApplied += records) >= (options.applyAddsEvery ?? APPLY_ADDS_EVERY)) {
          addsSinceApplied = 0;
          await session.applyAcknowledged();
        }
      },
      isTooLarge: (err) => isCode(err, DESTINATION_ERROR_CODES.tooLarge),
      tooLarge: (range, err) => shrink(range.end - range.start, err),
      stopRequested: () => options.signal?.aborted === true,
    },
  });
  await pipeline.run('ADD', addFrom, adds);
  stopIfInterrupted(job, options, report);
  await pipeline.run('REMOVE', 0, removes);
  stopIfInterrupted(job, options, report);
  progress.stop();
}

/**
 * Before reading anything: the stored (or adopted) list and audience must still exist, in this ad account, and
 * be linked. A list deleted on Pinterest is an error with a documented way out (`--recreate`), never a silent new
 * list. Returns the list as Pinterest sees it now, for reconciliation after the run.
 */
async function verifyDestination(
  job: SyncJob,
  sync: SyncRecord,
  adopting: string | undefined,
  destination: AudienceDestination,
  report: SyncReport,
): Promise<CustomerListInfo | undefined> {
  const listId = adopting ?? sync.customerListId ?? undefined;
  if (!listId) return undefined;
  let list: CustomerListInfo;
  try {
    list = await destination.getCustomerList(listId);
  } catch (err) {
    if (!isCode(err, DESTINATION_ERROR_CODES.notFound)) throw err;
    if (adopting) {
      throw new UsageError(`sync ${job.name}: audience.customerListId ${listId} is not a customer list in ad account ${job.adAccountId}`);
    }
    throw listMissing(job, listId, err);
  }
  const audienceId = adopting ? job.audience.audienceId : (sync.audienceId ?? undefined);
  if (audienceId) {
    let audience: AudienceInfo;
    try {
      audience = await destination.getAudience(audienceId);
    } catch (err) {
      if (!isCode(err, DESTINATION_ERROR_CODES.notFound)) throw err;
      if (adopting) throw new UsageError(`sync ${job.name}: audience.audienceId ${audienceId} is not an audience in ad account ${job.adAccountId}`);
      throw new PinsyncError(
        'PINSYNC_AUDIENCE_MISSING',
        `sync ${job.name}: audience ${audienceId} no longer exists on Pinterest (removed?). pinsync will not silently replace it: ` +
          `run \`pinsync sync --sync ${job.name} --recreate\` to create a new list and audience and send the full membership`,
      );
    }
    if (audience.customerListId !== undefined && audience.customerListId !== listId) {
      throw new UsageError(`sync ${job.name}: audience ${audienceId} is built on customer list ${audience.customerListId}, not ${listId}`);
    }
  }
  if (adopting) {
    report.warnings.push(
      `adopted customer list ${listId}: Pinterest cannot tell pinsync what it holds, so the whole current audience is sent as additions; members not in the query stay until removed by hand`,
    );
  }
  return list;
}

function listMissing(job: SyncJob, listId: string, cause: unknown): PinsyncError {
  return new PinsyncError(
    'PINSYNC_LIST_MISSING',
    `sync ${job.name}: customer list ${listId} no longer exists in ad account ${job.adAccountId} (deleted on Pinterest?). ` +
      `pinsync will not silently create a new one: run \`pinsync sync --sync ${job.name} --recreate\` to create a new list and audience and send the full membership`,
    EXIT.syncFailed,
    { cause },
  );
}

/** Between batches: a stop was asked for (SIGINT/SIGTERM/SIGHUP), so no further request is sent. */
function stopIfInterrupted(job: SyncJob, options: SyncOptions, report: SyncReport): void {
  if (options.signal?.aborted) throw interrupted(job, options, report);
}

function interrupted(job: SyncJob, options: SyncOptions, report: SyncReport): InterruptedError {
  if (options.dryRun) return new InterruptedError(`plan of sync ${job.name} interrupted; nothing was sent or stored`);
  return new InterruptedError(
    `sync ${job.name} interrupted: the ${report.sent.batches} batch${report.sent.batches === 1 ? '' : 'es'} Pinterest acknowledged ` +
      `(${report.sent.adds} additions, ${report.sent.removes} removals) are recorded; the next run sends the rest`,
  );
}

// A stop also aborts the warehouse read, which then fails with the engine's own text (DuckDB's "INTERRUPT Error",
// a cancelled Postgres query): once a stop was asked for, any failure but a guardrail's is the interruption.
function asInterruption(err: unknown, job: SyncJob, options: SyncOptions, report: SyncReport): unknown {
  if (err instanceof InterruptedError || err instanceof GuardrailError || !options.signal?.aborted) return err;
  return interrupted(job, options, report);
}

function isCode(err: unknown, code: string): boolean {
  return err instanceof DestinationError && err.code === code;
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
  const listId = sync.customerListId;
  const record = async (audience: AudienceInfo): Promise<void> => {
    await state.saveSync(job.name, { audienceId: audience.id });
    report.pinterest.audienceId = audience.id;
  };
  // Pinterest may have applied an earlier create whose answer was lost (or whose id a killed run never recorded):
  // the audience built on our list is ours, and a second one on the same list would split the targeting.
  const adopt = async (): Promise<boolean> => {
    const onList = (await destination.listAudiences()).filter((a) => a.customerListId === listId);
    if (onList.length === 0) return false;
    const oldest = onList.reduce((a, b) => (BigInt(b.id) < BigInt(a.id) ? b : a));
    await record(oldest);
    logger.warn({ sync: job.name, audienceId: oldest.id }, 'adopted the audience already built on this sync\'s list');
    report.warnings.push(
      `adopted audience ${oldest.id}, already built on customer list ${listId} (an earlier create whose answer was lost)` +
        (onList.length > 1 ? `; the list carries ${onList.length} audiences (${onList.map((a) => a.id).join(', ')}), the oldest was kept` : ''),
    );
    return true;
  };
  if (await adopt()) return;
  for (let attempt = 1; ; attempt++) {
    try {
      const audience = await destination.createAudience({
        name: job.audience.name,
        customerListId: listId,
        ...(job.audience.description !== undefined && { description: job.audience.description }),
      });
      await record(audience);
      logger.info({ sync: job.name, audienceId: audience.id }, `created audience "${job.audience.name}"`);
      return;
    } catch (err) {
      if (destination.isAudienceTooSmall(err)) {
        report.warnings.push(
          'the audience was not created yet: Pinterest needs at least 100 matched users on the list; pinsync will try again on the next run',
        );
        return;
      }
      // Unanswered: adopt it if it was applied, send it once more if not, then give up (the next run looks again).
      if (!isCode(err, DESTINATION_ERROR_CODES.createUncertain) || attempt > 1) throw err;
      if (await adopt()) return;
    }
  }
}

// The destination's counters are its only view of what it holds (lists cannot be read back); it tells whether they
// agree with what this run sent. A failure to read them does not undo an acknowledged push, so it is a warning.
async function reconcile(
  job: SyncJob,
  state: StateStore,
  destination: AudienceDestination,
  report: SyncReport,
  before: CustomerListInfo | undefined,
  logger: Logger,
): Promise<void> {
  const sync = await state.getSync(job.name);
  if (!sync?.customerListId) return;
  report.pinterest.customerListId = sync.customerListId;
  report.pinterest.audienceId = sync.audienceId ?? undefined;
  try {
    const after = await destination.getCustomerList(sync.customerListId);
    report.pinterest.list = after;
    if (sync.audienceId) report.pinterest.audience = await destination.getAudience(sync.audienceId);
    // Retries are read now: the report gets its copy of the stats only when the run ends.
    const replaysPossible = destination.stats().retries > 0 || report.warnings.some((w) => w.startsWith('adopted customer list'));
    const text = destination.counterDisagreement({ before, after, sent: { adds: report.sent.adds, removes: report.sent.removes }, replaysPossible });
    if (text !== undefined) {
      logger.warn({ sync: job.name }, text);
      report.warnings.push(text);
    }
  } catch (err) {
    logger.warn({ sync: job.name }, `could not read the list after the run: ${messageOf(err)}`);
    report.warnings.push(`could not read Pinterest's counters after the run: ${messageOf(err)}`);
  }
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
  return blankReport({ sync: job.name, mode: options.dryRun ? 'plan' : 'sync', adAccountId: job.adAccountId, fullResync: options.fullResync, forced: options.force, startedAt });
}
