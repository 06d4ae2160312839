/**
 * DuckDB values as the cells core expects (core/warehouse.ts RowBatch), chosen by column type: the node client's
 * JS converter is right for most types, but reads DECIMAL through a double (digits lost past 2^53), leaves JSON as
 * its document text (a JSON string keeps its quotes, which still passes the email check and hashes wrongly), and
 * turns scalars such as INTERVAL or TIME WITH TIME ZONE into objects that normalization would reject as nested.
 * Every text form handed over here is exactly what `CAST(x AS VARCHAR)` prints, so the pushdown (which normalizes in
 * SQL, connectors/duckdb/duckdb-normalization.ts) gives the same outcome for every type.
 */
import {
  type DuckDBDataChunk,
  type DuckDBType,
  type DuckDBValueConverter,
  DuckDBGeometryValue,
  DuckDBTypeId,
  type JS,
  JSDuckDBValueConverter,
} from '@duckdb/node-api';
import { cellKindOf } from '../../duckdb/duckdb-cell-kind.js';

// Scalars whose DuckDB text is the natural identifier text; the JS converter would give objects, bytes (BIT) or
// microsecond counts.
const AS_DUCKDB_TEXT: ReadonlySet<DuckDBTypeId> = new Set([
  DuckDBTypeId.DECIMAL,
  DuckDBTypeId.INTERVAL,
  DuckDBTypeId.TIME,
  DuckDBTypeId.TIME_NS,
  DuckDBTypeId.TIME_TZ,
  DuckDBTypeId.BIT,
]);

// Dates and timestamps become JS Dates as before, except values no Date can hold (`infinity`, year 300000), which
// the JS converter refuses with an error that would end the sync.
const DATE_TYPES: ReadonlySet<DuckDBTypeId> = new Set([
  DuckDBTypeId.DATE,
  DuckDBTypeId.TIMESTAMP,
  DuckDBTypeId.TIMESTAMP_S,
  DuckDBTypeId.TIMESTAMP_MS,
  DuckDBTypeId.TIMESTAMP_NS,
  DuckDBTypeId.TIMESTAMP_TZ,
]);

/**
 * A JSON container JavaScript cannot parse (DuckDB's reader accepts trailing commas and NaN): still a container,
 * so still no identifier. Its text is deliberately not kept: it may hold personal data.
 */
const UNREADABLE_JSON = Object.freeze({ unreadableJson: true });

/**
 * The cells of one result chunk, column-major. `columnTypes` are the result's types: the chunk's own vectors have
 * lost the JSON alias (they are plain VARCHAR), so JSON columns are recognized here, at the top level.
 */
export function chunkCells(chunk: DuckDBDataChunk, columnTypes: readonly DuckDBType[]): unknown[][] {
  const columns: unknown[][] = chunk.convertColumns(duckDbCellConverter);
  columnTypes.forEach((type, c) => {
    if (cellKindOf(type) === 'json') columns[c] = columns[c]!.map((v) => (v === null ? null : jsonCell(String(v))));
  });
  return columns;
}

// One DuckDB value of `type` as a cell; recursion into lists and structs comes back here.
const duckDbCellConverter: DuckDBValueConverter<JS> = (value, type) => {
  if (value === null || value === undefined) return null;
  const id = type.typeId;
  if (AS_DUCKDB_TEXT.has(id)) return String(value);
  if (id === DuckDBTypeId.GEOMETRY) return { geometry: value instanceof DuckDBGeometryValue ? value.bytes : null };
  if (DATE_TYPES.has(id)) {
    try {
      return JSDuckDBValueConverter(value, type, duckDbCellConverter);
    } catch {
      return String(value);
    }
  }
  return JSDuckDBValueConverter(value, type, duckDbCellConverter);
};

// Decided by the document's first character, which is what json_type() decides on in the SQL path: `"` a string,
// `{`/`[` a container, `null` null, anything else a number or boolean kept as written (no double in between).
// JSON's whitespace (space, tab, CR, LF) is a subset of what String.prototype.trim removes.
function jsonCell(text: string): unknown {
  const doc = text.trim();
  switch (doc[0]) {
    case '"':
    case '{':
    case '[':
      try {
        return JSON.parse(doc) as unknown;
      } catch {
        // JSON.parse's message quotes the document; it must never reach an error.
        return UNREADABLE_JSON;
      }
    default:
      return doc === 'null' ? null : doc;
  }
}
