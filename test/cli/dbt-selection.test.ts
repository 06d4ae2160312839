/**
 * dbt-style `--select`/`--exclude` on plan and sync: what they pick, and that a selector naming nothing, or a dbt
 * option used wrongly, is a usage error that stops before anything runs (exit 2, nothing sent, no state file).
 */
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SyncFixture } from '../helpers/sync-fixture.js';
import { cliJson, emails, writeArtifacts, writeDbtConfig, writeWarehouse } from '../dbt/after-dbt-fixture.js';
import { FIXTURE, declareColumn } from '../dbt/dbt-fixtures.js';

let fx: SyncFixture;

beforeAll(async () => {
  fx = await SyncFixture.create();
  await writeWarehouse(fx, 'fraud.duckdb', { 'main.stg_identity': emails(10), 'main.fraud_features': emails(10, 'ff.example') });
  await writeArtifacts(fx, FIXTURE.duckdbBuildError, (a) => {
    for (const model of ['stg_identity', 'fraud_features']) declareColumn(a.manifest, `model.fraud_pipeline.${model}`, 'email');
  });
  await writeDbtConfig(fx, {
    warehouse: 'fraud.duckdb',
    syncs: [
      'name: identity_audience, model: stg_identity, identifiers: { email: email }, tags: [fraud, daily]',
      'name: features_audience, model: fraud_pipeline.fraud_features, identifiers: { email: email }, tags: [fraud]',
      'name: query_audience, query: "select email from main.stg_identity", identifiers: { email: email }',
    ],
  });
});

afterAll(async () => {
  await fx.close();
});

beforeEach(() => {
  fx.emulator.clearRequests();
});

async function planned(args: string[]): Promise<string[]> {
  const { code, doc } = await cliJson(fx, ['plan', '--format', 'json', ...args]);
  expect(code).toBe(0);
  return doc.syncs.map((r) => r.sync);
}

describe('what --select and --exclude pick', () => {
  it.each<[string[], string[]]>([
    [[], ['identity_audience', 'features_audience', 'query_audience']],
    [['--select', 'tag:fraud'], ['identity_audience', 'features_audience']],
    [['--select', 'query_audience', 'tag:daily'], ['identity_audience', 'query_audience']],
    [['-s', 'tag:daily query_audience'], ['identity_audience', 'query_audience']],
    [['--select', 'model:fraud_features'], ['features_audience']],
    [['--select', 'model:fraud_pipeline.stg_identity'], ['identity_audience']],
    [['--select', 'tag:fraud,model:stg_identity'], ['identity_audience']],
    [['--select', 'tag:fraud', '--exclude', 'model:fraud_features'], ['identity_audience']],
    [['--exclude', 'tag:fraud'], ['query_audience']],
    [['--sync', 'query_audience', '--select', 'tag:daily'], ['identity_audience', 'query_audience']],
    [['--sync', 'query_audience', '--sync', 'identity_audience'], ['query_audience', 'identity_audience']],
  ])('plan %j → %j', async (args, expected) => {
    expect(await planned(args)).toEqual(expected);
    expect(fx.emulator.requests).toEqual([]);
  });
});

describe('a selection mistake stops before anything runs', () => {
  it.each<[string[], RegExp]>([
    [['plan', '--select', 'identiy_audience'], /--select: unknown sync "identiy_audience"; did you mean "identity_audience"\?/],
    [['plan', '--select', 'model:stg_identiy'], /--select model:stg_identiy: no sync reads dbt model "stg_identiy"; did you mean "stg_identity"\?/],
    [['plan', '--select', 'tag:weekly'], /--select tag:weekly: no sync has tag "weekly"; known: fraud, daily/],
    [['plan', '--select', 'tags:fraud'], /unknown selector method "tags"; did you mean "tag:"\?/],
    [['plan', '--select', 'path:models/x'], /unknown selector method "path"; use a sync name, model:NAME or tag:T/],
    [['plan', '--select', '+identity_audience'], /graph operators \(\+, @\) and wildcards are not supported/],
    [['plan', '--select', 'identity_*'], /graph operators \(\+, @\) and wildcards are not supported/],
    [['plan', '--select'], /--select needs a/],
    [['sync', '--select', ''], /--select needs a selector/],
    [['sync', '--exclude'], /--exclude needs a/],
    [['sync', '--exclude', 'tag:nope'], /--exclude tag:nope: no sync has tag "nope"/],
    [['plan', '--select', 'identity_audience,query_audience'], /the selection matches no sync \(a comma means "and" in dbt selection syntax: separate selectors with spaces for "or"\)/],
    [['sync', '--select', 'tag:fraud', '--exclude', 'tag:fraud'], /the selection matches no sync; the config defines: identity_audience, features_audience, query_audience/],
    [['sync', '--select', 'tag:fraud', '--sync', 'nope'], /unknown sync "nope"; the config defines/],
    [['sync', '--include-unbuilt'], /--include-unbuilt only applies with --after-dbt/],
    [['plan', '--select', 'model:'], /name what to select after "model:"/],
    [['dbt', 'exposures', '--bogus'], /Unknown argument/],
    [['dbt', 'bogus'], /Unknown argument|name a dbt command/],
  ])('pinsync %j exits 2 and says why', async (args, message) => {
    const res = await fx.cli(args);
    expect(res.stderr).toMatch(message);
    expect(res.stdout).toBe('');
    expect(res.code).toBe(2);
    expect(fx.emulator.requests).toEqual([]);
    expect(existsSync(fx.statePath)).toBe(false);
  });
});
