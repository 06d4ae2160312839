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
      return new DuckDbWarehouse({ path: config.path, threads: config.threads, memoryLimit: config.memoryLimit });
    }
    default:
      throw new UsageError(`warehouse ${name}: type ${config.type} is not supported by this version of pinsync yet`);
  }
}
