/**
 * Everything the engine needs to run one sync, derived from the config by the CLI (or built directly by library
 * users). The config schema stays the single source of the config's shape; this is the engine's parameter object.
 */
import type { BatchLimits } from './batching.js';
import type { GuardrailSettings } from './guardrails.js';
import type { ActionsSetting } from './explicit-actions.js';
import type { IdentifierType } from './identifier-types.js';
import type { DiffSession } from './state-store.js';
import type { ColumnStats } from './sync-report.js';
import type { SegmentsConfig } from './fan-out/segments-schema.js';

export interface SyncJob {
  /** Sync name, unique in the config. */
  name: string;
  /** SQL the warehouse runs (the `query`, or `SELECT * FROM <table>`). */
  sql: string;
  /** Result columns mapped to identifier types, in config order. */
  columns: { column: string; type: IdentifierType }[];
  /** Rows per warehouse batch. */
  readBatchSize: number;
  /** Ad account the list lives in. */
  adAccountId: string;
  /** List/audience naming and adoption. */
  audience: {
    /** Name of the customer list and its audience. */
    name: string;
    /** Audience description. */
    description?: string | undefined;
    /** Adopt this existing list instead of creating one. */
    customerListId?: string | undefined;
    /** Adopt this existing audience instead of creating one. */
    audienceId?: string | undefined;
  };
  /** Guardrail settings. */
  guardrails: GuardrailSettings;
  /** Request size limits. */
  batch: BatchLimits;
  /**
   * Where the diff runs: `state` (default; rows stream into pinsync, the state engine diffs) or `warehouse` (the
   * warehouse normalizes, hashes and diffs in its planner schema; only changed hashes and counts reach pinsync).
   */
  diff?: 'state' | 'warehouse' | undefined;
  /**
   * Explicit actions: the result column whose `add`/`remove` says what to do with each row's records, sent as such
   * instead of a diff against the whole result (core/explicit-actions.ts). Unset: the query is the whole audience.
   */
  actions?: ActionsSetting | undefined;
  /** Most list writes waiting on Pinterest at once; default DEFAULT_MAX_IN_FLIGHT (core/push-pipeline.ts), 1 = one at a time. */
  maxInFlight?: number | undefined;
  /** Fan-out by a segment column (core/fan-out/): one sub-sync per value, `audience.name` is the name template. */
  segments?: SegmentsConfig | undefined;
}

/** Per-invocation switches. */
export interface SyncOptions {
  /** Plan only: nothing sent, nothing stored. */
  dryRun: boolean;
  /** Send the full current membership as ADD (and still remove what left). */
  fullResync: boolean;
  /** Proceed even when a guardrail trips; the report says so. */
  force: boolean;
  /** Forget the stored list and audience (deleted on Pinterest) and build new ones with the full membership. */
  recreate?: boolean;
  /** A stop (SIGINT/SIGTERM/SIGHUP): aborts the warehouse read; a push starts no further batch, the ones in flight are finished and acknowledged. */
  signal?: AbortSignal;
  /** Disable the in-engine pushdown for DuckDB warehouses (forces the streamed path). */
  noPushdown?: boolean;
  /** Acknowledged ADD records between two applications to the stored membership during the push (default 1,000,000). */
  applyAddsEvery?: number;
  /** A segment's rows, already read and staged by the fan-out (core/fan-out/): the engine skips its own read. */
  staged?: StagedInput;
}

/** Rows a caller read and staged for one sync before running it (one warehouse read feeding many segments). */
export interface StagedInput {
  /** The session holding the staged records; the engine disposes of it when the run ends. */
  session: DiffSession;
  /** Source rows routed to this sync. */
  sourceRows: number;
  /** Per-column counts of those rows. */
  columns: ColumnStats[];
}
