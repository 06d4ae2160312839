/**
 * Turns the values `@google-cloud/bigquery` hands back into RowBatch cells without losing an identifier's exact
 * text. The client wraps most types in objects (Big for NUMERIC, BigQueryDate, BigQueryTimestamp...) and would turn
 * INT64 into a JS number (wrong past 2^53): the connector asks for INT64 as strings (`wrapIntegers` with an identity
 * cast), and this module unwraps the rest.
 */

/** The `wrapIntegers` option that keeps INT64 values as their decimal strings. */
export const INT64_AS_STRING = { integerTypeCastFunction: (value: string): string => value } as const;

/** One value from the client, as a RowBatch cell (string, number, boolean or null). */
export function toCell(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case 'string':
    case 'number':
    case 'boolean':
      return value;
    case 'bigint':
      return value.toString();
    case 'object':
      return objectCell(value);
    default:
      return String(value);
  }
}

function objectCell(value: object): unknown {
  // BYTES: hex, the text TO_HEX gives, so a SHA256() column arrives as a 64-hex "already hashed" identifier.
  if (Buffer.isBuffer(value)) return value.toString('hex');
  if (isBig(value)) return value.toFixed();
  // BigQueryDate, BigQueryDatetime, BigQueryTime, BigQueryTimestamp and BigQueryInt keep the wire text in `value`.
  const wrapped = (value as { value?: unknown }).value;
  if (typeof wrapped === 'string') return wrapped;
  // REPEATED and RECORD columns cannot be identifiers; JSON text at least shows what they held.
  return JSON.stringify(value, (_key, v: unknown) => (v !== null && typeof v === 'object' && !Array.isArray(v) ? plain(v) : typeof v === 'bigint' ? v.toString() : v));
}

function plain(v: object): unknown {
  if (Buffer.isBuffer(v)) return v.toString('hex');
  if (isBig(v)) return v.toFixed();
  const wrapped = (v as { value?: unknown }).value;
  return typeof wrapped === 'string' ? wrapped : v;
}

// big.js (NUMERIC, BIGNUMERIC): String() switches to exponent notation past 21 digits; toFixed() never does.
function isBig(v: object): v is { toFixed(): string } {
  const b = v as { c?: unknown; e?: unknown; s?: unknown; toFixed?: unknown };
  return Array.isArray(b.c) && typeof b.e === 'number' && typeof b.s === 'number' && typeof b.toFixed === 'function';
}
