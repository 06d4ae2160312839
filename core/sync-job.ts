/**
 * Everything the engine needs to run one sync, derived from the config by the CLI (or built directly by library
 * users). The config schema stays the single source of the config's shape; this is the engine's parameter object.
 */
import type { BatchLimits } from './batching.js';
import type { GuardrailSettings } from './guardrails.js';
import type { IdentifierType } from './identifier-types.js';

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
  /** Most list writes waiting on Pinterest at once; default DEFAULT_MAX_IN_FLIGHT (core/push-pipeline.ts), 1 = one at a time. */
  maxInFlight?: number | undefined;
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
}
