/**
 * The state store in memory, for testing the engine's own logic in milliseconds (and for mutation runs). It keeps
 * the real engines' semantics, which the state and membership conformance suites hold it to: a lock is live only
 * while the store that took it is open (a closed store is a process that is gone, as with the DuckDB file), the
 * delta is frozen as dense position ranges, an acknowledgement applies its range and records it together or not at
 * all, ranges are acknowledged in any order and replaying one changes no membership. Tokens go through the real
 * TokenCipher, so what is "at rest" (`dump()`) is what a real engine would store.
 */
import { LockHeldError, StateError } from '../../core/errors.js';
import type { IdentifierFamily } from '../../core/identifier-types.js';
import type {
  Acknowledgement,
  DiffSession,
  HandledRequest,
  LockOwner,
  PlannerRange,
  RunFilter,
  RunOutcome,
  RunRecord,
  StateStore,
  StoredTokens,
  SyncLock,
  SyncRecord,
} from '../../core/state-store.js';
import type { DiffCounts, RunStatus } from '../../core/sync-report.js';
import { actionDiffCounts, type ActionDiffCounts, type RecordAction } from '../../core/explicit-actions.js';
import { KEY_HELP, TokenCipher } from '../../connectors/state/token-cipher.js';

interface SyncRow {
  id: number;
  record: Omit<SyncRecord, 'membershipCount'>;
  /** Acknowledged hashes and the family each was staged under, as applied (pending ranges not included). */
  membership: Map<string, IdentifierFamily>;
  /** The frozen delta of the sync's last sending session and its acknowledged ranges not applied yet. */
  pending?: { delta: Frozen; ranges: { op: 'ADD' | 'REMOVE'; start: number; end: number }[] } | undefined;
}

/** The membership with the pending ranges applied, as a plan and `membershipCount` see it; changes nothing. */
function effectiveMembership(row: SyncRow): Map<string, IdentifierFamily> {
  const membership = new Map(row.membership);
  applyRanges(row, membership);
  return membership;
}

// Applies the row's pending ranges to `membership`; replays and overlaps change nothing.
function applyRanges(row: SyncRow, membership: Map<string, IdentifierFamily>): number {
  const pending = row.pending;
  if (!pending) return 0;
  for (const r of pending.ranges) {
    for (const h of (r.op === 'ADD' ? pending.delta.add : pending.delta.remove).slice(r.start, r.end)) {
      if (r.op === 'ADD') {
        if (!membership.has(h)) membership.set(h, pending.delta.families.get(h)!);
      } else membership.delete(h);
    }
  }
  return pending.ranges.length;
}

interface RunRow {
  id: number;
  syncName: string;
  status: RunStatus;
  startedAt: string;
  finishedAt: string | null;
  /** The report as JSON text, as the real tables store it (a later change to the object does not leak in). */
  report: string | null;
  addsSent: number;
  removesSent: number;
  batches: number;
}

interface BatchRow {
  runId: number;
  seq: number;
  op: 'ADD' | 'REMOVE';
  records: number;
  customerListId: string;
}

interface LockRow {
  token: string;
  pid: number;
  host: string;
  runId: number | null;
  acquiredAt: Date;
  processStartedAt: Date;
}

interface TokenRow {
  accessToken: string;
  accessExpiresAt: string | null;
  refreshToken: string | null;
  refreshExpiresAt: string | null;
  configFingerprint: string;
  updatedAt: string;
}

const PROCESS_STARTED_AT = new Date(Math.round(performance.timeOrigin));

/**
 * One state "location": what a state file or schema holds. Several stores may be opened on it one after another
 * (a rerun, a crash and a restart); it outlives them.
 */
export class InMemoryStateData {
  /** Sync rows by name. */
  readonly syncs = new Map<string, SyncRow>();
  /** Runs in id order. */
  readonly runs: RunRow[] = [];
  /** The acknowledgement log. */
  readonly batches: BatchRow[] = [];
  /** Lock rows by sync name (stale ones stay until taken over). */
  readonly locks = new Map<string, LockRow>();
  /** Stored token rows by destination key, sealed by the cipher of the store that wrote them. */
  readonly tokens = new Map<string, TokenRow>();
  /** Handled dbt sync requests by key (the `dbt_requests` table). */
  readonly dbtRequests = new Map<string, HandledRequest>();
  /** Recorded ranges of `diff: warehouse` runs not applied to the warehouse membership yet (the `planner_ranges` table). */
  readonly plannerRanges: PlannerRange[] = [];
  /** Owner tokens of the locks held by stores that are open: every other lock row is stale. */
  readonly liveLocks = new Set<string>();
  #nextSyncId = 1;
  #nextRunId = 1;
  #nextLock = 1;

  /** Next sync row id. */
  newSyncId(): number {
    return this.#nextSyncId++;
  }

  /** Next run id (increasing). */
  newRunId(): number {
    return this.#nextRunId++;
  }

  /** A fresh lock owner token. */
  newLockToken(): string {
    return `lock-${this.#nextLock++}`;
  }

  /** Frozen deltas kept and ranges recorded but not applied, over every sync (a finished run leaves none). */
  leftovers(): number {
    let n = 0;
    for (const row of this.syncs.values()) if (row.pending) n += 1 + row.pending.ranges.length;
    return n;
  }

  /** Acknowledged ranges of the sync not applied to its membership yet. */
  pendingRanges(syncName: string): number {
    return this.syncs.get(syncName)?.pending?.ranges.length ?? 0;
  }

  /** The applied acknowledged hashes of a sync (empty when it has no row), for tests to compare with the destination. */
  membership(syncName: string): Set<string> {
    return new Set(this.syncs.get(syncName)?.membership.keys() ?? []);
  }

  /** Everything stored, as text, to search for secrets. */
  dump(): string {
    return JSON.stringify({
      syncs: [...this.syncs.values()].map((s) => ({ ...s.record, membership: [...s.membership.entries()] })),
      runs: this.runs,
      batches: this.batches,
      locks: [...this.locks.entries()],
      tokens: [...this.tokens.entries()],
    });
  }
}

/** Options of a store. */
export interface InMemoryStateOptions {
  /** Seals tokens at rest; default: no key (plain, as a private DuckDB file without PINSYNC_STATE_KEY). */
  cipher?: TokenCipher;
  /** Refuse tokens without a key, as shared Postgres state does; default false. */
  requireTokenKey?: boolean;
}

export class InMemoryStateStore implements StateStore {
  readonly kind = 'memory';
  readonly #data: InMemoryStateData;
  readonly #cipher: TokenCipher;
  readonly #requireTokenKey: boolean;
  readonly #held = new Set<string>();
  #closed = false;

  constructor(data: InMemoryStateData = new InMemoryStateData(), opts: InMemoryStateOptions = {}) {
    this.#data = data;
    this.#cipher = opts.cipher ?? TokenCipher.fromEnv('');
    this.#requireTokenKey = opts.requireTokenKey ?? false;
  }

  /** The location this store works on. */
  get data(): InMemoryStateData {
    return this.#data;
  }

  async getSync(name: string): Promise<SyncRecord | undefined> {
    this.#open();
    const row = this.#data.syncs.get(name);
    return row ? recordOf(row) : undefined;
  }

  async saveSync(name: string, patch: Partial<Omit<SyncRecord, 'name' | 'membershipCount'>>): Promise<SyncRecord> {
    this.#open();
    let row = this.#data.syncs.get(name);
    if (!row) {
      row = {
        id: this.#data.newSyncId(),
        record: {
          name,
          adAccountId: null,
          customerListId: null,
          audienceId: null,
          normalizationVersion: 1,
          pendingListName: null,
          pendingListKnownIds: null,
          maxBatchRecords: null,
        },
        membership: new Map(),
      };
      this.#data.syncs.set(name, row);
    }
    // `undefined` leaves a field alone, as the SQL engines' patch does; null clears it.
    for (const [key, value] of Object.entries(patch) as [keyof typeof patch, unknown][]) {
      if (value === undefined) continue;
      (row.record as Record<string, unknown>)[key] = Array.isArray(value) ? [...(value as string[])] : value;
    }
    return recordOf(row);
  }

  async clearMembership(name: string): Promise<void> {
    this.#open();
    const row = this.#data.syncs.get(name);
    if (!row) throw new StateError('PINSYNC_STATE_UNKNOWN_SYNC', `sync ${name} has no state yet`);
    row.membership.clear();
    row.pending = undefined;
  }

  async acquireLock(syncName: string, owner: LockOwner): Promise<SyncLock> {
    this.#open();
    const held = this.#data.locks.get(syncName);
    if (held && this.#data.liveLocks.has(held.token)) {
      throw new LockHeldError(
        `sync ${syncName} is already running (run ${held.runId ?? '?'}, pid ${held.pid} on ${held.host}, process started ${held.processStartedAt.toISOString()}, ` +
          `locked since ${held.acquiredAt.toISOString()}); two runs of one sync never run at once — wait for it to finish`,
      );
    }
    // Anything else was left by a store that is gone (closed without releasing: a crash): it is taken over.
    const token = this.#data.newLockToken();
    const row: LockRow = { token, pid: owner.pid, host: owner.host, runId: owner.runId, acquiredAt: new Date(), processStartedAt: owner.processStartedAt ?? PROCESS_STARTED_AT };
    this.#data.locks.set(syncName, row);
    this.#data.liveLocks.add(token);
    this.#held.add(token);
    return {
      setRun: async (runId: number) => {
        if (this.#data.locks.get(syncName)?.token === token) row.runId = runId;
      },
      release: async () => {
        if (!this.#held.delete(token) || this.#closed) return;
        this.#data.liveLocks.delete(token);
        if (this.#data.locks.get(syncName)?.token === token) this.#data.locks.delete(syncName);
      },
    };
  }

  async startRun(syncName: string, startedAt: Date): Promise<number> {
    this.#open();
    for (const run of this.#data.runs) if (run.syncName === syncName && run.status === 'running') run.status = 'interrupted';
    const id = this.#data.newRunId();
    this.#data.runs.push({ id, syncName, status: 'running', startedAt: startedAt.toISOString(), finishedAt: null, report: null, addsSent: 0, removesSent: 0, batches: 0 });
    return id;
  }

  async finishRun(runId: number, outcome: RunOutcome): Promise<void> {
    this.#open();
    const run = this.#data.runs.find((r) => r.id === runId);
    if (!run) return;
    run.status = outcome.status;
    run.finishedAt = new Date().toISOString();
    run.report = JSON.stringify(outcome.report);
  }

  async handledRequests(keys: readonly string[]): Promise<Set<string>> {
    this.#open();
    return new Set(keys.filter((k) => this.#data.dbtRequests.has(k)));
  }

  async markRequestsHandled(entries: readonly HandledRequest[]): Promise<void> {
    this.#open();
    for (const e of entries) if (!this.#data.dbtRequests.has(e.key)) this.#data.dbtRequests.set(e.key, { ...e });
  }

  async listRuns(filter: RunFilter): Promise<RunRecord[]> {
    this.#open();
    const names = filter.syncNames && filter.syncNames.length > 0 ? new Set(filter.syncNames) : undefined;
    const since = filter.since?.getTime();
    const limit = filter.limit === undefined ? 50 : (filter.limit ?? Number.POSITIVE_INFINITY);
    const rows = [...this.#data.runs]
      .filter((r) => names === undefined || names.has(r.syncName))
      .filter((r) => since === undefined || Date.parse(r.startedAt) >= since)
      .sort((a, b) => b.id - a.id)
      .slice(0, limit);
    const liveRuns = new Set<number>();
    for (const lock of this.#data.locks.values()) if (this.#data.liveLocks.has(lock.token) && lock.runId !== null) liveRuns.add(lock.runId);
    return rows.map((r) => {
      // The real tables take max(customer_list_id) over the run's batches (text order).
      const lists = this.#data.batches.filter((b) => b.runId === r.id).map((b) => b.customerListId);
      const customerListId = lists.length === 0 ? null : lists.reduce((a, b) => (b > a ? b : a));
      return {
        id: r.id,
        syncName: r.syncName,
        status: r.status,
        startedAt: r.startedAt,
        finishedAt: r.finishedAt,
        report: r.report === null ? null : JSON.parse(r.report),
        addsSent: r.addsSent,
        removesSent: r.removesSent,
        batches: r.batches,
        customerListId,
        holderGone: r.status === 'running' && !liveRuns.has(r.id),
      };
    });
  }

  async getTokens(destinationKey: string): Promise<StoredTokens | undefined> {
    this.#open();
    const row = this.#data.tokens.get(destinationKey);
    if (!row) return undefined;
    const where = '(in memory)';
    return {
      accessToken: this.#cipher.open(row.accessToken, `${destinationKey}/access`, where),
      accessExpiresAt: row.accessExpiresAt === null ? null : new Date(row.accessExpiresAt),
      refreshToken: row.refreshToken === null ? null : this.#cipher.open(row.refreshToken, `${destinationKey}/refresh`, where),
      refreshExpiresAt: row.refreshExpiresAt === null ? null : new Date(row.refreshExpiresAt),
      configFingerprint: row.configFingerprint,
      updatedAt: new Date(row.updatedAt),
    };
  }

  checkTokenStorage(): void {
    if (this.#requireTokenKey && !this.#cipher.hasKey) {
      throw new StateError('PINSYNC_STATE_KEY_MISSING', `this state stores refreshed OAuth tokens only encrypted, and PINSYNC_STATE_KEY is not set; ${KEY_HELP}`);
    }
  }

  async saveTokens(destinationKey: string, tokens: Omit<StoredTokens, 'updatedAt'>): Promise<void> {
    this.#open();
    this.checkTokenStorage();
    this.#data.tokens.set(destinationKey, {
      accessToken: this.#cipher.seal(tokens.accessToken, `${destinationKey}/access`),
      accessExpiresAt: tokens.accessExpiresAt?.toISOString() ?? null,
      refreshToken: tokens.refreshToken === null ? null : this.#cipher.seal(tokens.refreshToken, `${destinationKey}/refresh`),
      refreshExpiresAt: tokens.refreshExpiresAt?.toISOString() ?? null,
      configFingerprint: tokens.configFingerprint,
      updatedAt: new Date().toISOString(),
    });
  }

  async recordPlannerBatch(range: PlannerRange, ack: Acknowledgement): Promise<void> {
    this.#open();
    const sync = this.#data.syncs.get(range.syncName);
    if (!sync) throw new StateError('PINSYNC_STATE_UNKNOWN_SYNC', `sync ${range.syncName} has no state yet`);
    const run = this.#data.runs.find((r) => r.id === ack.runId);
    if (!run) throw new StateError('PINSYNC_STATE_NO_RUN', `no run ${ack.runId} to record the batch on`);
    const same = (r: PlannerRange) => r.runId === range.runId && r.op === range.op && r.start === range.start;
    if (!this.#data.plannerRanges.some(same)) this.#data.plannerRanges.push({ ...range });
    const records = ack.end - ack.start;
    run.batches++;
    if (ack.op === 'ADD') run.addsSent += records;
    else run.removesSent += records;
    this.#data.batches.push({ runId: ack.runId, seq: run.batches, op: ack.op, records, customerListId: ack.customerListId });
    if (ack.createdList) {
      sync.record.customerListId = ack.customerListId;
      sync.record.pendingListName = null;
    }
  }

  async listPlannerRanges(syncName?: string): Promise<PlannerRange[]> {
    this.#open();
    return this.#data.plannerRanges.filter((r) => syncName === undefined || r.syncName === syncName).map((r) => ({ ...r }));
  }

  async forgetPlannerRanges(ranges: readonly PlannerRange[]): Promise<void> {
    this.#open();
    for (const f of ranges) {
      const i = this.#data.plannerRanges.findIndex((r) => r.runId === f.runId && r.op === f.op && r.start === f.start);
      if (i >= 0) this.#data.plannerRanges.splice(i, 1);
    }
  }

  async openDiff(syncName: string): Promise<DiffSession> {
    this.#open();
    // Like the SQL engines, the session is bound to the sync's row as it is now: none means an empty membership
    // and no acknowledgements.
    return new InMemoryDiffSession(this.#data, this.#data.syncs.get(syncName));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    // Locks still held stay behind, stale: the next store opened on the data takes them over.
    for (const token of this.#held) this.#data.liveLocks.delete(token);
    this.#held.clear();
  }

  #open(): void {
    if (this.#closed) throw new StateError('PINSYNC_STATE_CLOSED', 'the state store is closed');
  }
}

function recordOf(row: SyncRow): SyncRecord {
  const r = row.record;
  return { ...r, pendingListKnownIds: r.pendingListKnownIds === null ? null : [...r.pendingListKnownIds], membershipCount: effectiveMembership(row).size };
}

interface Frozen {
  add: string[];
  remove: string[];
  families: Map<string, IdentifierFamily>;
}

interface Planned {
  add: string[];
  remove: string[];
}

export class InMemoryDiffSession implements DiffSession {
  readonly #data: InMemoryStateData;
  readonly #sync: SyncRow | undefined;
  /** Staged records: the first family a hash was staged under is the one kept. */
  #staged = new Map<string, IdentifierFamily>();
  /** Explicit-action sessions: the actions each staged hash was given (undefined until a call passes actions). */
  #actions: Map<string, Set<RecordAction>> | undefined;
  #frozen: Frozen | undefined;
  #planned: Planned | undefined;
  #disposed = false;

  constructor(data: InMemoryStateData, sync: SyncRow | undefined) {
    this.#data = data;
    this.#sync = sync;
  }

  async appendRecords(hashes: readonly string[], families: readonly IdentifierFamily[], actions?: readonly RecordAction[]): Promise<void> {
    this.#live();
    if (hashes.length !== families.length) throw new RangeError(`appendRecords: ${hashes.length} hashes but ${families.length} families`);
    if (actions && actions.length !== hashes.length) throw new RangeError(`appendRecords: ${hashes.length} hashes but ${actions.length} actions`);
    if (this.#frozen || this.#planned) throw new StateError('PINSYNC_STATE_FROZEN', 'records staged after the diff was computed');
    if ((actions !== undefined) !== (this.#actions !== undefined) && this.#staged.size > 0) {
      throw new StateError('PINSYNC_STATE_ACTIONS', 'records with and without actions staged in one session');
    }
    if (actions) this.#actions ??= new Map();
    for (let i = 0; i < hashes.length; i++) {
      if (!this.#staged.has(hashes[i]!)) this.#staged.set(hashes[i]!, families[i]!);
      if (actions) {
        const asked = this.#actions!.get(hashes[i]!) ?? new Set<RecordAction>();
        asked.add(actions[i]!);
        this.#actions!.set(hashes[i]!, asked);
      }
    }
  }

  async computeDiff(opts: { fullResync: boolean; countsOnly?: boolean; explicitActions?: boolean }): Promise<DiffCounts & { actions?: ActionDiffCounts }> {
    this.#live();
    if (opts.explicitActions && opts.fullResync) throw new StateError('PINSYNC_STATE_ACTIONS', 'a full resync needs the whole audience, not explicit actions');
    if (!opts.explicitActions && this.#actions) throw new StateError('PINSYNC_STATE_ACTIONS', 'records staged with actions need an explicit-action diff');
    // A frozen diff applies a killed run's ranges first; a plan reads them as applied and changes nothing.
    if (!opts.countsOnly) await this.applyAcknowledged();
    const acknowledged = this.#sync ? effectiveMembership(this.#sync) : new Map<string, IdentifierFamily>();
    // Sorted so positions are stable and a test run is deterministic; the real engines promise stability only.
    const current = [...this.#staged.keys()].sort();
    let add: string[];
    let remove: string[];
    let counts: DiffCounts & { actions?: ActionDiffCounts };
    if (opts.explicitActions) {
      const asked = this.#actions ?? new Map<string, Set<RecordAction>>();
      const askedAdd = current.filter((h) => asked.get(h)!.has('ADD'));
      const askedRemove = current.filter((h) => asked.get(h)!.has('REMOVE'));
      // A record asked both ways is removed (core/explicit-actions.ts says why).
      add = askedAdd.filter((h) => !asked.get(h)!.has('REMOVE') && !acknowledged.has(h));
      remove = askedRemove.filter((h) => acknowledged.has(h));
      const conflicts = askedAdd.filter((h) => asked.get(h)!.has('REMOVE')).length;
      counts = actionDiffCounts({ acknowledged: acknowledged.size, addRecords: askedAdd.length, removeRecords: askedRemove.length, conflicts, adds: add.length, removes: remove.length });
    } else {
      add = opts.fullResync ? current : current.filter((h) => !acknowledged.has(h));
      remove = [...acknowledged.keys()].filter((h) => !this.#staged.has(h)).sort();
      counts = { acknowledged: acknowledged.size, current: current.length, adds: add.length, removes: remove.length, unchanged: acknowledged.size - remove.length };
    }
    if (opts.countsOnly) {
      this.#planned = { add, remove };
    } else {
      const families = new Map<string, IdentifierFamily>();
      for (const h of add) families.set(h, this.#staged.get(h)!);
      this.#frozen = { add, remove, families };
      if (this.#sync) this.#sync.pending = { delta: this.#frozen, ranges: [] };
    }
    this.#staged = new Map();
    this.#actions = undefined;
    return counts;
  }

  async sample(op: 'ADD' | 'REMOVE', n: number): Promise<string[]> {
    this.#live();
    const side = this.#frozen ?? this.#planned;
    if (!side) return [];
    return (op === 'ADD' ? side.add : side.remove).slice(0, Math.max(0, Math.floor(n)));
  }

  async readRange(op: 'ADD' | 'REMOVE', start: number, end: number): Promise<string[]> {
    this.#live();
    if (!this.#frozen) throw new StateError('PINSYNC_STATE_NOT_FROZEN', 'readRange before a frozen diff (a counts-only plan cannot be read)');
    return (op === 'ADD' ? this.#frozen.add : this.#frozen.remove).slice(start, end);
  }

  async acknowledge(ack: Acknowledgement): Promise<void> {
    this.#live();
    if (!this.#sync) throw new StateError('PINSYNC_STATE_UNKNOWN_SYNC', 'cannot acknowledge a batch for a sync that has no state row');
    if (!this.#frozen) throw new StateError('PINSYNC_STATE_NOT_FROZEN', 'acknowledge before a frozen diff');
    const side = ack.op === 'ADD' ? this.#frozen.add : this.#frozen.remove;
    if (!Number.isInteger(ack.start) || !Number.isInteger(ack.end) || ack.start < 0 || ack.end < ack.start || ack.end > side.length) {
      throw new RangeError(`acknowledge: range [${ack.start}, ${ack.end}) is outside the ${side.length} ${ack.op} positions`);
    }
    // Checked before anything changes: the real engines roll the membership change back with a failed record.
    const run = this.#data.runs.find((r) => r.id === ack.runId);
    if (!run) throw new StateError('PINSYNC_STATE_NO_RUN', `no run ${ack.runId} to record the batch on`);
    if (this.#sync.pending?.delta !== this.#frozen) throw new StateError('PINSYNC_STATE_NOT_FROZEN', 'acknowledge on a session whose delta was replaced');
    this.#sync.pending.ranges.push({ op: ack.op, start: ack.start, end: ack.end });
    const records = ack.end - ack.start;
    run.batches++;
    if (ack.op === 'ADD') run.addsSent += records;
    else run.removesSent += records;
    this.#data.batches.push({ runId: ack.runId, seq: run.batches, op: ack.op, records, customerListId: ack.customerListId });
    if (ack.createdList) {
      this.#sync.record.customerListId = ack.customerListId;
      this.#sync.record.pendingListName = null;
    }
  }

  async applyAcknowledged(): Promise<number> {
    const sync = this.#sync;
    if (!sync?.pending) return 0;
    const applied = applyRanges(sync, sync.membership);
    sync.pending.ranges = [];
    return applied;
  }

  async dispose(): Promise<void> {
    if (!this.#disposed && this.#frozen && this.#sync?.pending?.delta === this.#frozen) {
      await this.applyAcknowledged();
      this.#sync.pending = undefined;
    }
    this.#disposed = true;
    this.#staged = new Map();
    this.#frozen = undefined;
    this.#planned = undefined;
  }

  #live(): void {
    if (this.#disposed) throw new StateError('PINSYNC_STATE_DISPOSED', 'the diff session was disposed');
  }
}
