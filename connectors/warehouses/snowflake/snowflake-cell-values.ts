/**
 * How a Snowflake cell becomes a RowBatch cell (the contract in core/warehouse.ts), decided by the column's rowtype
 * type and never by what the text looks like: a VARCHAR holding `"x"` stays `"x"`.
 *
 * What the statement hands over (see FETCH_AS_STRING in snowflake-warehouse.ts):
 * - NUMBER and dates as text (`fetchAsString`), so NUMBER(38,0) keeps every digit;
 * - BINARY as the SDK's Buffer. Snowflake's JSON result always carries BINARY as hex, and the SDK decodes that to
 *   bytes whatever the session's BINARY_OUTPUT_FORMAT, which only changes how it would print them as a string (hex,
 *   or 44-character base64 for a SHA-256 on a BASE64 account). So bytes are the one form that does not depend on the
 *   account's settings;
 * - VARIANT, OBJECT, ARRAY and MAP as their JSON text, parsed here rather than by the SDK, whose parser turns big
 *   JSON numbers into doubles and evaluates text that is not JSON as JavaScript.
 */

/** Turns one cell, as the SDK hands it over for its column, into a RowBatch cell. */
export type SnowflakeCellDecoder = (value: unknown) => unknown;

// Snowflake's non-strict JSON output (STRICT_JSON_OUTPUT = FALSE, the default) for these values of a VARIANT.
const NON_JSON_NUMBERS = new Set(['NaN', 'Infinity', '-Infinity']);

/** The decoder for a column of this rowtype type (`variant`, `binary`, `fixed`, `text`...). */
export function snowflakeCellDecoder(columnType: string): SnowflakeCellDecoder {
  switch (columnType.toLowerCase()) {
    case 'variant':
    case 'object':
    case 'array':
    case 'map':
      return decodeJsonText;
    case 'binary':
      return decodeBinary;
    default:
      return decodeScalar;
  }
}

function decodeScalar(value: unknown): unknown {
  return value === undefined ? null : value;
}

// A copy: the SDK's Buffer may be a view into Node's shared pool, and carries the SDK's own helper methods.
function decodeBinary(value: unknown): unknown {
  if (value === undefined || value === null) return null;
  return value instanceof Uint8Array ? new Uint8Array(value) : value;
}

// A JSON string unwrapped, JSON null as null, a number as its exact text, objects and arrays as JS values.
function decodeJsonText(value: unknown): unknown {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') return value;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    const text = value.trim();
    // Not JSON: a non-finite number is still a scalar; anything else (an XML document from PARSE_XML) is a
    // document, handed over as an object so that it is rejected rather than hashed as text.
    return NON_JSON_NUMBERS.has(text) ? text : { document: text };
  }
  return typeof parsed === 'number' ? value.trim() : parsed;
}
