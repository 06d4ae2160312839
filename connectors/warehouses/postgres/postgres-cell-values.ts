/**
 * How Postgres values become RowBatch cells (see core/warehouse.ts), set per client and per query (never through
 * `pg.types`, which is global and would change every other `pg` user in the process, including a Postgres state
 * store).
 *
 * - Lossless scalars are converted: booleans, 16/32-bit integers and floats.
 * - Text stays the exact text Postgres sent: `int8` and `numeric` (an ID beyond 2^53 must not be rounded before it
 *   is hashed), dates and timestamps (no time-zone guessing), uuid, enums and every other scalar type.
 * - `json`/`jsonb` are unwrapped: a JSON string is the string without its quotes (`data->'email'` must hash like
 *   `data->>'email'`), JSON null is null, a number keeps its exact text, objects and arrays are parsed (and rejected
 *   by normalization rather than hashed as their text).
 * - `bytea` (what `sha256()` returns) is a Buffer of its bytes, from either `bytea_output` format.
 * - Arrays are JS arrays; composite values and `row(…)` records are {@link PostgresRecord}s. Their text forms
 *   (`{a@b.co}`, `(a@b.co)`) would otherwise pass as an email and hash to a digest nobody has.
 *
 * Common built-in types have fixed OIDs and parsers here. Any other type (a composite, a domain's array, an
 * extension type such as citext) is looked up in `pg_type` once per read, on the first FETCH that returns it.
 * NULL never reaches a parser: `pg` hands it over as `null`.
 */
import { types as pgTypes, type CustomTypesConfig } from 'pg';

type TextParser = (value: string) => unknown;

/** A composite value or `row(…)` record: not one identifier, so normalization rejects it as `unsupported_value`. */
export class PostgresRecord {
  /** The record's text as Postgres printed it, e.g. `(a@example.com,7)`. */
  readonly text: string;

  constructor(text: string) {
    this.text = text;
  }
}

/** The columns of `pg_type` that decide how a user-defined type is read. */
export interface PgTypeRow {
  /** The type's OID, as the result's column metadata reports it. */
  oid: number;
  /** `c` composite, `d` domain, `b` base (arrays too), `e` enum, `r` range, `m` multirange, `p` pseudo. */
  typtype: string;
  /** For an array type, its element type; 0 otherwise. */
  typelem: number;
  /** -1 for variable-length types; a true array type is variable-length with a non-zero typelem. */
  typlen: number;
  /** For a domain, the type it is based on; 0 otherwise. */
  typbasetype: number;
}

const BOOL = 16;
const BYTEA = 17;
const INT2 = 21;
const INT4 = 23;
const JSON_OID = 114;
const FLOAT4 = 700;
const FLOAT8 = 701;
const RECORD = 2249;
const JSONB = 3802;
// Redshift's own types: SUPER prints as JSON text, VARBYTE as bare hex (both unknown to Postgres).
const REDSHIFT_SUPER = 4000;
const REDSHIFT_VARBYTE = 6551;

const keepText: TextParser = (value) => value;
const toRecord: TextParser = (value) => new PostgresRecord(value);

function parseJson(value: string): unknown {
  const parsed: unknown = JSON.parse(value);
  // A JSON number beyond 2^53 (an ID) would lose digits as a double: its text is exact.
  return typeof parsed === 'number' ? value.trim() : parsed;
}

const parseVarbyte: TextParser = (value) => Buffer.from(value, 'hex');

function parseSuper(value: string): unknown {
  try {
    return parseJson(value);
  } catch {
    return value;
  }
}

// `bytea_output = hex` (the default since 9.0) prints `\x0aff…`; `escape` prints printable ASCII as itself, a
// backslash as `\\` and any other byte as `\ooo` (octal).
function parseBytea(value: string): Buffer {
  if (value.startsWith('\\x')) return Buffer.from(value.slice(2), 'hex');
  const bytes: number[] = [];
  for (let i = 0; i < value.length; i++) {
    if (value[i] === '\\' && value[i + 1] === '\\') {
      bytes.push(0x5c);
      i++;
    } else if (value[i] === '\\') {
      bytes.push(Number.parseInt(value.slice(i + 1, i + 4), 8));
      i += 3;
    } else {
      bytes.push(value.charCodeAt(i));
    }
  }
  return Buffer.from(bytes);
}

// pg's bundled array parser (postgres-array through pg-types) understands quoting, NULL elements and nested
// dimensions. pg-types 2 exposes it as `{ create(text, f).parse() }` while its typings (and pg-types 4) describe a
// plain function, so both shapes are accepted.
function arrayOf(element: TextParser): TextParser {
  const parser = pgTypes.arrayParser as unknown;
  if (typeof parser === 'function') return (value) => (parser as (text: string, f: TextParser) => unknown[])(value, element);
  const factory = parser as { create(text: string, f: TextParser): { parse(): unknown[] } };
  return (value) => factory.create(value, element).parse();
}

const SCALAR_PARSERS = new Map<number, TextParser>([
  [BOOL, (value) => value === 't' || value === 'true'],
  [INT2, (value) => Number.parseInt(value, 10)],
  [INT4, (value) => Number.parseInt(value, 10)],
  // parseFloat understands Postgres' 'NaN', 'Infinity' and '-Infinity'.
  [FLOAT4, (value) => Number.parseFloat(value)],
  [FLOAT8, (value) => Number.parseFloat(value)],
  [JSON_OID, parseJson],
  [JSONB, parseJson],
  [BYTEA, parseBytea],
  [RECORD, toRecord],
]);

// Built-in types kept as text without asking the catalog: text, varchar, char(n), name, "char", int8, numeric,
// date/time types, interval, uuid, oid, inet/cidr/macaddr, money, xml, bit/varbit, unknown (an untyped literal).
const TEXT_OIDS = [25, 1043, 1042, 19, 18, 20, 1700, 1082, 1083, 1266, 1114, 1184, 1186, 2950, 26, 869, 650, 829, 790, 142, 1560, 1562, 705];
for (const oid of TEXT_OIDS) SCALAR_PARSERS.set(oid, keepText);

// Built-in array types (array OID -> element OID) common in queries. Any type not known here (a rarer built-in
// such as point or tsvector, or a user-defined one) is looked up in `pg_type` once per read.
const BUILTIN_ARRAYS: readonly (readonly [number, number])[] = [
  [1000, BOOL], [1001, BYTEA], [1002, 18], [1003, 19], [1005, INT2], [1007, INT4], [1009, 25], [1014, 1042],
  [1015, 1043], [1016, 20], [1021, FLOAT4], [1022, FLOAT8], [1028, 26], [1115, 1114], [1182, 1082], [1183, 1083],
  [1185, 1184], [1187, 1186], [1231, 1700], [1270, 1266], [2951, 2950], [199, JSON_OID], [3807, JSONB], [2287, RECORD],
];

const STATIC_PARSERS = new Map<number, TextParser>(SCALAR_PARSERS);
for (const [array, element] of BUILTIN_ARRAYS) STATIC_PARSERS.set(array, arrayOf(SCALAR_PARSERS.get(element)!));

/**
 * The type parsers of one read: the built-in ones, Redshift's when the server is Redshift, and those learned from
 * `pg_type` for the read's user-defined types. Pass it as `types` of each query.
 */
export class ReadTypes implements CustomTypesConfig {
  private readonly learned = new Map<number, TextParser>();
  // Looked-up types still waiting for the type they are built on.
  private readonly pending = new Map<number, PgTypeRow>();

  constructor(private readonly redshift: boolean) {}

  /** The parser `pg` applies to every value of a column of this type; text until an unknown type is learned. */
  readonly getTypeParser = ((oid: number, format?: 'text' | 'binary'): TextParser => {
    // pinsync never asks for binary results; should it ever, handing over the raw Buffer is the honest answer.
    if (format === 'binary') return keepText;
    return this.known(oid) ?? keepText;
  }) as CustomTypesConfig['getTypeParser'];

  /** The OIDs among `oids` whose type must be looked up in `pg_type` before their values can be parsed. */
  unknown(oids: readonly number[]): number[] {
    return [...new Set(oids)].filter((oid) => this.known(oid) === undefined);
  }

  /**
   * Learns the types in `rows` (as {@link typeCatalogSql} returns them); returns the OIDs they depend on (array
   * elements, domain bases) that are still unknown, to be looked up next. A type is learned once its dependency is.
   */
  learn(rows: readonly PgTypeRow[]): number[] {
    for (const row of rows) this.pending.set(row.oid, row);
    let progressed = true;
    while (progressed) {
      progressed = false;
      for (const [oid, row] of this.pending) {
        const parser = this.parserFor(row);
        if (parser === undefined) continue;
        this.learned.set(oid, parser);
        this.pending.delete(oid);
        progressed = true;
      }
    }
    const missing = new Set<number>();
    for (const row of this.pending.values()) {
      const dependency = row.typtype === 'd' ? row.typbasetype : row.typelem;
      if (!this.pending.has(dependency)) missing.add(dependency);
    }
    return [...missing];
  }

  // Undefined while the type it is built on (a domain's base, an array's element) is unknown.
  private parserFor(row: PgTypeRow): TextParser | undefined {
    if (row.typtype === 'd') return this.known(row.typbasetype);
    if (row.typelem !== 0 && row.typlen === -1) {
      const element = this.known(row.typelem);
      return element && arrayOf(element);
    }
    return row.typtype === 'c' ? toRecord : keepText;
  }

  private known(oid: number): TextParser | undefined {
    if (this.redshift && oid === REDSHIFT_SUPER) return parseSuper;
    if (this.redshift && oid === REDSHIFT_VARBYTE) return parseVarbyte;
    return STATIC_PARSERS.get(oid) ?? this.learned.get(oid);
  }
}

/**
 * The catalog query that describes these type OIDs (plain SQL every Postgres and Redshift version answers). OIDs
 * are unsigned 32-bit, so they travel as int8: an old database's OIDs beyond 2^31 would overflow int4.
 */
export function typeCatalogSql(oids: readonly number[]): string {
  const list = oids.map((oid) => String(Math.trunc(oid))).join(', ');
  return `SELECT oid::int8 AS oid, typtype::text AS typtype, typelem::int8 AS typelem, typlen::int4 AS typlen, typbasetype::int8 AS typbasetype
            FROM pg_catalog.pg_type WHERE oid IN (${list})`;
}

// Each round looks up what the previous one found to depend on (an array of a domain over a composite is three).
const MAX_CATALOG_ROUNDS = 4;

/**
 * Looks up the types among `oids` that `types` does not know yet, with `queryTypes` running
 * {@link typeCatalogSql} on the read's connection; afterwards `types` parses their values.
 */
export async function learnTypes(types: ReadTypes, oids: readonly number[], queryTypes: (sql: string) => Promise<readonly Record<string, unknown>[]>): Promise<void> {
  let missing = types.unknown(oids);
  for (let round = 0; missing.length > 0 && round < MAX_CATALOG_ROUNDS; round++) {
    const rows = await queryTypes(typeCatalogSql(missing));
    missing = types.learn(
      rows.map((row) => ({
        oid: Number(row.oid),
        typtype: String(row.typtype),
        typelem: Number(row.typelem),
        typlen: Number(row.typlen),
        typbasetype: Number(row.typbasetype),
      })),
    );
  }
}

/** Parsers for queries outside a read's cursor (session setup, column description): the built-in ones. */
export const pinsyncPgTypes: CustomTypesConfig = new ReadTypes(false);
