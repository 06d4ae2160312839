/**
 * `sync --requested` (and `schedule --poll-requests`): run the syncs whose dbt model asked to be synced. The pinsync
 * dbt package's post-hook leaves a row per build in the warehouse (./request-sql.ts); this reads the recent rows
 * through the sync's own warehouse connection (read-only), keeps those the state has not handled, and turns the
 * prepared syncs into: run (a new request; several requests of one sync make one run), stopped (the dbt gate blocked
 * the request's build) or skipped ("no sync request"). What was handled is recorded in the state by the caller once
 * the runs end (`handledEntries`), never in the warehouse.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { PinsyncConfig, SyncConfig } from '../config/config-schema.js';
import { UsageError, WarehouseError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { HandledRequest, StateStore } from '../state-store.js';
import type { SyncReport } from '../sync-report.js';
import type { Warehouse } from '../warehouse.js';
import { DbtGate, shortId } from './dbt-gate.js';
import { dbtTargetDir, manifestPathOf } from './dbt-paths.js';
import { dbtGateReport } from './gate-report.js';
import { type DbtManifest, readManifest } from './manifest.js';
import { relationOf } from './model-relation.js';
import type { PreparedSync } from './prepare-dbt-syncs.js';
import { REQUESTS_SCHEMA, REQUESTS_TABLE, pollRequestsSql } from './request-sql.js';
import { resolveSyncModels } from './resolve-models.js';
import { type DbtRunResults, readRunResults } from './run-results.js';

/** Default of `--requested-since`: a week of requests is read, older rows are left alone. */
export const DEFAULT_REQUESTED_SINCE_DAYS = 7;

/** The `--requested` switches. */
export interface RequestedOptions {
  /** Requests older than this are ignored. */
  since: Date;
  /** Schema of the requests table (the dbt package's `pinsync_schema` var); default `pinsync`. */
  schema?: string | undefined;
  /** `plan` or `sync`, for the reports of gated syncs. */
  mode: 'plan' | 'sync';
  /** --full-resync, for the reports of gated syncs. */
  fullResync: boolean;
  /** Clock. */
  now: Date;
}

/** What keepRequestedSyncs needs from the caller. */
export interface RequestedDeps {
  /** The state: which requests were handled. */
  state: Pick<StateStore, 'handledRequests'>;
  /** The connector of a configured warehouse, opened (and later closed) by the caller. */
  warehouse(name: string): Promise<Warehouse>;
  /** Notes: no requests table yet, requests for no selected sync, ungated requests. */
  logger: Logger;
}

/** One request, as polled: the newest row of a (model, invocation). */
export interface RequestRow {
  /** The model's unique_id. */
  model: string;
  /** The dbt invocation that built it. */
  invocation: string;
  /** When its post-hook ran (UTC). */
  requestedAt: Date;
}

/** The prepared syncs with the requests each answers. */
export interface RequestedSyncs {
  /** `prepared`, with every sync that has no new request turned into a skipped row. */
  prepared: PreparedSync[];
  /** Request keys per sync that runs or was stopped, to record as handled once its run ends. */
  keys: Map<string, string[]>;
}

/** `invocation/model/sync`: one request as seen by one sync (two syncs of one model each handle it once). */
export function requestKey(invocation: string, model: string, sync: string): string {
  return `${invocation}/${model}/${sync}`;
}

export async function keepRequestedSyncs(config: PinsyncConfig, prepared: readonly PreparedSync[], deps: RequestedDeps, options: RequestedOptions): Promise<RequestedSyncs> {
  const dbt = config.dbt;
  if (dbt === undefined) throw new UsageError('--requested needs the dbt: { projectDir: … } block in the config, to map requested dbt models to syncs');
  const handledRequests = deps.state.handledRequests?.bind(deps.state);
  if (handledRequests === undefined) throw new UsageError('--requested: this state store cannot record handled requests');
  const keys = new Map<string, string[]>();
  const skip = (p: PreparedSync, reason: string): PreparedSync => ({ kind: 'skipped', sync: p.sync, skipped: { sync: p.sync.name, reason } });

  const candidates = prepared.filter((p) => p.kind !== 'skipped' && p.sync.model !== undefined);
  if (candidates.length === 0) return { prepared: prepared.map((p) => (p.kind === 'skipped' ? p : skip(p, notModelReason))), keys };
  const manifestPath = manifestPathOf(dbt);
  const manifest = readManifest(manifestPath);
  const models = resolveSyncModels(
    config,
    candidates.map((p) => p.sync),
    manifest,
    manifestPath,
  );

  // One poll per requests table: syncs on one warehouse and one dbt database share it.
  const tables = new Map<string, { warehouse: string; table: string; syncs: SyncConfig[] }>();
  for (const { sync } of candidates) {
    const table = requestsTableOf(manifest, models.get(sync.name)!.uniqueId, config, sync, options.schema ?? REQUESTS_SCHEMA);
    const key = `${sync.warehouse}\u0000${table}`;
    const entry = tables.get(key) ?? { warehouse: sync.warehouse, table, syncs: [] };
    entry.syncs.push(sync);
    tables.set(key, entry);
  }
  const requestsOf = new Map<string, RequestRow[]>();
  for (const { warehouse, table, syncs } of tables.values()) {
    const rows = await pollSyncRequests(await deps.warehouse(warehouse), table, syncs[0]!.name, options.since, deps.logger);
    const wanted = new Set(syncs.map((s) => models.get(s.name)!.uniqueId));
    const ignored = new Set<string>();
    for (const row of rows) {
      if (!wanted.has(row.model)) {
        if (!ignored.has(row.model)) deps.logger.info(`dbt sync request for ${row.model} (invocation ${shortId(row.invocation)}…) matches no selected sync with that model: ignored`);
        ignored.add(row.model);
        continue;
      }
      requestsOf.set(row.model, [...(requestsOf.get(row.model) ?? []), row]);
    }
  }

  const allKeys = candidates.flatMap(({ sync }) => {
    const model = models.get(sync.name)!.uniqueId;
    return (requestsOf.get(model) ?? []).map((r) => requestKey(r.invocation, model, sync.name));
  });
  const handled = allKeys.length === 0 ? new Set<string>() : await handledRequests(allKeys);
  const gates = new Map<string, DbtGate | 'running' | undefined>();

  const result = prepared.map((p): PreparedSync => {
    if (p.kind === 'skipped') return p;
    if (p.sync.model === undefined) return skip(p, notModelReason);
    const model = models.get(p.sync.name)!.uniqueId;
    const requests = requestsOf.get(model) ?? [];
    const open = requests.filter((r) => !handled.has(requestKey(r.invocation, model, p.sync.name)));
    if (open.length === 0) {
      return skip(p, requests.length === 0 ? `no sync request: dbt has not requested ${model} since ${options.since.toISOString()}` : `no sync request: the requests for ${model} were handled`);
    }
    keys.set(
      p.sync.name,
      open.map((r) => requestKey(r.invocation, model, p.sync.name)),
    );
    // The newest request is the build whose data the run reads: its tests are the ones that count.
    const newest = open.reduce((a, b) => (b.requestedAt > a.requestedAt ? b : a));
    if (!gates.has(newest.invocation)) gates.set(newest.invocation, gateFor(manifest, join(dbtTargetDir(dbt), 'run_results.json'), newest.invocation, dbt.blockOnWarn));
    const gate = gates.get(newest.invocation);
    const requested = `requested by dbt invocation ${shortId(newest.invocation)}…`;
    if (gate === 'running') {
      // Its tests may not have run yet: the request waits, unhandled, for the build to end.
      keys.delete(p.sync.name);
      return skip(p, `no sync request yet: ${requested} is still running (its manifest.json is written, its run_results.json not yet); the request waits for it`);
    }
    if (gate === undefined) {
      deps.logger.info({ sync: p.sync.name }, `${requested}; its run_results.json is not at hand, so no dbt test gate`);
      return p;
    }
    const verdict = gate.verdict(model);
    if (verdict.action === 'block') {
      return {
        kind: 'stopped',
        sync: p.sync,
        report: dbtGateReport({
          sync: p.sync.name,
          mode: options.mode,
          adAccountId: config.destinations[p.sync.destination]!.adAccountId,
          reasons: verdict.reasons,
          warnings: verdict.warnings.map((w) => `dbt: ${w}`),
          fullResync: options.fullResync,
          now: options.now,
        }),
      };
    }
    const warnings = verdict.action === 'sync' ? verdict.warnings.map((w) => `dbt: ${w}`) : [];
    if (p.kind === 'run') return { ...p, warnings: [...p.warnings, ...warnings] };
    return p;
  });
  return { prepared: result, keys };
}

/**
 * The state rows to write once the runs end. A request counts as handled when its sync succeeded or was stopped by a
 * guardrail (the dbt gate's included: the next build makes a new request); a failed run leaves it for the next poll.
 */
export function handledEntries(keys: ReadonlyMap<string, readonly string[]>, reports: readonly SyncReport[], now: Date): HandledRequest[] {
  const entries: HandledRequest[] = [];
  for (const report of reports) {
    if (report.status !== 'succeeded' && report.status !== 'guardrail') continue;
    for (const key of keys.get(report.sync) ?? []) entries.push({ key, syncName: report.sync, runId: report.runId ?? null, handledAt: now });
  }
  return entries;
}

const notModelReason = 'no sync request: not a dbt model source (query:/table:); --requested runs model: syncs only';

/**
 * The requests table the post-hook of the sync's model writes: `<model's database>.<schema>.sync_requests`, quoted
 * as dbt quotes on that adapter (and, on DuckDB, read in the warehouse's own catalog), like the model itself.
 */
function requestsTableOf(manifest: DbtManifest, uniqueId: string, config: PinsyncConfig, sync: SyncConfig, schema: string): string {
  const node = manifest.nodes[uniqueId]!;
  const table = { unique_id: `${uniqueId} (sync requests)`, resource_type: 'table', name: REQUESTS_TABLE, package_name: 'pinsync', database: node.database, schema, alias: REQUESTS_TABLE };
  const outcome = relationOf(table, config.warehouses[sync.warehouse]!);
  if ('problem' in outcome) throw new UsageError(`--requested: ${outcome.problem}`);
  return outcome.relation;
}

/** The requests in `table` since `since`, read through `warehouse`; none (and a note) when the table does not exist. */
export async function pollSyncRequests(warehouse: Warehouse, table: string, syncName: string, since: Date, logger: Logger): Promise<RequestRow[]> {
  const rows: RequestRow[] = [];
  try {
    for await (const batch of warehouse.read({ sql: pollRequestsSql(table, since), syncName, batchSize: 10_000 })) {
      // Snowflake upper-cases unquoted names.
      const at = (name: string) => batch.columnNames.findIndex((c) => c.toLowerCase() === name);
      const [model, invocation, requestedAt] = [at('model_unique_id'), at('invocation_id'), at('requested_at')];
      for (let r = 0; r < batch.rowCount; r++) {
        const m = batch.columns[model]![r];
        const i = batch.columns[invocation]![r];
        if (typeof m !== 'string' || typeof i !== 'string') continue;
        rows.push({ model: m, invocation: i, requestedAt: toDate(batch.columns[requestedAt]![r]) });
      }
    }
  } catch (err) {
    // No table yet: no model with the post-hook has been built since the package was added. Not an error.
    if (err instanceof WarehouseError && isMissingRequestsTable(err.message, table)) {
      logger.info(`no dbt sync requests yet: ${table} does not exist (it is created by the first build of a model with the pinsync.request_sync() post-hook)`);
      return [];
    }
    throw err;
  }
  return rows;
}

// DuckDB "Table with name … does not exist", Postgres "relation … does not exist", Snowflake "… does not exist or not
// authorized", BigQuery "Not found: Table/Dataset …".
const MISSING_TABLE = /does not exist|not found/i;

/**
 * Whether the error says the requests table (or its schema/dataset) is missing, not something else that "does not
 * exist": a misnamed database or role must fail the poll, not read as "no requests yet".
 */
function isMissingRequestsTable(message: string, table: string): boolean {
  if (!MISSING_TABLE.test(message)) return false;
  const text = message.toLowerCase();
  const names = table.split('.').slice(-2).map((part) => part.replace(/[`"]/g, '').toLowerCase());
  return names.some((name) => text.includes(name));
}

function toDate(cell: unknown): Date {
  if (cell instanceof Date) return cell;
  if (typeof cell === 'string') return new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(cell) ? cell : `${cell.replace(' ', 'T')}Z`);
  if (typeof cell === 'number' || typeof cell === 'bigint') return new Date(Number(cell));
  return new Date(0);
}

/**
 * The gate of the invocation that made a request: its run_results.json when the target holds it; `running` when the
 * target's manifest is that invocation's but its run_results.json is not written yet (dbt writes the manifest when a
 * build starts and run_results.json when it ends: the model is built, its tests may not have run); undefined when
 * the target holds neither (another machine's build, or a later dbt command replaced them): no gate.
 */
function gateFor(manifest: DbtManifest, runResultsPath: string, invocation: string, blockOnWarn: boolean | undefined): DbtGate | 'running' | undefined {
  let runResults: DbtRunResults | undefined;
  if (existsSync(runResultsPath)) {
    try {
      runResults = readRunResults(runResultsPath);
    } catch {
      runResults = undefined;
    }
  }
  // Only that build's own results gate its request: a later dbt command's file says nothing about it.
  if (runResults?.metadata.invocation_id === invocation) return new DbtGate(manifest, runResults, { blockOnWarn: blockOnWarn ?? false });
  return manifest.metadata.invocation_id === invocation ? 'running' : undefined;
}

