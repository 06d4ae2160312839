/**
 * `pinsync state copy`: moves a state (a DuckDB file, a Postgres schema) to another, e.g. a cron job's file to the
 * shared Postgres state of a Kubernetes CronJob, so that the first sync on the new state sends nothing.
 *
 * What moves: every sync's record and acknowledged membership, its runs with their acknowledged batches (the
 * history `pinsync runs` shows), and the stored OAuth tokens. Locks are not copied: they belong to live processes.
 *
 * How:
 * - the source is opened without changing it (a DuckDB file read-only, which also keeps a sync from opening it for
 *   writing meanwhile; a Postgres schema unmigrated, each of its syncs' locks held for the whole copy, so no run is
 *   half-acknowledged while we read); the target is migrated as a sync would and its syncs' locks are held too;
 * - everything but the tokens is written in ONE target transaction: a failed copy leaves the target as it was;
 * - the membership streams page by page (membership-pages.ts), never whole in Node's heap;
 * - `force` replaces, for the copied sync names only, the target's sync record, membership, runs and batches, and
 *   for the copied destinations only, its tokens; the target's other syncs and tokens stay as they are. Without it,
 *   a target holding any pinsync data is refused;
 * - after the commit, every sync is read back from the target and checked (verify-state-copy.ts).
 *
 * Run ids are the target's own (its sequence numbers them in the source's order): a forced copy may land next to
 * runs of other syncs, whose ids must not collide.
 */
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { type Kysely, type Selectable, sql, type Transaction } from 'kysely';
import type { StateLocation } from '../../core/config/state-schema.js';
import { PinsyncError, StateError } from '../../core/errors.js';
import type { StoredTokens, SyncLock } from '../../core/state-store.js';
import { KyselyStateStore } from './kysely-state-store.js';
import { type MembershipEngine, MembershipDigest, digestMembership, forEachMembershipPage, writeMembershipPage } from './membership-pages.js';
import { openStateStore } from './open-state-store.js';
import type { StateDatabase } from './state-tables.js';
import { TokenCipher } from './token-cipher.js';
import { type SyncCopyCheck, type SyncSnapshot, verifyStateCopy } from './verify-state-copy.js';

/** Runs read (and inserted) per round trip. */
const RUNS_PAGE = 500;
/** Batches rows per INSERT. */
const BATCHES_CHUNK = 1_000;

/** What `copyState` needs. */
export interface StateCopyOptions {
  /** The state to copy from. */
  from: StateLocation;
  /** The state to copy to. */
  to: StateLocation;
  /** Replace the target's data for the copied syncs and destinations instead of refusing a non-empty target. */
  force: boolean;
  /** Where PINSYNC_STATE_KEY, PINSYNC_STATE_PASSWORD and PINSYNC_STATE_MEMORY_LIMIT are read; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Told as the copy moves on (counts only). */
  onProgress?: (event: StateCopyProgress) => void;
}

/** Progress of a copy, for stderr. */
export type StateCopyProgress =
  | { phase: 'members'; sync: string; copied: number; total: number }
  | { phase: 'runs'; copied: number; total: number }
  | { phase: 'verify'; sync: string };

/** The outcome of a copy: what was copied and whether the target matches the source. */
export interface StateCopyResult {
  /** The source, for messages (no password). */
  from: string;
  /** The target, for messages (no password). */
  to: string;
  /** `force` was given. */
  forced: boolean;
  /** Per sync: counts and the verification verdict. */
  syncs: SyncCopyCheck[];
  /** Stored OAuth tokens copied, and whether the target gives back the same ones. */
  tokens: { destinations: number; ok: boolean };
  /** Every sync and the tokens verified. */
  ok: boolean;
}

interface SourceSync {
  name: string;
  /** Source row id; -1 for a name only runs mention (its record was never written). */
  id: number;
  record: Omit<Selectable<StateDatabase['syncs']>, 'id'> | undefined;
}

/** How the copy names itself in a lock row, for a run that finds the sync locked meanwhile. */
const copyLockOwner = () => ({ pid: process.pid, host: hostname(), runId: null });

export async function copyState(opts: StateCopyOptions): Promise<StateCopyResult> {
  const env = opts.env ?? process.env;
  // A malformed key is refused before anything is opened.
  TokenCipher.fromEnv(env.PINSYNC_STATE_KEY);
  const source = await openSource(opts.from, env);
  const locks: SyncLock[] = [];
  let target: KyselyStateStore | undefined;
  try {
    const from = describeStore(source);
    const syncs = await readSourceSyncs(source.stateTables);
    const tokenKeys = (await source.stateTables.selectFrom('tokens').select('destination_key').orderBy('destination_key').execute()).map((r) => r.destination_key);
    if (syncs.length === 0 && tokenKeys.length === 0) throw nothingToCopy(from, 'it holds no syncs, runs or tokens');
    await refusePendingPlannerRanges(source, from);
    // A DuckDB source is open read-only, which keeps any sync from writing it meanwhile; shared state needs its locks.
    if (source.kind === 'postgres') for (const s of syncs) locks.push(await source.acquireLock(s.name, copyLockOwner()));
    // Read (and decrypted) first: a source whose tokens cannot be read stops the copy before the target is touched.
    const tokens = new Map<string, StoredTokens>();
    for (const key of tokenKeys) tokens.set(key, (await source.getTokens(key))!);

    target = await openTarget(opts.to, env);
    const to = describeStore(target);
    if (tokens.size > 0) target.checkTokenStorage();
    for (const s of syncs) locks.push(await target.acquireLock(s.name, copyLockOwner()));

    const sourceSnapshots = await snapshots(source, syncs.map((s) => s.name), 'count');
    const targetStore = target;
    const copied = await target.stateTables.transaction().execute(async (trx) => {
      const held = await heldData(trx);
      if (held && !opts.force) {
        throw new StateError(
          'PINSYNC_STATE_COPY_TARGET_NOT_EMPTY',
          `the target state ${to} already holds pinsync data (${held}); nothing was copied. Copy into an empty state, or pass --force ` +
            'to replace the target’s data for the synced names (their records, memberships, runs) and the copied tokens',
        );
      }
      if (opts.force) await clearTarget(trx, syncs.map((s) => s.name), tokenKeys);
      const ids = await insertSyncs(trx, syncs);
      const runIds = await copyRuns(source.stateTables, trx, opts.onProgress);
      await copyDbtRequests(source.stateTables, trx, runIds);
      const digests = new Map<string, { members: number; digest: string }>();
      for (const s of syncs) {
        const total = sourceSnapshots.get(s.name)!.members;
        digests.set(s.name, await copyMembership(source.stateTables, engineOf(source), s, trx, engineOf(targetStore), ids.get(s.name) ?? -1, total, opts.onProgress));
      }
      return digests;
    });
    for (const [key, value] of tokens) await target.saveTokens(key, value);

    // The digests are the ones read during the copy (the source cannot change meanwhile); the counts of the
    // source's own count(*) make a page skipped by the reader show up as well.
    const sourceSide: SyncSnapshot[] = syncs.map((s) => {
      const snap = sourceSnapshots.get(s.name)!;
      const read = copied.get(s.name)!;
      return { ...snap, digest: read.members === snap.members ? read.digest : `read ${read.members} of ${snap.members}` };
    });
    const targetSnapshots = await snapshots(target, syncs.map((s) => s.name), 'digest', opts.onProgress);
    const checks = verifyStateCopy(sourceSide, syncs.map((s) => targetSnapshots.get(s.name)!));
    const tokensOk = await sameTokens(target, tokens);
    return { from, to, forced: opts.force, syncs: checks, tokens: { destinations: tokens.size, ok: tokensOk }, ok: tokensOk && checks.every((c) => c.ok) };
  } finally {
    for (const lock of locks.reverse()) await lock.release().catch(() => undefined);
    await target?.close();
    await source.close();
  }
}

/** Whether two locations name the same state (same file, or same server, database and schema). */
export function sameStateLocation(a: StateLocation, b: StateLocation): boolean {
  if (a.kind === 'duckdb' && b.kind === 'duckdb') return resolve(a.path) === resolve(b.path);
  if (a.kind === 'postgres' && b.kind === 'postgres') {
    const key = (url: string) => {
      const u = new URL(url);
      return `${u.hostname}:${u.port || '5432'}${u.pathname}?${u.searchParams.get('schema') ?? ''}`;
    };
    return key(a.url) === key(b.url);
  }
  return false;
}

function engineOf(store: KyselyStateStore): MembershipEngine {
  return store.kind === 'postgres' ? 'postgres' : 'duckdb';
}

function describeStore(store: KyselyStateStore): string {
  return store.kind === 'duckdb' ? `duckdb:${store.where}` : store.where;
}

function nothingToCopy(where: string, why: string): StateError {
  return new StateError('PINSYNC_STATE_COPY_NOTHING', `nothing to copy: the source state ${where}: ${why}; check --from`);
}

/** Opens the source without creating or migrating anything; a missing state is "nothing to copy". */
async function openSource(location: StateLocation, env: NodeJS.ProcessEnv): Promise<KyselyStateStore> {
  const cipher = TokenCipher.fromEnv(env.PINSYNC_STATE_KEY);
  if (location.kind === 'duckdb') {
    if (!existsSync(location.path)) throw nothingToCopy(`duckdb:${location.path}`, 'the file does not exist');
    const { DuckDbStateStore } = await import('./duckdb/duckdb-state-store.js');
    try {
      return await DuckDbStateStore.open(location.path, { readOnly: true, cipher, memoryLimit: env.PINSYNC_STATE_MEMORY_LIMIT });
    } catch (err) {
      // A DuckDB file without pinsync's tables (an empty or unrelated database).
      if (err instanceof PinsyncError && err.code === 'PINSYNC_STATE_MIGRATION' && /schema_migrations/.test(err.message)) {
        throw nothingToCopy(`duckdb:${location.path}`, 'it has no pinsync state tables');
      }
      throw err;
    }
  }
  const { PostgresStateStore } = await import('./postgres/postgres-state-store.js');
  const store = await PostgresStateStore.open(location.url, { readOnly: true, cipher, env });
  if (!store) {
    const { parsePostgresStateUrl } = await import('./postgres/postgres-state-url.js');
    throw nothingToCopy(parsePostgresStateUrl(location.url, env).display, 'the database has no pinsync schema there');
  }
  return asKysely(store);
}

async function openTarget(location: StateLocation, env: NodeJS.ProcessEnv): Promise<KyselyStateStore> {
  return asKysely(await openStateStore(location, { env }));
}

function asKysely(store: unknown): KyselyStateStore {
  if (!(store instanceof KyselyStateStore)) throw new StateError('PINSYNC_STATE_COPY_ENGINE', 'state copy supports the DuckDB and Postgres state only');
  return store;
}

/** Every sync name the source knows: its sync records, and names only its runs mention (a first run that failed early). */
async function readSourceSyncs(db: Kysely<StateDatabase>): Promise<SourceSync[]> {
  const rows = await db.selectFrom('syncs').selectAll().execute();
  const runNames = await db.selectFrom('runs').select('sync_name').distinct().execute();
  const out = new Map<string, SourceSync>();
  for (const { id, ...record } of rows) out.set(record.name, { name: record.name, id: Number(id), record });
  for (const r of runNames) if (!out.has(r.sync_name)) out.set(r.sync_name, { name: r.sync_name, id: -1, record: undefined });
  return [...out.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** A description of the pinsync data a target holds, or undefined when it holds none. */
async function heldData(db: Kysely<StateDatabase>): Promise<string | undefined> {
  const count = async (table: 'syncs' | 'runs' | 'tokens') =>
    Number((await db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  const held = [
    [await count('syncs'), 'sync', 'syncs'],
    [await count('runs'), 'run', 'runs'],
    [await count('tokens'), 'stored token', 'stored tokens'],
  ] as const;
  const members = (await sql<{ one: number }>`SELECT 1 AS one FROM membership LIMIT 1`.execute(db)).rows.length > 0;
  const parts = held.filter(([n]) => n > 0).map(([n, one, many]) => `${n} ${n === 1 ? one : many}`);
  if (members && parts.length === 0) parts.push('membership rows');
  return parts.length > 0 ? parts.join(', ') : undefined;
}

/** --force: forgets what the target holds for these sync names and destinations, so the copy replaces it. */
// A diff: warehouse sync's acknowledged batches live here as ranges until its warehouse membership holds them; the copy
// does not carry them (they name delta tables of this state's runs), and dropping them would leave the warehouse
// membership behind Pinterest with nothing left to say so. The sync's next run applies them; copy after that.
async function refusePendingPlannerRanges(source: KyselyStateStore, from: string): Promise<void> {
  const pending = await source.stateTables
    .selectFrom('planner_ranges')
    .select(['sync_name', (eb) => eb.fn.countAll<number>().as('n')])
    .groupBy('sync_name')
    .orderBy('sync_name')
    .execute();
  if (pending.length === 0) return;
  const which = pending.map((p) => `${p.sync_name} (${Number(p.n)})`).join(', ');
  throw new StateError(
    'PINSYNC_STATE_COPY_PLANNER_RANGES',
    `the source state ${from} holds acknowledged batches of diff: warehouse syncs not yet applied to their warehouse membership: ${which}; ` +
      'nothing was copied. Run each of those syncs once (its next run applies them), then copy again',
  );
}

async function clearTarget(trx: Transaction<StateDatabase>, names: string[], tokenKeys: string[]): Promise<void> {
  if (names.length > 0) {
    // A killed run's acknowledged records go with the membership they were for.
    await sql`DELETE FROM acked_records WHERE sync_id IN (SELECT id FROM syncs WHERE name IN (${sql.join(names)}))`.execute(trx);
    await trx.deleteFrom('planner_ranges').where('sync_name', 'in', names).execute();
    await sql`DELETE FROM membership WHERE sync_id IN (SELECT id FROM syncs WHERE name IN (${sql.join(names)}))`.execute(trx);
    await sql`DELETE FROM batches WHERE run_id IN (SELECT id FROM runs WHERE sync_name IN (${sql.join(names)}))`.execute(trx);
    await trx.deleteFrom('runs').where('sync_name', 'in', names).execute();
    await trx.deleteFrom('dbt_requests').where('sync_name', 'in', names).execute();
    await trx.deleteFrom('syncs').where('name', 'in', names).execute();
  }
  if (tokenKeys.length > 0) await trx.deleteFrom('tokens').where('destination_key', 'in', tokenKeys).execute();
}

/** Inserts the sync records; returns the target's id of each. */
async function insertSyncs(trx: Transaction<StateDatabase>, syncs: SourceSync[]): Promise<Map<string, number>> {
  const ids = new Map<string, number>();
  for (const s of syncs) {
    if (!s.record) continue;
    const r = s.record;
    const row = await trx
      .insertInto('syncs')
      .values({
        name: r.name,
        ad_account_id: r.ad_account_id,
        customer_list_id: r.customer_list_id,
        audience_id: r.audience_id,
        normalization_version: Number(r.normalization_version),
        pending_list_name: r.pending_list_name,
        pending_list_known_ids: r.pending_list_known_ids,
        max_batch_records: r.max_batch_records === null ? null : Number(r.max_batch_records),
        created_at: r.created_at,
        updated_at: r.updated_at,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    ids.set(s.name, Number(row.id));
  }
  return ids;
}

/**
 * Copies the handled dbt sync requests (`sync --requested`), their runs renumbered: without them the target would
 * run the last days' requests once more.
 */
async function copyDbtRequests(src: Kysely<StateDatabase>, trx: Transaction<StateDatabase>, runIds: ReadonlyMap<number, number>): Promise<void> {
  const rows = await src.selectFrom('dbt_requests').selectAll().orderBy('request_key').execute();
  for (let i = 0; i < rows.length; i += BATCHES_CHUNK) {
    const chunk = rows.slice(i, i + BATCHES_CHUNK).map((r) => ({
      request_key: r.request_key,
      sync_name: r.sync_name,
      run_id: r.run_id === null ? null : (runIds.get(Number(r.run_id)) ?? null),
      handled_at: r.handled_at,
    }));
    await trx.insertInto('dbt_requests').values(chunk).execute();
  }
}

/** Copies every run (in id order, renumbered by the target) with its batches; returns the source→target run ids. */
async function copyRuns(src: Kysely<StateDatabase>, trx: Transaction<StateDatabase>, onProgress: StateCopyOptions['onProgress']): Promise<Map<number, number>> {
  const allIds = new Map<number, number>();
  const total = Number((await src.selectFrom('runs').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  let after = -1;
  let copied = 0;
  for (;;) {
    const runs = await src.selectFrom('runs').selectAll().where('id', '>', after).orderBy('id').limit(RUNS_PAGE).execute();
    if (runs.length === 0) break;
    const newIds = new Map<number, number>();
    for (const run of runs) {
      const row = await trx
        .insertInto('runs')
        .values({
          sync_name: run.sync_name,
          status: run.status,
          started_at: run.started_at,
          finished_at: run.finished_at,
          pid: run.pid === null ? null : Number(run.pid),
          host: run.host,
          adds_sent: Number(run.adds_sent),
          removes_sent: Number(run.removes_sent),
          batches: Number(run.batches),
          report: run.report,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      const id = Number(row.id);
      newIds.set(Number(run.id), id);
      allIds.set(Number(run.id), id);
      // The report names its run: keep it naming the run it is stored with.
      if (run.report !== null) {
        const report = withRunId(run.report, id);
        if (report !== run.report) await trx.updateTable('runs').set({ report }).where('id', '=', id).execute();
      }
    }
    const batches = await src
      .selectFrom('batches')
      .selectAll()
      .where('run_id', 'in', [...newIds.keys()])
      .orderBy('run_id')
      .orderBy('seq')
      .execute();
    for (let i = 0; i < batches.length; i += BATCHES_CHUNK) {
      const chunk = batches.slice(i, i + BATCHES_CHUNK).map((b) => ({
        run_id: newIds.get(Number(b.run_id))!,
        seq: Number(b.seq),
        op: b.op,
        records: Number(b.records),
        customer_list_id: b.customer_list_id,
        acknowledged_at: b.acknowledged_at,
      }));
      await trx.insertInto('batches').values(chunk).execute();
    }
    copied += runs.length;
    after = Number(runs[runs.length - 1]!.id);
    onProgress?.({ phase: 'runs', copied, total });
  }
  return allIds;
}

function withRunId(report: string, id: number): string {
  try {
    const parsed = JSON.parse(report) as unknown;
    if (parsed !== null && typeof parsed === 'object' && 'runId' in parsed) return JSON.stringify({ ...parsed, runId: id });
  } catch {
    // Not JSON: kept as it was.
  }
  return report;
}

/** Streams one sync's membership into the target; returns the count and digest of what it read. */
async function copyMembership(
  src: Kysely<StateDatabase>,
  srcEngine: MembershipEngine,
  sync: SourceSync,
  trx: Transaction<StateDatabase>,
  targetEngine: MembershipEngine,
  targetId: number,
  total: number,
  onProgress: StateCopyOptions['onProgress'],
): Promise<{ members: number; digest: string }> {
  const digest = new MembershipDigest();
  onProgress?.({ phase: 'members', sync: sync.name, copied: 0, total });
  if (sync.id >= 0) {
    await forEachMembershipPage(src, srcEngine, sync.id, async (page) => {
      await writeMembershipPage(trx, targetEngine, targetId, page);
      digest.update(page);
      onProgress?.({ phase: 'members', sync: sync.name, copied: digest.members, total });
    });
  }
  return { members: digest.members, digest: digest.digest() };
}

/**
 * Per sync: membership count, runs, batches and the record as `store` holds them now, and with `digest` the
 * membership digest too (the source's is taken while copying, so its side only counts).
 */
async function snapshots(
  store: KyselyStateStore,
  names: string[],
  membership: 'count' | 'digest',
  onProgress?: StateCopyOptions['onProgress'],
): Promise<Map<string, SyncSnapshot>> {
  const db = store.stateTables;
  const runs = new Map<string, number>();
  const batches = new Map<string, number>();
  if (names.length > 0) {
    for (const r of await db.selectFrom('runs').select(['sync_name', (eb) => eb.fn.countAll().as('n')]).where('sync_name', 'in', names).groupBy('sync_name').execute()) {
      runs.set(r.sync_name, Number(r.n));
    }
    const perSync = await db
      .selectFrom('batches')
      .innerJoin('runs', 'runs.id', 'batches.run_id')
      .select(['runs.sync_name', (eb) => eb.fn.countAll().as('n')])
      .where('runs.sync_name', 'in', names)
      .groupBy('runs.sync_name')
      .execute();
    for (const r of perSync) batches.set(r.sync_name, Number(r.n));
  }
  const out = new Map<string, SyncSnapshot>();
  for (const name of names) {
    const row = await db.selectFrom('syncs').selectAll().where('name', '=', name).executeTakeFirst();
    let members = { members: 0, digest: new MembershipDigest().digest() };
    if (row && membership === 'digest') {
      onProgress?.({ phase: 'verify', sync: name });
      members = await digestMembership(db, engineOf(store), Number(row.id));
    } else if (row) {
      members = { members: (await store.getSync(name))?.membershipCount ?? 0, digest: '' };
    }
    out.set(name, {
      sync: name,
      ...members,
      runs: runs.get(name) ?? 0,
      batches: batches.get(name) ?? 0,
      record: row
        ? JSON.stringify({
            adAccountId: row.ad_account_id,
            customerListId: row.customer_list_id,
            audienceId: row.audience_id,
            normalizationVersion: Number(row.normalization_version),
            pendingListName: row.pending_list_name,
            pendingListKnownIds: row.pending_list_known_ids,
            maxBatchRecords: row.max_batch_records === null ? null : Number(row.max_batch_records),
          })
        : null,
    });
  }
  return out;
}

/** Whether the target gives back exactly the tokens read from the source (compared here, never printed). */
async function sameTokens(target: KyselyStateStore, tokens: Map<string, StoredTokens>): Promise<boolean> {
  for (const [key, want] of tokens) {
    const got = await target.getTokens(key);
    if (
      !got ||
      got.accessToken !== want.accessToken ||
      got.refreshToken !== want.refreshToken ||
      got.configFingerprint !== want.configFingerprint ||
      got.accessExpiresAt?.getTime() !== want.accessExpiresAt?.getTime() ||
      got.refreshExpiresAt?.getTime() !== want.refreshExpiresAt?.getTime()
    ) {
      return false;
    }
  }
  return true;
}
