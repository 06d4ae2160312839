/** Row types of the state tables (sql/default/state-schema-v*.sql), for kysely. */
import type { ColumnType, Generated } from 'kysely';

type Timestamp = ColumnType<Date, Date | string, Date | string>;

export interface SyncsTable {
  id: Generated<number>;
  name: string;
  ad_account_id: string | null;
  customer_list_id: string | null;
  audience_id: string | null;
  normalization_version: number;
  pending_list_name: string | null;
  max_batch_records: number | null;
  pending_list_known_ids: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface RunsTable {
  id: Generated<number>;
  sync_name: string;
  status: string;
  started_at: Timestamp;
  finished_at: Timestamp | null;
  pid: number | null;
  host: string | null;
  adds_sent: Generated<number>;
  removes_sent: Generated<number>;
  batches: Generated<number>;
  report: string | null;
}

export interface BatchesTable {
  run_id: number;
  seq: number;
  op: string;
  records: number;
  customer_list_id: string;
  acknowledged_at: Timestamp;
}

export interface LocksTable {
  sync_name: string;
  pid: number;
  host: string;
  run_id: number | null;
  acquired_at: Timestamp;
  heartbeat_at: Timestamp;
  owner_token: string | null;
  process_started_at: Timestamp | null;
  expires_at: Timestamp | null;
  backend_pid: number | null;
}

export interface TokensTable {
  destination_key: string;
  access_token: string;
  access_expires_at: Timestamp | null;
  refresh_token: string | null;
  refresh_expires_at: Timestamp | null;
  config_fingerprint: string;
  updated_at: Timestamp;
}

export interface AckedRecordsTable {
  sync_id: number;
  run_id: number;
  op: string;
  h: Uint8Array;
  family: number;
}

export interface DbtRequestsTable {
  request_key: string;
  sync_name: string;
  run_id: number | null;
  handled_at: Timestamp;
}

export interface PlannerRangesTable {
  sync_name: string;
  run_id: number;
  op: string;
  start_pos: number;
  end_pos: number;
  delta_table: string;
}

export interface SchemaMigrationsTable {
  version: number;
  name: string;
  applied_at: Timestamp;
}

/** The state database as kysely sees it. `membership` is only touched by the bulk SQL in sql/. */
export interface StateDatabase {
  syncs: SyncsTable;
  runs: RunsTable;
  batches: BatchesTable;
  locks: LocksTable;
  tokens: TokensTable;
  acked_records: AckedRecordsTable;
  dbt_requests: DbtRequestsTable;
  planner_ranges: PlannerRangesTable;
  schema_migrations: SchemaMigrationsTable;
}
