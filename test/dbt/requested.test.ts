/**
 * `pinsync sync --requested` end to end: the CLI in-process, a DuckDB warehouse holding the models of the real dbt
 * 1.11.7 artifacts plus the requests table the dbt package's post-hook writes (rendered by request-sql.ts), and the
 * emulator over HTTP. A request runs its model's syncs once and is recorded as handled in the state; a second
 * `--requested` runs nothing; a request whose build's run_results.json is at hand goes through the dbt test gate.
 */
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { openDuckDb } from '../../connectors/duckdb/open-duckdb.js';
import { DuckDbStateStore } from '../../connectors/state/duckdb/duckdb-state-store.js';
import { requestSyncStatements } from '../../core/dbt/request-sql.js';
import { handledEntries, requestKey } from '../../core/dbt/requested-syncs.js';
import type { SyncReport } from '../../core/sync-report.js';
import { requestedOption } from '../../cli/run-syncs.js';
import { type SyncFixture, useSyncFixture } from '../helpers/sync-fixture.js';
import { cliJson, emails, reportOf, writeArtifacts, writeDbtConfig, writeWarehouse } from './after-dbt-fixture.js';
import { FIXTURE, declareColumn } from './dbt-fixtures.js';

const fixture = useSyncFixture();

const MODEL = 'model.fraud_pipeline.';
const IDENTITY = 'name: identity_audience, model: stg_identity, identifiers: { email: email }';
const TRANSACTIONS = 'name: transactions_audience, model: stg_transactions, identifiers: { email: email }';
const QUERY = 'name: query_audience, query: "select email from main.stg_identity", identifiers: { email: email }';
/** The invocation of the fixture's run_results.json (stg_identity green, stg_transactions errored). */
const GATED = '3eaabf10-e24d-4f6f-8f6f-7359c651d39f';
/** A build whose run_results.json is not at hand (a later dbt command replaced it). */
const UNGATED = '9f9f9f9f-1111-4222-8333-444444444444';

async function project(): Promise<SyncFixture> {
  const fx = fixture();
  await writeWarehouse(fx, 'fraud.duckdb', { 'main.stg_identity': emails(120), 'main.stg_transactions': emails(50, 'tx.example') });
  await writeArtifacts(fx, FIXTURE.duckdbBuildError, (a) => {
    for (const model of ['stg_identity', 'stg_transactions']) declareColumn(a.manifest, MODEL + model, 'email');
  });
  await writeDbtConfig(fx, { warehouse: 'fraud.duckdb', syncs: [IDENTITY, TRANSACTIONS, QUERY] });
  return fx;
}

/** What the post-hook does when dbt builds `model` in `invocation`. */
async function request(fx: SyncFixture, model: string, invocation: string, minutesAgo = 5): Promise<void> {
  const instance = await openDuckDb(join(fx.dir, 'fraud.duckdb'));
  const conn = await instance.connect();
  try {
    const row = { modelUniqueId: MODEL + model, relation: `"fraud"."main"."${model}"`, invocationId: invocation, requestedAt: new Date(Date.now() - minutesAgo * 60_000) };
    for (const statement of requestSyncStatements(row, { database: 'fraud' })) await conn.run(statement);
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

function writes(fx: SyncFixture) {
  return fx.emulator.requests.filter((r) => r.method !== 'GET').length;
}

describe('sync --requested', () => {
  it('before any post-hook ran: no requests yet (a note, exit 0), every sync a skipped row, nothing sent', async () => {
    const fx = await project();
    const { code, doc, stderr } = await cliJson(fx, ['sync', '--requested', '--json', '--log-level', 'info']);
    expect(code).toBe(0);
    expect(doc.syncs).toEqual([]);
    expect(doc.skipped.map((s) => [s.sync, s.reason.split(':')[0]])).toEqual([
      ['identity_audience', 'no sync request'],
      ['transactions_audience', 'no sync request'],
      ['query_audience', 'no sync request'],
    ]);
    expect(stderr).toMatch(/no dbt sync requests yet: "pinsync"\."sync_requests" does not exist/);
    expect(writes(fx)).toBe(0);
  });

  it('runs a requested sync once, records the request as handled with the run id, and a second --requested runs nothing', async () => {
    const fx = await project();
    await request(fx, 'stg_identity', UNGATED, 10);
    await request(fx, 'stg_identity', UNGATED, 9); // the same build's hook row twice (a retried hook): one request
    await request(fx, 'stg_identity', '77777777-1111-4222-8333-444444444444', 5); // a second build: still one run
    await request(fx, 'not_a_synced_model', UNGATED, 5);

    const plan = await cliJson(fx, ['plan', '--requested', '--format', 'json']);
    expect(plan.code).toBe(0);
    expect(plan.doc.syncs.map((r) => [r.sync, r.status])).toEqual([['identity_audience', 'planned']]);

    const first = await cliJson(fx, ['sync', '--requested', '--json', '--log-level', 'info']);
    expect(first.code).toBe(0);
    expect(first.doc.syncs.map((r) => r.sync)).toEqual(['identity_audience']);
    const identity = reportOf(first.doc, 'identity_audience');
    expect(identity).toMatchObject({ status: 'succeeded', sent: { adds: 120, removes: 0 } });
    expect(first.doc.skipped.map((s) => s.sync)).toEqual(['transactions_audience', 'query_audience']);
    expect(first.stderr).toMatch(/dbt sync request for model\.fraud_pipeline\.not_a_synced_model \(invocation 9f9f9f9f…\) matches no selected sync with that model: ignored/);
    expect(first.stderr).toMatch(/requested by dbt invocation 77777777…; its run_results\.json is not at hand, so no dbt test gate/);
    expect(fx.emulator.lists().map((l) => l.name)).toEqual(['Audience 0']);

    // the state says which run handled which request (the plan before recorded nothing)
    const store = await DuckDbStateStore.open(fx.statePath);
    try {
      const keys = [UNGATED, '77777777-1111-4222-8333-444444444444'].map((i) => requestKey(i, `${MODEL}stg_identity`, 'identity_audience'));
      expect(await store.handledRequests(keys)).toEqual(new Set(keys));
      const rows = await store.stateTables.selectFrom('dbt_requests').selectAll().execute();
      expect(rows.map((r) => [r.sync_name, Number(r.run_id)])).toEqual([
        ['identity_audience', identity.runId],
        ['identity_audience', identity.runId],
      ]);
    } finally {
      await store.close();
    }

    const sent = writes(fx);
    const second = await cliJson(fx, ['sync', '--requested', '--json', '--log-level', 'info']);
    expect(second.code).toBe(0);
    expect(second.doc.syncs).toEqual([]);
    expect(second.doc.skipped.find((s) => s.sync === 'identity_audience')!.reason).toMatch(/^no sync request: the requests for model\.fraud_pipeline\.stg_identity were handled/);
    expect(writes(fx)).toBe(sent);

    // a new build's request runs it again
    await request(fx, 'stg_identity', '88888888-1111-4222-8333-444444444444', 1);
    const third = await cliJson(fx, ['sync', '--requested', '--json', '--log-level', 'info']);
    expect(third.doc.syncs.map((r) => [r.sync, r.status])).toEqual([['identity_audience', 'succeeded']]);
  });

  it('gates a request on its build’s run_results.json: green runs, a failed model stops (exit 3) and is not retried', async () => {
    const fx = await project();
    await request(fx, 'stg_identity', GATED);
    await request(fx, 'stg_transactions', GATED);
    const first = await cliJson(fx, ['sync', '--requested', '--json', '--log-level', 'info']);
    expect(first.code).toBe(3);
    expect(reportOf(first.doc, 'identity_audience')).toMatchObject({ status: 'succeeded', sent: { adds: 120 } });
    const stopped = reportOf(first.doc, 'transactions_audience');
    expect(stopped).toMatchObject({ status: 'guardrail', error: { code: 'PINSYNC_DBT_GATE' }, sent: { adds: 0, batches: 0 } });
    expect(stopped.guardrail.reasons).toEqual([expect.stringMatching(/^dbt model model\.fraud_pipeline\.stg_transactions ended error/)]);
    expect(fx.emulator.lists()).toHaveLength(1);

    const second = await cliJson(fx, ['sync', '--requested', '--json', '--log-level', 'info']);
    expect(second.code).toBe(0);
    expect(second.doc.syncs).toEqual([]);
  });

  it('leaves a request open while its dbt build is still running (manifest written, run_results.json not yet), then gates it', async () => {
    const fx = await project();
    const BUILDING = '5a5a5a5a-1111-4222-8333-444444444444';
    // dbt has written this invocation's manifest; run_results.json is still the previous build's
    await writeArtifacts(fx, FIXTURE.duckdbBuildError, (a) => {
      for (const model of ['stg_identity', 'stg_transactions']) declareColumn(a.manifest, MODEL + model, 'email');
      a.manifest.metadata.invocation_id = BUILDING;
    });
    await request(fx, 'stg_identity', BUILDING);
    const waiting = await cliJson(fx, ['sync', '--requested', '--json']);
    expect(waiting.code).toBe(0);
    expect(waiting.doc.syncs).toEqual([]);
    expect(waiting.doc.skipped.find((s) => s.sync === 'identity_audience')!.reason).toMatch(/^no sync request yet: requested by dbt invocation 5a5a5a5a… is still running/);

    // the build ends: its run_results.json is written, with stg_identity's test failing
    await writeArtifacts(fx, FIXTURE.duckdbBuildError, (a) => {
      for (const model of ['stg_identity', 'stg_transactions']) declareColumn(a.manifest, MODEL + model, 'email');
      a.manifest.metadata.invocation_id = BUILDING;
      a.runResults.metadata.invocation_id = BUILDING;
      const test = (a.runResults.results as { unique_id: string; status: string }[]).find((r) => r.unique_id.startsWith('test.') && (a.manifest.nodes[r.unique_id]?.attached_node === `${MODEL}stg_identity` || (a.manifest.nodes[r.unique_id]?.depends_on?.nodes ?? []).includes(`${MODEL}stg_identity`)))!;
      test.status = 'fail';
    });
    const gated = await cliJson(fx, ['sync', '--requested', '--json']);
    expect(gated.code).toBe(3);
    expect(reportOf(gated.doc, 'identity_audience')).toMatchObject({ status: 'guardrail', error: { code: 'PINSYNC_DBT_GATE' } });
    expect(fx.emulator.lists()).toHaveLength(0);
  });

  it('refuses --requested with --after-dbt, and --requested-since without --requested (exit 2)', async () => {
    const fx = await project();
    const both = await fx.cli(['sync', '--requested', '--after-dbt', '--if-due']);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/leave out --after-dbt/);
    // Refused before anything was opened: no state file left behind.
    expect(existsSync(fx.statePath)).toBe(false);
    const since = await fx.cli(['sync', '--requested-since', '2d']);
    expect(since.code).toBe(2);
    expect(since.stderr).toMatch(/--requested-since only applies with --requested/);
    const bad = await fx.cli(['sync', '--requested', '--requested-since', 'soon']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/7d, 12h or 30m/);
  });
});

describe('what --requested records and reads', () => {
  it('records a request handled when its sync succeeded or was stopped by a guardrail; a failed run leaves it for the next poll', () => {
    const keys = new Map([
      ['ok', ['i/m/ok']],
      ['gated', ['i/m/gated', 'j/m/gated']],
      ['broken', ['i/m/broken']],
    ]);
    const reports = [
      { sync: 'ok', status: 'succeeded', runId: 7 },
      { sync: 'gated', status: 'guardrail', runId: undefined },
      { sync: 'broken', status: 'failed', runId: 9 },
    ] as SyncReport[];
    const at = new Date('2026-12-02T00:00:00Z');
    expect(handledEntries(keys, reports, at)).toEqual([
      { key: 'i/m/ok', syncName: 'ok', runId: 7, handledAt: at },
      { key: 'i/m/gated', syncName: 'gated', runId: null, handledAt: at },
      { key: 'j/m/gated', syncName: 'gated', runId: null, handledAt: at },
    ]);
  });

  it('reads 7 days back by default, from the hour (one query text per hour, which BigQuery can answer from its cache)', () => {
    const now = new Date('2026-12-09T16:42:10Z');
    expect(requestedOption({ requested: true }, now)).toEqual({ since: new Date('2026-12-02T16:00:00Z'), schema: undefined });
    expect(requestedOption({ requested: true, requestedSinceMs: 12 * 3_600_000, requestsSchema: 'ops' }, now)).toEqual({ since: new Date('2026-12-09T04:00:00Z'), schema: 'ops' });
    expect(requestedOption({ requested: false }, now)).toBeUndefined();
  });
});
