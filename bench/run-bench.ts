/**
 * `npm run bench [-- --rows N] [--state postgres|postgres://...]`: pinsync against the floor DuckDB sets for the
 * same work, and with `--state` the same phases on a Postgres state beside the DuckDB state's.
 *
 * Each phase runs in its own child process so its peak RSS is its own. Phases:
 *   floor       DuckDB alone: hash every identifier, distinct, anti-join both ways against the membership
 *   first plan  `pinsync plan` on a brand-new sync
 *   first sync  `pinsync sync` into the emulator (a separate process, so its memory is not counted)
 *   churn plan / churn sync   after 1% of people leave and 1% join
 * and prints time, peak RSS, the ratio to the floor, and writes against the minimum; then the sustained write rate
 * against the emulator with rate limiting on (bench/bench-write-rate.ts).
 *
 * `--state postgres` (or `--state-pg`) starts a throwaway PostgreSQL on 127.0.0.1 (stopped at the end);
 * `--state postgres://...` uses that server. Then pinsync's first plan/sync and churn plan/sync also run on the
 * Postgres state (into a list of their own), with what the server spent (bench/bench-postgres-state.ts), and the
 * churn sync is compared with the DuckDB state's from this same run, both as pinsync runs it by default (the
 * DuckDB warehouse pushed down into the DuckDB state) and streamed through Node as with any other state.
 */
import { spawn } from 'node:child_process';
import { copyFile, mkdir, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sampleSyncConfig } from '../demo/sample-warehouse.js';
import { openBenchPostgres, type BenchPostgres, type PostgresPhaseStats } from './bench-postgres-state.js';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const DIR = join(ROOT, '.bench');
const TSX = ['--import', 'tsx'];

interface PhaseResult {
  ms: number;
  maxRssMb: number;
  [key: string]: unknown;
}

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : (process.env[`PINSYNC_BENCH_${name.toUpperCase().replace(/-/g, '_')}`] ?? fallback);
}

function runChild(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, args, { cwd: DIR, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolveRun({ code: code ?? 1, stdout, stderr }));
  });
}

async function phase(name: string, args: string[], env: Record<string, string> = {}): Promise<PhaseResult> {
  process.stderr.write(`bench: ${name}…\n`);
  const res = await runChild([...TSX, join(ROOT, 'bench/bench-phase.ts'), ...args], env);
  if (res.code !== 0) throw new Error(`${name} failed (exit ${res.code}):\n${res.stderr}\n${res.stdout}`);
  const last = res.stdout.trim().split('\n').pop()!;
  return JSON.parse(last) as PhaseResult;
}

/** A pinsync phase on the Postgres state, with what the server spent. */
type PostgresPhase = PhaseResult & { pg: PostgresPhaseStats };

// The 1-minute load average: the bench's figures only mean something next to how busy the machine was.
const loadNow = () => loadavg()[0]!.toFixed(1);

async function phases(rows: number, batch: number, postgres: BenchPostgres | undefined): Promise<void> {
  const loadAtStart = loadNow();
  await phase('generate', ['generate', String(rows)]);
  const emulator = spawn(process.execPath, [...TSX, join(ROOT, 'bench/bench-emulator.ts'), String(rows <= 2_000_000)], {
    cwd: DIR,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const baseUrl = await new Promise<string>((ok, fail) => {
    emulator.stdout.once('data', (d: Buffer) => ok(d.toString().trim()));
    emulator.once('exit', (code) => fail(new Error(`emulator exited ${code}`)));
  });
  try {
    const config = (audienceName: string, state: string) => {
      const text = sampleSyncConfig({ apiBaseUrl: baseUrl, syncName: 'bench', audienceName, maxRecords: batch, maxRemovePercent: 50 });
      if (!text.startsWith('state: duckdb:state.duckdb\n')) throw new Error('the sample config no longer starts with its state line; update bench/run-bench.ts');
      // JSON-quoted: a URL's password may hold YAML-significant characters.
      return text.replace('state: duckdb:state.duckdb', `state: ${JSON.stringify(state)}`);
    };
    await writeFile(join(DIR, 'pinsync.yaml'), config('Bench audience', 'duckdb:state.duckdb'));
    // Streamed: the DuckDB state fed through Node like any other state, from a copy of the first sync's state.
    await writeFile(join(DIR, 'pinsync-streamed.yaml'), config('Bench audience', 'duckdb:state-streamed.duckdb'));
    if (postgres) await writeFile(join(DIR, 'pinsync-pg.yaml'), config('Bench audience on Postgres state', postgres.stateUrl));
    const pg = ['-c', 'pinsync-pg.yaml'];
    const pgPhase = async (name: string, args: string[]): Promise<PostgresPhase> => {
      const { result, pg: stats } = await postgres!.measure(() => phase(name, args, postgres!.env));
      return { ...result, pg: stats };
    };

    const floorFirst = await phase('floor (first)', ['floor', 'empty']);
    const plan1 = await phase('first plan', ['cli', 'plan', '--format', 'json']);
    const sync1 = await phase('first sync', ['cli', 'sync', '--json']);
    let pgPlan1: PostgresPhase | undefined;
    let pgSync1: PostgresPhase | undefined;
    if (postgres) {
      await copyFile(join(DIR, 'state.duckdb'), join(DIR, 'state-streamed.duckdb'));
      pgPlan1 = await pgPhase('first plan (Postgres state)', ['cli', 'plan', '--format', 'json', ...pg]);
      pgSync1 = await pgPhase('first sync (Postgres state)', ['cli', 'sync', '--json', ...pg]);
    }
    await phase('churn 1%', ['churn', String(rows)]);
    const floorChurn = await phase('floor (churn)', ['floor', 'state']);
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
    const ratio = (r: PhaseResult, floor: PhaseResult) => `${(r.ms / floor.ms).toFixed(2)}x`;
    const writes = (r: PhaseResult) => {
      const report = r.report as { diff: { adds: number; removes: number }; sent: { batches: number } } | undefined;
      if (!report) return '';
      const min = Math.ceil(report.diff.adds / batch) + Math.ceil(report.diff.removes / batch);
      return `${report.sent.batches} writes (minimum ${min}) for +${report.diff.adds.toLocaleString('en-US')} / -${report.diff.removes.toLocaleString('en-US')}`;
    };
    const lines = [
      `pinsync bench: ${rows.toLocaleString('en-US')} customers (${String(floorFirst.records ?? '?')} distinct valid identifiers), node ${process.version}, ` +
        `${cpus().length} CPUs, load average ${loadAtStart} at the start, ${loadNow()} at the end (others' work on a shared machine slows every phase)`,
      `phase         time      peak RSS   vs floor   notes`,
      `floor first   ${s(floorFirst).padEnd(9)} ${mb(floorFirst).padEnd(10)} 1.00x      DuckDB alone: hash, distinct, anti-join`,
      `first plan    ${s(plan1).padEnd(9)} ${mb(plan1).padEnd(10)} ${ratio(plan1, floorFirst).padEnd(10)} target <= 1.5x, RSS < 1 GB`,
      `first sync    ${s(sync1).padEnd(9)} ${mb(sync1).padEnd(10)} ${ratio(sync1, floorFirst).padEnd(10)} ${writes(sync1)}`,
      `floor churn   ${s(floorChurn).padEnd(9)} ${mb(floorChurn).padEnd(10)} 1.00x`,
      `churn plan    ${s(plan2).padEnd(9)} ${mb(plan2).padEnd(10)} ${ratio(plan2, floorChurn).padEnd(10)}`,
      `churn sync    ${s(sync2).padEnd(9)} ${mb(sync2).padEnd(10)} ${ratio(sync2, floorChurn).padEnd(10)} ${writes(sync2)}`,
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
    await phases(rows, batch, postgres);
  } finally {
    await postgres?.close();
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
