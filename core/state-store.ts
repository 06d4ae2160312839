/**
 * The state store: run history, locks, tokens, list/audience ids and the acknowledged membership. Core reaches it
 * only through these interfaces. It has two parts: the state tables (syncs, runs, the batches log, locks, tokens),
 * one kysely implementation shared by every engine (connectors/state/kysely-state-store.ts), and the membership
 * with its diff (`DiffSession`), one implementation per engine (a DuckDB file by default, or PostgreSQL).
 * Only hashes and counts are ever stored, never raw identifiers.
 */
import type { ActionDiffCounts, RecordAction } from './explicit-actions.js';
import type { IdentifierFamily } from './identifier-types.js';
import type { ColumnStats, DiffCounts, RunStatus, SyncReport } from './sync-report.js';

/** What the state remembers about one sync between runs. */
export interface SyncRecord {
  /** Sync name (the config's key). */
  name: string;
  /** Ad account the list belongs to. */
  adAccountId: string | null;
  /** Customer list on Pinterest, once created or adopted. */
  customerListId: string | null;
  /** CUSTOMER_LIST audience built on the list, once created or adopted. */
  audienceId: string | null;
  /** Normalization rules version the stored membership was hashed with. */
  normalizationVersion: number;
  /** Name of a list whose creation was sent but not acknowledged (a crash between the two). */
  pendingListName: string | null;
  /**
   * Ids of the lists that already had `pendingListName` before the create was sent: a list found by that name later
   * is this sync's own only if it is not one of these. Null when no create is pending.
   */
  pendingListKnownIds: string[] | null;
  /** Largest batch Pinterest accepted after refusing a bigger one as too large; null when never refused. */
  maxBatchRecords: number | null;
  /** Records currently acknowledged. */
  membershipCount: number;
}

/** Fields a run records when it ends. */
export interface RunOutcome {
  /** Final status. */
  status: RunStatus;
  /** The full report, from which the history columns are taken. */
  report: SyncReport;
}

/** One recorded run, as `pinsync runs` shows it. */
export interface RunRecord {
  /** Run id (increasing). */
  id: number;
  /** Sync name. */
  syncName: string;
  /** Final (or current) status. */
  status: RunStatus;
  /** ISO start time. */
  startedAt: string;
  /** ISO end time; null while running or when killed. */
  finishedAt: string | null;
  /** The stored report; null for runs that never finished. */
  report: SyncReport | null;
  /** Records acknowledged so far (kept current batch by batch, so a killed run still shows its progress). */
  addsSent: number;
  /** Removals acknowledged so far. */
  removesSent: number;
  /** Batches acknowledged so far. */
  batches: number;
  /** The list this run's acknowledged batches went to (a killed run never wrote the report that says so). */
  customerListId: string | null;
  /** Recorded as `running`, but no live process holds its lock: it was killed (the next run marks it interrupted). */
  holderGone: boolean;
}

/** Which runs `StateStore.listRuns` returns (newest first). */
export interface RunFilter {
  /** Only these syncs; unset or empty: every sync. */
  syncNames?: string[];
  /** Most runs returned; default 50; null: every run that matches (`runs --format html` charts the whole history). */
  limit?: number | null;
  /** Only runs that started at or after this time. */
  since?: Date;
}

/** Who holds a lock, for the message the second runner sees. */
export interface LockOwner {
  /** Process id. */
  pid: number;
  /** Host name. */
  host: string;
  /** Run id the lock was taken for; null until `setRun` (the lock is taken before the run is recorded). */
  runId: number | null;
  /** When the holder's process started; default: this process's start. */
  processStartedAt?: Date;
}

/** A sync's lock, held until released (or until its holder is gone). */
export interface SyncLock {
  /** Records the run the lock was taken for, so a second runner's message names it. */
  setRun(runId: number): Promise<void>;
  /** Gives the lock up. Safe to call more than once. */
  release(): Promise<void>;
}

/**
 * One batch Pinterest accepted. Where the membership and the state tables share a database, it is applied to the
 * membership in the same transaction that records it (see `DiffSession.acknowledge`).
 */
export interface Acknowledgement {
  /** Run the batch belongs to. */
  runId: number;
  /** ADD or REMOVE. */
  op: 'ADD' | 'REMOVE';
  /** First delta position in the batch (inclusive). */
  start: number;
  /** Last delta position (exclusive). */
  end: number;
  /** The list the batch was applied to; recorded on the sync when the batch created it. */
  customerListId: string;
  /** Set when this batch was the list's creation. */
  createdList: boolean;
}

/**
 * A batch of a `diff: warehouse` run that Pinterest accepted: a position range of that run's delta table in the
 * warehouse's planner schema. Recorded in the state in the transaction that counts the batch, applied to the
 * warehouse membership later (idempotently), then forgotten. Until then it counts as acknowledged.
 */
export interface PlannerRange {
  /** Sync the batch belongs to. */
  syncName: string;
  /** Run whose delta the range indexes. */
  runId: number;
  /** ADD or REMOVE. */
  op: 'ADD' | 'REMOVE';
  /** First delta position (inclusive). */
  start: number;
  /** Last delta position (exclusive). */
  end: number;
  /** The run's delta table in the planner schema (unquoted name). */
  deltaTable: string;
}

/** OAuth tokens pinsync refreshed (Pinterest rotates refresh tokens, so the config's copy goes stale). */
export interface StoredTokens {
  /** Current access token. */
  accessToken: string;
  /** When the access token expires; null when unknown. */
  accessExpiresAt: Date | null;
  /** Current refresh token (the rotated one). */
  refreshToken: string | null;
  /** When the refresh token expires; null when unknown. */
  refreshExpiresAt: Date | null;
  /** Digest of the tokens that were in the config when these were stored: a change means the user re-authorized. */
  configFingerprint: string;
  /** When these were stored. */
  updatedAt: Date;
}

/** How the source's rows enter the diff when the state engine can read the warehouse itself. */
export interface PushdownQuery {
  /** Sync name, for errors. */
  syncName: string;
  /** DuckDB file to attach read-only, or ':memory:' for a query that reads files itself. */
  attachPath: string;
  /** Folder relative file paths inside the query resolve against (the config's); unset: the working directory. */
  fileSearchPath?: string | undefined;
  /** The user's SQL. */
  sql: string;
  /** Mapped columns, in config order. */
  columns: { column: string; type: ColumnStats['type'] }[];
}

/** A dbt sync request (a row the pinsync dbt package's post-hook wrote) that a sync has dealt with. */
export interface HandledRequest {
  /** `<invocation_id>/<model unique_id>/<sync name>`: one request, seen by one sync. */
  key: string;
  /** The sync that handled it. */
  syncName: string;
  /** The run that handled it; null when the dbt gate stopped the sync before a run started. */
  runId: number | null;
  /** When it was handled. */
  handledAt: Date;
}

/** A staged diff for one run. Temp data disappears with `dispose()` or the process. */
export interface DiffSession {
  /**
   * Stage one batch of normalized records (generic path: hashing done in Node). With `actions` (an explicit-action
   * sync, one per record) every call of the session must pass them, and the diff must be computed with `explicitActions`.
   */
  appendRecords(hashes: readonly string[], families: readonly IdentifierFamily[], actions?: readonly RecordAction[]): Promise<void>;
  /**
   * Present when the engine can run the query, normalize and stage in SQL; returns per-column stats. With
   * `summaryOnly` (a plan with nothing acknowledged) only counts and samples are kept, and the session can only be
   * planned, not frozen for sending.
   */
  ingestPushdown?(query: PushdownQuery, opts: { signal?: AbortSignal; summaryOnly?: boolean }): Promise<{ sourceRows: number; columns: ColumnStats[] }>;
  /**
   * Computes adds/removes against the acknowledged membership and freezes them for `readRange`; with `countsOnly`
   * (plan) it only counts, which is cheaper, and `readRange` is unavailable. With `explicitActions` the staged records
   * carry their action (core/explicit-actions.ts): adds are the add-records that are not members and not also
   * removed, removes the remove-records that are members; `actions` then says how the records met the membership.
   * `fullResync` and `explicitActions` do not combine.
   */
  computeDiff(opts: { fullResync: boolean; countsOnly?: boolean; explicitActions?: boolean }): Promise<DiffCounts & { actions?: ActionDiffCounts }>;
  /** Up to `n` hashes from the adds or removes. */
  sample(op: 'ADD' | 'REMOVE', n: number): Promise<string[]>;
  /** Hashes at delta positions [start, end) of the adds or removes. */
  readRange(op: 'ADD' | 'REMOVE', start: number, end: number): Promise<string[]>;
  /**
   * Records an accepted batch; its records reach the membership in bulk (`applyAcknowledged`), so the cost of an
   * acknowledgement does not grow with the membership. The crash invariant (the stored membership never ahead of
   * Pinterest, nothing acknowledged lost) rests on these guarantees, the same in every engine:
   * - ONE transaction records the batch's records (copied out of this run's frozen delta, so they outlive the
   *   session), counts it on the run, appends the batches row and records a list the batch created; a crash leaves
   *   all or nothing.
   * - applying the recorded records (insert the ADDs, delete the REMOVEs) and forgetting them is one transaction, so
   *   each is applied exactly once; a run killed before applying leaves them to the next run, which applies them
   *   before it diffs, and `getSync().membershipCount`, a plan and `state copy` count them as applied meanwhile.
   * - when the store holds locks that can be lost (shared state), the transaction first proves this runner still
   *   holds the sync's lock and refuses (PINSYNC_STATE_LOCK_LOST) otherwise: nothing is recorded or applied.
   * - ranges may be acknowledged in any order, and while other calls (reads of later ranges, other
   *   acknowledgements) are pending on the same session: the push keeps several requests in flight and acknowledges
   *   each as its answer arrives. Ranges of one run never overlap (a range acknowledged twice before it is applied is applied once), and a range never
   *   acknowledged stays in the next run's diff.
   * Where the membership lives apart from the state tables (the diff inside a warehouse), the same contract holds
   * with the records kept where the membership is: record first, apply idempotently, the next run applies leftovers.
   */
  acknowledge(ack: Acknowledgement): Promise<void>;
  /**
   * Applies every acknowledged record not applied yet (this run's, or a killed run's) to the membership, in one
   * transaction that also forgets them; resolves with a positive number when it applied something, 0 otherwise.
   * The engine calls it during the push (every `applyAddsEvery` adds) and when the push ends; `computeDiff`
   * (frozen) and `dispose` call it too.
   */
  applyAcknowledged(): Promise<number>;
  /** Applies what is acknowledged (when it can; otherwise the next run does), then drops the staged data. Idempotent. */
  dispose(): Promise<void>;
}

/** The state tables and the way to a sync's `DiffSession`; see the module comment for the two parts. */
export interface StateStore {
  /** `duckdb` or `postgres`. */
  readonly kind: string;
  /** The remembered state of a sync, or undefined before its first run. */
  getSync(name: string): Promise<SyncRecord | undefined>;
  /** Creates or updates a sync's record. */
  saveSync(name: string, patch: Partial<Omit<SyncRecord, 'name' | 'membershipCount'>>): Promise<SyncRecord>;
  /** Forgets a sync's acknowledged membership (e.g. the list was recreated). */
  clearMembership(name: string): Promise<void>;
  /**
   * Takes the sync's lock or throws LockHeldError naming the holder (run, host, pid, process start). Guarantees:
   * - at most one live holder per sync among every process that shares this state, and within one process (several
   *   syncs, a scheduler) two locks of one sync exclude each other;
   * - a holder that is gone (killed, OOM, container stopped) never locks out the next run, whatever its pid says:
   *   liveness never rests on a PID, since containers reuse PID 1. A DuckDB file is open for writing by one process
   *   at a time (the engine's file lock), so a lock row that is not one of this process's live locks is stale and is
   *   taken over at once. Shared state (Postgres) holds a session-level advisory lock on a connection of its own for
   *   the run's lifetime: the server frees it when that connection dies, and the locks row only names the holder.
   */
  acquireLock(syncName: string, owner: LockOwner): Promise<SyncLock>;
  /** Records a run as started; marks earlier runs of the sync that never finished as interrupted. */
  startRun(syncName: string, startedAt: Date): Promise<number>;
  /** Records how a run ended. */
  finishRun(runId: number, outcome: RunOutcome): Promise<void>;
  /** Recent runs, newest first. */
  listRuns(filter: RunFilter): Promise<RunRecord[]>;
  /** Tokens stored for a destination (keyed by app and ad account), if any. */
  getTokens(destinationKey: string): Promise<StoredTokens | undefined>;
  /**
   * Throws (with the fix) when `saveTokens` would be refused, e.g. shared Postgres state without PINSYNC_STATE_KEY.
   * A caller about to refresh a token checks this first: Pinterest retires the old refresh token on refresh, so a
   * refused save afterwards would lose the only valid one.
   */
  checkTokenStorage?(): void;
  /** Stores (replaces) a destination's tokens; durable when it resolves. */
  saveTokens(destinationKey: string, tokens: Omit<StoredTokens, 'updatedAt'>): Promise<void>;
  /**
   * Of `keys` (HandledRequest.key), those already handled. Optional: a store without it cannot serve
   * `sync --requested`, which then says so.
   */
  handledRequests?(keys: readonly string[]): Promise<Set<string>>;
  /** Records requests as handled; a key already recorded keeps its first record (idempotent). */
  markRequestsHandled?(entries: readonly HandledRequest[]): Promise<void>;
  /**
   * Records an accepted batch of a `diff: warehouse` run in ONE transaction: its range (PlannerRange), the run's
   * counters, the batches row and a list the batch created; with losable locks it first proves this runner still
   * holds the sync's lock. A range recorded twice is kept once. Optional: a store without it cannot host such syncs.
   */
  recordPlannerBatch?(range: PlannerRange, ack: Acknowledgement): Promise<void>;
  /** Recorded planner ranges not yet applied to the warehouse membership, of one sync or (no name) of every sync. */
  listPlannerRanges?(syncName?: string): Promise<PlannerRange[]>;
  /** Forgets ranges once the warehouse membership holds them (applied). */
  forgetPlannerRanges?(ranges: readonly PlannerRange[]): Promise<void>;
  /** Starts a staged diff for a sync (plan or sync). */
  openDiff(syncName: string): Promise<DiffSession>;
  /** Closes the store. */
  close(): Promise<void>;
}
