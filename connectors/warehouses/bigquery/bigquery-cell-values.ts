/**
 * Turns the values `@google-cloud/bigquery` hands back into RowBatch cells (core/warehouse.ts) without losing an
 * identifier's exact text. The result schema's field type decides, never the value's shape: the client wraps many
 * types in objects (Big for NUMERIC, BigQueryDate, BigQueryTimestamp...) whose `value` property a STRUCT with a field
 * named `value` also has, leaves JSON as the document's raw text (quotes included) and would turn INT64 into a JS
 * number (wrong past 2^53): the connector asks for INT64 as strings (`wrapIntegers` with an identity cast).
 */

/** The `wrapIntegers` option that keeps INT64 values as their decimal strings. */
export const INT64_AS_STRING = { integerTypeCastFunction: (value: string): string => value } as const;

/** A field of a result schema, as the REST API describes it (only what the conversion reads). */
export interface BigQuerySchemaField {
  /** Column or STRUCT member name. */
  name?: string;
  /** The REST API's type name: legacy (`INTEGER`, `FLOAT`, `BOOLEAN`, `RECORD`) or GoogleSQL (`INT64`, `STRUCT`...). */
  type?: string;
  /** `REPEATED` for an ARRAY; `NULLABLE` or `REQUIRED` otherwise. */
  mode?: string;
  /** Members of a RECORD/STRUCT. */
  fields?: BigQuerySchemaField[];
}

/** One value the client decoded for `field`, as a RowBatch cell; see the module comment. */
export function toCell(field: BigQuerySchemaField, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  // BigQuery returns a NULL ARRAY as an empty one, so an array is always an array here.
  if (field.mode === 'REPEATED' && Array.isArray(value)) return value.map((item) => scalarOrRecord(field, item));
  return scalarOrRecord(field, value);
}

function scalarOrRecord(field: BigQuerySchemaField, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  switch (field.type?.toUpperCase()) {
    case 'RECORD':
    case 'STRUCT':
      return record(field.fields ?? [], value);
    case 'JSON':
      return typeof value === 'string' ? unwrapJson(value) : value;
    case 'BYTES':
      return bytes(value);
    case 'NUMERIC':
    case 'BIGNUMERIC':
      return isBig(value) ? value.toFixed() : value;
    default:
      return scalar(value);
  }
}

// A plain object whose members are converted by their own schema fields, so nested BYTES are bytes and nested
// JSON unwrapped too; core rejects the whole object as `unsupported_value` instead of stringifying it.
function record(fields: readonly BigQuerySchemaField[], value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const source = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const f of fields) if (f.name !== undefined) out[f.name] = toCell(f, source[f.name]);
  return out;
}

/**
 * A JSON document's text as a cell: a string without its quotes, null as null, true/false as booleans, a number as
 * its exact text (JSON.parse would round 12345678901234567890), objects and arrays parsed.
 */
export function unwrapJson(text: string): unknown {
  const t = text.trim();
  if (t === 'null') return null;
  if (t === 'true') return true;
  if (t === 'false') return false;
  const first = t[0];
  if (first === '"' || first === '{' || first === '[') {
    try {
      return JSON.parse(t) as unknown;
    } catch {
      // BigQuery only returns valid JSON; text it did not parse is handed over unchanged rather than guessed at.
      return text;
    }
  }
  return t;
}

// The client decodes BYTES (base64 on the wire) into a Buffer; a plain view of its bytes never JSON-serializes as
// Node's `{"type":"Buffer",...}`.
function bytes(value: unknown): unknown {
  if (value instanceof Uint8Array) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  if (typeof value === 'string') {
    const b = Buffer.from(value, 'base64');
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  }
  return value;
}

function scalar(value: unknown): unknown {
  switch (typeof value) {
    case 'string':
    case 'number':
    case 'boolean':
      return value;
    case 'bigint':
      return value.toString();
    case 'object': {
      // BigQueryDate, BigQueryDatetime, BigQueryTime, BigQueryTimestamp, Geography and BigQueryInt keep the wire
      // text in `value`; only fields of those types reach here (RECORD is handled by its schema type above).
      const wrapped = (value as { value?: unknown }).value;
      if (typeof wrapped === 'string') return wrapped;
      if (isBig(value)) return value.toFixed();
      // Anything else (a RANGE...) is handed over as the object it is, and core rejects it.
      return value;
    }
    default:
      return String(value);
  }
}

// big.js (NUMERIC, BIGNUMERIC): String() switches to exponent notation past 21 digits; toFixed() never does.
function isBig(v: unknown): v is { toFixed(): string } {
  if (typeof v !== 'object' || v === null) return false;
  const b = v as { c?: unknown; e?: unknown; s?: unknown; toFixed?: unknown };
  return Array.isArray(b.c) && typeof b.e === 'number' && typeof b.s === 'number' && typeof b.toFixed === 'function';
}
