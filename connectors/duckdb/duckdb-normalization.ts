/**
 * Identifier normalization v1 inside DuckDB, so the DuckDB pipeline (attached warehouse → state diff) hashes
 * without rows crossing into Node. The macros (sql/duckdb/normalize-*.sql) give exactly the outcomes of
 * core/normalize/normalize-identifier.ts; test/normalize/ proves it on the golden vectors, on random Unicode and on
 * every code point.
 *
 * Each column is read by its type (duckdb-cell-kind.ts), exactly as the DuckDB connector hands its cells to Node
 * (connectors/warehouses/duckdb/duckdb-cell-values.ts): JSON strings unwrapped, BLOB as a digest's bytes (32 bytes
 * in a `*_sha256` column are the SHA-256, any other BLOB is `invalid_binary`), lists, structs, maps and unions
 * `unsupported_value`, and every other type through its text.
 *
 * Why `CAST(col AS VARCHAR)` is safe for the other types: the connector hands DECIMAL, INTERVAL, TIME and BIT over
 * as exactly that text; DuckDB prints doubles differently from JS `String()` (1e20 → `1e+20` vs
 * `100000000000000000000`, 1e-7 → `1e-07`, -0.0 → `-0.0` vs `0`, NaN → `nan`), but an outcome can only depend on a
 * number's text when that text is 32, 40 or 64 hex digits: every other number text has no `@`, is no UUID and is
 * no SHA-256, so it is rejected with the same reason either way. Integers (HUGEINT included) print as plain digits
 * in both (bigint in JS); doubles below 1e21 have at most 21 digits and larger ones use an exponent in both. Dates
 * print differently but are never an identifier either way.
 * test/normalize/node-duckdb-agreement.test.ts pins all of this down per type.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { IdentifierType } from '../../core/identifier-types.js';
import { loadSql, splitStatements } from '../sql-files.js';
import type { DuckDbCellKind } from './duckdb-cell-kind.js';

export { decodeOutcome } from '../../core/normalize/outcome-code.js';

// Order matters: the rule macros call the generated JS-compatible trim/lowercase macros.
const SQL_FILES = ['normalize-unicode-v1', 'normalize-v1'] as const;

const MACRO_BY_TYPE: Readonly<Record<IdentifierType, string>> = {
  email: 'pinsync_norm_email_v1',
  maid: 'pinsync_norm_device_v1',
  idfa: 'pinsync_norm_device_v1',
  email_sha256: 'pinsync_norm_sha256_v1',
  maid_sha256: 'pinsync_norm_sha256_v1',
  idfa_sha256: 'pinsync_norm_sha256_v1',
};

/**
 * Creates the normalization macros on `conn`. They are TEMP macros, which DuckDB keeps per connection (and never
 * writes to the database file), so call this once for every connection that runs `normalizationOutcomeSql`.
 */
export async function installNormalizationMacros(conn: DuckDBConnection): Promise<void> {
  for (const file of SQL_FILES) {
    for (const statement of splitStatements(loadSql('duckdb', file))) await conn.run(statement);
  }
}

/** A column to normalize in SQL. */
export interface NormalizedColumnSql {
  /** The column expression: SQL pinsync generated (a quoted identifier), never user input. */
  expr: string;
  /** The identifier type it is mapped to. */
  type: IdentifierType;
  /** How its DuckDB type is read (default `text`); see duckdb-cell-kind.ts. */
  kind?: DuckDbCellKind;
}

/** SQL expression giving the outcome string (see core/normalize/outcome-code.ts) of one column. */
export function normalizationOutcomeSql(type: IdentifierType, columnExpr: string, kind: DuckDbCellKind = 'text'): string {
  const column = { expr: columnExpr, type, kind };
  const text = textSql(column);
  const rule = text === undefined ? undefined : `${MACRO_BY_TYPE[type]}(${text})`;
  return combine(fixedOutcomeSql(column), rule);
}

/**
 * A SELECT over `source` giving one outcome column `o<i>` per mapped column, computed in layers: whether each value
 * is clean (see pinsync_*_clean_v1) and outcomes the type alone decides first, then the trimmed values (a clean
 * value is its own trim, which spares the trim's regex on nearly every row), then the email lowercase, then the
 * rule. Macros expand as text, so one big expression would recompute the trim and the Unicode lowercase several
 * times per row; separate projections compute each once (about half the time of the single-expression form on a
 * million rows).
 */
export function normalizationPipelineSql(columns: readonly NormalizedColumnSql[], source: string): string {
  const texts = columns.map(textSql);
  const fixed = columns.map(fixedOutcomeSql);
  const each = (build: (c: NormalizedColumnSql, i: number, text: boolean) => string[]) =>
    columns.flatMap((c, i) => [...build(c, i, texts[i] !== undefined), ...(fixed[i] !== undefined ? [`f${i}`] : [])]).join(', ');
  const checked = columns
    .flatMap((c, i) => [
      ...(texts[i] !== undefined ? [`${texts[i]} AS x${i}`, `${RULE_BY_TYPE[c.type]}_clean_v1(${texts[i]}) AS k${i}`] : []),
      ...(fixed[i] !== undefined ? [`${fixed[i]} AS f${i}`] : []),
    ])
    .join(', ');
  const trimmed = each((_, i, text) => (text ? [`CASE WHEN k${i} THEN x${i} ELSE pinsync_js_trim_v1(x${i}) END AS t${i}`, `k${i}`] : []));
  const lowered = each((c, i, text) => (text ? [`t${i}`, `k${i}`, ...(c.type === 'email' ? [`pinsync_js_lower_v1(t${i}) AS l${i}`] : [])] : []));
  const outcomes = columns
    .map((c, i) => {
      const rule = texts[i] === undefined ? undefined : ruleSql(c.type, i);
      return `${combine(fixed[i] === undefined ? undefined : `f${i}`, rule)} AS o${i}`;
    })
    .join(', ');
  return `SELECT ${outcomes} FROM (SELECT ${lowered} FROM (SELECT ${trimmed} FROM (SELECT ${checked} FROM ${source})))`;
}

const RULE_BY_TYPE: Readonly<Record<IdentifierType, string>> = {
  email: 'pinsync_email',
  maid: 'pinsync_device',
  idfa: 'pinsync_device',
  email_sha256: 'pinsync_sha256',
  maid_sha256: 'pinsync_sha256',
  idfa_sha256: 'pinsync_sha256',
};

function ruleSql(type: IdentifierType, i: number): string {
  const clean = type === 'email' ? `pinsync_email_clean_outcome_v1(l${i})` : `${RULE_BY_TYPE[type]}_clean_outcome_v1(t${i})`;
  const general = type === 'email' ? `pinsync_email_outcome_v1(t${i}, l${i})` : `${RULE_BY_TYPE[type]}_outcome_v1(t${i})`;
  return `CASE WHEN k${i} THEN ${clean} ELSE ${general} END`;
}

// The text the rules run on; undefined when the type alone decides every outcome.
function textSql({ expr, kind = 'text' }: NormalizedColumnSql): string | undefined {
  switch (kind) {
    case 'text':
      return `CAST(${expr} AS VARCHAR)`;
    case 'json':
      return `pinsync_json_text_v1(${expr})`;
    case 'variant':
      return `pinsync_variant_text_v1(${expr})`;
    case 'binary':
    case 'nested':
      return undefined;
  }
}

// The outcome the type decides (NULL where the text decides instead); undefined for plain text columns.
function fixedOutcomeSql({ expr, type, kind = 'text' }: NormalizedColumnSql): string | undefined {
  const digest = type.endsWith('_sha256') ? 'true' : 'false';
  switch (kind) {
    case 'text':
      return undefined;
    case 'json':
      return `pinsync_json_fixed_v1(${expr})`;
    case 'variant':
      return `pinsync_variant_fixed_v1(${expr}, ${digest})`;
    case 'binary':
      return `pinsync_binary_fixed_v1(${expr}, ${digest})`;
    case 'nested':
      return `pinsync_nested_fixed_v1(${expr})`;
  }
}

function combine(fixed: string | undefined, rule: string | undefined): string {
  if (fixed === undefined) return rule!;
  if (rule === undefined) return fixed;
  return `coalesce(${fixed}, ${rule})`;
}
