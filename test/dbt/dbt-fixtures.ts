/**
 * The real dbt artifacts in ../shared/fixtures/dbt (see its README), and variants derived from them: a copy of a
 * fixture's manifest.json and run_results.json, changed by a function, written where a config's `dbt:` block points.
 */
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Folder holding the fixture folders. */
export const DBT_FIXTURES = fileURLToPath(new URL('../../../shared/fixtures/dbt/', import.meta.url));

/** The three fixtures: dbt version, adapter, command. */
export const FIXTURE = {
  /** dbt 1.5.8, postgres, `dbt run`: stg_horses errored, the three models after it were skipped. */
  postgresRunError: 'postgres-1.5.8-run-error',
  /** dbt 1.7.9, snowflake, `dbt build`: everything green. */
  snowflakeBuild: 'snowflake-1.7.9-build',
  /** dbt 1.11.7, duckdb, `dbt build`: stg_identity green, stg_transactions errored, two models skipped. */
  duckdbBuildError: 'duckdb-1.11.7-build-error',
} as const;

/** A loosely typed artifact, for deriving variants. */
export type Json = any;

/** Parsed copies of a fixture's two files (fresh objects every call, free to change). */
export function loadFixture(name: string): { manifest: Json; runResults: Json } {
  return {
    manifest: JSON.parse(readFileSync(join(DBT_FIXTURES, name, 'manifest.json'), 'utf8')) as Json,
    runResults: JSON.parse(readFileSync(join(DBT_FIXTURES, name, 'run_results.json'), 'utf8')) as Json,
  };
}

/** Writes a fixture (changed by `derive`) into `targetDir` as manifest.json and run_results.json. */
export async function writeFixture(targetDir: string, name: string, derive?: (a: { manifest: Json; runResults: Json }) => void): Promise<void> {
  const artifacts = loadFixture(name);
  derive?.(artifacts);
  await mkdir(targetDir, { recursive: true });
  await writeFile(join(targetDir, 'manifest.json'), JSON.stringify(artifacts.manifest));
  await writeFile(join(targetDir, 'run_results.json'), JSON.stringify(artifacts.runResults));
}

/** The run result of `uniqueId` (throws when the invocation has none). */
export function resultOf(runResults: Json, uniqueId: string): Json {
  const result = (runResults.results as Json[]).find((r) => r.unique_id === uniqueId);
  if (!result) throw new Error(`no result for ${uniqueId}`);
  return result;
}

/** Declares a column on a model, as a `columns:` entry in the model's YAML would. */
export function declareColumn(manifest: Json, uniqueId: string, column: string): void {
  manifest.nodes[uniqueId].columns[column] = { name: column, description: '', meta: {}, data_type: null, constraints: [], quote: null, tags: [] };
}
