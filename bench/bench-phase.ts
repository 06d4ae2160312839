/**
 * One benchmark phase in its own process (so peak RSS is per phase). Prints one JSON line:
 * `{ms, maxRssMb, ...}`. Run by bench/run-bench.ts with the bench folder as working directory.
 */
import { PassThrough } from 'node:stream';
import { main } from '../cli/pinsync.js';
import { openDuckDb } from '../connectors/duckdb/open-duckdb.js';
import { DEFAULT_STATE_MEMORY_LIMIT } from '../connectors/state/duckdb/duckdb-state-store.js';
import { buildSampleWarehouse } from '../demo/sample-warehouse.js';

const [kind, ...rest] = process.argv.slice(2);

function done(ms: number, extra: Record<string, unknown> = {}): void {
  const usage = process.resourceUsage();
  const maxRssMb = usage.maxRSS / 1024;
  // Microseconds; DuckDB's worker threads count too, so on a busy machine this says what the phase itself needed.
  const cpuMs = (usage.userCPUTime + usage.systemCPUTime) / 1000;
  process.stdout.write(`${JSON.stringify({ ms, maxRssMb, cpuMs, ...extra })}\n`);
}

async function generate(rows: number): Promise<void> {
  // Bounded so 100M rows leave the machine usable (DuckDB's default is 80% of RAM); the table streams to disk anyway.
  const instance = await openDuckDb('warehouse.duckdb', { memoryLimit: '4GB', tempDirectory: 'generate.tmp' });
  const conn = await instance.connect();
  await buildSampleWarehouse(conn, rows);
  conn.closeSync();
  instance.closeSync();
}

// 1% of the subscribed leave, 1% new people join.
async function churn(rows: number): Promise<void> {
  const instance = await openDuckDb('warehouse.duckdb');
  const conn = await instance.connect();
  await conn.run('UPDATE customers SET subscribed = false WHERE subscribed AND customer_id % 100 = 42');
  await conn.run(`INSERT INTO customers SELECT customer_id + ${rows}, 'joined' || customer_id || '@example.org', gaid, idfa, true FROM customers WHERE customer_id % 100 = 43`);
  conn.closeSync();
  instance.closeSync();
}

// The naive baseline's input (bench/naive-plan.py), written outside any timed part: the customers as CSV, and for a
// churn plan the stored membership as one hex digest a line.
async function exportNaive(what: 'customers' | 'membership'): Promise<void> {
  const instance = await openDuckDb(':memory:', { memoryLimit: DEFAULT_STATE_MEMORY_LIMIT, tempDirectory: 'export.tmp' });
  const conn = await instance.connect();
  if (what === 'customers') {
    await conn.run(`ATTACH 'warehouse.duckdb' AS wh (READ_ONLY)`);
    await conn.run(`COPY (SELECT email, gaid, idfa, subscribed FROM wh.main.customers) TO 'customers.csv' (HEADER)`);
  } else {
    await conn.run(`ATTACH 'state.duckdb' AS st (READ_ONLY)`);
    await conn.run(`COPY (SELECT lower(hex(h)) FROM st.main.membership) TO 'membership.txt' (HEADER false)`);
  }
  conn.closeSync();
  instance.closeSync();
}

// The floor: what DuckDB alone needs for the same work on the same machine. Plain sha256 of each non-null
// identifier (no normalization), distinct, then the anti-join in both directions against the stored membership
// (empty on the first run). Same memory limit as pinsync's state engine.
async function floor(membership: 'empty' | 'state'): Promise<Record<string, unknown>> {
  // Spill beside the bench's files: an in-memory DuckDB would otherwise spill to ./.tmp, unnamed in the disk figures.
  const instance = await openDuckDb(':memory:', { memoryLimit: process.env.PINSYNC_STATE_MEMORY_LIMIT ?? DEFAULT_STATE_MEMORY_LIMIT, tempDirectory: 'floor.tmp' });
  const conn = await instance.connect();
  await conn.run(`ATTACH 'warehouse.duckdb' AS wh (READ_ONLY)`);
  if (membership === 'state') {
    await conn.run(`ATTACH 'state.duckdb' AS st (READ_ONLY)`);
    await conn.run('CREATE TEMP TABLE mem AS SELECT lower(hex(h)) AS h FROM st.main.membership');
  } else await conn.run('CREATE TEMP TABLE mem (h VARCHAR)');
  const started = performance.now();
  await conn.run(`CREATE TEMP TABLE cur AS SELECT DISTINCT sha256(v) AS h FROM (
      SELECT unnest([email, gaid, idfa]) AS v FROM wh.main.customers WHERE subscribed) WHERE v IS NOT NULL`);
  const adds = (await conn.runAndReadAll('SELECT count(*) FROM cur ANTI JOIN mem USING (h)')).getRows()[0]![0];
  const removes = (await conn.runAndReadAll('SELECT count(*) FROM mem ANTI JOIN cur USING (h)')).getRows()[0]![0];
  const ms = performance.now() - started;
  const records = (await conn.runAndReadAll('SELECT count(*) FROM cur')).getRows()[0]![0];
  conn.closeSync();
  instance.closeSync();
  return { ms, adds: Number(adds), removes: Number(removes), records: Number(records) };
}

async function cli(args: string[]): Promise<Record<string, unknown>> {
  const stdout = new PassThrough();
  let text = '';
  stdout.on('data', (d: Buffer) => (text += d.toString()));
  const started = performance.now();
  const code = await main(args, { stdout, stderr: process.stderr, env: { ...process.env, PINSYNC_LOG_LEVEL: 'warn' }, cwd: process.cwd() });
  const ms = performance.now() - started;
  if (code !== 0) throw new Error(`pinsync ${args.join(' ')} exited ${code}: ${text}`);
  const report = (JSON.parse(text) as { syncs: unknown[] }).syncs[0];
  return { ms, report };
}

async function run(): Promise<void> {
  const started = performance.now();
  switch (kind) {
    case 'generate':
      await generate(Number(rest[0]));
      return done(performance.now() - started);
    case 'churn':
      await churn(Number(rest[0]));
      return done(performance.now() - started);
    case 'export-naive':
      await exportNaive(rest[0] as 'customers' | 'membership');
      return done(performance.now() - started);
    case 'floor': {
      const { ms, ...extra } = await floor(rest[0] as 'empty' | 'state');
      return done(ms as number, extra);
    }
    case 'cli': {
      const { ms, ...extra } = await cli(rest);
      return done(ms as number, extra);
    }
    default:
      throw new Error(`unknown phase ${kind}`);
  }
}

run().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
