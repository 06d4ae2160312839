/**
 * What `plan` and `sync` do with dbt before any sync runs: resolve every `model:` source through the manifest and,
 * with `--after-dbt`, gate each selected sync on the dbt invocation. Reads the artifacts (node:fs) and decides; it
 * runs nothing, so the CLI and a future scheduler share it.
 */
import type { PinsyncConfig, SyncConfig } from '../config/config-schema.js';
import { UsageError } from '../errors.js';
import type { SyncReport } from '../sync-report.js';
import { DbtGate, assertSameInvocation } from './dbt-gate.js';
import { gateArtifactPaths, manifestPathOf } from './dbt-paths.js';
import { dbtGateReport } from './gate-report.js';
import { readManifest } from './manifest.js';
import { resolveSyncModels } from './resolve-models.js';
import { readRunResults } from './run-results.js';

/** A selected sync the gate left out, and why (not an error: exit 0). */
export interface SkippedSync {
  /** Sync name. */
  sync: string;
  /** Why it was not run, e.g. "not rebuilt in this dbt run: …". */
  reason: string;
}

/** One selected sync's fate, in selection order. */
export type PreparedSync =
  | {
      /** Run it. */
      kind: 'run';
      /** The sync. */
      sync: SyncConfig;
      /** The relation a model source reads; undefined for query:/table:. */
      relation: string | undefined;
      /** From the gate (prefixed `dbt: `), for the sync's report. */
      warnings: string[];
    }
  | {
      /** Stopped by the gate: a guardrail stop (exit 3), nothing read or sent. */
      kind: 'stopped';
      /** The sync. */
      sync: SyncConfig;
      /** Its report, ready to render. */
      report: SyncReport;
    }
  | {
      /** Left out by the gate. */
      kind: 'skipped';
      /** The sync. */
      sync: SyncConfig;
      /** Name and reason, for the report. */
      skipped: SkippedSync;
    };

/** The dbt switches of `plan`/`sync`. */
export interface DbtRunOptions {
  /** `--after-dbt [PATH]`: undefined when not given, '' for the default `<target>/run_results.json`. */
  afterDbt: string | undefined;
  /** `--include-unbuilt`: also run what the invocation did not rebuild, ungated. */
  includeUnbuilt: boolean;
  /** Folder a relative --after-dbt PATH is relative to. */
  cwd: string;
  /** `plan` or `sync`, for the reports of stopped syncs. */
  mode: 'plan' | 'sync';
  /** --full-resync, for the reports of stopped syncs. */
  fullResync: boolean;
  /** Clock. */
  now?: Date;
}

export function prepareDbtSyncs(config: PinsyncConfig, selected: readonly SyncConfig[], options: DbtRunOptions): PreparedSync[] {
  if (options.includeUnbuilt && options.afterDbt === undefined) throw new UsageError('--include-unbuilt only applies with --after-dbt');
  const usesModels = selected.some((s) => s.model !== undefined);
  if (options.afterDbt === undefined && !usesModels) return selected.map((sync) => ({ kind: 'run', sync, relation: undefined, warnings: [] }));
  const dbt = config.dbt;
  if (dbt === undefined) throw new UsageError('--after-dbt needs the dbt: { projectDir: … } block in the config, to find the dbt artifacts');

  const paths = options.afterDbt === undefined ? undefined : gateArtifactPaths(dbt, options.afterDbt, options.cwd);
  const manifestPath = paths?.manifest ?? manifestPathOf(dbt);
  const manifest = readManifest(manifestPath);
  let gate: DbtGate | undefined;
  if (paths !== undefined) {
    // Checked before the models resolve: against a stale manifest, even a resolution error would mislead.
    const runResults = readRunResults(paths.runResults);
    assertSameInvocation(manifest, manifestPath, runResults, paths.runResults);
    gate = new DbtGate(manifest, runResults, { blockOnWarn: dbt.blockOnWarn });
  }
  const models = resolveSyncModels(config, selected, manifest, manifestPath);
  const now = options.now ?? new Date();

  return selected.map((sync): PreparedSync => {
    const model = models.get(sync.name);
    if (gate === undefined) return { kind: 'run', sync, relation: model?.relation, warnings: [] };
    if (model === undefined) {
      if (options.includeUnbuilt) return { kind: 'run', sync, relation: undefined, warnings: [] };
      return { kind: 'skipped', sync, skipped: { sync: sync.name, reason: 'not a dbt model source (query:/table:): --after-dbt syncs model: sources only; --include-unbuilt runs it too' } };
    }
    const verdict = gate.verdict(model.uniqueId);
    switch (verdict.action) {
      case 'sync':
        return { kind: 'run', sync, relation: model.relation, warnings: verdict.warnings.map((w) => `dbt: ${w}`) };
      case 'skip':
        if (options.includeUnbuilt) return { kind: 'run', sync, relation: model.relation, warnings: [`dbt: ${verdict.reason}; synced anyway (--include-unbuilt)`] };
        return { kind: 'skipped', sync, skipped: { sync: sync.name, reason: verdict.reason } };
      case 'block':
        return {
          kind: 'stopped',
          sync,
          report: dbtGateReport({
            sync: sync.name,
            mode: options.mode,
            adAccountId: config.destinations[sync.destination]!.adAccountId,
            reasons: verdict.reasons,
            warnings: verdict.warnings.map((w) => `dbt: ${w}`),
            fullResync: options.fullResync,
            now,
          }),
        };
    }
  });
}

/**
 * The relation each model sync among `syncs` reads, for commands that build sync jobs without the gate (doctor,
 * validate). Reads the manifest only when one of them has a `model:` source; throws ConfigError like plan does.
 */
export function modelRelations(config: PinsyncConfig, syncs: readonly SyncConfig[]): Map<string, string> {
  if (config.dbt === undefined || !syncs.some((s) => s.model !== undefined)) return new Map();
  const manifestPath = manifestPathOf(config.dbt);
  const models = resolveSyncModels(config, syncs, readManifest(manifestPath), manifestPath);
  return new Map([...models].map(([name, model]) => [name, model.relation]));
}
