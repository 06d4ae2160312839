/**
 * The fakes' whole SQL engine: scripted statements matched by their exact text, and `SELECT <columns|*> FROM
 * <table>` over the tables a test defines. Anything else is a syntax error, and an unknown table is "not found", which
 * is all a connector's tests need to see each outcome the real warehouses produce.
 */

/** A column of a fake table; `type` is the engine's wire type (BigQuery `INT64`, Snowflake `fixed`...). */
export interface FakeColumn {
  /** Column name as the warehouse reports it. */
  name: string;
  /** Engine type name, passed through to the schema/rowtype the fake answers with. */
  type: string;
}

/** A table (or a scripted result): cells are the strings the wire protocol carries, or null. */
export interface FakeTable {
  /** Columns in order. */
  columns: FakeColumn[];
  /** Rows, each with one cell per column. */
  rows: (string | null)[][];
}

/** What a statement resolved to. */
export type ResolvedQuery<S> =
  | { kind: 'script'; script: S }
  | { kind: 'table'; table: FakeTable; tableName: string }
  | { kind: 'missing'; tableName: string }
  | { kind: 'syntax'; message: string };

const SELECT = /^\s*select\s+([\s\S]+?)\s+from\s+([^\s;]+)\s*;?\s*$/i;
const SELECT_LITERAL = /^\s*select\s+(\d+)\s*;?\s*$/i;

/** Normalizes whitespace so scripted statements match however the test wrapped them. */
export function sqlKey(sql: string): string {
  return sql.trim().replace(/\s+/g, ' ').replace(/;$/, '');
}

/**
 * Resolves `sql` against scripted statements first, then tables. Table names match case-insensitively, with quotes
 * and backticks removed, and on a dotted suffix (`proj.ds.t` finds a table defined as `ds.t`).
 */
export function resolveQuery<S>(
  sql: string,
  tables: Record<string, FakeTable>,
  scripts: Record<string, S>,
  options: { upperCaseUnquoted?: boolean } = {},
): ResolvedQuery<S> {
  const key = sqlKey(sql);
  for (const [text, script] of Object.entries(scripts)) if (sqlKey(text) === key) return { kind: 'script', script };

  const literal = SELECT_LITERAL.exec(sql);
  if (literal) return { kind: 'table', tableName: '', table: { columns: [{ name: literal[1]!, type: 'literal' }], rows: [[literal[1]!]] } };

  const match = SELECT.exec(sql);
  if (!match) return { kind: 'syntax', message: `Syntax error: the fake understands only SELECT <columns> FROM <table> (got: ${key.slice(0, 80)})` };
  const tableName = match[2]!.replace(/[`"]/g, '');
  const table = findTable(tables, tableName);
  if (!table) return { kind: 'missing', tableName };
  const projected = project(table, match[1]!, options.upperCaseUnquoted ?? false);
  if (typeof projected === 'string') return { kind: 'syntax', message: projected };
  return { kind: 'table', table: projected, tableName };
}

function findTable(tables: Record<string, FakeTable>, name: string): FakeTable | undefined {
  const wanted = name.toLowerCase();
  for (const [key, table] of Object.entries(tables)) {
    const k = key.toLowerCase();
    if (wanted === k || wanted.endsWith(`.${k}`)) return table;
  }
  return undefined;
}

// `*`, or a comma list of `column [AS alias]`. Snowflake upper-cases an unquoted alias; BigQuery keeps it as written.
function project(table: FakeTable, list: string, upperCaseUnquoted: boolean): FakeTable | string {
  if (list.trim() === '*') return table;
  const picks: { index: number; name: string }[] = [];
  for (const item of list.split(',')) {
    const m = /^\s*("?)([^\s"]+)\1(?:\s+as\s+("?)([^\s"]+)\3)?\s*$/i.exec(item);
    if (!m) return `Syntax error: unexpected "${item.trim()}"`;
    const index = table.columns.findIndex((c) => c.name.toLowerCase() === m[2]!.toLowerCase());
    if (index < 0) return `Unrecognized name: ${m[2]}`;
    const alias = m[4] === undefined ? undefined : upperCaseUnquoted && m[3] === '' ? m[4].toUpperCase() : m[4];
    picks.push({ index, name: alias ?? table.columns[index]!.name });
  }
  return {
    columns: picks.map((p) => ({ name: p.name, type: table.columns[p.index]!.type })),
    rows: table.rows.map((row) => picks.map((p) => row[p.index] ?? null)),
  };
}
