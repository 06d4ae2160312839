/**
 * What both ways of reading a DuckDB warehouse share (the connector opening the file, the state engine ATTACHing
 * it): a file that must already exist, since opening a path that does not would give an empty warehouse, never
 * what the user meant; a file another process holds for writing, which DuckDB will not let anyone read; relative
 * paths inside the query resolving against the config's folder; and warehouse text scrubbed of quoted data.
 */
import { access } from 'node:fs/promises';
import { WarehouseError } from '../../core/errors.js';
import { scrubErrorText } from '../../core/scrub-error-text.js';

/** DuckDB's name for a database that lives only in memory. */
const IN_MEMORY = ':memory:';

/** Throws PINSYNC_WAREHOUSE_FILE_MISSING unless `path` exists (or is `:memory:`). `who` is `sync <name>`. */
export async function assertWarehouseFileExists(who: string, path: string): Promise<void> {
  if (path === IN_MEMORY) return;
  try {
    await access(path);
  } catch {
    throw warehouseFileMissing(who, path);
  }
}

/** Classifies a failure to open or ATTACH the warehouse file: missing, locked by a writer, or anything else. */
export function duckDbOpenError(who: string, path: string, err: unknown): WarehouseError {
  const message = messageOf(err);
  if (/database does not exist/i.test(message)) return warehouseFileMissing(who, path, err);
  const locked = lockHolderOf(message);
  if (locked) {
    const holder = locked.pid !== undefined ? ` (PID ${locked.pid}${locked.program ? `, ${locked.program}` : ''})` : '';
    return new WarehouseError(
      'PINSYNC_WAREHOUSE_LOCKED',
      `${who}: the DuckDB warehouse file ${path} is in use by another process${holder} that has it open for writing, ` +
        'probably dbt (dbt-duckdb) building models. DuckDB lets nobody read a file while another process writes it: ' +
        'run pinsync after it finishes (for example as the next step after `dbt build`).',
      { cause: err },
    );
  }
  return new WarehouseError('PINSYNC_WAREHOUSE_UNREACHABLE', `${who}: cannot open the DuckDB warehouse file ${path}: ${scrubErrorText(message)}`, { cause: err });
}

/** A failure of the user's query, with the data DuckDB quotes in it removed. */
export function duckDbQueryError(who: string, err: unknown): WarehouseError {
  return new WarehouseError('PINSYNC_WAREHOUSE_QUERY', `${who}: the warehouse query failed: ${scrubErrorText(messageOf(err))}`, { cause: err });
}

/** The statement that makes `read_csv('people.csv')` look in `dir` first (then the working directory). */
export function setFileSearchPathSql(dir: string): string {
  return `SET file_search_path = '${dir.replace(/'/g, "''")}'`;
}

function warehouseFileMissing(who: string, path: string, cause?: unknown): WarehouseError {
  return new WarehouseError(
    'PINSYNC_WAREHOUSE_FILE_MISSING',
    `${who}: the DuckDB warehouse file ${path} does not exist. pinsync opens warehouses read-only and never creates one: ` +
      "fix the warehouse's path in the config (a relative path resolves against the config file's folder), or set " +
      'the path to :memory: for a query that reads CSV or Parquet files itself.',
    { cause },
  );
}

// DuckDB: `Could not set lock on file "…": Conflicting lock is held in /usr/bin/python3 (PID 4242) by user ci.`
function lockHolderOf(message: string): { pid: number | undefined; program: string | undefined } | undefined {
  if (!/Could not set lock on file|Conflicting lock/i.test(message)) return undefined;
  const m = /Conflicting lock is held in (.*?) \(PID (\d+)\)/.exec(message);
  // The program is `.` or empty when DuckDB cannot read it; only a name worth showing is kept.
  const program = m?.[1] !== undefined && /[A-Za-z]/.test(m[1]) ? m[1] : undefined;
  return { pid: m ? Number(m[2]) : undefined, program };
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
