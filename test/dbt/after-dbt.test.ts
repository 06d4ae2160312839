/**
 * `pinsync sync --after-dbt` end to end: the CLI in-process, a DuckDB warehouse holding the models the real dbt
 * artifacts describe, the emulator over HTTP. A sync runs only when dbt rebuilt its model and tested it green; a
 * failure stops it before anything is read or sent (exit 3); a model dbt did not rebuild is skipped; artifacts of
 * two invocations stop the command (exit 2).
 */
import { existsSync } from 'node:fs';
import { cp } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useSyncFixture } from '../helpers/sync-fixture.js';
import { PROJECT_DIR, cliJson, emails, reportOf, writeArtifacts, writeDbtConfig, writeWarehouse } from './after-dbt-fixture.js';
import { FIXTURE, type Json, declareColumn, resultOf } from './dbt-fixtures.js';

const fixture = useSyncFixture();

const MODEL = 'model.fraud_pipeline.';
const IDENTITY = 'name: identity_audience, model: stg_identity, identifiers: { email: email }, tags: [fraud, daily]';
const TRANSACTIONS = 'name: transactions_audience, model: stg_transactions, identifiers: { email: email }';
const FEATURES = 'name: features_audience, model: fraud_pipeline.fraud_features, identifiers: { email: email }, tags: [fraud]';
const QUERY = 'name: query_audience, query: "select email from main.stg_identity", identifiers: { email: email }';

/** The duckdb fixture (dbt 1.11.7 build: stg_identity green, stg_transactions error, fraud_features skipped), `email` declared on its models. */
async function duckdbProject(derive?: (a: { manifest: Json; runResults: Json }) => void, syncs = [IDENTITY, TRANSACTIONS, FEATURES, QUERY], dbtExtra?: string) {
  const fx = fixture();
  await writeWarehouse(fx, 'fraud.duckdb', { 'main.stg_identity': emails(120), 'main.stg_transactions': emails(50, 'tx.example'), 'main.fraud_features': emails(30, 'ff.example') });
  await writeArtifacts(fx, FIXTURE.duckdbBuildError, (a) => {
    for (const model of ['stg_identity', 'stg_transactions', 'fraud_features']) declareColumn(a.manifest, MODEL + model, 'email');
    derive?.(a);
  });
  await writeDbtConfig(fx, { warehouse: 'fraud.duckdb', syncs, dbtExtra });
  return fx;
}

function writes() {
  return fixture().emulator.requests.filter((r) => r.method !== 'GET');
}

describe('sync --after-dbt on a dbt 1.11.7 build where one view failed', () => {
  it('syncs the model that built green, stops the failed and the skipped ones (exit 3) naming the dbt node, skips the query sync', async () => {
    await duckdbProject();
    const { code, doc } = await cliJson(fixture(), ['sync', '--after-dbt', '--json']);
    expect(code).toBe(3);
    expect(doc.exitCode).toBe(3);

    const identity = reportOf(doc, 'identity_audience');
    expect(identity).toMatchObject({ status: 'succeeded', exitCode: 0, sent: { adds: 120, removes: 0 } });

    const transactions = reportOf(doc, 'transactions_audience');
    expect(transactions).toMatchObject({ status: 'guardrail', exitCode: 3, error: { code: 'PINSYNC_DBT_GATE' }, sent: { adds: 0, removes: 0, batches: 0 } });
    expect(transactions.guardrail.reasons).toEqual([expect.stringMatching(/^dbt model model\.fraud_pipeline\.stg_transactions ended error: Runtime Error in model stg_transactions .*Binder Error/)]);
    expect(reportOf(doc, 'features_audience').guardrail.reasons).toEqual([
      expect.stringMatching(/^dbt skipped model\.fraud_pipeline\.fraud_features because model\.fraud_pipeline\.stg_transactions ended error/),
    ]);
    expect(doc.skipped).toEqual([{ sync: 'query_audience', reason: expect.stringMatching(/^not a dbt model source/) }]);

    // Only the green model's list exists; nothing was written for the stopped syncs.
    const lists = fixture().emulator.lists();
    expect(lists.map((l) => l.name)).toEqual(['Audience 0']);
    expect(fixture().membership().size).toBe(120);
  });

  it('the table report shows the stop reason and the skipped sync with its reason', async () => {
    await duckdbProject();
    const res = await fixture().cli(['sync', '--after-dbt', '--select', 'tag:fraud', 'query_audience']);
    expect(res.code).toBe(3);
    expect(res.stdout).toMatch(/features_audience {2}· {2}SYNC {2}· {2}blocked by guardrail/);
    expect(res.stdout).toMatch(/- dbt skipped model\.fraud_pipeline\.fraud_features because/);
    expect(res.stdout).toMatch(/query_audience {2}· {2}skipped\n {2}reason {2}not a dbt model source/);
    expect(res.stdout).toMatch(/3 syncs: 1 succeeded, 1 blocked by guardrail, 1 skipped/);
    expect(res.stdout).not.toContain('transactions_audience');
  });

  it('the markdown report lists the skipped sync in the summary and says why', async () => {
    await duckdbProject();
    const res = await fixture().cli(['plan', '--after-dbt', '--format', 'markdown']);
    expect(res.code).toBe(3);
    expect(res.stdout).toContain('| `query_audience` (skipped) | — | — | — | — | — |');
    expect(res.stdout).toMatch(/### Skipped\n\n- `query_audience`: not a dbt model source/);
    expect(res.stdout).toMatch(/### `transactions_audience` · PLAN · blocked by guardrail\n[\s\S]*?- dbt model model\.fraud_pipeline\.stg_transactions ended error/);
  });

  it('plan --after-dbt gates the same way and sends and stores nothing', async () => {
    await duckdbProject();
    const { code, doc } = await cliJson(fixture(), ['plan', '--after-dbt', '--format', 'json']);
    expect(code).toBe(3);
    expect(reportOf(doc, 'identity_audience')).toMatchObject({ status: 'planned', diff: { adds: 120 } });
    expect(reportOf(doc, 'transactions_audience').status).toBe('guardrail');
    expect(fixture().emulator.requests).toEqual([]);
    expect(existsSync(fixture().statePath)).toBe(false);
  });

  it('--include-unbuilt also runs what the invocation did not rebuild, with a warning saying so', async () => {
    await duckdbProject((a) => {
      a.runResults.results = a.runResults.results.filter((r: Json) => r.unique_id !== `${MODEL}stg_identity`);
    }, [IDENTITY, QUERY]);
    const skipped = await cliJson(fixture(), ['sync', '--after-dbt', '--json']);
    expect(skipped.code).toBe(0);
    expect(skipped.doc.syncs).toEqual([]);
    expect(skipped.doc.skipped).toEqual([
      { sync: 'identity_audience', reason: 'not rebuilt in this dbt run: model.fraud_pipeline.stg_identity is not in invocation 3eaabf10' },
      { sync: 'query_audience', reason: expect.stringMatching(/^not a dbt model source/) },
    ]);
    expect(fixture().emulator.requests).toEqual([]);
    // Nothing ran, so nothing was opened: a first run does not leave an empty state file behind.
    expect(existsSync(fixture().statePath)).toBe(false);

    const included = await cliJson(fixture(), ['sync', '--after-dbt', '--include-unbuilt', '--json']);
    expect(included.code).toBe(0);
    expect(reportOf(included.doc, 'identity_audience')).toMatchObject({ status: 'succeeded', sent: { adds: 120 } });
    expect(reportOf(included.doc, 'identity_audience').warnings).toContain(
      'dbt: not rebuilt in this dbt run: model.fraud_pipeline.stg_identity is not in invocation 3eaabf10; synced anyway (--include-unbuilt)',
    );
    expect(reportOf(included.doc, 'query_audience').status).toBe('succeeded');
  });
});

describe('the tests attached to the model gate it', () => {
  it('a failed test stops the sync: exit 3, nothing read or sent, the test and dbt\'s message named', async () => {
    await duckdbProject((a) => {
      Object.assign(resultOf(a.runResults, 'test.fraud_pipeline.not_null_stg_identity_transaction_id.0e6b6a0462'), {
        status: 'fail',
        failures: 2,
        message: 'Got 2 results, configured to fail if != 0',
      });
    });
    const res = await fixture().cli(['sync', '--after-dbt', '--sync', 'identity_audience']);
    expect(res.code).toBe(3);
    expect(res.stdout).toContain('- dbt test test.fraud_pipeline.not_null_stg_identity_transaction_id.0e6b6a0462 ended fail: Got 2 results, configured to fail if != 0');
    expect(res.stdout).toMatch(/sent +0 adds, 0 removes in 0 batches \(stopped before sending\)/);
    expect(fixture().emulator.requests).toEqual([]);
  });

  it('a warn test is reported and syncs; with dbt.blockOnWarn it stops', async () => {
    const warn = (a: { runResults: Json }) => {
      Object.assign(resultOf(a.runResults, 'test.fraud_pipeline.not_null_stg_identity_transaction_id.0e6b6a0462'), { status: 'warn', failures: 1, message: 'Got 1 result, configured to warn if != 0' });
    };
    await duckdbProject(warn, [IDENTITY]);
    const warned = await cliJson(fixture(), ['sync', '--after-dbt', '--json']);
    expect(warned.code).toBe(0);
    expect(reportOf(warned.doc, 'identity_audience').warnings).toContain(
      'dbt: dbt test test.fraud_pipeline.not_null_stg_identity_transaction_id.0e6b6a0462 warned: Got 1 result, configured to warn if != 0',
    );

    await duckdbProject(warn, [IDENTITY], 'blockOnWarn: true');
    fixture().emulator.clearRequests();
    const blocked = await cliJson(fixture(), ['sync', '--after-dbt', '--json']);
    expect(blocked.code).toBe(3);
    expect(reportOf(blocked.doc, 'identity_audience').guardrail.reasons).toEqual([expect.stringMatching(/warned: .*\(dbt\.blockOnWarn is set\)$/)]);
    expect(writes()).toEqual([]);
  });
});

describe('artifacts that cannot be trusted stop the command (exit 2)', () => {
  it('run_results.json from another invocation than manifest.json: says so, nothing runs', async () => {
    await duckdbProject((a) => {
      a.runResults.metadata.invocation_id = 'aaaaaaaa-1111-4111-8111-111111111111';
      a.runResults.args.which = 'compile';
    });
    const res = await fixture().cli(['sync', '--after-dbt']);
    expect(res.code).toBe(2);
    expect(res.stdout).toBe('');
    expect(res.stderr).toMatch(/come from different dbt invocations \(run_results: invocation aaaaaaaa… \(dbt compile\), generated [^;]+; manifest: invocation 3eaabf10…/);
    expect(res.stderr).toMatch(/gate right after `dbt build`/);
    expect(fixture().emulator.requests).toEqual([]);
    expect(existsSync(fixture().statePath)).toBe(false);
  });

  it('no run_results.json yet: exit 2 naming the file', async () => {
    await duckdbProject();
    const res = await fixture().cli(['sync', '--after-dbt', 'elsewhere/run_results.json']);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/elsewhere\/run_results\.json not found: run dbt build/);
    expect(fixture().emulator.requests).toEqual([]);
  });

  it('--after-dbt PATH reads the manifest kept beside that run_results.json', async () => {
    await duckdbProject(undefined, [IDENTITY]);
    const fx = fixture();
    await cp(join(fx.dir, PROJECT_DIR, 'target'), join(fx.dir, 'kept'), { recursive: true });
    // The project's target/ is rewritten by a later command; the kept pair is still one invocation.
    await writeArtifacts(fx, FIXTURE.duckdbBuildError, (a) => {
      declareColumn(a.manifest, `${MODEL}stg_identity`, 'email');
      a.manifest.metadata.invocation_id = 'bbbbbbbb-2222-4222-8222-222222222222';
    });
    expect((await fx.cli(['sync', '--after-dbt'])).code).toBe(2);
    const { code, doc } = await cliJson(fx, ['sync', '--after-dbt', 'kept', '--json']);
    expect(code).toBe(0);
    expect(reportOf(doc, 'identity_audience').status).toBe('succeeded');
  });
});

describe('model: sources without the gate, and other dbt versions', () => {
  it.each([['pushdown', {}], ['streamed', { PINSYNC_NO_PUSHDOWN: '1' }]])('sync --select model:stg_identity reads the model (%s path)', async (_path, env) => {
    await duckdbProject();
    const { code, doc } = await cliJson(fixture(), ['sync', '--select', 'model:stg_identity', '--json'], env);
    expect(code).toBe(0);
    expect(doc.syncs.map((r) => [r.sync, r.status, r.sent.adds])).toEqual([['identity_audience', 'succeeded', 120]]);
  });

  it('dbt 1.7.9 snowflake build: an unquoted upper-case relation is read; every model green', async () => {
    const fx = fixture();
    await writeWarehouse(fx, 'analytics_db.duckdb', { 'STAGING.dim_airports': emails(120) });
    await writeArtifacts(fx, FIXTURE.snowflakeBuild);
    await writeDbtConfig(fx, { warehouse: 'analytics_db.duckdb', syncs: ['name: airports, model: dim_airports, identifiers: { email: email }'] });
    const { code, doc } = await cliJson(fx, ['sync', '--after-dbt', '--json']);
    expect(code).toBe(0);
    expect(reportOf(doc, 'airports')).toMatchObject({ status: 'succeeded', sent: { adds: 120 }, warnings: [] });
  });

  it('dbt 1.5.8 postgres run (run_results v4): the errored model and the skipped one stop, nothing is read', async () => {
    const fx = fixture();
    await writeArtifacts(fx, FIXTURE.postgresRunError);
    await writeDbtConfig(fx, {
      warehouse: 'never-opened.duckdb',
      syncs: ['name: horses, model: stg_horses, identifiers: { unique_id: email }', 'name: horse_dim, model: horses.dim_horse, identifiers: { horse_id: email }'],
    });
    const { code, doc } = await cliJson(fx, ['sync', '--after-dbt', '--json']);
    expect(code).toBe(3);
    expect(reportOf(doc, 'horses').guardrail.reasons).toEqual([expect.stringMatching(/^dbt model model\.horses\.stg_horses ended error: Database Error in model stg_horses/)]);
    expect(reportOf(doc, 'horse_dim').guardrail.reasons).toEqual([expect.stringMatching(/^dbt skipped model\.horses\.dim_horse because model\.horses\.stg_horses ended error/)]);
    expect(fx.emulator.requests).toEqual([]);
    expect(existsSync(join(fx.dir, 'never-opened.duckdb'))).toBe(false);
  });
});
