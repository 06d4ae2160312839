/**
 * Opens DuckDB instances the way pinsync needs them everywhere: extension auto-install and auto-load off (DuckDB's
 * own HTTP client would otherwise try to download extensions, bypassing Node and the loopback guard), and
 * thread/memory settings passed as strings, which is what the node API expects.
 */
import { DuckDBInstance } from '@duckdb/node-api';

export interface OpenDuckDbOptions {
  /** Open read-only (warehouse files): several readers may share a file with no writer. */
  readOnly?: boolean;
  /** DuckDB `threads`; default: DuckDB's choice (all cores). */
  threads?: number;
  /** DuckDB `memory_limit`, e.g. `'512MB'`; past it DuckDB spills to its temp directory. */
  memoryLimit?: string;
  /** Where DuckDB spills; default: `<file>.tmp` beside the database. */
  tempDirectory?: string;
}

export async function openDuckDb(path: string, opts: OpenDuckDbOptions = {}): Promise<DuckDBInstance> {
  const options: Record<string, string> = {
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'false',
  };
  if (opts.readOnly) options.access_mode = 'READ_ONLY';
  if (opts.threads !== undefined) options.threads = String(opts.threads);
  if (opts.memoryLimit !== undefined) options.memory_limit = opts.memoryLimit;
  if (opts.tempDirectory !== undefined) options.temp_directory = opts.tempDirectory;
  return DuckDBInstance.create(path, options);
}
