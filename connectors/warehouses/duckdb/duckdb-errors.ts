/**
 * How a failure to read a DuckDB warehouse is reported, by both ways of reading one (the connector opening the file,
 * the state engine ATTACHing it): a file that does not exist, a file another process holds for writing (which DuckDB
 * will not let anyone read), and a failed query, its text scrubbed of quoted data.
 */
import { WarehouseError, messageOf } from '../../../core/errors.js';
import { scrubErrorText } from '../../../core/scrub-error-text.js';

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

/** PINSYNC_WAREHOUSE_FILE_MISSING for `path`: pinsync never creates a warehouse. `who` is `sync <name>`. */
export function warehouseFileMissing(who: string, path: string, cause?: unknown): WarehouseError {
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
