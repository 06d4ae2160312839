/**
 * Identifier normalization v1 inside DuckDB, so the DuckDB pipeline (attached warehouse → state diff) hashes
 * without rows crossing into Node. The macros (sql/duckdb/normalize-*.sql) give exactly the outcomes of
 * core/normalize/normalize-identifier.ts; test/normalize/ proves it on the golden vectors, on random Unicode and on
 * every code point.
 *
 * Why `CAST(col AS VARCHAR)` is safe for non-text columns: DuckDB prints numbers differently from JS `String()`
 * (1e20 → `1e+20` vs `100000000000000000000`, 1e-7 → `1e-07`, -0.0 → `-0.0` vs `0`, NaN → `nan`, DECIMAL(10,2)
 * 100 → `100.00` vs `100`), but an outcome can only depend on a number's text when that text is 32, 40 or 64 hex
 * digits: every other number text has no `@`, is no UUID and is no SHA-256, so it is rejected with the same
 * reason either way. Integers print as plain digits in both (bigint in JS); doubles below 1e21 have at most 21
 * digits and larger ones use an exponent in both. The one gap is a DECIMAL/HUGEINT of 32 digits turned into a JS
 * `number` before normalizing (it prints as `1.2e+31`): both sides still reject it, but as `invalid_*` instead of
 * `unsupported_hash`, so Node-side readers should hand such columns over as bigint or string.
 *
 * BLOB is not text and is the one type where the hash itself can differ: DuckDB casts non-ASCII bytes to `\xC3\xA9`
 * escapes, while a Node Buffer decodes them as UTF-8. Identifier columns should be text (`decode(col)` in the query).
 * test/normalize/node-duckdb-agreement.test.ts pins all of this down per type.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { IdentifierType } from '../../core/identifier-types.js';
import { loadSql, splitStatements } from '../sql-files.js';

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

/**
 * SQL expression giving the outcome string (see core/normalize/outcome-code.ts) of the column expression
 * `columnExpr`, which must be SQL pinsync generated (a quoted identifier), never user input.
 */
export function normalizationOutcomeSql(type: IdentifierType, columnExpr: string): string {
  return `${MACRO_BY_TYPE[type]}(CAST(${columnExpr} AS VARCHAR))`;
}

/**
 * A SELECT over `source` giving one outcome column `o<i>` per mapped column, computed in layers: trimmed values
 * first, then the email lowercase, then the rule. Macros expand as text, so one big expression would recompute the
 * trim and the Unicode lowercase several times per row; separate projections compute each once (about half the
 * time of the single-expression form on a million rows).
 */
export function normalizationPipelineSql(columns: readonly { expr: string; type: IdentifierType }[], source: string): string {
  const trimmed = columns.map((c, i) => `pinsync_js_trim_v1(CAST(${c.expr} AS VARCHAR)) AS t${i}`).join(', ');
  const lowered = columns.map((c, i) => (c.type === 'email' ? `t${i}, pinsync_js_lower_v1(t${i}) AS l${i}` : `t${i}`)).join(', ');
  const outcomes = columns
    .map((c, i) => {
      if (c.type === 'email') return `pinsync_email_outcome_v1(t${i}, l${i}) AS o${i}`;
      if (c.type === 'maid' || c.type === 'idfa') return `pinsync_device_outcome_v1(t${i}) AS o${i}`;
      return `pinsync_sha256_outcome_v1(t${i}) AS o${i}`;
    })
    .join(', ');
  return `SELECT ${outcomes} FROM (SELECT ${lowered} FROM (SELECT ${trimmed} FROM ${source}))`;
}
