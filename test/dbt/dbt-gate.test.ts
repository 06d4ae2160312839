/**
 * The --after-dbt gate's verdicts over the real invocations (a clean build, a build with an error, a run with an
 * error) and variants derived from them: a failed test, a warning, a singular test reaching the model only through
 * depends_on, a model not in the invocation, artifacts of two invocations.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DbtArtifactError } from '../../core/dbt/dbt-error.js';
import { DbtGate, assertSameInvocation } from '../../core/dbt/dbt-gate.js';
import { readManifest } from '../../core/dbt/manifest.js';
import { readRunResults } from '../../core/dbt/run-results.js';
import { FIXTURE, type Json, resultOf, writeFixture } from './dbt-fixtures.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pinsync-dbt-gate-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

let variant = 0;
async function gateOf(name: string, derive?: (a: { manifest: Json; runResults: Json }) => void, blockOnWarn = false): Promise<DbtGate> {
  const target = join(dir, `v${++variant}`);
  await writeFixture(target, name, derive);
  return new DbtGate(readManifest(join(target, 'manifest.json')), readRunResults(join(target, 'run_results.json')), { blockOnWarn });
}

const SF = 'model.airline_analytics.';
const DUCK = 'model.fraud_pipeline.';

describe('dbt 1.7.9 snowflake, a clean build', () => {
  it('every model built success with its tests passing: sync, no warnings', async () => {
    const gate = await gateOf(FIXTURE.snowflakeBuild);
    for (const model of ['stg_airlines', 'stg_routes', 'dim_airports', 'fct_daily_flight_offers', 'route_pricing_analysis']) {
      expect(gate.verdict(SF + model)).toEqual({ action: 'sync', warnings: [] });
    }
  });

  it('a failing test attached to the model stops it, naming the test and quoting dbt', async () => {
    const gate = await gateOf(FIXTURE.snowflakeBuild, ({ runResults }) => {
      Object.assign(resultOf(runResults, 'test.airline_analytics.unique_stg_airlines_airline_id.bf5e1d1f73'), {
        status: 'fail',
        failures: 3,
        message: 'Got 3 results, configured to fail if != 0',
      });
    });
    expect(gate.verdict(`${SF}stg_airlines`)).toEqual({
      action: 'block',
      reasons: ['dbt test test.airline_analytics.unique_stg_airlines_airline_id.bf5e1d1f73 ended fail: Got 3 results, configured to fail if != 0'],
      warnings: [],
    });
    expect(gate.verdict(`${SF}stg_routes`).action).toBe('sync');
  });

  it('a long dbt message quoting a value is scrubbed before it is shortened: no part of the email survives', async () => {
    // The email sits across the 300-character cut: shortened first, "alice@ex…" would no longer look like an email.
    const message = `Database Error in test x: ${'y'.repeat(247)} Got value 'alice.marker@example.com' in column email`;
    const gate = await gateOf(FIXTURE.snowflakeBuild, ({ runResults }) => {
      Object.assign(resultOf(runResults, 'test.airline_analytics.unique_stg_airlines_airline_id.bf5e1d1f73'), { status: 'error', message });
    });
    const verdict = gate.verdict(`${SF}stg_airlines`);
    expect(verdict.action).toBe('block');
    const text = JSON.stringify(verdict);
    expect(text).not.toMatch(/alice|marker|example\.com/);
  });

  it('a test that errored stops it too; without a message the failing row count is given', async () => {
    const gate = await gateOf(FIXTURE.snowflakeBuild, ({ runResults }) => {
      Object.assign(resultOf(runResults, 'test.airline_analytics.not_null_stg_routes_route_id.bff549db32'), { status: 'error', message: null, failures: 2 });
    });
    expect(gate.verdict(`${SF}stg_routes`)).toMatchObject({ action: 'block', reasons: ['dbt test test.airline_analytics.not_null_stg_routes_route_id.bff549db32 ended error (2 failing rows)'] });
  });

  it('a warn test is a warning, and a stop with blockOnWarn', async () => {
    const derive = ({ runResults }: { runResults: Json }) => {
      Object.assign(resultOf(runResults, 'test.airline_analytics.not_null_stg_airports_airport_id.cb1e384a92'), { status: 'warn', failures: 1, message: 'Got 1 result, configured to warn if != 0' });
    };
    const warned = (await gateOf(FIXTURE.snowflakeBuild, derive)).verdict(`${SF}stg_airports`);
    expect(warned).toEqual({ action: 'sync', warnings: ['dbt test test.airline_analytics.not_null_stg_airports_airport_id.cb1e384a92 warned: Got 1 result, configured to warn if != 0'] });
    const blocked = (await gateOf(FIXTURE.snowflakeBuild, derive, true)).verdict(`${SF}stg_airports`);
    expect(blocked).toMatchObject({ action: 'block', reasons: [expect.stringMatching(/warned: Got 1 result.*\(dbt\.blockOnWarn is set\)$/)] });
  });

  it('a singular test (attached_node null) reaches the model through depends_on', async () => {
    const gate = await gateOf(FIXTURE.snowflakeBuild, ({ manifest, runResults }) => {
      const id = 'test.airline_analytics.assert_prices_positive';
      const test = structuredClone(manifest.nodes['test.airline_analytics.not_null_fct_daily_flight_offers_price_usd.b46baaba1a']);
      Object.assign(test, { unique_id: id, name: 'assert_prices_positive', attached_node: null, depends_on: { macros: [], nodes: [`${SF}fct_daily_flight_offers`, `${SF}stg_routes`] } });
      manifest.nodes[id] = test;
      runResults.results.push({ ...resultOf(runResults, 'test.airline_analytics.not_null_fct_daily_flight_offers_price_usd.b46baaba1a'), unique_id: id, status: 'fail', failures: 4, message: 'Got 4 results, configured to fail if != 0' });
    });
    // A test on two models (a relationships test, a singular test joining them) stops both.
    expect(gate.verdict(`${SF}fct_daily_flight_offers`)).toMatchObject({ action: 'block', reasons: [expect.stringContaining('assert_prices_positive ended fail')] });
    expect(gate.verdict(`${SF}stg_routes`).action).toBe('block');
    expect(gate.verdict(`${SF}stg_airlines`).action).toBe('sync');
  });

  it('a model not in the invocation is skipped: not rebuilt in this dbt run', async () => {
    const gate = await gateOf(FIXTURE.snowflakeBuild, ({ runResults }) => {
      runResults.results = runResults.results.filter((r: Json) => r.unique_id !== `${SF}dim_airports`);
    });
    expect(gate.verdict(`${SF}dim_airports`)).toEqual({ action: 'skip', reason: 'not rebuilt in this dbt run: model.airline_analytics.dim_airports is not in invocation c953b607' });
  });
});

describe('dbt 1.11.7 duckdb, a build where a view failed', () => {
  it('the model that built, with its test passing, syncs; source tests (attached_node null) do not count against it', async () => {
    const gate = await gateOf(FIXTURE.duckdbBuildError);
    expect(gate.verdict(`${DUCK}stg_identity`)).toEqual({ action: 'sync', warnings: [] });
  });

  it('the failed model stops with dbt\'s message; the ones dbt skipped after it name the failed upstream node', async () => {
    const gate = await gateOf(FIXTURE.duckdbBuildError);
    const failed = gate.verdict(`${DUCK}stg_transactions`);
    expect(failed).toMatchObject({ action: 'block', reasons: [expect.stringMatching(/^dbt model model\.fraud_pipeline\.stg_transactions ended error: Runtime Error in model stg_transactions .*Binder Error/)] });
    const skipped = gate.verdict(`${DUCK}fraud_features`);
    expect(skipped).toMatchObject({ action: 'block', reasons: [expect.stringMatching(/^dbt skipped model\.fraud_pipeline\.fraud_features because model\.fraud_pipeline\.stg_transactions ended error: Runtime Error/)] });
  });
});

describe('dbt 1.5.8 postgres, a run (no tests) where the first model failed', () => {
  it('stops the failed model and the skipped ones; a model that built but whose tests did not run gets a warning', async () => {
    const gate = await gateOf(FIXTURE.postgresRunError);
    expect(gate.verdict('model.horses.stg_horses')).toMatchObject({ action: 'block', reasons: [expect.stringMatching(/ended error: Database Error in model stg_horses .*column "forecastprice" does not exist/)] });
    expect(gate.verdict('model.horses.dim_horse')).toMatchObject({ action: 'block', reasons: [expect.stringMatching(/^dbt skipped model\.horses\.dim_horse because model\.horses\.stg_horses ended error/)] });

    const built = await gateOf(FIXTURE.postgresRunError, ({ runResults }) => {
      Object.assign(resultOf(runResults, 'model.horses.dim_race'), { status: 'success', message: 'CREATE VIEW' });
    });
    expect(built.verdict('model.horses.dim_race')).toEqual({
      action: 'sync',
      warnings: ['none of the 2 dbt tests on model.horses.dim_race ran in invocation e160029c (dbt run instead of dbt build?): the gate checked the build only'],
    });
  });
});

describe('the artifacts must come from one invocation', () => {
  it('the fixtures pass; a run_results rewritten by a later dbt command is refused (exit 2) saying so', async () => {
    for (const name of Object.values(FIXTURE)) {
      const target = join(dir, `same-${name}`);
      await writeFixture(target, name);
      assertSameInvocation(readManifest(join(target, 'manifest.json')), 'm', readRunResults(join(target, 'run_results.json')), 'r');
    }
    const target = join(dir, 'mismatch');
    await writeFixture(target, FIXTURE.snowflakeBuild, ({ runResults }) => {
      runResults.metadata.invocation_id = '0f7e3c55-0000-4000-8000-000000000000';
      runResults.args.which = 'compile';
    });
    const check = () => assertSameInvocation(readManifest(join(target, 'manifest.json')), 'manifest.json', readRunResults(join(target, 'run_results.json')), 'run_results.json');
    expect(check).toThrow(DbtArtifactError);
    expect(check).toThrow(/run_results\.json and manifest\.json come from different dbt invocations \(run_results: invocation 0f7e3c55… \(dbt compile\).*manifest: invocation c953b607…/);
  });
});
