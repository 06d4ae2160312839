/** Opens the configured state store. */
import { existsSync } from 'node:fs';
import type { StateLocation } from '../../core/config/state-schema.js';
import { UsageError } from '../../core/errors.js';
import type { StateStore } from '../../core/state-store.js';

export interface OpenStateOptions {
  /**
   * For `plan`: never create or change anything. A state file that does not exist yet is replaced by an empty
   * in-memory one, so planning a brand-new sync leaves no file behind.
   */
  planOnly?: boolean;
}

export async function openStateStore(location: StateLocation, opts: OpenStateOptions = {}): Promise<StateStore> {
  if (location.kind === 'duckdb') {
    const { DuckDbStateStore } = await import('./duckdb/duckdb-state-store.js');
    const memoryLimit = process.env.PINSYNC_STATE_MEMORY_LIMIT;
    if (opts.planOnly && !existsSync(location.path)) return DuckDbStateStore.open(':memory:', { memoryLimit });
    return DuckDbStateStore.open(location.path, { memoryLimit, readOnly: opts.planOnly === true });
  }
  throw new UsageError('state: postgres:// state is not supported by this version of pinsync yet; use duckdb:PATH');
}
