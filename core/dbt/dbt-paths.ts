/** Where a dbt project's artifacts are, from the config's `dbt:` block (paths already resolved by loadConfig). */
import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { DbtConfig } from '../config/dbt-schema.js';
import { DEFAULT_DBT_TARGET } from '../config/dbt-schema.js';

/** The target folder: `dbt.targetPath`, else `<projectDir>/target`. */
export function dbtTargetDir(dbt: DbtConfig): string {
  return dbt.targetPath ?? join(dbt.projectDir, DEFAULT_DBT_TARGET);
}

/** `<target>/manifest.json`. */
export function manifestPathOf(dbt: DbtConfig): string {
  return join(dbtTargetDir(dbt), 'manifest.json');
}

/** The run_results and the manifest `--after-dbt [PATH]` gates on. */
export interface GateArtifactPaths {
  /** run_results.json to read. */
  runResults: string;
  /** manifest.json to read with it. */
  manifest: string;
}

/**
 * `--after-dbt` without a value reads `<target>/run_results.json`. With PATH (a file, or a folder holding
 * run_results.json) the manifest next to it is used when there is one: a CI job that keeps a build's artifacts keeps
 * them together, and a manifest from elsewhere would be from another invocation anyway.
 */
export function gateArtifactPaths(dbt: DbtConfig, afterDbt: string, cwd: string): GateArtifactPaths {
  if (afterDbt === '') return { runResults: join(dbtTargetDir(dbt), 'run_results.json'), manifest: manifestPathOf(dbt) };
  const given = resolve(cwd, afterDbt);
  const runResults = isDirectory(given) ? join(given, 'run_results.json') : given;
  const beside = join(dirname(runResults), 'manifest.json');
  return { runResults, manifest: existsSync(beside) ? beside : manifestPathOf(dbt) };
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
