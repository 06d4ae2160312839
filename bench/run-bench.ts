/**
 * `npm run bench [-- --rows N]`: pinsync against the floor DuckDB sets for the same work.
 *
 * Each phase runs in its own child process so its peak RSS is its own. Phases:
 *   floor       DuckDB alone: hash every identifier, distinct, anti-join both ways against the membership
 *   first plan  `pinsync plan` on a brand-new sync
 *   first sync  `pinsync sync` into the emulator (a separate process, so its memory is not counted)
 *   churn plan / churn sync   after 1% of people leave and 1% join
 * and prints time, peak RSS, the ratio to the floor, and writes against the minimum; then the sustained write rate
 * against the emulator with rate limiting on (bench/bench-write-rate.ts).
 */
import { spawn } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sampleSyncConfig } from '../demo/sample-warehouse.js';

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

async function main(): Promise<void> {
  const rows = Number(arg('rows', '1000000'));
  const batch = Number(arg('batch', '10000'));
  await rm(DIR, { recursive: true, force: true });
  await mkdir(DIR, { recursive: true });
  process.stderr.write(`bench: ${rows.toLocaleString('en-US')} customers, batches of ${batch.toLocaleString('en-US')}\n`);

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
    await writeFile(
      join(DIR, 'pinsync.yaml'),
      sampleSyncConfig({ apiBaseUrl: baseUrl, syncName: 'bench', audienceName: 'Bench audience', maxRecords: batch, maxRemovePercent: 50 }),
    );

    const floorFirst = await phase('floor (first)', ['floor', 'empty']);
    const plan1 = await phase('first plan', ['cli', 'plan', '--format', 'json']);
    const sync1 = await phase('first sync', ['cli', 'sync', '--json']);
    await phase('churn 1%', ['churn', String(rows)]);
    const floorChurn = await phase('floor (churn)', ['floor', 'state']);
    const plan2 = await phase('churn plan', ['cli', 'plan', '--format', 'json']);
    const sync2 = await phase('churn sync', ['cli', 'sync', '--json']);

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
      `pinsync bench: ${rows.toLocaleString('en-US')} customers (${String(floorFirst.records ?? '?')} distinct valid identifiers), node ${process.version}`,
      `phase         time      peak RSS   vs floor   notes`,
      `floor first   ${s(floorFirst).padEnd(9)} ${mb(floorFirst).padEnd(10)} 1.00x      DuckDB alone: hash, distinct, anti-join`,
      `first plan    ${s(plan1).padEnd(9)} ${mb(plan1).padEnd(10)} ${ratio(plan1, floorFirst).padEnd(10)} target <= 1.5x, RSS < 1 GB`,
      `first sync    ${s(sync1).padEnd(9)} ${mb(sync1).padEnd(10)} ${ratio(sync1, floorFirst).padEnd(10)} ${writes(sync1)}`,
      `floor churn   ${s(floorChurn).padEnd(9)} ${mb(floorChurn).padEnd(10)} 1.00x`,
      `churn plan    ${s(plan2).padEnd(9)} ${mb(plan2).padEnd(10)} ${ratio(plan2, floorChurn).padEnd(10)}`,
      `churn sync    ${s(sync2).padEnd(9)} ${mb(sync2).padEnd(10)} ${ratio(sync2, floorChurn).padEnd(10)} ${writes(sync2)}`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    emulator.kill('SIGTERM');
  }

  // Pacing: the sustained write rate against the emulator with its rate limiter on (DESIGN §5: >= 90%).
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
