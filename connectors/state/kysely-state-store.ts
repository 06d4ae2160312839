/**
 * The state tables (syncs, runs, the batches log, tokens) as one kysely implementation shared by every state engine:
 * DuckDB through our dialect, Postgres through kysely's. An engine adds what it cannot share: how a lock is held
 * and proven alive, how its membership is diffed (`openDiff`) and how it closes.
 */
import { type Kysely, type Selectable, sql, type Transaction } from 'kysely';
import { LockHeldError, StateError } from '../../core/errors.js';
import type { Acknowledgement, DiffSession, HandledRequest, LockOwner, PlannerRange, RunFilter, RunOutcome, RunRecord, StateStore, StoredTokens, SyncLock, SyncRecord } from '../../core/state-store.js';
import type { RunStatus, SyncReport } from '../../core/sync-report.js';
import { hostname } from 'node:os';
import { pendingMembershipChange } from './acknowledged-records.js';
import { recordAcknowledgedBatch } from './record-acknowledged-batch.js';
import type { LocksTable, StateDatabase } from './state-tables.js';
import type { TokenCipher } from './token-cipher.js';

export abstract class KyselyStateStore implements StateStore {
  abstract readonly kind: string;

  protected constructor(
    /** The state tables. */
    protected readonly db: Kysely<StateDatabase>,
    /** Seals tokens at rest. */
    protected readonly cipher: TokenCipher,
    /** Names the state in messages (a path, or a URL without its password). */
    readonly where: string,
  ) {}

  abstract acquireLock(syncName: string, owner: LockOwner): Promise<SyncLock>;
  abstract openDiff(syncName: string): Promise<DiffSession>;
  abstract close(): Promise<void>;

  /** Of the given runs recorded as `running`, those whose lock is held by a live process. */
  protected abstract liveRunIds(runIds: number[]): Promise<Set<number>>;

  /** The state tables themselves, for moving them in bulk between stores (`pinsync state copy`, ./copy-state.ts). */
  get stateTables(): Kysely<StateDatabase> {
    return this.db;
  }

  /** Throws when this state refuses to store tokens as `cipher` would store them (Postgres without a key). */
  checkTokenStorage(): void {}

  /** Called after tokens are stored (DuckDB folds them into the file at once). */
  protected async afterTokensSaved(): Promise<void> {}

  async getSync(name: string): Promise<SyncRecord | undefined> {
    const row = await this.db.selectFrom('syncs').selectAll().where('name', '=', name).executeTakeFirst();
    if (!row) return undefined;
    const count = await sql<{ n: number | string }>`SELECT count(*) AS n FROM membership WHERE sync_id = ${row.id}`.execute(this.db);
    // A killed run's acknowledged records count as members: Pinterest has them, and the next run applies them first.
    const pending = await pendingMembershipChange(this.db, Number(row.id));
    return {
      name: row.name,
      adAccountId: row.ad_account_id,
      customerListId: row.customer_list_id,
      audienceId: row.audience_id,
      normalizationVersion: Number(row.normalization_version),
      pendingListName: row.pending_list_name,
      pendingListKnownIds: row.pending_list_known_ids === null ? null : (JSON.parse(row.pending_list_known_ids) as string[]),
      maxBatchRecords: row.max_batch_records === null ? null : Number(row.max_batch_records),
      membershipCount: Number(count.rows[0]?.n ?? 0) + pending.adds - pending.removes,
    };
  }

  async saveSync(name: string, patch: Partial<Omit<SyncRecord, 'name' | 'membershipCount'>>): Promise<SyncRecord> {
    const now = new Date();
    const values = {
      ...(patch.adAccountId !== undefined && { ad_account_id: patch.adAccountId }),
      ...(patch.customerListId !== undefined && { customer_list_id: patch.customerListId }),
      ...(patch.audienceId !== undefined && { audience_id: patch.audienceId }),
      ...(patch.normalizationVersion !== undefined && { normalization_version: patch.normalizationVersion }),
      ...(patch.pendingListName !== undefined && { pending_list_name: patch.pendingListName }),
      ...(patch.pendingListKnownIds !== undefined && {
        pending_list_known_ids: patch.pendingListKnownIds === null ? null : JSON.stringify(patch.pendingListKnownIds),
      }),
      ...(patch.maxBatchRecords !== undefined && { max_batch_records: patch.maxBatchRecords }),
    };
    const existing = await this.db.selectFrom('syncs').select('id').where('name', '=', name).executeTakeFirst();
    if (existing) {
      await this.db.updateTable('syncs').set({ ...values, updated_at: now }).where('id', '=', existing.id).execute();
    } else {
      await this.db
        .insertInto('syncs')
        .values({ name, normalization_version: patch.normalizationVersion ?? 1, ...values, created_at: now, updated_at: now })
        .execute();
    }
    return (await this.getSync(name))!;
  }

  async clearMembership(name: string): Promise<void> {
    const id = await this.syncId(name);
    await this.db.transaction().execute(async (trx) => {
      await sql`DELETE FROM membership WHERE sync_id = ${id}`.execute(trx);
      await trx.deleteFrom('acked_records').where('sync_id', '=', id).execute();
    });
  }

  async startRun(syncName: string, startedAt: Date): Promise<number> {
    await this.db
      .updateTable('runs')
      .set({ status: 'interrupted' satisfies RunStatus })
      .where('sync_name', '=', syncName)
      .where('status', '=', 'running')
      .execute();
    const row = await this.db
      .insertInto('runs')
      .values({ sync_name: syncName, status: 'running', started_at: startedAt, pid: process.pid, host: hostname(), report: null })
      .returning('id')
      .executeTakeFirstOrThrow();
    return Number(row.id);
  }

  async finishRun(runId: number, outcome: RunOutcome): Promise<void> {
    await this.db
      .updateTable('runs')
      .set({ status: outcome.status, finished_at: new Date(), report: JSON.stringify(outcome.report) })
      .where('id', '=', runId)
      .execute();
  }

  async listRuns(filter: RunFilter): Promise<RunRecord[]> {
    let q = this.db.selectFrom('runs').selectAll().orderBy('id', 'desc');
    const limit = filter.limit === undefined ? 50 : filter.limit;
    if (limit !== null) q = q.limit(limit);
    if (filter.syncNames && filter.syncNames.length > 0) q = q.where('sync_name', 'in', filter.syncNames);
    if (filter.since !== undefined) q = q.where('started_at', '>=', filter.since);
    const rows = await q.execute();
    const ids = rows.map((r) => Number(r.id));
    const lists = new Map<number, string>();
    if (ids.length > 0) {
      // A year of hourly runs would bind ~9,000 ids: past a page of them, the id range does (runs outside the
      // selection that fall in it are looked up too, and ignored).
      let b = this.db.selectFrom('batches').select(['run_id', (eb) => eb.fn.max('customer_list_id').as('customer_list_id')]);
      b = ids.length <= 1_000 ? b.where('run_id', 'in', ids) : b.where('run_id', '>=', ids[ids.length - 1]!).where('run_id', '<=', ids[0]!);
      for (const row of await b.groupBy('run_id').execute()) lists.set(Number(row.run_id), row.customer_list_id);
    }
    const running = rows.filter((r) => r.status === 'running').map((r) => Number(r.id));
    const liveRuns = running.length === 0 ? new Set<number>() : await this.liveRunIds(running);
    return rows.map((r) => ({
      id: Number(r.id),
      syncName: r.sync_name,
      status: r.status as RunStatus,
      startedAt: new Date(r.started_at).toISOString(),
      finishedAt: r.finished_at ? new Date(r.finished_at).toISOString() : null,
      report: r.report ? (JSON.parse(r.report) as SyncReport) : null,
      addsSent: Number(r.adds_sent),
      removesSent: Number(r.removes_sent),
      batches: Number(r.batches),
      customerListId: lists.get(Number(r.id)) ?? null,
      holderGone: r.status === 'running' && !liveRuns.has(Number(r.id)),
    }));
  }

  async getTokens(destinationKey: string): Promise<StoredTokens | undefined> {
    const row = await this.db.selectFrom('tokens').selectAll().where('destination_key', '=', destinationKey).executeTakeFirst();
    if (!row) return undefined;
    return {
      accessToken: this.cipher.open(row.access_token, `${destinationKey}/access`, this.where),
      accessExpiresAt: row.access_expires_at ? new Date(row.access_expires_at) : null,
      refreshToken: row.refresh_token === null ? null : this.cipher.open(row.refresh_token, `${destinationKey}/refresh`, this.where),
      refreshExpiresAt: row.refresh_expires_at ? new Date(row.refresh_expires_at) : null,
      configFingerprint: row.config_fingerprint,
      updatedAt: new Date(row.updated_at),
    };
  }

  async saveTokens(destinationKey: string, tokens: Omit<StoredTokens, 'updatedAt'>): Promise<void> {
    this.checkTokenStorage();
    const values = {
      access_token: this.cipher.seal(tokens.accessToken, `${destinationKey}/access`),
      access_expires_at: tokens.accessExpiresAt,
      refresh_token: tokens.refreshToken === null ? null : this.cipher.seal(tokens.refreshToken, `${destinationKey}/refresh`),
      refresh_expires_at: tokens.refreshExpiresAt,
      config_fingerprint: tokens.configFingerprint,
      updated_at: new Date(),
    };
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('tokens').where('destination_key', '=', destinationKey).execute();
      await trx.insertInto('tokens').values({ destination_key: destinationKey, ...values }).execute();
    });
    await this.afterTokensSaved();
  }

  async handledRequests(keys: readonly string[]): Promise<Set<string>> {
    const found = new Set<string>();
    // Chunked: a poll after a busy dbt day may ask about thousands of keys, more than one IN list should carry.
    for (let i = 0; i < keys.length; i += 500) {
      const chunk = keys.slice(i, i + 500);
      const rows = await this.db.selectFrom('dbt_requests').select('request_key').where('request_key', 'in', chunk).execute();
      for (const r of rows) found.add(r.request_key);
    }
    return found;
  }

  async markRequestsHandled(entries: readonly HandledRequest[]): Promise<void> {
    if (entries.length === 0) return;
    await this.db.transaction().execute(async (trx) => {
      for (const e of entries) {
        await trx
          .insertInto('dbt_requests')
          .values({ request_key: e.key, sync_name: e.syncName, run_id: e.runId, handled_at: e.handledAt })
          .onConflict((oc) => oc.column('request_key').doNothing())
          .execute();
      }
    });
  }

  async recordPlannerBatch(range: PlannerRange, ack: Acknowledgement): Promise<void> {
    const syncId = await this.syncId(range.syncName);
    await this.db.transaction().execute(async (trx) => {
      // First, so a runner that lost its lock records nothing. Stores whose locks can be lost (shared Postgres state)
      // define `verifyLock(syncName, trx)`, as their own diff sessions use it; a DuckDB file's lock cannot be lost.
      const verifyLock = (this as { verifyLock?: (name: string, t: Transaction<StateDatabase>) => Promise<void> }).verifyLock;
      if (verifyLock) await verifyLock.call(this, range.syncName, trx);
      await trx
        .insertInto('planner_ranges')
        .values({ sync_name: range.syncName, run_id: range.runId, op: range.op, start_pos: range.start, end_pos: range.end, delta_table: range.deltaTable })
        .onConflict((oc) => oc.columns(['run_id', 'op', 'start_pos']).doNothing())
        .execute();
      await recordAcknowledgedBatch(trx, syncId, ack);
    });
  }

  async listPlannerRanges(syncName?: string): Promise<PlannerRange[]> {
    let q = this.db.selectFrom('planner_ranges').selectAll().orderBy('run_id').orderBy('op').orderBy('start_pos');
    if (syncName !== undefined) q = q.where('sync_name', '=', syncName);
    return (await q.execute()).map((r) => ({
      syncName: r.sync_name,
      runId: Number(r.run_id),
      op: r.op === 'REMOVE' ? 'REMOVE' : 'ADD',
      start: Number(r.start_pos),
      end: Number(r.end_pos),
      deltaTable: r.delta_table,
    }));
  }

  async forgetPlannerRanges(ranges: readonly PlannerRange[]): Promise<void> {
    if (ranges.length === 0) return;
    await this.db.transaction().execute(async (trx) => {
      for (const r of ranges) {
        await trx.deleteFrom('planner_ranges').where('run_id', '=', r.runId).where('op', '=', r.op).where('start_pos', '=', r.start).execute();
      }
    });
  }

  /** The state row id of a sync; -1 when it has none yet (its acknowledged membership is empty). */
  protected async syncIdOrNone(name: string): Promise<number> {
    const row = await this.db.selectFrom('syncs').select('id').where('name', '=', name).executeTakeFirst();
    return row ? Number(row.id) : -1;
  }

  private async syncId(name: string): Promise<number> {
    const id = await this.syncIdOrNone(name);
    if (id < 0) throw new StateError('PINSYNC_STATE_UNKNOWN_SYNC', `sync ${name} has no state yet`);
    return id;
  }
}

// When this process started, for the lock row a second runner reads; the same for every lock the process takes.
const PROCESS_STARTED_AT = new Date(Math.round(performance.timeOrigin));

/** Writes the lock row naming this holder (replacing a stale one) for the message a second runner gets. */
export async function writeLockRow(
  trx: Transaction<StateDatabase>,
  syncName: string,
  owner: LockOwner,
  extra: { token: string; expiresAt: Date | null; backendPid?: number },
): Promise<void> {
  const now = new Date();
  await trx.deleteFrom('locks').where('sync_name', '=', syncName).execute();
  await trx
    .insertInto('locks')
    .values({
      sync_name: syncName,
      pid: owner.pid,
      host: owner.host,
      run_id: owner.runId,
      acquired_at: now,
      heartbeat_at: now,
      owner_token: extra.token,
      process_started_at: owner.processStartedAt ?? PROCESS_STARTED_AT,
      expires_at: extra.expiresAt,
      ...(extra.backendPid !== undefined && { backend_pid: extra.backendPid }),
    })
    .execute();
}

/** "sync X is already running (run, pid on host, process started, locked since)", from the holder's lock row. */
export function lockHeldError(syncName: string, held: Pick<Selectable<LocksTable>, 'run_id' | 'pid' | 'host' | 'process_started_at' | 'acquired_at'>): LockHeldError {
  const started = held.process_started_at ? `, process started ${new Date(held.process_started_at).toISOString()}` : '';
  return new LockHeldError(
    `sync ${syncName} is already running (run ${held.run_id ?? '?'}, pid ${held.pid} on ${held.host}${started}, ` +
      `locked since ${new Date(held.acquired_at).toISOString()}); two runs of one sync never run at once — wait for it to finish`,
  );
}
