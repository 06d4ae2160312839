/**
 * The statements the BigQuery and Snowflake normalization tests send, written in each engine's own dialect: the
 * same text goes to the local fakes (executed on DuckDB, test/fakes/dialect-on-duckdb.ts) and, in the opt-in live
 * tests, to the real engines. Values travel as SQL literals escaped the engine's way (the fakes take no bind
 * parameters), into a table of the planner dataset/schema, and are normalized from there, as a sync's staging
 * statement would read them from a table.
 */
import { createHash } from 'node:crypto';
import { loadSql, renderSql, splitStatements } from '../../connectors/sql-files.js';
import { IDENTIFIER_TYPES, type IdentifierType } from '../../core/identifier-types.js';
import { encodeOutcome } from '../../core/normalize/outcome-code.js';
import { normalizeIdentifier } from '../../core/normalize/normalize-identifier.js';
import type { NormalizeOutcome } from '../../core/normalize/normalize-outcome.js';
import type { RowBatch, Warehouse } from '../../core/warehouse.js';
import type { IdentifierVector } from './normalize-harness.js';

/** The two engines without a local server. */
export type CloudDialect = 'bigquery' | 'snowflake';

const hex = (cp: number, width: number) => cp.toString(16).toUpperCase().padStart(width, '0');

/**
 * A string literal of `value` in the dialect. GoogleSQL: `\u`/`\U` escapes for everything but printable ASCII.
 * Snowflake: `\u` escapes in the BMP (its escapes stop there), supplementary code points as their UTF-8, `\x00`
 * for NUL (a `\0` could read as the start of an octal escape), `''` for a quote.
 */
export function sqlLiteral(dialect: CloudDialect, value: string): string {
  let body = '';
  for (const ch of value) {
    const cp = ch.codePointAt(0) as number;
    if (ch === '\\') body += '\\\\';
    else if (ch === "'") body += dialect === 'bigquery' ? "\\'" : "''";
    else if (cp >= 0x20 && cp < 0x7f) body += ch;
    else if (dialect === 'snowflake' && cp === 0) body += '\\x00';
    else if (cp <= 0xffff) body += `\\u${hex(cp, 4)}`;
    else body += dialect === 'bigquery' ? `\\U${hex(cp, 8)}` : ch;
  }
  return `'${body}'`;
}

function textType(dialect: CloudDialect): string {
  return dialect === 'bigquery' ? 'STRING' : 'VARCHAR';
}

/** The placeholder each engine's SQL files use for the container the functions live in. */
function containerVar(dialect: CloudDialect): string {
  return dialect === 'bigquery' ? 'dataset' : 'schema';
}

/** The statements creating pinsync's normalization functions in `container` (a dataset or schema). */
export function installStatements(dialect: CloudDialect, container: string): string[] {
  return ['normalize-unicode-v1', 'normalize-v1'].flatMap((file) =>
    splitStatements(renderSql(loadSql(dialect, file), { [containerVar(dialect)]: container })),
  );
}

/** `CREATE OR REPLACE TABLE <table> (i, v, t)` holding `rows` in order (`t` may be omitted). */
export function createValuesStatement(dialect: CloudDialect, table: string, rows: ReadonlyArray<{ v: string | null; t?: string }>): string {
  const lit = (v: string | null) => (v === null ? 'NULL' : sqlLiteral(dialect, v));
  // The first row's casts type the columns even when its values are NULL.
  const typed = (v: string | null) => `CAST(${lit(v)} AS ${textType(dialect)})`;
  if (dialect === 'bigquery') {
    const selects = rows.map((r, k) =>
      k === 0
        ? `SELECT 0 AS i, ${typed(r.v)} AS v, ${typed(r.t ?? null)} AS t`
        : `SELECT ${k}, ${lit(r.v)}, ${lit(r.t ?? null)}`,
    );
    return `CREATE OR REPLACE TABLE ${table} AS\n${selects.join('\nUNION ALL ')}`;
  }
  const values = rows.map((r, k) =>
    k === 0 ? `(0, ${typed(r.v)}, ${typed(r.t ?? null)})` : `(${k}, ${lit(r.v)}, ${lit(r.t ?? null)})`,
  );
  return `CREATE OR REPLACE TABLE ${table} AS\nSELECT i, v, t FROM (VALUES\n${values.join(',\n')}) AS x(i, v, t)`;
}

/** Per row of `table`, in order: the outcome for its own type `t`. */
export function typedOutcomesStatement(container: string, table: string): string {
  return `SELECT i, ${container}.pinsync_normalize_v1(v, t) AS o FROM ${table} ORDER BY i`;
}

/** Per row of `table`, in order: the outcome for each type (IDENTIFIER_TYPES order), JS trim and JS lowercase of v. */
export function allOutcomesStatement(container: string, table: string): string {
  const cols = IDENTIFIER_TYPES.map((type, k) => `${container}.pinsync_normalize_v1(v, '${type}') AS o${k}`);
  return `SELECT i, ${cols.join(', ')}, ${container}.pinsync_js_trim_v1(v) AS tr, ${container}.pinsync_js_lower_v1(v) AS lo FROM ${table} ORDER BY i`;
}

/** `DROP TABLE IF EXISTS`. */
export function dropTableStatement(table: string): string {
  return `DROP TABLE IF EXISTS ${table}`;
}

/** Runs `sql` through a warehouse connector and returns every row, cells by position. */
export async function readRows(warehouse: Warehouse, sql: string, syncName = 'normalize_sql'): Promise<unknown[][]> {
  const rows: unknown[][] = [];
  const batches: RowBatch[] = [];
  for await (const batch of warehouse.read({ sql, syncName, batchSize: 10_000 })) batches.push(batch);
  for (const b of batches) for (let r = 0; r < b.rowCount; r++) rows.push(b.columns.map((c) => c[r]));
  return rows;
}

/** What the vectors file expects, as an outcome (it omits `prehashed` for values pinsync hashes itself). */
export function expectedOutcome(v: IdentifierVector): NormalizeOutcome {
  if (v.status === 'ok') return { status: 'ok', hash: v.hash as string, prehashed: v.prehashed ?? false };
  if (v.status === 'empty') return { status: 'empty' };
  return { status: 'rejected', reason: v.reason as never };
}

/** Node's row for allOutcomesStatement: outcome per type, trim, lowercase. */
export function nodeRow(value: string | null): (string | null)[] {
  return [
    ...IDENTIFIER_TYPES.map((t: IdentifierType) => encodeOutcome(normalizeIdentifier(t, value))),
    value === null ? null : value.trim(),
    value === null ? null : value.toLowerCase(),
  ];
}

/**
 * Always run with the random values: backslashes, quotes and octal-looking text (they pass through the literal
 * escapes), NUL, letters from every part of the split TRANSLATE tables together, Final_Sigma next to the expanding
 * U+0130, supplementary letters (CHR pieces in Snowflake, \U escapes in GoogleSQL) and JS-only whitespace.
 */
export const FIXED_CASES: (string | null)[] = [
  "a\\b@c.de", "\\123@x.yz", "o'brien@x.io", '\\\\@\\.\\', 'a\u0000b@c.de', 'Ünïcödé@Ëxample.com', 'ΣΑΣ@ΣΑΣ.ΣΑΣ',
  'ÀΣİ@ꭰ𐐀.Ⓐ', 'İΣ@b.c', 'AİΣ@b.c', 'ÉÉ\u0307Σ\u0307@Ꭰ.𞤀', 'Dž@Ω.K', '𐐀𐐁@𞤀.𐓀', null, '', '\u3000\ufeff',
  '\u2028a@b.c\u205f', 'E621E1F8-C36C-495A-93FC-0C247A3E6E5F', `${'😀'.repeat(120)}@b.c`, `${'😀'.repeat(126)}@b.c`,
];

/** Code points per lowercase check: the lowercases are compared a chunk of consecutive code points at a time. */
const CHUNK = 64;

/** Node's answers for every code point from U+0001 but the surrogates, computed once per test file. */
export interface CodePointAnswers {
  /** JS lowercase of each chunk: the code points `k * 64` to `k * 64 + 63` in order, as one string. */
  loweredChunks: string[];
  /** The code points JS trim removes. */
  spaces: number[];
  /** md5 of '1'/'0' per code point: does 'a' + c + '@b.c' have the email shape? */
  shaped: string;
}

let codePointAnswers: CodePointAnswers | undefined;
/** Node's per-code-point answers (cached). */
export function nodeCodePointAnswers(): CodePointAnswers {
  if (codePointAnswers) return codePointAnswers;
  const email = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
  const chunks: string[] = [];
  const spaces: number[] = [];
  let shape = '';
  for (let cp = 1; cp <= 0x10ffff; cp++) {
    if (cp >= 0xd800 && cp <= 0xdfff) continue;
    const c = String.fromCodePoint(cp);
    const k = Math.floor(cp / CHUNK);
    chunks[k] = (chunks[k] ?? '') + c;
    if (c.trim() === '') spaces.push(cp);
    shape += email.test(`a${c}@b.c`) ? '1' : '0';
  }
  const shaped = createHash('md5').update(shape).digest('hex');
  codePointAnswers = { loweredChunks: chunks.filter((c) => c !== undefined).map((c) => c.toLowerCase()), spaces, shaped };
  return codePointAnswers;
}

/**
 * DuckDB SQL calling the translated functions on every code point from U+0001 (surrogates skipped), in the shape of
 * CodePointAnswers: the JS lowercase of each chunk of 64 consecutive code points (every code point is lowercased, in
 * 17,000 calls rather than a million), the code points trim treats as whitespace, and an md5 of the email-shape
 * answers. Final_Sigma in context is the random values' business.
 */
export function codePointSql(container: string): string {
  return `WITH cps AS (SELECT cp, chr(cp::INTEGER) AS c FROM range(1, 1114112) AS r(cp) WHERE cp < 55296 OR cp > 57343),
    chunks AS (SELECT cp // ${CHUNK} AS k, string_agg(c, '' ORDER BY cp) AS s FROM cps GROUP BY k)
    SELECT (SELECT list(${container}.pinsync_js_lower_v1(s) ORDER BY k) FROM chunks) AS lowered,
      (SELECT list(cp ORDER BY cp) FILTER (WHERE ${container}.pinsync_js_trim_v1(c) = '') FROM cps) AS spaces,
      (SELECT md5(string_agg(CASE WHEN ${container}.pinsync_js_email_shape_v1('a' || c || '@b.c') THEN '1' ELSE '0' END, '' ORDER BY cp)) FROM cps) AS shaped`;
}
