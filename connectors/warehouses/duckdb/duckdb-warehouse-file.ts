/**
 * What both ways of reading a DuckDB warehouse share (the connector opening the file, the state engine ATTACHing
 * it): a file that must already exist, since opening a path that does not would give an empty warehouse, never
 * what the user meant, and relative paths inside the query resolving against the config's folder. How their
 * failures are reported is in duckdb-errors.ts.
 */
import { access } from 'node:fs/promises';
import { warehouseFileMissing } from './duckdb-errors.js';

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

/** The statement that makes `read_csv('people.csv')` look in `dir` first (then the working directory). */
export function setFileSearchPathSql(dir: string): string {
  return `SET file_search_path = '${dir.replace(/'/g, "''")}'`;
}
