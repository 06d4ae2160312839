/**
 * Builds the connector for a configured warehouse. Each engine's SDK is imported only when a sync uses it, so a
 * DuckDB-only user never loads BigQuery or Snowflake code (nor their start-up side effects).
 */
import type { WarehouseConfig } from '../../core/config/warehouse-schema.js';
import { UsageError } from '../../core/errors.js';
import type { Warehouse } from '../../core/warehouse.js';

export async function createWarehouse(name: string, config: WarehouseConfig): Promise<Warehouse> {
  switch (config.type) {
    case 'duckdb': {
      const { DuckDbWarehouse } = await import('./duckdb/duckdb-warehouse.js');
      return new DuckDbWarehouse({ name, path: config.path, threads: config.threads, memoryLimit: config.memoryLimit, fileSearchPath: config.fileSearchPath });
    }
    case 'postgres': {
      const { PostgresWarehouse } = await import('./postgres/postgres-warehouse.js');
      const { type: _type, ...connection } = config;
      return new PostgresWarehouse({ name, ...connection });
    }
    case 'bigquery': {
      const { BigQueryWarehouse } = await import('./bigquery/bigquery-warehouse.js');
      const { type: _type, ...connection } = config;
      return new BigQueryWarehouse({ name, ...connection });
    }
    case 'snowflake': {
      const { SnowflakeWarehouse } = await import('./snowflake/snowflake-warehouse.js');
      const { type: _type, ...connection } = config;
      return new SnowflakeWarehouse({ name, ...connection });
    }
    default:
      // Unreachable for validated configs (every type has a case); kept for configs built by hand.
      throw new UsageError(`warehouse ${name}: type ${(config as { type: string }).type} is not supported by this version of pinsync yet`);
  }
}
