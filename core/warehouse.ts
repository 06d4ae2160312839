/**
 * The only thing core knows about a warehouse. Connectors live in `connectors/warehouses/<engine>/` and never
 * normalize, diff or batch deltas: they run SQL and stream rows.
 */

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
  /** Releases connections and handles. Idempotent. */
  close(): Promise<void>;
}
