/**
 * Pushdown ingest for a DuckDB warehouse: the state's DuckDB attaches the warehouse file read-only and runs the
 * user's query, normalization and hashing in one SQL pipeline, so rows never reach Node. The result lands in a
 * diff session's `stage_groups` table (or, for a summary-only plan, is only counted).
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { PinsyncError, messageOf, warehouseReadCancelled } from '../../../core/errors.js';
import type { RejectReason } from '../../../core/identifier-types.js';
import { familyOf } from '../../../core/identifier-types.js';
import { resolveResultColumns } from '../../../core/result-columns.js';
import type { PushdownQuery } from '../../../core/state-store.js';
import type { ColumnStats } from '../../../core/sync-report.js';
import { cellKindOf, type DuckDbCellKind } from '../../duckdb/duckdb-cell-kind.js';
import { installNormalizationMacros, normalizationPipelineSql } from '../../duckdb/duckdb-normalization.js';
import { duckDbOpenError, duckDbQueryError } from '../../warehouses/duckdb/duckdb-errors.js';
import { assertWarehouseFileExists, setFileSearchPathSql } from '../../warehouses/duckdb/duckdb-warehouse-file.js';
import { loadSql, renderSql } from '../../sql-files.js';
import { FAMILY_CODES } from '../membership-family-codes.js';
import type { Mutex } from './mutex.js';

/** Sample hashes a summary-only plan keeps (the report shows five). */
const PLAN_SAMPLES = 5;

/** Where a pushdown ingest runs and stages. */
export interface PushdownTarget {
  /** The state's connection (temp tables are per connection). */
  conn: DuckDBConnection;
  /** Serializes statements on `conn`. */
  mutex: Mutex;
  /** Name of the session's temp table the grouped outcomes go into. */
  stageGroups: string;
}

/** What a pushdown ingest produced. */
export interface PushdownIngest {
  /** Rows the user's query returned. */
  sourceRows: number;
  /** Per-column outcome counts, in config order. */
  columns: ColumnStats[];
  /** Summary-only ingests: the current set's size and a few of its hashes (nothing is staged). */
  summary?: { current: number; samples: string[] };
}

/**
 * Runs the user's query against the attached warehouse and stages its normalized outcomes in `stageGroups`; with
 * `summaryOnly` only counts and samples are computed.
 */
export async function ingestDuckDbPushdown(
  target: PushdownTarget,
  query: PushdownQuery,
  opts: { signal?: AbortSignal; summaryOnly?: boolean } = {},
): Promise<PushdownIngest> {
  const { conn, mutex } = target;
  const userSql = stripTrailingSemicolon(query.sql);
  let stats: { col: number; kind: string; n: number }[] = [];
  let summary: PushdownIngest['summary'];
  await withAttachedWarehouse(conn, mutex, query, opts.signal, async () => {
    // Bound on its own first, so a misnamed identifier column or a syntax error is reported against the user's
    // query, never against the SQL pinsync wraps around it.
    const { names: returned, kinds } = await describeUserQuery(conn, query.syncName, userSql);
    const indexes = resolveResultColumns(query.syncName, query.columns, returned);
    // The user's SQL on lines of its own: a trailing `-- comment` cannot swallow the closing parenthesis, and an
    // error's `LINE n:` can be mapped back to the user's line numbers.
    const pipeline = normalizationPipelineSql(
      // Each column read by its type, as the DuckDB connector reads it for the streamed path.
      query.columns.map((c, i) => ({ expr: `pinsync_source.${quoteIdent(returned[indexes[i]!]!)}`, type: c.type, kind: kinds[indexes[i]!]! })),
      `(\n${userSql}\n) AS pinsync_source`,
    );
    const vars = {
      columns: query.columns.map((_, i) => String(i)).join(', '),
      families: query.columns.map((c) => String(FAMILY_CODES[familyOf(c.type)])).join(', '),
      outcomes: query.columns.map((_, i) => `o${i}`).join(', '),
      pipeline,
      samples: String(PLAN_SAMPLES),
      stage_groups: target.stageGroups,
    };
    const statement = renderSql(loadSql('duckdb', opts.summaryOnly ? 'diff-pushdown-summary' : 'diff-pushdown-outcomes'), vars);
    try {
      if (!opts.summaryOnly) {
        await conn.run(statement);
        return;
      }
      const rows = (await conn.runAndReadAll(statement)).getRowObjectsJS() as {
        by_kind: number;
        col: number | null;
        kind: string | null;
        distinct_hashes: bigint;
        n: bigint;
        samples: string[] | null;
      }[];
      for (const row of rows) {
        if (Number(row.by_kind) === 0) summary = { current: Number(row.distinct_hashes), samples: (row.samples ?? []).filter((h) => h !== null) };
        else stats.push({ col: Number(row.col), kind: String(row.kind), n: Number(row.n) });
      }
      summary ??= { current: 0, samples: [] };
    } catch (err) {
      throw duckDbQueryError(`sync ${query.syncName}`, new Error(atUserLines(messageOf(err), statement, userSql), { cause: err }));
    }
  });
  if (!opts.summaryOnly) {
    const text = renderSql(loadSql('duckdb', 'diff-pushdown-stats'), { stage_groups: target.stageGroups });
    stats = await mutex.run(async () => (await conn.runAndReadAll(text)).getRowObjectsJS() as typeof stats);
  }
  const columns: ColumnStats[] = query.columns.map((c) => ({ column: c.column, type: c.type, hashed: 0, prehashed: 0, empty: 0, rejected: {} }));
  let sourceRows = 0;
  for (const { col, kind, n } of stats) {
    const s = columns[Number(col)]!;
    if (Number(col) === 0) sourceRows += Number(n);
    if (kind === 'hashed') s.hashed += Number(n);
    else if (kind === 'prehashed') s.prehashed += Number(n);
    else if (kind === 'empty') s.empty += Number(n);
    else s.rejected[kind as RejectReason] = (s.rejected[kind as RejectReason] ?? 0) + Number(n);
  }
  return summary ? { sourceRows, columns, summary } : { sourceRows, columns };
}

// Preparing binds the query (tables, columns, a CSV's header) without running it.
async function describeUserQuery(conn: DuckDBConnection, syncName: string, userSql: string): Promise<{ names: string[]; kinds: DuckDbCellKind[] }> {
  let prepared;
  try {
    prepared = await conn.prepare(userSql);
  } catch (err) {
    throw duckDbQueryError(`sync ${syncName}`, err);
  }
  try {
    const columns = Array.from({ length: prepared.columnCount }, (_, i) => i);
    return { names: columns.map((i) => prepared.columnName(i)), kinds: columns.map((i) => cellKindOf(prepared.columnType(i))) };
  } finally {
    prepared.destroySync();
  }
}

// Runs `fn` with the warehouse attached read-only and set as the default catalog, so the user's unqualified table
// names resolve there (and never to state tables), and relative file paths in the query resolve against the
// config's folder; an abort interrupts the running statement. Errors of `fn` arrive already classified.
async function withAttachedWarehouse(
  conn: DuckDBConnection,
  mutex: Mutex,
  query: PushdownQuery,
  signal: AbortSignal | undefined,
  fn: () => Promise<void>,
): Promise<void> {
  const attachAlias = 'pinsync_warehouse';
  const who = `sync ${query.syncName}`;
  await mutex.run(async () => {
    await installNormalizationMacros(conn);
    const stateCatalog = String((await conn.runAndReadAll('SELECT current_database()')).getRows()[0]![0]);
    // ATTACH of a missing file in read-only mode fails, but checking first gives the same message as the
    // streamed path, and never lets a DuckDB that would create the file do so.
    await assertWarehouseFileExists(who, query.attachPath);
    try {
      await conn.run(`ATTACH ${quoteLiteral(query.attachPath)} AS ${attachAlias}${query.attachPath === ':memory:' ? '' : ' (READ_ONLY)'}`);
    } catch (err) {
      throw duckDbOpenError(who, query.attachPath, err);
    }
    const onAbort = () => conn.interrupt();
    signal?.addEventListener('abort', onAbort);
    try {
      await conn.run(`USE ${attachAlias}`);
      if (query.fileSearchPath !== undefined) await conn.run(setFileSearchPathSql(query.fileSearchPath));
      await fn();
    } catch (err) {
      if (signal?.aborted) throw warehouseReadCancelled(who, err);
      throw err instanceof PinsyncError ? err : duckDbQueryError(who, err);
    } finally {
      signal?.removeEventListener('abort', onAbort);
      if (query.fileSearchPath !== undefined) await conn.run('RESET file_search_path');
      await conn.run(`USE ${quoteIdent(stateCatalog)}`);
      await conn.run(`DETACH ${attachAlias}`);
    }
  });
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function quoteLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

function stripTrailingSemicolon(text: string): string {
  return text.trim().replace(/;+\s*$/, '');
}

/**
 * DuckDB's `LINE n:` context of an error in the wrapped statement, renumbered to the user's own query when the
 * position falls inside it (the caret moved with the shorter prefix), and dropped when it points into pinsync's
 * SQL, which would mean nothing to the user.
 */
function atUserLines(message: string, statement: string, userSql: string): string {
  const context = /\n*LINE (\d+): ([^\n]*)(?:\n( *)\^)?/.exec(message);
  if (!context) return message;
  const start = statement.indexOf(`(\n${userSql}\n)`);
  const firstUserLine = start < 0 ? -1 : statement.slice(0, start).split('\n').length + 1;
  const line = Number(context[1]) - firstUserLine + 1;
  const before = message.slice(0, context.index);
  if (firstUserLine < 0 || line < 1 || line > userSql.split('\n').length) return before;
  const prefixShift = `LINE ${context[1]}: `.length - `LINE ${line}: `.length;
  const caret = context[3] !== undefined ? `\n${' '.repeat(Math.max(0, context[3].length - prefixShift))}^` : '';
  return `${before}\n\nLINE ${line}: ${context[2]}${caret}${message.slice(context.index + context[0].length)}`;
}
