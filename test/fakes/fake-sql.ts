/**
 * The fakes' whole SQL engine: scripted statements matched by their exact text, and
 * `SELECT <columns|*> FROM <table> [WHERE <column> <op> <number>] [ORDER BY <column> [ASC|DESC]]` over the tables a
 * test defines. Anything else is a syntax error and an unknown table is "not found": enough for a connector's tests
 * to see each outcome the real warehouses produce. Column and table names match case-insensitively (more lenient
 * than Snowflake, where a quoted lower-case name must be quoted again).
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
  | { kind: 'table'; table: FakeTable }
  | { kind: 'missing'; tableRef: string }
  | { kind: 'syntax'; message: string };

const SELECT =
  /^\s*select\s+([\s\S]+?)\s+from\s+([^\s;]+)(?:\s+where\s+("?[\w]+"?)\s*(<=|>=|<>|!=|<|>|=)\s*(-?\d+(?:\.\d+)?))?(?:\s+order\s+by\s+("?[\w]+"?)(?:\s+(asc|desc))?)?\s*;?\s*$/i;
const SELECT_LITERAL = /^\s*select\s+(\d+)\s*;?\s*$/i;

/** Normalizes whitespace so scripted statements match however the test wrapped them. */
export function sqlKey(sql: string): string {
  return sql.trim().replace(/\s+/g, ' ').replace(/;$/, '');
}

/** Removes quotes and backticks from a (dotted) name. */
export function unquote(name: string): string {
  return name.replace(/[`"]/g, '');
}

/**
 * Resolves `sql` against scripted statements first, then tables. Table names match case-insensitively, without
 * quotes and backticks, and on a dotted suffix (`proj.ds.t` finds a table defined as `ds.t`). `SELECT <digits>`
 * answers one row (column type `literal`: the fake maps it to its engine's integer type).
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
  if (literal) return { kind: 'table', table: { columns: [{ name: literal[1]!, type: 'literal' }], rows: [[literal[1]!]] } };

  const m = SELECT.exec(sql);
  if (!m) return { kind: 'syntax', message: `Syntax error: the fake understands only SELECT <columns> FROM <table> [WHERE] [ORDER BY] (got: ${key.slice(0, 80)})` };
  const [, list, tableRef, whereColumn, op, operand, orderColumn, direction] = m;
  let table = findTable(tables, unquote(tableRef!));
  if (!table) return { kind: 'missing', tableRef: tableRef! };
  if (whereColumn !== undefined) {
    const c = columnIndex(table, whereColumn);
    if (c < 0) return { kind: 'syntax', message: `Unrecognized name: ${whereColumn}` };
    table = { ...table, rows: table.rows.filter((row) => compare(row[c] ?? null, operand!, op!)) };
  }
  if (orderColumn !== undefined) {
    const c = columnIndex(table, orderColumn);
    if (c < 0) return { kind: 'syntax', message: `Unrecognized name: ${orderColumn}` };
    const sign = direction?.toLowerCase() === 'desc' ? -1 : 1;
    table = { ...table, rows: [...table.rows].sort((a, b) => sign * order(a[c] ?? null, b[c] ?? null)) };
  }
  const projected = project(table, list!, options.upperCaseUnquoted ?? false);
  if (typeof projected === 'string') return { kind: 'syntax', message: projected };
  return { kind: 'table', table: projected };
}

function findTable(tables: Record<string, FakeTable>, name: string): FakeTable | undefined {
  const wanted = name.toLowerCase();
  for (const [key, table] of Object.entries(tables)) {
    const k = unquote(key).toLowerCase();
    if (wanted === k || wanted.endsWith(`.${k}`)) return table;
  }
  return undefined;
}

function columnIndex(table: FakeTable, name: string): number {
  const wanted = unquote(name).toLowerCase();
  return table.columns.findIndex((c) => c.name.toLowerCase() === wanted);
}

// Cells are wire strings: integers compare as BigInt (exact past 2^53), other numbers as doubles, text as text.
function order(a: string | null, b: string | null): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? 1 : -1;
  if (/^-?\d+$/.test(a) && /^-?\d+$/.test(b)) return BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0;
  const x = Number(a);
  const y = Number(b);
  if (!Number.isNaN(x) && !Number.isNaN(y)) return x - y;
  return a < b ? -1 : a > b ? 1 : 0;
}

function compare(cell: string | null, operand: string, op: string): boolean {
  if (cell === null) return false;
  const c = order(cell, operand);
  switch (op) {
    case '<':
      return c < 0;
    case '<=':
      return c <= 0;
    case '>':
      return c > 0;
    case '>=':
      return c >= 0;
    case '=':
      return c === 0;
    default:
      return c !== 0;
  }
}

// `*`, or a comma list of `column [AS alias]`. Snowflake upper-cases an unquoted alias; BigQuery keeps it as written.
function project(table: FakeTable, list: string, upperCaseUnquoted: boolean): FakeTable | string {
  if (list.trim() === '*') return table;
  const picks: { index: number; name: string }[] = [];
  for (const item of list.split(',')) {
    const m = /^\s*("?)([^\s"]+)\1(?:\s+as\s+("?)([^\s"]+)\3)?\s*$/i.exec(item);
    if (!m) return `Syntax error: unexpected "${item.trim()}"`;
    const index = columnIndex(table, m[2]!);
    if (index < 0) return `Unrecognized name: ${m[2]}`;
    const alias = m[4] === undefined ? undefined : upperCaseUnquoted && m[3] === '' ? m[4].toUpperCase() : m[4];
    picks.push({ index, name: alias ?? table.columns[index]!.name });
  }
  return {
    columns: picks.map((p) => ({ name: p.name, type: table.columns[p.index]!.type })),
    rows: table.rows.map((row) => picks.map((p) => row[p.index] ?? null)),
  };
}
