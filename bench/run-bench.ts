/**
 * `npm run bench [-- --rows N] [--state postgres|postgres://...] [--first-sync paced|unpaced] [--no-naive]
 * [--runtime js|tsx] [--dir PATH] [--warehouse FILE] [--diff-warehouse]`: pinsync against the floor DuckDB sets for the same work and
 * against a naive Python script, and with `--state` the same phases on a Postgres state beside the DuckDB state's.
 * 100M rows: `PINSYNC_STATE_MEMORY_LIMIT=2GB` (DuckDB cannot aggregate 113M distinct keys in less) and a `--warehouse`
 * generated once beforehand (`bench-phase.ts generate N` in an empty folder).
 *
 * Each phase runs in its own child process so its peak RSS is its own. Phases:
 *   floor       DuckDB alone: hash every identifier, distinct, anti-join both ways against the membership
 *   naive       bench/naive-plan.py: csv + hashlib + set difference (its CSV input is exported untimed first);
 *               skipped above 20M rows: a Python set of that many 64-char strings outgrows the machine
 *   first plan  `pinsync plan` on a brand-new sync
 *   first sync  `pinsync sync` into the emulator (a separate process, so its memory is not counted); paced at the
 *               default 400 writes/min up to 20M rows, unpaced above (`--first-sync` chooses): at 100M rows the
 *               paced push alone would take 28 min, which the 10M run's figures already characterize
 *   churn plan / churn sync   after 1% of people leave and 1% join
 * and prints time, CPU, peak RSS, the ratio to the floor, writes against the minimum and the disk the bench folder
 * peaked at (DuckDB spills past its memory limit); then the sustained write rate against the emulator with rate
 * limiting on (bench/bench-write-rate.ts).
 *
 * Timing: the pinsync phases time `main()` of cli/pinsync.ts in-process (the command's own module loading included:
 * commands import what they need when they run), the floor times its SQL after opening DuckDB, the naive script
 * times itself after the interpreter started. The whole child's wall time is printed beside each as `process`.
 *
 * Runtime: the phases run compiled JavaScript, as users run the published `dist/` (`--runtime js`, the default:
 * `tsc` compiles the phase scripts and everything they import into node_modules/.cache/pinsync-bench, incrementally,
 * before the first phase); `--runtime tsx` runs the TypeScript through tsx as before, whose loader hooks and
 * transpiling cost a 1M plan ~0.8 s of CPU that no user pays.
 *
 * `--diff-warehouse` adds the Postgres-warehouse comparison of `diff: warehouse` with `diff: state` at the same size
 * (bench/bench-planner-postgres.ts: time, bytes received from the warehouse, peak RSS).
 *
 * `--state postgres` (or `--state-pg`) starts a throwaway PostgreSQL on 127.0.0.1 (stopped at the end);
 * `--state postgres://...` uses that server. Then pinsync's first plan/sync and churn plan/sync also run on the
 * Postgres state (into a list of their own), with what the server spent (bench/bench-postgres-state.ts), and the
 * churn sync is compared with the DuckDB state's from this same run, both as pinsync runs it by default (the
 * DuckDB warehouse pushed down into the DuckDB state) and streamed through Node as with any other state.
 */
import { execFileSync, spawn } from 'node:child_process';
import { copyFile, cp, mkdir, readdir, rm, stat, statfs, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_STATE_MEMORY_LIMIT } from '../connectors/state/duckdb/duckdb-state-store.js';
import { sampleSyncConfig } from '../demo/sample-warehouse.js';
import { openBenchPostgres, type BenchPostgres, type PostgresPhaseStats } from './bench-postgres-state.js';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
// `--dir` (or PINSYNC_BENCH_DIR): a folder of its own, e.g. on a bigger disk for 100M rows; emptied at the start.
const DIR = resolve(arg('dir', join(ROOT, '.bench')));
const TSX = ['--import', 'tsx'];
/** Where `--runtime js` compiles the phase scripts (node_modules/.cache: ignored by git, kept between runs). */
const BUILD_DIR = join(ROOT, 'node_modules/.cache/pinsync-bench');

/** How a phase script runs: the node arguments before the script, and the script's path for a `bench/` name. */
interface PhaseRuntime {
  /** `js` (compiled) or `tsx`. */
  name: string;
  /** Node arguments for `bench/<script>` (e.g. `bench-phase`). */
  args(script: string): string[];
}

let runtime: PhaseRuntime = { name: 'tsx', args: (script) => [...TSX, join(ROOT, `bench/${script}.ts`)] };

// Compiles the phase scripts and what they import (dynamic imports included) with the project's own compiler
// settings; incremental, so a run after no change costs seconds. A tree that does not compile falls back to tsx.
async function compilePhases(): Promise<PhaseRuntime> {
  await mkdir(BUILD_DIR, { recursive: true });
  // connectors/sql-files.ts looks for sql/ a few folders above itself, as it does from dist/. A copy, not a link:
  // the SQL must stay the version the code was compiled with while a long run goes on and the tree changes.
  await rm(join(BUILD_DIR, 'sql'), { recursive: true, force: true });
  await cp(join(ROOT, 'sql'), join(BUILD_DIR, 'sql'), { recursive: true });
  const tsconfig = join(BUILD_DIR, 'tsconfig.json');
  await writeFile(
    tsconfig,
    JSON.stringify({
      extends: join(ROOT, 'tsconfig.json'),
      compilerOptions: { noEmit: false, outDir: BUILD_DIR, rootDir: ROOT, declaration: false, sourceMap: false, incremental: true, tsBuildInfoFile: join(BUILD_DIR, 'tsbuildinfo') },
      files: [join(ROOT, 'bench/bench-phase.ts'), join(ROOT, 'bench/bench-emulator.ts')],
      include: [],
    }),
  );
  process.stderr.write('bench: compiling the phase scripts (--runtime js)…\n');
  const res = await runChild([join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', tsconfig]);
  if (res.code !== 0) {
    process.stderr.write(`bench: the tree does not compile, running through tsx instead:\n${res.stdout.split('\n').slice(0, 5).join('\n')}\n`);
    return runtime;
  }
  return { name: 'js', args: (script) => [join(BUILD_DIR, `bench/${script}.js`)] };
}

interface PhaseResult {
  /** The phase's own timer (see the top comment). */
  ms: number;
  /** Peak resident set of the child process. */
  maxRssMb: number;
  /** User + system CPU of the child; DuckDB's threads can make it exceed `ms`. */
  cpuMs?: number;
  /** Wall time of the whole child process, module loading included. */
  processMs?: number;
  /** Largest size of the bench folder seen while the phase ran (databases, CSV, DuckDB's spill files). */
  diskPeakBytes?: number;
  [key: string]: unknown;
}

/** Above this many rows the naive script is skipped: a Python set of 100M 64-char strings needs ~15 GB. */
const NAIVE_MAX_ROWS = 20_000_000;

/** The writes/min an unpaced first sync configures: far above anything the emulator or the push can reach. */
const UNPACED_WRITES_PER_MINUTE = 10_000_000;

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : (process.env[`PINSYNC_BENCH_${name.toUpperCase().replace(/-/g, '_')}`] ?? fallback);
}

function runChild(args: string[], env: Record<string, string> = {}, command = process.execPath): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(command, args, { cwd: DIR, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolveRun({ code: code ?? 1, stdout, stderr }));
  });
}

async function phase(name: string, args: string[], env: Record<string, string> = {}): Promise<PhaseResult> {
  return childPhase(name, [...runtime.args('bench-phase'), ...args], env);
}

/** The naive baseline: bench/naive-plan.py over the exported CSV (and membership). */
async function naivePhase(name: string, args: string[]): Promise<PhaseResult> {
  return childPhase(name, [join(ROOT, 'bench/naive-plan.py'), ...args], {}, 'python3');
}

// Runs one phase's child, watching the bench folder's size meanwhile: DuckDB's spill files come and go within a
// phase, so only sampling while it runs sees the peak.
async function childPhase(name: string, args: string[], env: Record<string, string>, command?: string): Promise<PhaseResult> {
  process.stderr.write(`bench: ${name}… (load ${loadNow()})\n`);
  let diskPeakBytes = await folderBytes(DIR);
  const timer = setInterval(() => {
    void folderBytes(DIR).then((n) => (diskPeakBytes = Math.max(diskPeakBytes, n)), () => undefined);
  }, 1000);
  const started = performance.now();
  const res = await runChild(args, env, command).finally(() => clearInterval(timer));
  const processMs = performance.now() - started;
  if (res.code !== 0) throw new Error(`${name} failed (exit ${res.code}):\n${res.stderr}\n${res.stdout}`);
  const last = res.stdout.trim().split('\n').pop()!;
  diskPeakBytes = Math.max(diskPeakBytes, await folderBytes(DIR));
  const result = { ...(JSON.parse(last) as PhaseResult), processMs, diskPeakBytes };
  // As it goes: a long run that is stopped still leaves the figures of the phases it finished.
  process.stderr.write(
    `bench: ${name}: ${(result.ms / 1000).toFixed(2)} s, CPU ${((result.cpuMs ?? 0) / 1000).toFixed(2)} s, process ${(processMs / 1000).toFixed(2)} s, ` +
      `peak RSS ${Math.round(result.maxRssMb)} MB, disk peak ${gb(diskPeakBytes)}\n`,
  );
  return result;
}

/** Bytes under `dir`, recursively (files vanishing meanwhile, as spill files do, count as nothing). */
async function folderBytes(dir: string): Promise<number> {
  let total = 0;
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const e of entries) {
    const path = join(dir, e.name);
    if (e.isDirectory()) total += await folderBytes(path);
    else total += await stat(path).then((s) => s.size, () => 0);
  }
  return total;
}

const gb = (bytes: number) => `${(bytes / 2 ** 30).toFixed(1)} GB`;

/** Free space where the bench folder lives. */
async function freeBytes(dir: string): Promise<number> {
  const s = await statfs(dir);
  return s.bavail * s.bsize;
}

/** Whether python3 runs here (the naive baseline needs it; nothing beyond the standard library). */
function pythonAvailable(): boolean {
  try {
    execFileSync('python3', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** A pinsync phase on the Postgres state, with what the server spent. */
type PostgresPhase = PhaseResult & { pg: PostgresPhaseStats };

// The 1-minute load average: the bench's figures only mean something next to how busy the machine was.
const loadNow = () => loadavg()[0]!.toFixed(1);

/** What the run includes beyond pinsync's own phases. */
interface BenchOptions {
  /** Why the naive script does not run, or undefined when it does. */
  naiveSkipped: string | undefined;
  /** The first sync at the default pacing, or with pacing off (writes as fast as the emulator answers). */
  firstSync: 'paced' | 'unpaced';
}

async function phases(rows: number, batch: number, postgres: BenchPostgres | undefined, opts: BenchOptions): Promise<void> {
  const loadAtStart = loadNow();
  const freeAtStart = await freeBytes(DIR);
  // `--warehouse FILE`: a warehouse an earlier `generate` made for the same --rows (100M rows take many minutes to
  // generate on a busy machine); copied, since the churn phase changes it.
  const warehouseFrom = arg('warehouse', '');
  if (warehouseFrom) {
    process.stderr.write(`bench: warehouse copied from ${warehouseFrom} (must hold ${rows.toLocaleString('en-US')} generated rows)\n`);
    await copyFile(warehouseFrom, join(DIR, 'warehouse.duckdb'));
  } else await phase('generate', ['generate', String(rows)]);
  const emulator = spawn(process.execPath, [...runtime.args('bench-emulator'), String(rows <= 2_000_000)], {
    cwd: DIR,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const baseUrl = await new Promise<string>((ok, fail) => {
    emulator.stdout.once('data', (d: Buffer) => ok(d.toString().trim()));
    emulator.once('exit', (code) => fail(new Error(`emulator exited ${code}`)));
  });
  try {
    const config = (audienceName: string, state: string, unpaced = false) => {
      const text = sampleSyncConfig({ apiBaseUrl: baseUrl, syncName: 'bench', audienceName, maxRecords: batch, maxRemovePercent: 50 });
      if (!text.startsWith('state: duckdb:state.duckdb\n')) throw new Error('the sample config no longer starts with its state line; update bench/run-bench.ts');
      const batchLine = `    batch: { maxRecords: ${batch} }\n`;
      if (unpaced && !text.includes(batchLine)) throw new Error('the sample config no longer has its batch line; update bench/run-bench.ts');
      // JSON-quoted: a URL's password may hold YAML-significant characters.
      const withState = text.replace('state: duckdb:state.duckdb', `state: ${JSON.stringify(state)}`);
      return unpaced ? withState.replace(batchLine, `${batchLine}    rateLimits: { adsWritePerMinute: ${UNPACED_WRITES_PER_MINUTE} }\n`) : withState;
    };
    await writeFile(join(DIR, 'pinsync.yaml'), config('Bench audience', 'duckdb:state.duckdb'));
    // The same sync and state with pacing off, for a first sync whose paced push would take longer than the bench.
    await writeFile(join(DIR, 'pinsync-unpaced.yaml'), config('Bench audience', 'duckdb:state.duckdb', true));
    // Streamed: the DuckDB state fed through Node like any other state, from a copy of the first sync's state.
    await writeFile(join(DIR, 'pinsync-streamed.yaml'), config('Bench audience', 'duckdb:state-streamed.duckdb'));
    if (postgres) await writeFile(join(DIR, 'pinsync-pg.yaml'), config('Bench audience on Postgres state', postgres.stateUrl));
    const pg = ['-c', 'pinsync-pg.yaml'];
    const pgPhase = async (name: string, args: string[]): Promise<PostgresPhase> => {
      const { result, pg: stats } = await postgres!.measure(() => phase(name, args, postgres!.env));
      return { ...result, pg: stats };
    };

    const floorFirst = await phase('floor (first)', ['floor', 'empty']);
    let naive1: PhaseResult | undefined;
    if (!opts.naiveSkipped) {
      await phase('naive input (customers.csv, untimed)', ['export-naive', 'customers']);
      naive1 = await naivePhase('naive first plan', ['customers.csv']);
      await rm(join(DIR, 'customers.csv'), { force: true });
    }
    const plan1 = await phase('first plan', ['cli', 'plan', '--format', 'json']);
    const sync1 = await phase(`first sync (${opts.firstSync})`, ['cli', 'sync', '--json', ...(opts.firstSync === 'unpaced' ? ['-c', 'pinsync-unpaced.yaml'] : [])]);
    let pgPlan1: PostgresPhase | undefined;
    let pgSync1: PostgresPhase | undefined;
    if (postgres) {
      await copyFile(join(DIR, 'state.duckdb'), join(DIR, 'state-streamed.duckdb'));
      pgPlan1 = await pgPhase('first plan (Postgres state)', ['cli', 'plan', '--format', 'json', ...pg]);
      pgSync1 = await pgPhase('first sync (Postgres state)', ['cli', 'sync', '--json', ...pg]);
    }
    await phase('churn 1%', ['churn', String(rows)]);
    const floorChurn = await phase('floor (churn)', ['floor', 'state']);
    let naive2: PhaseResult | undefined;
    if (!opts.naiveSkipped) {
      await phase('naive input (churned customers.csv, untimed)', ['export-naive', 'customers']);
      await phase('naive input (membership.txt, untimed)', ['export-naive', 'membership']);
      naive2 = await naivePhase('naive churn plan', ['customers.csv', 'membership.txt']);
      await rm(join(DIR, 'customers.csv'), { force: true });
      await rm(join(DIR, 'membership.txt'), { force: true });
    }
    const plan2 = await phase('churn plan', ['cli', 'plan', '--format', 'json']);
    const sync2 = await phase('churn sync', ['cli', 'sync', '--json']);
    let streamedSync2: PhaseResult | undefined;
    let pgPlan2: PostgresPhase | undefined;
    let pgSync2: PostgresPhase | undefined;
    if (postgres) {
      streamedSync2 = await phase('churn sync (DuckDB state, streamed)', ['cli', 'sync', '--json', '-c', 'pinsync-streamed.yaml'], { PINSYNC_NO_PUSHDOWN: '1' });
      pgPlan2 = await pgPhase('churn plan (Postgres state)', ['cli', 'plan', '--format', 'json', ...pg]);
      pgSync2 = await pgPhase('churn sync (Postgres state)', ['cli', 'sync', '--json', ...pg]);
    }

    const mb = (r: PhaseResult) => `${Math.round(r.maxRssMb)} MB`;
    const s = (r: PhaseResult) => `${(r.ms / 1000).toFixed(2)} s`;
    const cpu = (r: PhaseResult) => (r.cpuMs === undefined ? 'n/a' : `${(r.cpuMs / 1000).toFixed(2)} s`);
    const proc = (r: PhaseResult) => (r.processMs === undefined ? 'n/a' : `${(r.processMs / 1000).toFixed(2)} s`);
    const disk = (r: PhaseResult) => (r.diskPeakBytes === undefined ? 'n/a' : gb(r.diskPeakBytes));
    const ratio = (r: PhaseResult, floor: PhaseResult) => `${(r.ms / floor.ms).toFixed(2)}x`;
    const writes = (r: PhaseResult) => {
      const report = r.report as { diff: { adds: number; removes: number }; sent: { batches: number } } | undefined;
      if (!report) return '';
      const min = Math.ceil(report.diff.adds / batch) + Math.ceil(report.diff.removes / batch);
      return `${report.sent.batches} writes (minimum ${min}) for +${report.diff.adds.toLocaleString('en-US')} / -${report.diff.removes.toLocaleString('en-US')}`;
    };
    const row = (label: string, r: PhaseResult | undefined, vs: string, notes: string) =>
      r === undefined
        ? `${label.padEnd(13)} ${'skipped'.padEnd(9)} ${''.padEnd(9)} ${''.padEnd(9)} ${''.padEnd(10)} ${''.padEnd(10)} ${''.padEnd(8)} ${notes}`
        : `${label.padEnd(13)} ${s(r).padEnd(9)} ${cpu(r).padEnd(9)} ${proc(r).padEnd(9)} ${mb(r).padEnd(10)} ${vs.padEnd(10)} ${disk(r).padEnd(8)} ${notes}`;
    const speedUp = (naive: PhaseResult | undefined, plan: PhaseResult) =>
      naive === undefined
        ? opts.naiveSkipped!
        : `pinsync plan ${(naive.ms / plan.ms).toFixed(1)}x faster (target >= 3x), ${(naive.processMs! / plan.processMs!).toFixed(1)}x by process time, ` +
          `${(naive.cpuMs! / plan.cpuMs!).toFixed(1)}x by CPU; ${String(naive.records)} distinct hashes, no validation`;
    const pinsyncPhases = [plan1, sync1, plan2, sync2];
    const peakRss = Math.max(...pinsyncPhases.map((r) => r.maxRssMb));
    const firstSyncNote =
      opts.firstSync === 'unpaced'
        ? `pacing off (${UNPACED_WRITES_PER_MINUTE.toLocaleString('en-US')}/min configured): local push cost only; at 400/min the push takes writes / 400 min, see a 10M run for the paced figure`
        : 'paced at the default 400 writes/min';
    const lines = [
      `pinsync bench: ${rows.toLocaleString('en-US')} customers (${String(floorFirst.records ?? '?')} distinct valid identifiers), node ${process.version} (${runtime.name}), ` +
        `${cpus().length} CPUs, load average ${loadAtStart} at the start, ${loadNow()} at the end (others' work on a shared machine slows every phase)`,
      `phase         time      CPU       process   peak RSS   vs floor   disk     notes`,
      row('floor first', floorFirst, '1.00x', 'DuckDB alone: hash, distinct, anti-join'),
      row('naive first', naive1, naive1 ? ratio(naive1, floorFirst) : '', speedUp(naive1, plan1)),
      row('first plan', plan1, ratio(plan1, floorFirst), 'target <= 1.0x, RSS < 1 GB'),
      row('first sync', sync1, ratio(sync1, floorFirst), `${writes(sync1)}; ${firstSyncNote}`),
      row('floor churn', floorChurn, '1.00x', ''),
      row('naive churn', naive2, naive2 ? ratio(naive2, floorChurn) : '', speedUp(naive2, plan2)),
      row('churn plan', plan2, ratio(plan2, floorChurn), ''),
      row('churn sync', sync2, ratio(sync2, floorChurn), writes(sync2)),
      `pinsync peak RSS over its phases: ${Math.round(peakRss)} MB (target < 1024 MB: ${peakRss < 1024 ? 'met' : 'NOT met'}) ` +
        `with DuckDB's memory_limit at ${process.env.PINSYNC_STATE_MEMORY_LIMIT ?? `${DEFAULT_STATE_MEMORY_LIMIT} (the default)`}; ` +
        `disk: ${gb(freeAtStart)} free at the start, the bench folder peaked at ${gb(Math.max(...[floorFirst, plan1, sync1, floorChurn, plan2, sync2, naive1, naive2].map((r) => r?.diskPeakBytes ?? 0)))}`,
      'time: the phase\'s own timer (pinsync: main(), its lazy module loading included; floor: the SQL; naive: after the interpreter started); ' +
        'CPU: user+system of the whole child; process: the child\'s wall time, start-up included; on a loaded machine compare CPU',
    ];
    if (postgres && pgPlan1 && pgSync1 && pgPlan2 && pgSync2 && streamedSync2) {
      const pgMs = (ms: number | undefined) => (ms === undefined ? 'n/a' : `${(ms / 1000).toFixed(2)} s`);
      const row = (label: string, r: PostgresPhase, vs: string, notes: string) =>
        `${label.padEnd(13)} ${s(r).padEnd(9)} ${mb(r).padEnd(10)} ${pgMs(r.pg.activeMs).padEnd(10)} ${pgMs(r.pg.cpuMs).padEnd(10)} ${vs.padEnd(22)} ${notes}`;
      const spill = (r: PostgresPhase) => (r.pg.tempBytes > 0 ? `; ${Math.round(r.pg.tempBytes / 2 ** 20)} MB spilled to temp files` : '');
      const vs = (r: PostgresPhase, duck: PhaseResult) => ratio(r, duck);
      lines.push(
        '',
        `Postgres state ${postgres.display}: ${postgres.settings}`,
        `phase         time      peak RSS   PG active  PG CPU     vs DuckDB state        notes`,
        row('first plan', pgPlan1, vs(pgPlan1, plan1), `RSS target < 1 GB${spill(pgPlan1)}`),
        row('first sync', pgSync1, vs(pgSync1, sync1), `${writes(pgSync1)}${spill(pgSync1)}`),
        row('churn plan', pgPlan2, vs(pgPlan2, plan2), spill(pgPlan2).replace(/^; /, '')),
        row('churn sync', pgSync2, vs(pgSync2, sync2), `target <= 2x; ${writes(pgSync2)}${spill(pgSync2)}`),
        `${''.padEnd(13)} ${''.padEnd(9)} ${''.padEnd(10)} ${''.padEnd(10)} ${''.padEnd(10)} ` +
          `${`${ratio(pgSync2, streamedSync2)} streamed`.padEnd(22)} DuckDB state streamed through Node (PINSYNC_NO_PUSHDOWN=1): ${s(streamedSync2)}, ${mb(streamedSync2)}`,
        'PG active: time the server spent running statements (pg_stat_database.active_time, all connections); ' +
          'PG CPU: the server processes\' user+system CPU (/proc); vs DuckDB state: this run\'s same phase on the DuckDB state (DuckDB warehouse pushed down into it)',
      );
    }
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    emulator.kill('SIGTERM');
  }
}

/** `--no-naive`, `--first-sync paced|unpaced` and their defaults for `rows`. */
function benchOptions(rows: number): BenchOptions {
  let naiveSkipped: string | undefined;
  if (process.argv.includes('--no-naive')) naiveSkipped = 'skipped (--no-naive)';
  else if (rows > NAIVE_MAX_ROWS) naiveSkipped = `skipped above ${NAIVE_MAX_ROWS.toLocaleString('en-US')} rows: a Python set of that many 64-char hex strings needs ~150 bytes each (15 GB at 100M) and would not fit beside the bench`;
  else if (!pythonAvailable()) naiveSkipped = 'skipped: python3 is not on the PATH';
  const firstSync = arg('first-sync', rows > NAIVE_MAX_ROWS ? 'unpaced' : 'paced');
  if (firstSync !== 'paced' && firstSync !== 'unpaced') throw new Error('--first-sync must be paced or unpaced');
  return { naiveSkipped, firstSync };
}

// Measured at 10M rows: the bench folder peaked at 5.4 GB, in the churn floor (the warehouse 0.2 GB, the state 0.5 GB,
// the rest DuckDB spilling the floor's hex strings); refuses early rather than failing an hour in.
const DISK_BYTES_PER_ROW = 550;

async function checkDisk(rows: number, opts: BenchOptions): Promise<void> {
  const free = await freeBytes(DIR);
  // The naive baseline's CSV and membership file: ~130 bytes a row between them.
  const needed = rows * DISK_BYTES_PER_ROW + (opts.naiveSkipped ? 0 : rows * 130);
  process.stderr.write(`bench: disk: ${gb(free)} free, about ${gb(needed)} needed at most\n`);
  if (free < needed) throw new Error(`not enough disk for ${rows.toLocaleString('en-US')} rows: ${gb(free)} free, about ${gb(needed)} needed`);
}

/** `--state`: duckdb (the default, the DuckDB state only), postgres/auto (a throwaway local server) or a URL. */
function stateSpec(): string {
  if (process.argv.includes('--state-pg')) return 'postgres';
  return arg('state', 'duckdb');
}

async function main(): Promise<void> {
  const rows = Number(arg('rows', '1000000'));
  const batch = Number(arg('batch', '10000'));
  const spec = stateSpec();
  await rm(DIR, { recursive: true, force: true });
  await mkdir(DIR, { recursive: true });
  // First, so a missing server fails the bench before minutes of DuckDB phases.
  const postgres = spec === 'duckdb' ? undefined : await openBenchPostgres(spec);
  try {
    process.stderr.write(`bench: ${rows.toLocaleString('en-US')} customers, batches of ${batch.toLocaleString('en-US')}\n`);
    if (postgres) process.stderr.write(`bench: Postgres state ${postgres.display} (${postgres.settings})\n`);
    const opts = benchOptions(rows);
    if (arg('runtime', 'js') === 'js') runtime = await compilePhases();
    if (opts.naiveSkipped) process.stderr.write(`bench: naive baseline skipped: ${opts.naiveSkipped}\n`);
    process.stderr.write(`bench: first sync ${opts.firstSync}${opts.firstSync === 'unpaced' ? ' (pacing off: the paced push at this size would outlast the bench)' : ''}\n`);
    await checkDisk(rows, opts);
    await phases(rows, batch, postgres, opts);
  } finally {
    await postgres?.close();
  }

  // Issue 10: the push at 600 ms latency, a forced mass removal, the local cost per batch (bench/bench-latency-suite.ts).
  if (!process.argv.includes('--no-latency')) {
    process.stderr.write('bench: push at 600 ms latency, forced mass removal, local cost per batch (skip with --no-latency)…\n');
    const latency = await runChild([...TSX, join(ROOT, 'bench/bench-latency-suite.ts'), ...process.argv.slice(2)]);
    if (latency.code !== 0) throw new Error(`latency bench failed:\n${latency.stderr}`);
    process.stdout.write(latency.stdout);
  }

  // Issue 12: diff: warehouse against diff: state on a Postgres warehouse (bench/bench-planner-postgres.ts). Opt-in:
  // it starts a Postgres server of its own and loads the same number of customers into it.
  if (process.argv.includes('--diff-warehouse')) {
    process.stderr.write('bench: diff: warehouse vs diff: state on a Postgres warehouse…\n');
    const planner = await runChild([...TSX, join(ROOT, 'bench/bench-planner-postgres.ts'), '--records', String(rows)]);
    if (planner.code !== 0) throw new Error(`diff-warehouse bench failed:\n${planner.stderr}`);
    process.stdout.write(planner.stdout);
  }

  // Pacing: the sustained write rate against the emulator with its rate limiter on (DESIGN §5: >= 90%).
  if (process.argv.includes('--no-write-rate')) return;
  process.stderr.write('bench: write rate with rate limiting on…\n');
  const rate = await runChild([...TSX, join(ROOT, 'bench/bench-write-rate.ts'), '--rate', arg('write-rate', '1200'), '--seconds', arg('write-seconds', '20')]);
  if (rate.code !== 0) throw new Error(`write-rate bench failed:\n${rate.stderr}`);
  const r = JSON.parse(rate.stdout.trim().split('\n').pop()!) as { rate: number; writes: number; seconds: number; fraction: number; steadyFraction: number; rateLimited: number };
  process.stdout.write(
    `write rate    ${r.writes} writes in ${r.seconds.toFixed(1)} s at a configured ${r.rate}/min: ${(r.fraction * 100).toFixed(1)}% of the rate ` +
      `(${(r.steadyFraction * 100).toFixed(1)}% after the opening burst), ${r.rateLimited} answers 429 (target >= 90%, none)\n`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
