/**
 * `pinsync schedule --poll-requests`: in real time, a dbt post-hook's request (rendered by request-sql.ts into the
 * DuckDB warehouse) makes the scheduler run the model's sync once, however many polls follow; a sync without
 * `schedule:` is served by the poll alone; the stop signal ends it with exit 0.
 */
import { PassThrough } from 'node:stream';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../cli/pinsync.js';
import { openDuckDb } from '../../connectors/duckdb/open-duckdb.js';
import { requestSyncStatements } from '../../core/dbt/request-sql.js';
import { TOKEN, useSyncFixture } from '../helpers/sync-fixture.js';
import { emails, writeArtifacts, writeDbtConfig, writeWarehouse } from './after-dbt-fixture.js';
import { FIXTURE, declareColumn } from './dbt-fixtures.js';

const fixture = useSyncFixture();
const MODEL = 'model.fraud_pipeline.stg_identity';

function startSchedule(args: string[]) {
  const controller = new AbortController();
  const stderr = new PassThrough();
  let err = '';
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  const stdout = new PassThrough();
  let out = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  const done = main(['schedule', ...args, '-c', fixture().configPath], {
    stdout,
    stderr,
    env: { PINTEREST_ACCESS_TOKEN: TOKEN, PINSYNC_LOG_LEVEL: 'info' },
    cwd: fixture().dir,
    signal: controller.signal,
  });
  return { done, stop: () => controller.abort(), stderr: () => err, stdout: () => out };
}

async function until(check: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('pinsync schedule --poll-requests', () => {
  it('runs a requested model sync once per request, even with no schedule:, and stops with exit 0', async () => {
    const fx = fixture();
    await writeWarehouse(fx, 'fraud.duckdb', { 'main.stg_identity': emails(30) });
    await writeArtifacts(fx, FIXTURE.duckdbBuildError, (a) => declareColumn(a.manifest, MODEL, 'email'));
    await writeDbtConfig(fx, { warehouse: 'fraud.duckdb', syncs: ['name: identity_audience, model: stg_identity, identifiers: { email: email }'] });
    const instance = await openDuckDb(join(fx.dir, 'fraud.duckdb'));
    const conn = await instance.connect();
    const row = { modelUniqueId: MODEL, relation: '"fraud"."main"."stg_identity"', invocationId: '12121212-1111-4222-8333-444444444444', requestedAt: new Date() };
    for (const statement of requestSyncStatements(row, { database: 'fraud' })) await conn.run(statement);
    conn.closeSync();
    instance.closeSync();

    const schedule = startSchedule(['--poll-requests', '1']);
    await until(() => fx.emulator.lists().length === 1 && /identity_audience/.test(schedule.stdout()), 15_000);
    // further polls find the request handled: no second run, no report
    const reports = schedule.stdout();
    await new Promise((r) => setTimeout(r, 2_300));
    schedule.stop();
    expect(await schedule.done).toBe(0);
    expect(schedule.stdout()).toBe(reports);
    expect(fx.membership().size).toBe(30);
    expect(schedule.stderr()).toMatch(/polling dbt sync requests every 1 s for identity_audience/);
    expect(schedule.stderr()).not.toMatch(/skipped: no sync request/);
    // the requested run's own notes still reach the log
    expect(schedule.stderr()).toMatch(/requested by dbt invocation 12121212…; its run_results\.json is not at hand/);
  }, 30_000);

  it('refuses --poll-requests when no selected sync reads a dbt model (exit 2)', async () => {
    const fx = fixture();
    await fx.writeConfig({ syncExtra: ['schedule: "0 * * * *"'] });
    const res = await fx.cli(['schedule', '--poll-requests', '300']);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/--poll-requests: no selected sync reads a dbt model/);
  });
});
