/** Turns validated config into the engine's jobs, and selects them by `--sync NAME` (or dbt-style selectors). */
import type { PinsyncConfig, SyncConfig } from './config/config-schema.js';
import { diffModeProblem } from './config/sync-schema.js';
import { type Selection, selectByDbtSelectors } from './dbt/select-syncs.js';
import { ConfigError, UsageError } from './errors.js';
import { segmentParentOf } from './fan-out/segment-selection.js';
import type { SyncJob } from './sync-job.js';

/**
 * The engine's job for `sync`. A `model:` source is read like `table:`, from the relation the manifest resolved it
 * to (`resolveSyncModels`); without one such a sync cannot be built.
 */
export function syncJobFromConfig(config: PinsyncConfig, sync: SyncConfig, modelRelation?: string): SyncJob {
  const destination = config.destinations[sync.destination]!;
  return {
    name: sync.name,
    sql: sync.query ?? `SELECT * FROM ${sourceTable(sync, modelRelation)}`,
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
    diff: checkedDiffMode(config, sync),
    ...(sync.actions && { actions: { column: sync.actions.column } }),
    segments: sync.segments,
  };
}

// The config check reports this too; a config built by hand (library use) gets the same refusal here.
function checkedDiffMode(config: PinsyncConfig, sync: SyncConfig): SyncJob['diff'] {
  const problem = diffModeProblem(sync, config.warehouses);
  if (problem !== undefined) {
    const index = config.syncs.indexOf(sync);
    throw new ConfigError(`sync ${sync.name}: ${problem}`, [{ path: `syncs[${index < 0 ? '?' : index}].diff`, message: problem }]);
  }
  return sync.diff;
}

function sourceTable(sync: SyncConfig, modelRelation: string | undefined): string {
  if (sync.table !== undefined) return sync.table;
  if (modelRelation === undefined) {
    const message = `sync ${sync.name}: dbt model ${sync.model ?? '?'} was not resolved to a relation (resolveSyncModels in core/dbt)`;
    throw new ConfigError(message, [{ path: '', message }]);
  }
  return modelRelation;
}

/**
 * The syncs `--sync`, `--select` and `--exclude` pick. `--sync` alone keeps its own order and message; with
 * `--select` or `--exclude`, dbt's selection rules apply (see core/dbt/select-syncs.ts) and config order is kept.
 */
export function selectSyncsFor(config: PinsyncConfig, selection: Selection): SyncConfig[] {
  if ((selection.select?.length ?? 0) === 0 && (selection.exclude?.length ?? 0) === 0) return selectSyncs(config, selection.sync);
  // Unknown --sync names keep their own message even when combined with --select.
  selectSyncs(config, selection.sync);
  return selectByDbtSelectors(config.syncs, selection);
}

/** The syncs named by `--sync` (all when none are named); an unknown name is a usage error listing the known ones. */
export function selectSyncs(config: PinsyncConfig, names: readonly string[] | undefined): SyncConfig[] {
  if (!names || names.length === 0) return config.syncs;
  const known = new Map(config.syncs.map((s) => [s.name, s]));
  // `segments/vip_2024` names one segment of a segment sync (core/fan-out/segment-selection.ts).
  const unknown = names.filter((n) => !known.has(n) && !segmentParentOf(config.syncs, n));
  if (unknown.length > 0) {
    throw new UsageError(`unknown sync ${unknown.map((n) => `"${n}"`).join(', ')}; the config defines: ${config.syncs.map((s) => s.name).join(', ')}`);
  }
  return [...new Set(names.map((n) => known.get(n) ?? segmentParentOf(config.syncs, n)!))];
}
