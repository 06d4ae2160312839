/**
 * The only thing core knows about a warehouse. Connectors live in `connectors/warehouses/<engine>/` and never
 * normalize, diff or batch deltas: they run SQL and stream rows. The one exception is opt-in: a warehouse with a
 * planner schema runs a `diff: warehouse` sync's normalization and diff in its own SQL (`openPlannerDiff`).
 */
import type { IdentifierType } from './identifier-types.js';
import type { DiffSession, StateStore } from './state-store.js';
import type { ColumnStats } from './sync-report.js';

export type WarehouseEngine = 'duckdb' | 'postgres' | 'bigquery' | 'snowflake';

/** A slice of a result, column-major: `columns[i][r]` is column `columnNames[i]` of row `r`. */
export interface RowBatch {
  /** Column names exactly as the warehouse reported them (Snowflake upper-cases unquoted names). */
  readonly columnNames: readonly string[];
  /**
   * One array per column, all of length `rowCount`. Cells are string, number, bigint, boolean, null or Date for
   * scalars; Uint8Array for binary (BLOB, bytea, BYTES, BINARY: the bytes, whatever text form the engine prints);
   * exact decimals as their decimal text (never a lossy double); JSON scalars unwrapped (a JSON string is the
   * string without its quotes, JSON null is null); arrays, structs and JSON objects/arrays as JS arrays/objects,
   * which normalization rejects as `unsupported_value` instead of stringifying them.
   */
  readonly columns: readonly (readonly unknown[])[];
  /** Number of rows in this batch (at most the requested batch size). */
  readonly rowCount: number;
}

export interface WarehouseReadRequest {
  /** The SQL to run: the sync's `query`, or `SELECT * FROM <table>`. */
  sql: string;
  /** The sync this read is for; errors name it. */
  syncName: string;
  /** Upper bound on rows per yielded batch. */
  batchSize: number;
  /** Aborting cancels the running query and ends the iteration with an error. */
  signal?: AbortSignal;
}

/** How a DuckDB state engine reads a DuckDB warehouse in place. */
export interface AttachableDuckDb {
  /** Absolute path of the database file, or `:memory:`. */
  path: string;
  /** Folder that relative file paths inside the query (`read_csv('people.csv')`) resolve against: the config's. */
  fileSearchPath?: string | undefined;
}

/** What a warehouse needs to open a `diff: warehouse` session for one sync. */
export interface PlannerDiffRequest {
  /** Sync name: keys its membership rows and names its delta tables. */
  syncName: string;
  /** The sync's SQL. */
  sql: string;
  /** Mapped columns, in config order. */
  columns: readonly { column: string; type: IdentifierType }[];
  /** The run whose delta is frozen; undefined for a plan, which stages in temporary tables and changes nothing. */
  runId: number | undefined;
  /** Where accepted batches are recorded (as position ranges) before they reach the warehouse membership. */
  state: StateStore;
  /** The normalization rules version the membership rows are stamped with. */
  normalizationVersion: number;
  /** `--full-resync`: every current member is sent again, which also settles recorded ranges whose delta is lost. */
  fullResync?: boolean | undefined;
  /** The state holds no list for the sync (new state, --recreate): its warehouse membership is stale; a sync empties it before the diff, a plan reads it as empty. */
  forgetMembership?: boolean | undefined;
  /** A stop (Ctrl-C): cancels the statement the warehouse is running for the ingest or the diff. */
  signal?: AbortSignal | undefined;
}

/** A diff that runs in the warehouse: the user's query is normalized, hashed and diffed there. */
export interface PlannerDiffSession extends DiffSession {
  /** Runs the query, normalization and hashing into a staging table in the warehouse; returns only counts. */
  ingestQuery(opts: { signal?: AbortSignal }): Promise<{ sourceRows: number; columns: ColumnStats[] }>;
  /** The sync's acknowledged membership size: the warehouse membership with recorded, unapplied ranges counted in. */
  membershipCount(): Promise<number>;
}

/** What `pinsync planner clean` did in one planner schema. */
export interface PlannerCleanResult {
  /** Delta tables dropped (every range applied, or none recorded), by sync. */
  dropped: { syncName: string; table: string }[];
  /** Delta tables kept, with why (ranges still to apply, or the sync is running). */
  kept: { syncName: string; table: string; reason: string }[];
}

export interface Warehouse {
  /** Which engine this connector talks to. */
  readonly engine: WarehouseEngine;
  /** Cheap round trip proving the warehouse is reachable and the credentials work. */
  check(opts?: { signal?: AbortSignal }): Promise<void>;
  /**
   * Runs the query and yields its rows in batches, never holding the whole result. Breaking out of the loop
   * releases the cursor/connection; a failure mid-stream reaches the caller as a WarehouseError naming the sync.
   */
  read(req: WarehouseReadRequest): AsyncIterable<RowBatch>;
  /**
   * The names of the columns the query returns, without reading any row (the engine plans the query and stops),
   * so a misnamed identifier column is reported before anything runs. Undefined for engines that cannot tell
   * cheaply: their columns are checked on the first batch instead.
   */
  describeColumns?(req: { sql: string; syncName: string; signal?: AbortSignal }): Promise<readonly string[]>;
  /**
   * Set when the warehouse is a DuckDB database that a DuckDB state engine can ATTACH read-only, so the
   * query, normalization and diff run as one SQL pipeline without rows crossing into Node.
   */
  readonly attachableDuckDb?: AttachableDuckDb;
  /**
   * Bytes the query would scan, when the engine can tell without running it (a BigQuery dry-run job), so `plan`
   * shows the cost before anyone pays it. Undefined when the engine cannot tell.
   */
  estimateScanBytes?(req: { sql: string; syncName: string; signal?: AbortSignal }): Promise<number | undefined>;
  /**
   * Present when the warehouse has a planner schema (`planner:` in its config): opens a `diff: warehouse` session
   * for one sync. Creates the schema, the normalization functions and the membership table when missing (a plan
   * creates nothing), or says which grant is missing.
   */
  openPlannerDiff?(req: PlannerDiffRequest): Promise<PlannerDiffSession>;
  /**
   * Drops delta tables that killed `diff: warehouse` runs left behind when the state has no unapplied range in
   * them; never one with ranges still to apply (the sync's next run applies them) or whose sync is running.
   */
  cleanPlanner?(req: { state: StateStore; syncNames?: readonly string[] | undefined; signal?: AbortSignal }): Promise<PlannerCleanResult>;
  /** Releases connections and handles. Idempotent. */
  close(): Promise<void>;
}
