/**
 * The relation a sync reads for a dbt model: the manifest's `relation_name` (dbt renders it with the adapter's own
 * quoting), else `database.schema.alias` quoted the way that adapter quotes by default. The result is pasted into
 * `SELECT * FROM …`, so it must be an identifier path like `table:` and nothing else.
 */
import { basename, extname } from 'node:path';
import { TABLE_PATTERN } from '../config/sync-schema.js';
import { DUCKDB_IN_MEMORY, type WarehouseConfig } from '../config/warehouse-schema.js';
import type { DbtNode } from './manifest.js';

/** A relation, or why the node has none pinsync can read. */
export type RelationOutcome = { relation: string } | { problem: string };

const PART = /"(?:[^"]|"")+"|`[^`]+`|[^."`]+/g;

/** Where `node` lives in the warehouse `warehouse` describes. */
export function relationOf(node: DbtNode, warehouse: WarehouseConfig): RelationOutcome {
  if (node.config?.materialized === 'ephemeral') {
    return { problem: `${node.unique_id} is ephemeral: it has no table or view in the warehouse to read; materialize it as a view or table` };
  }
  const written = node.relation_name?.trim() || fromParts(node, warehouse);
  if (written === undefined) return { problem: `${node.unique_id} has neither relation_name nor schema in the manifest` };
  if (!TABLE_PATTERN.test(written)) return { problem: `${node.unique_id}: relation ${JSON.stringify(written.slice(0, 200))} is not a table name pinsync can read` };
  return { relation: warehouse.type === 'duckdb' ? withoutOwnCatalog(written, warehouse.path) : written };
}

function fromParts(node: DbtNode, warehouse: WarehouseConfig): string | undefined {
  if (!node.schema) return undefined;
  const parts = [node.database, node.schema, node.alias || node.name].filter((p): p is string => typeof p === 'string' && p !== '');
  return parts.map((p) => quotePart(p, warehouse.type)).join('.');
}

// dbt's default quoting per adapter: Postgres and DuckDB quote every part; BigQuery backticks them; dbt-snowflake
// quotes nothing by default (a quoted lower-case name would miss the upper-case table Snowflake created).
function quotePart(part: string, type: WarehouseConfig['type']): string {
  switch (type) {
    case 'bigquery':
      return `\`${part}\``;
    case 'snowflake':
      return /^[A-Za-z_][A-Za-z0-9_$]*$/.test(part) ? part : `"${part.replace(/"/g, '""')}"`;
    default:
      return `"${part.replace(/"/g, '""')}"`;
  }
}

/**
 * dbt-duckdb names the database after the file (`fraud.duckdb` → "fraud"), but pinsync may read the same file under
 * another catalog name (its pushdown attaches it as its own alias and makes it the default catalog), so a relation in
 * the warehouse file's own catalog is read as `schema.table` in whatever the default catalog is.
 */
function withoutOwnCatalog(relation: string, warehousePath: string): string {
  if (warehousePath === DUCKDB_IN_MEMORY) return relation;
  const parts = relation.match(PART) ?? [];
  if (parts.length !== 3) return relation;
  const catalog = basename(warehousePath, extname(warehousePath));
  return unquote(parts[0]!).toLowerCase() === catalog.toLowerCase() ? `${parts[1]}.${parts[2]}` : relation;
}

function unquote(part: string): string {
  if (part.startsWith('"')) return part.slice(1, -1).replace(/""/g, '"');
  if (part.startsWith('`')) return part.slice(1, -1);
  return part;
}
