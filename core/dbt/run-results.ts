/**
 * The part of dbt's run_results.json pinsync reads: which nodes the invocation ran, how each ended, and the
 * invocation id that ties it to a manifest. v4 (dbt 1.5/1.6) results carry no relation_name: relations always come
 * from the manifest.
 */
import { z } from 'zod';
import { type ArtifactKind, readArtifact } from './read-artifact.js';

const RUN_RESULTS_KIND: ArtifactKind = { schemaName: 'run-results', fileName: 'run_results.json', minVersion: 4, minDbt: '1.5' };

export const runResultsSchema = z.looseObject({
  metadata: z.looseObject({
    dbt_schema_version: z.string(),
    dbt_version: z.string().nullish(),
    invocation_id: z.string().nullish(),
    generated_at: z.string().nullish(),
  }),
  results: z.array(
    z.looseObject({
      unique_id: z.string(),
      // models and seeds: success/error/skipped; tests: pass/fail/warn/error/skipped (newer dbt adds more).
      status: z.string(),
      message: z.string().nullish(),
      failures: z.number().nullish(),
    }),
  ),
  args: z.looseObject({ which: z.string().nullish() }).nullish(),
});

/** The validated subset of run_results.json. */
export type DbtRunResults = z.output<typeof runResultsSchema>;
/** One node's outcome in the invocation. */
export type DbtRunResult = DbtRunResults['results'][number];

/** Reads and validates `path` as dbt run results (v4+, dbt 1.5+); throws DbtArtifactError. */
export function readRunResults(path: string): DbtRunResults {
  return readArtifact(path, RUN_RESULTS_KIND, runResultsSchema, 'run dbt build (or run and test) first, or pass --after-dbt PATH');
}
