/**
 * Issue 12 §4: `diff: warehouse` against `diff: state` on a Postgres warehouse, N customers, 1% churn (0.5% leave,
 * 0.5% join). For each mode: the first sync (untimed setup), then the churn plan and the churn sync, each in a
 * child process (bench/bench-phase.ts): wall time, pinsync's peak RSS, and the bytes Postgres sent to pinsync,
 * counted by a TCP proxy on 127.0.0.1 in front of a throwaway local server. Not part of the timed tests.
 *
 *   npx tsx bench/bench-planner-postgres.ts [--records 1000000]
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { DEFAULT_TOKEN } from '../emulators/pinterest/emulator-options.js';
import { startPostgresServer } from '../test/setup/postgres-server.js';
import { startByteCountingProxy } from '../test/warehouses/postgres-planner/byte-counting-proxy.js';
import { loadNow, numberArg, runPinsync, startBenchEmulator, thousands } from './bench-sync-harness.js';

const records = numberArg('records', 1_000_000);
const server = await startPostgresServer();
const emulator = await startBenchEmulator({ latencyMs: 0, adsWritePerMinute: 0, headroom: 0 });
const proxy = await startByteCountingProxy(server.url);
const admin = new pg.Client({ connectionString: server.url });
await admin.connect();
const rows: string[] = [];
try {
  await admin.query(`CREATE TABLE customers AS SELECT i AS customer_id, 'customer' || i || '@example.com' AS email FROM generate_series(0, ${records - 1}) AS i`);
  await admin.query('ANALYZE customers');
  for (const mode of ['state', 'warehouse'] as const) {
    const dir = await mkdtemp(join(tmpdir(), `pinsync-bench-planner-${mode}-`));
    await writeFile(
      join(dir, 'pinsync.yaml'),
      [
        'state: duckdb:state.duckdb',
        'warehouses:',
        `  pg: { type: postgres, url: "${proxy.url}", planner: { schema: bench_planner } }`,
        'destinations:',
        '  pinterest:',
        '    type: pinterest',
        '    adAccountId: "549755885175"',
        `    apiBaseUrl: ${emulator.baseUrl}`,
        `    auth: { accessToken: "${DEFAULT_TOKEN}" }`,
        '    rateLimits: { adsWritePerMinute: 1000000, adsReadPerMinute: 1000000 }',
        'syncs:',
        '  - name: bench',
        '    warehouse: pg',
        '    query: select email from customers',
        '    identifiers: { email: email }',
        `    audience: { name: Bench planner ${mode} }`,
        `    diff: ${mode}`,
        '',
      ].join('\n'),
    );
    await runPinsync(dir, ['sync', '--json']);
    // 1% churn: every 200th customer leaves, as many join; undone after this mode's runs.
    await admin.query('CREATE TABLE IF NOT EXISTS churn_left AS SELECT * FROM customers WHERE customer_id % 200 = 7');
    await admin.query('DELETE FROM customers WHERE customer_id % 200 = 7');
    await admin.query(`INSERT INTO customers SELECT customer_id + ${records}, 'joined' || customer_id || '@example.org' FROM customers WHERE customer_id % 200 = 8`);
    await admin.query('ANALYZE customers');
    for (const command of [['plan', '--format', 'json'], ['sync', '--json']]) {
      proxy.reset();
      const run = await runPinsync(dir, command);
      const changed = run.report.diff.adds + run.report.diff.removes;
      rows.push(
        `| ${mode} | ${command[0]} | ${thousands(records)} | ${thousands(changed)} | ${(run.ms / 1000).toFixed(2)} s | ${thousands(proxy.received().length)} | ${thousands(changed * 32)} | ${Math.round(run.maxRssMb)} MB | ${thousands(run.report.phases.readMs)} / ${thousands(run.report.phases.diffMs)} ms |`,
      );
    }
    await admin.query(`DELETE FROM customers WHERE customer_id >= ${records}`);
    await admin.query('INSERT INTO customers SELECT * FROM churn_left');
    await admin.query('DROP TABLE churn_left');
    await rm(dir, { recursive: true, force: true });
  }
  process.stdout.write(
    [
      `diff: warehouse vs diff: state, Postgres warehouse, 1% churn (load ${loadNow()})`,
      '| mode | command | customers | changed hashes | time | bytes from Postgres | changed × 32 | peak RSS | read / diff |',
      '|---|---|---|---|---|---|---|---|---|',
      ...rows,
      '',
    ].join('\n'),
  );
} finally {
  await admin.end();
  await proxy.close();
  await emulator.close();
  await server.stop();
}
