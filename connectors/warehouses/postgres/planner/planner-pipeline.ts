/**
 * The normalization pipeline of a `diff: warehouse` sync: the user's query wrapped so that it yields one
 * normalization outcome per mapped column (o0, o1, ...), each column read by its Postgres type the way the
 * streamed path reads it (core/normalize): text-like values are normalized as text, bytea is a digest's bytes,
 * JSON scalars are unwrapped, arrays, composites and JSON objects/arrays are `unsupported_value`.
 */
import { escapeIdentifier } from 'pg';
import type { IdentifierType } from '../../../../core/identifier-types.js';
import { resolveResultColumns } from '../../../../core/result-columns.js';
import type { PlannerConnection } from './planner-connection.js';

const BYTEA = 17;
const JSON_OIDS = new Set([114, 3802]);

/** The per-type rule function of sql/postgres/normalize-v1.sql. */
function ruleFunction(type: IdentifierType): string {
  if (type === 'email') return 'pinsync_norm_email_v1';
  if (type === 'maid' || type === 'idfa') return 'pinsync_norm_device_v1';
  return 'pinsync_norm_sha256_v1';
}

/** The outcome expression of one column `cell` (a qualified column reference) of Postgres type `oid`. */
function outcomeExpr(fn: string, type: IdentifierType, cell: string, oid: number, category: string): string {
  const rule = (text: string) => `${fn}.${ruleFunction(type)}(${text})`;
  if (oid === BYTEA) return `${fn}.pinsync_binary_outcome_v1(${cell}, ${type.endsWith('_sha256') ? 'true' : 'false'})`;
  if (JSON_OIDS.has(oid)) {
    return `CASE WHEN jsonb_typeof(${cell}::jsonb) IN ('object', 'array') THEN 'unsupported_value' ELSE ${rule(`(${cell}::jsonb #>> '{}')`)} END`;
  }
  if (category === 'A' || category === 'C') return `CASE WHEN ${cell} IS NULL THEN 'empty' ELSE 'unsupported_value' END`;
  return rule(`${cell}::text`);
}

/**
 * Binds the user's query (LIMIT 0: no row is computed) to learn its columns, and returns the pipeline: a SELECT of
 * o0..oN over it. A misnamed identifier column is reported here, against the user's own query.
 */
export async function normalizationPipeline(
  conn: PlannerConnection,
  req: { syncName: string; sql: string; columns: readonly { column: string; type: IdentifierType }[] },
  functions: string,
): Promise<{ pipeline: string; pairs: string }> {
  const userSql = req.sql.replace(/[\s;]+$/, '');
  const described = await conn.describe(`SELECT * FROM (\n${userSql}\n) AS pinsync_columns LIMIT 0`);
  const indexes = resolveResultColumns(req.syncName, req.columns, described.map((f) => f.name));
  const oids = [...new Set(indexes.map((i) => described[i]!.dataTypeID))];
  const categories = new Map(
    (await conn.query<{ oid: number; typcategory: string }>('SELECT oid::int AS oid, typcategory FROM pg_type WHERE oid = ANY($1::oid[])', { values: [oids] })).map(
      (r) => [Number(r.oid), r.typcategory],
    ),
  );
  const outcomes = req.columns.map((c, i) => {
    const field = described[indexes[i]!]!;
    return `${outcomeExpr(functions, c.type, `pinsync_source.${escapeIdentifier(field.name)}`, field.dataTypeID, categories.get(field.dataTypeID) ?? 'S')} AS o${i}`;
  });
  // The user's SQL on lines of its own: a trailing `-- comment` cannot swallow the closing parenthesis.
  const pipeline = `SELECT ${outcomes.join(', ')} FROM (\n${userSql}\n) AS pinsync_source`;
  const pairs = req.columns.map((_, i) => `(${i}, pinsync_outcomes.o${i})`).join(', ');
  return { pipeline, pairs };
}
