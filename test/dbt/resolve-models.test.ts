/**
 * `model:` → relation, as ref() would resolve it, against the real manifests; the unknown, ambiguous, disabled and
 * ephemeral cases derived from them; and the mapped columns checked against what the model declares.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfigText } from '../../core/config/load-config.js';
import type { PinsyncConfig } from '../../core/config/config-schema.js';
import { readManifest, type DbtManifest } from '../../core/dbt/manifest.js';
import { relationOf } from '../../core/dbt/model-relation.js';
import { modelRelations } from '../../core/dbt/prepare-dbt-syncs.js';
import { findModel, resolveSyncModels } from '../../core/dbt/resolve-models.js';
import { ConfigError } from '../../core/errors.js';
import { FIXTURE, type Json, declareColumn, writeFixture } from './dbt-fixtures.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pinsync-dbt-models-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

let variant = 0;
async function manifestOf(name: string, derive?: (m: Json) => void): Promise<DbtManifest> {
  const target = join(dir, `v${++variant}`);
  await writeFixture(target, name, derive ? ({ manifest }) => derive(manifest) : undefined);
  return readManifest(join(target, 'manifest.json'));
}

function config(syncs: string[], warehouse = '{ type: duckdb, path: fraud.duckdb }'): PinsyncConfig {
  return parseConfigText(
    [
      'warehouses:',
      `  wh: ${warehouse}`,
      'destinations:',
      '  p: { type: pinterest, adAccountId: "1", auth: { accessToken: t } }',
      'dbt: { projectDir: analytics }',
      'syncs:',
      ...syncs.map((s, i) => `  - { name: s${i}, warehouse: wh, audience: { name: A${i} }, ${s.includes('identifiers') ? s : `${s}, identifiers: { email: email }`} }`),
    ].join('\n'),
    { configDir: dir },
  );
}

function problems(cfg: PinsyncConfig, manifest: DbtManifest): { path: string; message: string }[] {
  try {
    resolveSyncModels(cfg, cfg.syncs, manifest, 'manifest.json');
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).issues;
  }
  throw new Error('expected a ConfigError');
}

describe('resolving model: to the relation dbt built', () => {
  it('takes relation_name from each adapter as dbt rendered it', async () => {
    const snowflake = await manifestOf(FIXTURE.snowflakeBuild);
    const postgres = await manifestOf(FIXTURE.postgresRunError);
    const sf = config(['model: dim_airports', 'model: airline_analytics.stg_airlines, identifiers: { airline_id: email }'], '{ type: duckdb, path: other.duckdb }');
    expect([...resolveSyncModels(sf, sf.syncs, snowflake, 'm').values()]).toEqual([
      { uniqueId: 'model.airline_analytics.dim_airports', relation: 'ANALYTICS_DB.STAGING.dim_airports' },
      { uniqueId: 'model.airline_analytics.stg_airlines', relation: 'ANALYTICS_DB.STAGING.stg_airlines' },
    ]);
    const pg = config(['model: stg_horses, identifiers: { unique_id: email }'], '{ type: postgres, url: "postgres://u@127.0.0.1:5432/db" }');
    expect(resolveSyncModels(pg, pg.syncs, postgres, 'm').get('s0')!.relation).toBe('"postgres"."public"."stg_horses"');
  });

  it('reads a dbt-duckdb relation in the warehouse file it names through the default catalog (pushdown attaches it under another name)', async () => {
    const duck = await manifestOf(FIXTURE.duckdbBuildError);
    const same = config(['model: stg_identity, identifiers: { transaction_id: email }']);
    expect(resolveSyncModels(same, same.syncs, duck, 'm').get('s0')!.relation).toBe('"main"."stg_identity"');
    const other = config(['model: stg_identity, identifiers: { transaction_id: email }'], '{ type: duckdb, path: elsewhere.duckdb }');
    expect(resolveSyncModels(other, other.syncs, duck, 'm').get('s0')!.relation).toBe('"fraud"."main"."stg_identity"');
  });

  it('builds the relation from database/schema/alias when relation_name is missing, quoted as the adapter quotes', async () => {
    const manifest = await manifestOf(FIXTURE.snowflakeBuild, (m) => {
      const node = m.nodes['model.airline_analytics.dim_airports'];
      node.relation_name = null;
      node.alias = 'dim_airports_v2';
    });
    const node = manifest.nodes['model.airline_analytics.dim_airports']!;
    const at = (warehouse: string) => relationOf(node, config(['model: dim_airports'], warehouse).warehouses.wh!);
    expect(at('{ type: snowflake, account: a, username: u, password: p, warehouse: w, database: d, schema: s }')).toEqual({ relation: 'ANALYTICS_DB.STAGING.dim_airports_v2' });
    expect(at('{ type: postgres, url: "postgres://u@127.0.0.1:5432/db" }')).toEqual({ relation: '"ANALYTICS_DB"."STAGING"."dim_airports_v2"' });
    expect(at('{ type: bigquery, projectId: p }')).toEqual({ relation: '`ANALYTICS_DB`.`STAGING`.`dim_airports_v2`' });
    expect(at('{ type: duckdb, path: analytics_db.duckdb }')).toEqual({ relation: '"STAGING"."dim_airports_v2"' });
  });

  it('refuses a relation that is not a table name (it is pasted into SELECT * FROM)', async () => {
    const manifest = await manifestOf(FIXTURE.snowflakeBuild, (m) => {
      m.nodes['model.airline_analytics.dim_airports'].relation_name = 'x; drop table y';
    });
    const cfg = config(['model: dim_airports']);
    expect(problems(cfg, manifest)).toEqual([{ path: 'syncs[0].model', message: expect.stringMatching(/relation "x; drop table y" is not a table name/) }]);
  });

  it('an unknown model is a config error with a did-you-mean, or the models there are', async () => {
    const manifest = await manifestOf(FIXTURE.duckdbBuildError);
    const issues = problems(config(['model: stg_identiy', 'model: vip_customers']), manifest);
    expect(issues).toEqual([
      { path: 'syncs[0].model', message: 'unknown dbt model "stg_identiy"; did you mean "stg_identity"?' },
      { path: 'syncs[1].model', message: 'unknown dbt model "vip_customers"; the manifest has fraud_features, fraud_summary, stg_identity, stg_transactions' },
    ]);
    expect(problems(config(['model: other_pkg.stg_identity']), manifest)[0]!.message).toBe('unknown dbt model "other_pkg.stg_identity": package other_pkg defines no stg_identity; fraud_pipeline.stg_identity exists');
  });

  it('a name two packages define is ambiguous: the message names both ways to write it; package.name resolves it', async () => {
    const manifest = await manifestOf(FIXTURE.duckdbBuildError, (m) => {
      const copy = structuredClone(m.nodes['model.fraud_pipeline.stg_identity']);
      copy.package_name = 'shared_models';
      copy.unique_id = 'model.shared_models.stg_identity';
      copy.relation_name = '"fraud"."shared"."stg_identity"';
      m.nodes[copy.unique_id] = copy;
    });
    expect(problems(config(['model: stg_identity, identifiers: { transaction_id: email }']), manifest)).toEqual([
      {
        path: 'syncs[0].model',
        message: 'dbt model "stg_identity" is ambiguous: packages fraud_pipeline, shared_models each define it; write model: fraud_pipeline.stg_identity or model: shared_models.stg_identity',
      },
    ]);
    const cfg = config(['model: shared_models.stg_identity, identifiers: { transaction_id: email }']);
    expect(resolveSyncModels(cfg, cfg.syncs, manifest, 'm').get('s0')!.uniqueId).toBe('model.shared_models.stg_identity');
  });

  it('a versioned model resolves to its latest version, as ref() does', async () => {
    const manifest = await manifestOf(FIXTURE.duckdbBuildError, (m) => {
      const v1 = m.nodes['model.fraud_pipeline.stg_identity'];
      delete m.nodes['model.fraud_pipeline.stg_identity'];
      for (const v of [1, 2, 3]) {
        const node = structuredClone(v1);
        Object.assign(node, { unique_id: `model.fraud_pipeline.stg_identity.v${v}`, version: v, latest_version: 2, relation_name: `"fraud"."main"."stg_identity_v${v}"` });
        m.nodes[node.unique_id] = node;
      }
    });
    expect(findModel(manifest, 'stg_identity')).toMatchObject({ node: { unique_id: 'model.fraud_pipeline.stg_identity.v2' } });
  });

  it('a disabled model and an ephemeral one say so', async () => {
    const manifest = await manifestOf(FIXTURE.duckdbBuildError, (m) => {
      const node = m.nodes['model.fraud_pipeline.fraud_summary'];
      delete m.nodes['model.fraud_pipeline.fraud_summary'];
      m.disabled = { [node.unique_id]: [node] };
      m.nodes['model.fraud_pipeline.stg_identity'].config.materialized = 'ephemeral';
      m.nodes['model.fraud_pipeline.stg_identity'].relation_name = null;
    });
    const issues = problems(config(['model: fraud_summary, identifiers: { grain: email }', 'model: stg_identity, identifiers: { transaction_id: email }']), manifest);
    expect(issues.map((i) => i.message)).toEqual([
      'dbt model "fraud_summary" (model.fraud_pipeline.fraud_summary) is disabled in the dbt project (enabled: false)',
      'model.fraud_pipeline.stg_identity is ephemeral: it has no table or view in the warehouse to read; materialize it as a view or table',
    ]);
  });

  it('mapped columns are checked against the columns the model declares (case-insensitively), when it declares any', async () => {
    const manifest = await manifestOf(FIXTURE.duckdbBuildError, (m) => declareColumn(m, 'model.fraud_pipeline.stg_transactions', 'Email'));
    const issues = problems(config(['model: stg_transactions, identifiers: { email: email, emial_sha: email_sha256, gaid: maid }']), manifest);
    expect(issues).toEqual([
      { path: 'syncs[0].identifiers.emial_sha', message: expect.stringMatching(/^column "emial_sha" is not among the columns dbt model model\.fraud_pipeline\.stg_transactions declares \(it declares transaction_id, is_fraud, transaction_amt, product_cd, Email\); fix the mapping, or declare the column/) },
      { path: 'syncs[0].identifiers.gaid', message: expect.stringMatching(/column "gaid" is not among/) },
    ]);
    // A close declared name is offered.
    expect(problems(config(['model: stg_transactions, identifiers: { transaction_ammt: email }']), manifest)[0]!.message).toMatch(/did you mean "transaction_amt"\?/);
    // No declared columns (snowflake's dim_airports): nothing to check against.
    const snowflake = await manifestOf(FIXTURE.snowflakeBuild);
    const cfg = config(['model: dim_airports, identifiers: { anything: email }']);
    expect(resolveSyncModels(cfg, cfg.syncs, snowflake, 'm').size).toBe(1);
  });
});

describe('modelRelations (for doctor and validate)', () => {
  it('reads the manifest of the config\'s dbt project only when a sync has a model source', async () => {
    const project = join(dir, 'project');
    await writeFixture(join(project, 'target'), FIXTURE.snowflakeBuild);
    const cfg = parseConfigText(
      [
        'warehouses: { wh: { type: duckdb, path: w.duckdb } }',
        'destinations: { p: { type: pinterest, adAccountId: "1", auth: { accessToken: t } } }',
        'dbt: { projectDir: project }',
        'syncs:',
        '  - { name: a, warehouse: wh, audience: { name: A }, identifiers: { email: email }, model: dim_airports }',
        '  - { name: b, warehouse: wh, audience: { name: B }, identifiers: { email: email }, table: x.y }',
      ].join('\n'),
      { configDir: dir },
    );
    expect(modelRelations(cfg, cfg.syncs)).toEqual(new Map([['a', 'ANALYTICS_DB.STAGING.dim_airports']]));
    expect(modelRelations(cfg, [cfg.syncs[1]!])).toEqual(new Map());
  });
});
