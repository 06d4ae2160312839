/**
 * How a DuckDB column is read as an identifier cell, decided by its type alone (never by what a value looks like:
 * a VARCHAR holding `"x"` stays as it is; only a JSON column is unwrapped). Both ways pinsync reads DuckDB use it:
 * the connector converting values for Node (connectors/warehouses/duckdb/duckdb-cell-values.ts) and the pushdown
 * choosing the SQL for each column (duckdb-normalization.ts), so the two cannot disagree on a type.
 */
import { type DuckDBType, DuckDBTypeId } from '@duckdb/node-api';

/**
 * - `text`: a scalar whose text is the identifier (VARCHAR, numbers, exact decimals, UUID, dates, INTERVAL, BIT…);
 * - `json`: the JSON logical type: strings unwrapped, null empty, numbers/booleans their text, objects/arrays nested;
 * - `binary`: BLOB, a digest's bytes, never its text;
 * - `nested`: LIST, ARRAY, STRUCT, MAP, UNION and GEOMETRY, never one identifier;
 * - `variant`: VARIANT, decided per value (a string is text, a list is nested, a BLOB is binary).
 */
export type DuckDbCellKind = 'text' | 'json' | 'binary' | 'nested' | 'variant';

/** The alias DuckDB gives the JSON logical type (a VARCHAR underneath). */
export const JSON_ALIAS = 'JSON';

const KIND_BY_TYPE_ID: Partial<Record<DuckDBTypeId, DuckDbCellKind>> = {
  [DuckDBTypeId.BLOB]: 'binary',
  [DuckDBTypeId.LIST]: 'nested',
  [DuckDBTypeId.ARRAY]: 'nested',
  [DuckDBTypeId.STRUCT]: 'nested',
  [DuckDBTypeId.MAP]: 'nested',
  [DuckDBTypeId.UNION]: 'nested',
  // A shape, not an identifier (and its bytes are no digest).
  [DuckDBTypeId.GEOMETRY]: 'nested',
  [DuckDBTypeId.VARIANT]: 'variant',
};

/** The kind of cell a column of `type` holds. */
export function cellKindOf(type: DuckDBType): DuckDbCellKind {
  if (type.typeId === DuckDBTypeId.VARCHAR && type.alias === JSON_ALIAS) return 'json';
  return KIND_BY_TYPE_ID[type.typeId] ?? 'text';
}
