/**
 * `npx tsx bench/bench-segments.ts [--records 1000000] [--segments 20] [--batch 10000] [--order segments,separate,streamed]
 *   [--dir PATH]`: a segment
 * sync (issue 13 §1) against the same audiences as separate syncs. The warehouse holds `customer_segments(email,
 * segment)`, `--records` people spread evenly over `--segments` values. Two configs sync it into the emulator (in its
 * own process, no rate limit, pacing lifted so HTTP is not the limit): one sync with `segments:` (one read of the
 * query, routed in Node), and one sync per segment (`where segment = '...'`, each its own read; DuckDB's in-engine
 * pushdown applies to them). For each: plan on a fresh state, first sync, then 1% churn (people moving segment) and
 * a second sync. The separate syncs run twice: with the pushdown, and streamed through Node (PINSYNC_NO_PUSHDOWN=1,
 * the path every non-DuckDB warehouse takes). Prints a table and, as the last stdout line, JSON.
 *
 * Each pinsync command runs in a child process of its own, one at a time; wall times include module loading (about
 * 1 s, the same for every command), the state's work and the HTTP round trips to the local emulator.
 */
import { spawn } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { openDuckDb } from '../connectors/duckdb/open-duckdb.js';
import type { SyncReport } from '../core/sync-report.js';
import { loadNow, numberArg, ROOT, startBenchEmulator, textArg, thousands } from './bench-sync-harness.js';

const records = numberArg('records', 1_000_000);
const segments = numberArg('segments', 20);
const batch = numberArg('batch', 10_000);
const base = textArg('dir', join(ROOT, '.bench', 'segments'));
const TSX = ['--import', import.meta.resolve('tsx')];

/** One command's outcome. */
interface Timed {
  /** Wall time of the command. */
  ms: number;
  /** Its reports. */
  reports: SyncReport[];
}

const segmentValue = (n: number): string => `seg_${String(n).padStart(2, '0')}`;

async function buildWarehouse(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  const instance = await openDuckDb(join(dir, 'warehouse.duckdb'));
  const conn = await instance.connect();
  await conn.run(
    `CREATE OR REPLACE TABLE customer_segments AS SELECT 'customer' || i || '@example.com' AS email, 'seg_' || lpad(CAST(i % ${segments} AS VARCHAR), 2, '0') AS segment FROM range(${records}) AS t(i)`,
  );
  conn.closeSync();
  instance.closeSync();
}

// 1% of the people move to the next segment: one remove and one add each, in two lists.
async function churn(dir: string): Promise<void> {
  const instance = await openDuckDb(join(dir, 'warehouse.duckdb'));
  const conn = await instance.connect();
  await conn.run(
    `UPDATE customer_segments SET segment = 'seg_' || lpad(CAST((CAST(substr(segment, 5) AS INTEGER) + 1) % ${segments} AS VARCHAR), 2, '0') WHERE hash(email) % 100 = 0`,
  );
  conn.closeSync();
  instance.closeSync();
}

function header(baseUrl: string): string[] {
  return [
    'state: duckdb:state.duckdb',
    'warehouses:',
    '  local: { type: duckdb, path: warehouse.duckdb }',
    'destinations:',
    '  pinterest:',
    '    type: pinterest',
    '    adAccountId: "549755885175"',
    `    apiBaseUrl: ${baseUrl}`,
    '    auth: { accessToken: "${PINTEREST_ACCESS_TOKEN:-pinsync-emulator-token}" }',
    `    batch: { maxRecords: ${batch} }`,
    '    rateLimits: { adsWritePerMinute: 1000000, adsReadPerMinute: 1000000 }',
    'syncs:',
  ];
}

// One emulator serves every variant: list names differ per variant (`label`), as pinsync never writes into a list of
// the same name that it did not create.
async function writeConfigs(segmentedDir: string, separateDir: string, baseUrl: string, label: string): Promise<void> {
  const segmented = [
    ...header(baseUrl),
    '  - name: segments',
    '    warehouse: local',
    '    query: select email, segment from customer_segments',
    '    identifiers: { email: email }',
    `    segments: { column: segment, name: "Bench {segment}", maxSegments: ${segments} }`,
    '',
  ];
  const separate = [...header(baseUrl)];
  for (let s = 0; s < segments; s++) {
    separate.push(
      `  - name: segment_${segmentValue(s)}`,
      '    warehouse: local',
      `    query: "select email from customer_segments where segment = '${segmentValue(s)}'"`,
      '    identifiers: { email: email }',
      `    audience: { name: ${label} ${segmentValue(s)} }`,
    );
  }
  separate.push('');
  await writeFile(join(segmentedDir, 'pinsync.yaml'), segmented.join('\n'));
  await writeFile(join(separateDir, 'pinsync.yaml'), separate.join('\n'));
}

// Each command in a child process of its own, so no variant inherits another's warm caches or JIT; the times include
// module loading (about the same for every command).
async function pinsync(dir: string, args: string[], env: Record<string, string>): Promise<Timed> {
  const started = performance.now();
  const child = spawn(process.execPath, [...TSX, join(ROOT, 'cli/pinsync.ts'), ...args], {
    cwd: dir,
    env: { ...process.env, PINSYNC_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number>((ok, fail) => {
    child.once('error', fail);
    child.once('exit', (c) => ok(c ?? 1));
  });
  const ms = performance.now() - started;
  if (code !== 0) throw new Error(`pinsync ${args.join(' ')} in ${dir} exited ${code}: ${stderr.slice(-2000)}`);
  return { ms, reports: (JSON.parse(stdout) as { syncs: SyncReport[] }).syncs };
}

const sum = (reports: SyncReport[], pick: (r: SyncReport) => number): number => reports.reduce((n, r) => n + pick(r), 0);

async function run(): Promise<void> {
  const emulator = await startBenchEmulator({ latencyMs: 0, adsWritePerMinute: 0, headroom: 0 });
  const segmentedDir = join(base, 'segmented');
  const separateDir = join(base, 'separate');
  try {
    const streamedDir = join(base, 'separate-streamed');
    // Only the folders this bench makes: --dir may name a folder that holds other things.
    for (const dir of [segmentedDir, separateDir, streamedDir]) await rm(dir, { recursive: true, force: true });
    for (const dir of [segmentedDir, separateDir, streamedDir]) await buildWarehouse(dir);
    await writeConfigs(segmentedDir, separateDir, emulator.baseUrl, 'Separate');
    await writeConfigs(segmentedDir, streamedDir, emulator.baseUrl, 'Streamed');
    const results: Record<string, Record<string, number>> = {};
    const variants = {
      segments: [segmentedDir, {}],
      separate: [separateDir, {}],
      // What the separate syncs cost on a warehouse the state cannot read itself (BigQuery, Snowflake, Postgres).
      streamed: [streamedDir, { PINSYNC_NO_PUSHDOWN: '1' }],
    } as const;
    // `--order separate,streamed,segments`: which variant runs first (the first meets the coldest file caches).
    const order = textArg('order', 'segments,separate,streamed').split(',') as (keyof typeof variants)[];
    for (const label of order) {
      const [dir, env] = variants[label];
      const plan = await pinsync(dir, ['plan', '--format', 'json'], env);
      const first = await pinsync(dir, ['sync', '--json'], env);
      await churn(dir);
      const churnPlan = await pinsync(dir, ['plan', '--format', 'json'], env);
      const second = await pinsync(dir, ['sync', '--json'], env);
      results[label] = {
        planMs: Math.round(plan.ms),
        firstSyncMs: Math.round(first.ms),
        churnPlanMs: Math.round(churnPlan.ms),
        churnSyncMs: Math.round(second.ms),
        lists: first.reports.length,
        firstAdds: sum(first.reports, (r) => r.sent.adds),
        churnAdds: sum(second.reports, (r) => r.sent.adds),
        churnRemoves: sum(second.reports, (r) => r.sent.removes),
      };
    }
    const rows = ['planMs', 'firstSyncMs', 'churnPlanMs', 'churnSyncMs', 'lists', 'firstAdds', 'churnAdds', 'churnRemoves'];
    process.stderr.write(`records ${thousands(records)}, segments ${segments}, batch ${thousands(batch)}, load ${loadNow()}\n`);
    process.stderr.write(`${'measure'.padEnd(14)}${'segments:'.padStart(14)}${'separate syncs'.padStart(16)}${'separate, streamed'.padStart(20)}\n`);
    for (const row of rows) {
      process.stderr.write(`${row.padEnd(14)}${thousands(results.segments![row]!).padStart(14)}${thousands(results.separate![row]!).padStart(16)}${thousands(results.streamed![row]!).padStart(20)}\n`);
    }
    process.stdout.write(`${JSON.stringify({ records, segments, batch, ...results })}\n`);
  } finally {
    await emulator.close();
  }
}

await run();
