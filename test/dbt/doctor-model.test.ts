/** `pinsync doctor` on a sync whose source is a dbt model: the model is resolved through the manifest, as for plan. */
import { describe, expect, it } from 'vitest';
import { useSyncFixture } from '../helpers/sync-fixture.js';
import { emails, writeArtifacts, writeDbtConfig, writeWarehouse } from './after-dbt-fixture.js';
import { FIXTURE, declareColumn } from './dbt-fixtures.js';

const fixture = useSyncFixture();

describe('doctor with a model: source', () => {
  it('resolves the model through the manifest and checks the sync like any other', async () => {
    const fx = fixture();
    await writeWarehouse(fx, 'fraud.duckdb', { 'main.stg_identity': emails(12) });
    await writeArtifacts(fx, FIXTURE.duckdbBuildError, (a) => declareColumn(a.manifest, 'model.fraud_pipeline.stg_identity', 'email'));
    await writeDbtConfig(fx, { warehouse: 'fraud.duckdb', syncs: ['name: identity_audience, model: stg_identity, identifiers: { email: email }'] });
    const res = await fx.cli(['doctor', '--json']);
    expect(res.code, res.stdout + res.stderr).toBe(0);
    const doc = JSON.parse(res.stdout) as { ok: boolean; syncs: { sync: string; checks: { name: string; status: string }[] }[] };
    expect(doc.ok).toBe(true);
    expect(doc.syncs[0]!.checks.find((c) => c.name === 'warehouse reachable')).toMatchObject({ status: 'ok' });
  });
});
