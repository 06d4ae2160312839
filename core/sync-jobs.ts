/** Turns validated config into the engine's jobs, and selects them by `--sync NAME`. */
import type { PinsyncConfig, SyncConfig } from './config/config-schema.js';
import { UsageError } from './errors.js';
import type { SyncJob } from './sync-job.js';

export function syncJobFromConfig(config: PinsyncConfig, sync: SyncConfig): SyncJob {
  const destination = config.destinations[sync.destination]!;
  return {
    name: sync.name,
    sql: sync.query ?? `SELECT * FROM ${sync.table!}`,
    columns: Object.entries(sync.identifiers).map(([column, type]) => ({ column, type })),
    readBatchSize: sync.batchSize,
    adAccountId: destination.adAccountId,
    audience: {
      name: sync.audience.name,
      description: sync.audience.description,
      customerListId: sync.audience.customerListId,
      audienceId: sync.audience.audienceId,
    },
    guardrails: sync.guardrails,
    batch: destination.batch,
    maxInFlight: destination.maxInFlight,
  };
}

/** The syncs named by `--sync` (all when none are named); an unknown name is a usage error listing the known ones. */
export function selectSyncs(config: PinsyncConfig, names: readonly string[] | undefined): SyncConfig[] {
  if (!names || names.length === 0) return config.syncs;
  const known = new Map(config.syncs.map((s) => [s.name, s]));
  const unknown = names.filter((n) => !known.has(n));
  if (unknown.length > 0) {
    throw new UsageError(`unknown sync ${unknown.map((n) => `"${n}"`).join(', ')}; the config defines: ${config.syncs.map((s) => s.name).join(', ')}`);
  }
  return [...new Set(names)].map((n) => known.get(n)!);
}
