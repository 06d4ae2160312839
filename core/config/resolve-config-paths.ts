/**
 * Makes the config's file paths absolute, relative to the config file's folder rather than the working directory,
 * so a cron job finds the same files whatever directory it starts in.
 */
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import type { PinsyncConfig } from './config-schema.js';
import { DEFAULT_DBT_TARGET } from './dbt-schema.js';
import type { WarehouseConfig } from './warehouse-schema.js';
import { DUCKDB_IN_MEMORY } from './warehouse-schema.js';

/** Resolves `path` against `baseDir`; `~/` means the home directory (shells expand it, YAML does not). */
export function resolveConfigPath(path: string, baseDir: string): string {
  if (path === DUCKDB_IN_MEMORY) return path;
  if (path === '~' || path.startsWith('~/')) return join(homedir(), path.slice(1));
  return isAbsolute(path) ? path : resolve(baseDir, path);
}

/**
 * A copy of `config` whose state file, DuckDB files, key files and dbt project are absolute paths, and whose DuckDB warehouses
 * look up relative paths inside their queries in the config's folder (unless `fileSearchPath` says otherwise).
 */
export function resolveConfigPaths(config: PinsyncConfig, baseDir: string): PinsyncConfig {
  const at = (path: string | undefined) => (path === undefined ? undefined : resolveConfigPath(path, baseDir));
  const state = config.state.kind === 'duckdb' ? { ...config.state, path: resolveConfigPath(config.state.path, baseDir) } : config.state;
  const warehouses = Object.fromEntries(
    Object.entries(config.warehouses).map(([name, warehouse]): [string, WarehouseConfig] => {
      switch (warehouse.type) {
        case 'duckdb':
          return [name, { ...warehouse, path: resolveConfigPath(warehouse.path, baseDir), fileSearchPath: resolveConfigPath(warehouse.fileSearchPath ?? '.', baseDir) }];
        case 'bigquery':
          return [name, { ...warehouse, keyFilename: at(warehouse.keyFilename) }];
        case 'snowflake':
          return [name, { ...warehouse, privateKeyPath: at(warehouse.privateKeyPath) }];
        case 'postgres': {
          const ssl = warehouse.ssl;
          if (typeof ssl !== 'object') return [name, warehouse];
          return [name, { ...warehouse, ssl: { ...ssl, caPath: at(ssl.caPath), certPath: at(ssl.certPath), keyPath: at(ssl.keyPath) } }];
        }
      }
    }),
  );
  // targetPath ends up always set: relative to the project, as dbt's own target-path is.
  const projectDir = config.dbt === undefined ? undefined : resolveConfigPath(config.dbt.projectDir, baseDir);
  const dbt =
    config.dbt === undefined || projectDir === undefined
      ? undefined
      : { ...config.dbt, projectDir, targetPath: resolveConfigPath(config.dbt.targetPath ?? DEFAULT_DBT_TARGET, projectDir) };
  return { ...config, state, warehouses, ...(dbt === undefined ? {} : { dbt }) };
}
