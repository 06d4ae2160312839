/**
 * Reading dbt artifacts: the real files of dbt 1.5.8, 1.7.9 and 1.11.7 (manifest v9/v11/v12, run_results v4/v5/v6)
 * read; anything else is refused with the field or version that is wrong, never a crash deep in the gate.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DbtArtifactError } from '../../core/dbt/dbt-error.js';
import { readManifest } from '../../core/dbt/manifest.js';
import { readRunResults } from '../../core/dbt/run-results.js';
import { EXIT } from '../../core/errors.js';
import { DBT_FIXTURES, FIXTURE, loadFixture } from './dbt-fixtures.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pinsync-dbt-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function file(name: string, content: unknown): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

function refusal(read: () => unknown): DbtArtifactError {
  try {
    read();
  } catch (err) {
    expect(err).toBeInstanceOf(DbtArtifactError);
    expect((err as DbtArtifactError).exitCode).toBe(EXIT.usage);
    return err as DbtArtifactError;
  }
  throw new Error('expected a DbtArtifactError');
}

describe('the fixtures of three dbt versions read', () => {
  it.each(Object.values(FIXTURE))('%s: manifest and run_results share an invocation id', (name) => {
    const manifest = readManifest(join(DBT_FIXTURES, name, 'manifest.json'));
    const runResults = readRunResults(join(DBT_FIXTURES, name, 'run_results.json'));
    expect(manifest.metadata.invocation_id).toBe(runResults.metadata.invocation_id);
    expect(Object.values(manifest.nodes).filter((n) => n.resource_type === 'model').length).toBeGreaterThan(0);
    expect(runResults.results.length).toBeGreaterThan(0);
  });
});

describe('what is not a readable artifact is refused, naming the problem', () => {
  it('a missing file says which dbt command writes it', async () => {
    expect(refusal(() => readRunResults(join(dir, 'nope.json'))).message).toMatch(/nope\.json not found: run dbt build/);
    expect(refusal(() => readManifest(join(dir, 'nope.json'))).message).toMatch(/not found: run dbt/);
  });

  it('a file that is not JSON', async () => {
    expect(refusal(() => readManifest(join(DBT_FIXTURES, 'README.md'))).message).toMatch(/is not a dbt manifest\.json: not JSON/);
  });

  it('run_results passed as the manifest (and the other way round) says which artifact it is', async () => {
    expect(refusal(() => readManifest(join(DBT_FIXTURES, FIXTURE.snowflakeBuild, 'run_results.json'))).message).toMatch(/is a dbt run-results artifact, not manifest\.json/);
    expect(refusal(() => readRunResults(join(DBT_FIXTURES, FIXTURE.snowflakeBuild, 'manifest.json'))).message).toMatch(/is a dbt manifest artifact, not run_results\.json/);
  });

  it('an artifact older than dbt 1.5 is refused with its version', async () => {
    const { manifest, runResults } = loadFixture(FIXTURE.postgresRunError);
    manifest.metadata.dbt_schema_version = 'https://schemas.getdbt.com/dbt/manifest/v8.json';
    runResults.metadata.dbt_schema_version = 'https://schemas.getdbt.com/dbt/run-results/v3.json';
    const oldManifest = await file('old-manifest.json', manifest);
    const oldResults = await file('old-results.json', runResults);
    expect(refusal(() => readManifest(oldManifest)).message).toMatch(/manifest v8; pinsync reads dbt 1\.5 and later \(manifest v9\+\)/);
    expect(refusal(() => readRunResults(oldResults)).message).toMatch(/run-results v3; pinsync reads dbt 1\.5 and later \(run-results v4\+\)/);
  });

  it('a missing field is named by its path', async () => {
    const { manifest, runResults } = loadFixture(FIXTURE.duckdbBuildError);
    delete manifest.nodes['model.fraud_pipeline.stg_identity'].package_name;
    delete runResults.results[2].status;
    const m = await file('no-package.json', manifest);
    const r = await file('no-status.json', runResults);
    expect(refusal(() => readManifest(m)).message).toMatch(/field nodes\.model\.fraud_pipeline\.stg_identity\.package_name is missing/);
    expect(refusal(() => readRunResults(r)).message).toMatch(/is not a dbt run_results\.json pinsync can read: field results\.2\.status is missing/);
  });

  it('a JSON document without dbt metadata names metadata', async () => {
    const path = await file('plain.json', { hello: 'world' });
    expect(refusal(() => readManifest(path)).message).toMatch(/is not a dbt manifest\.json pinsync can read: field metadata is missing/);
  });

  it('newer keys dbt adds are ignored (1.11 adds functions; a future node field)', async () => {
    const { manifest } = loadFixture(FIXTURE.duckdbBuildError);
    manifest.some_future_key = { x: 1 };
    manifest.nodes['model.fraud_pipeline.stg_identity'].future_field = [1, 2];
    manifest.metadata.dbt_schema_version = 'https://schemas.getdbt.com/dbt/manifest/v13.json';
    const path = await file('future.json', manifest);
    expect(readManifest(path).nodes['model.fraud_pipeline.stg_identity']!.name).toBe('stg_identity');
  });
});
