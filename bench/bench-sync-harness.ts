/**
 * What the push benches share: a DuckDB warehouse of N plain emails (built in SQL, so 10M rows take seconds), a
 * config that syncs it into the emulator, pinsync runs in child processes (bench/bench-phase.ts, so each run's peak
 * RSS is its own), and the emulator in its own process (bench/bench-latency-emulator.ts).
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { openDuckDb } from '../connectors/duckdb/open-duckdb.js';
import type { SyncReport } from '../core/sync-report.js';
import { sampleSyncConfig } from '../demo/sample-warehouse.js';
import type { LatencyEmulatorOptions, LatencyEmulatorStats } from './bench-latency-emulator.js';

/** The repository root. */
export const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
// Resolved here, not by name: pinsync's runs start in the bench's folder, which may be outside the repository.
const TSX = ['--import', import.meta.resolve('tsx')];

/** The emulator process, as the bench drives it. */
export interface BenchEmulator {
  /** API base URL for the config. */
  baseUrl: string;
  /** Requests left in the ads_write bucket when it started listening (null without a rate limit). */
  headroom: number | null;
  /** What it saw since the last `clear`. */
  stats(): Promise<LatencyEmulatorStats>;
  /** Forgets the requests seen so far. */
  clear(): Promise<void>;
  /** Stops the process. */
  close(): Promise<void>;
}

/** Starts bench/bench-latency-emulator.ts in a child process and waits until it listens. */
export async function startBenchEmulator(opts: LatencyEmulatorOptions): Promise<BenchEmulator> {
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, [...TSX, join(ROOT, 'bench/bench-latency-emulator.ts'), JSON.stringify(opts)], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  child.stderr.on('data', (d: Buffer) => process.stderr.write(d));
  const lines: Interface = createInterface({ input: child.stdout });
  const waiting: ((line: string) => void)[] = [];
  const exited = new Promise<number>((ok) => child.once('exit', (code) => ok(code ?? 1)));
  lines.on('line', (line) => waiting.shift()?.(line));
  const nextLine = () =>
    Promise.race([
      new Promise<string>((ok) => waiting.push(ok)),
      exited.then((code) => {
        throw new Error(`the bench emulator exited (${code})`);
      }),
    ]);
  const ready = JSON.parse(await nextLine()) as { baseUrl: string; headroom: number | null };
  const ask = async (command: string) => {
    const answer = nextLine();
    child.stdin.write(`${command}\n`);
    return answer;
  };
  return {
    baseUrl: ready.baseUrl,
    headroom: ready.headroom,
    stats: async () => JSON.parse(await ask('stats')) as LatencyEmulatorStats,
    clear: async () => void (await ask('clear')),
    close: async () => {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/**
 * `customers(customer_id, email)` with `records` distinct valid emails in `dir/warehouse.duckdb`: one record per row,
 * so the bench's record counts are exact.
 */
export async function buildEmailWarehouse(dir: string, records: number): Promise<void> {
  await mkdir(dir, { recursive: true });
  const instance = await openDuckDb(join(dir, 'warehouse.duckdb'));
  const conn = await instance.connect();
  await conn.run(`CREATE OR REPLACE TABLE customers AS SELECT i AS customer_id, 'customer' || i || '@example.com' AS email FROM range(${records}) AS t(i)`);
  conn.closeSync();
  instance.closeSync();
}

/** Runs `sql` against `dir/warehouse.duckdb` (e.g. to shrink the source); returns the rows it changed. */
export async function changeEmailWarehouse(dir: string, sql: string): Promise<number> {
  const instance = await openDuckDb(join(dir, 'warehouse.duckdb'));
  const conn = await instance.connect();
  const result = await conn.run(sql);
  conn.closeSync();
  instance.closeSync();
  return result.rowsChanged;
}

/** The config of the bench's one sync. */
export interface EmailSyncConfig {
  /** Emulator API base URL. */
  baseUrl: string;
  /** `batch.maxRecords`. */
  batch: number;
  /** `rateLimits.adsWritePerMinute` (pinsync's pacing). */
  adsWritePerMinute: number;
  /** `maxInFlight`; undefined keeps pinsync's default. */
  maxInFlight?: number | undefined;
  /** `guardrails.maxRemovePercent`; undefined keeps the default. */
  maxRemovePercent?: number | undefined;
}

/** Writes `dir/pinsync.yaml` syncing the email warehouse into the emulator. */
export async function writeEmailSyncConfig(dir: string, opts: EmailSyncConfig): Promise<void> {
  const text = sampleSyncConfig({
    apiBaseUrl: opts.baseUrl,
    syncName: 'bench',
    audienceName: 'Bench latency audience',
    maxRecords: opts.batch,
    maxRemovePercent: opts.maxRemovePercent,
    query: 'select email from customers',
    identifiers: '{ email: email }',
    destinationExtra: [
      // Reads (list status, the audience) are not what the bench measures: never let their pacing be the limit.
      `rateLimits: { adsWritePerMinute: ${opts.adsWritePerMinute}, adsReadPerMinute: 100000 }`,
      ...(opts.maxInFlight === undefined ? [] : [`maxInFlight: ${opts.maxInFlight}`]),
    ],
  });
  await writeFile(join(dir, 'pinsync.yaml'), text);
}

/** One pinsync command's outcome in its child process. */
export interface PinsyncRun {
  /** Wall time of `main` in the child (module loading excluded, as in the main bench). */
  ms: number;
  /** The child's peak RSS. */
  maxRssMb: number;
  /** The child's CPU (user + system, DuckDB's threads included), when bench-phase.ts reports it: on a busy machine, what the run itself needed. */
  cpuMs?: number;
  /** The sync's JSON report. */
  report: SyncReport;
}

/** Runs `pinsync <args>` (which must print a JSON report) in `dir` through bench/bench-phase.ts. */
export async function runPinsync(dir: string, args: string[]): Promise<PinsyncRun> {
  const child = spawn(process.execPath, [...TSX, join(ROOT, 'bench/bench-phase.ts'), 'cli', ...args], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number>((ok, fail) => {
    child.once('error', fail);
    child.once('exit', (c) => ok(c ?? 1));
  });
  if (code !== 0) throw new Error(`pinsync ${args.join(' ')} failed (exit ${code}):\n${stderr.slice(-4000)}`);
  return JSON.parse(stdout.trim().split('\n').pop()!) as PinsyncRun;
}

/** The 1-minute load average, one decimal: the figures mean something only next to how busy the machine was. */
export const loadNow = (): string => loadavg()[0]!.toFixed(1);

/** `--name value` from argv, or the fallback; numbers only. */
export function numberArg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const value = Number(process.argv[i + 1]);
  if (!Number.isFinite(value) || value < 0) throw new Error(`--${name} must be a number >= 0`);
  return value;
}

/** `--name value` from argv, or the fallback. */
export function textArg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}

/** `1,234,567`. */
export const thousands = (n: number): string => Math.round(n).toLocaleString('en-US');
