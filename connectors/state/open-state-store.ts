/** Opens the configured state store. */
import { existsSync } from 'node:fs';
import type { StateLocation } from '../../core/config/state-schema.js';
import type { StateStore } from '../../core/state-store.js';
import { TokenCipher } from './token-cipher.js';

export interface OpenStateOptions {
  /**
   * For `plan` and the other read-only commands: never create or change anything. A state file (or a Postgres
   * schema) that does not exist yet is replaced by an empty in-memory one, so planning a brand-new sync leaves
   * nothing behind.
   */
  planOnly?: boolean;
  /** Where PINSYNC_STATE_KEY, PINSYNC_STATE_PASSWORD and PINSYNC_STATE_MEMORY_LIMIT are read; default process.env. */
  env?: NodeJS.ProcessEnv;
}

export async function openStateStore(location: StateLocation, opts: OpenStateOptions = {}): Promise<StateStore> {
  const env = opts.env ?? process.env;
  const cipher = TokenCipher.fromEnv(env.PINSYNC_STATE_KEY);
  const memoryLimit = env.PINSYNC_STATE_MEMORY_LIMIT;
  if (location.kind === 'duckdb') {
    const { DuckDbStateStore } = await import('./duckdb/duckdb-state-store.js');
    if (opts.planOnly && !existsSync(location.path)) return DuckDbStateStore.open(':memory:', { memoryLimit, cipher });
    return DuckDbStateStore.open(location.path, { memoryLimit, readOnly: opts.planOnly === true, cipher });
  }
  const { PostgresStateStore } = await import('./postgres/postgres-state-store.js');
  const store = await PostgresStateStore.open(location.url, { readOnly: opts.planOnly === true, cipher, env });
  if (store) return store;
  // Read-only commands against a database without pinsync's schema: empty state, and nothing is created there.
  const { DuckDbStateStore } = await import('./duckdb/duckdb-state-store.js');
  return DuckDbStateStore.open(':memory:', { memoryLimit, cipher });
}
