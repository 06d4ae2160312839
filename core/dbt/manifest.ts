/**
 * The part of dbt's manifest.json pinsync reads: models (to resolve `model:` to a relation and check the mapped
 * columns), tests and unit tests (to gate `--after-dbt` on the tests of the model a sync reads), and the
 * invocation id. Only these fields are validated, and every object is loose: dbt adds keys in every release.
 */
import { z } from 'zod';
import { type ArtifactKind, readArtifact } from './read-artifact.js';

const MANIFEST_KIND: ArtifactKind = { schemaName: 'manifest', fileName: 'manifest.json', minVersion: 9, minDbt: '1.5' };

const optionalString = z.string().nullish();

const dependsOnSchema = z.looseObject({ nodes: z.array(z.string()).nullish() }).nullish();

const nodeSchema = z.looseObject({
  unique_id: z.string(),
  resource_type: z.string(),
  name: z.string(),
  package_name: z.string(),
  database: optionalString,
  schema: optionalString,
  alias: optionalString,
  relation_name: optionalString,
  config: z.looseObject({ materialized: optionalString, enabled: z.boolean().nullish() }).nullish(),
  columns: z.record(z.string(), z.looseObject({ name: z.string() })).nullish(),
  depends_on: dependsOnSchema,
  attached_node: optionalString,
  // Model versions (dbt 1.5+): `ref('m')` means the latest version.
  version: z.union([z.string(), z.number()]).nullish(),
  latest_version: z.union([z.string(), z.number()]).nullish(),
});

const unitTestSchema = z.looseObject({
  unique_id: z.string(),
  name: z.string(),
  depends_on: dependsOnSchema,
});

const disabledSchema = z.looseObject({ unique_id: z.string(), resource_type: z.string(), name: z.string(), package_name: z.string() });

export const manifestSchema = z.looseObject({
  metadata: z.looseObject({
    dbt_schema_version: z.string(),
    dbt_version: optionalString,
    invocation_id: optionalString,
    generated_at: optionalString,
  }),
  nodes: z.record(z.string(), nodeSchema),
  disabled: z.record(z.string(), z.array(disabledSchema)).nullish(),
  unit_tests: z.record(z.string(), unitTestSchema).nullish(),
});

/** The validated subset of a manifest. */
export type DbtManifest = z.output<typeof manifestSchema>;
/** One entry of `nodes` (model, seed, snapshot, test, …). */
export type DbtNode = DbtManifest['nodes'][string];

/** Reads and validates `path` as a dbt manifest (v9+, dbt 1.5+); throws DbtArtifactError. */
export function readManifest(path: string): DbtManifest {
  return readArtifact(path, MANIFEST_KIND, manifestSchema, 'run dbt (compile, build or run) in the project first, or set dbt.targetPath');
}
