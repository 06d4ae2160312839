/**
 * `npx tsx bench/bench-push-latency.ts [--records 1000000] [--batch 10000] [--latency-ms 600] [--rate 1200]
 *   [--max-in-flight N] [--headroom N] [--dir PATH]`: does a real `pinsync sync` keep Pinterest's write budget full
 * when every answer takes `--latency-ms`? (issue 10 §1: >= 95% of the configured rate over the push, no 429.)
 *
 * Builds a DuckDB warehouse of `--records` distinct emails, starts the emulator in its own process answering after
 * `--latency-ms` with its `ads_write` limit at `--rate` per minute (its bucket spent down to `--headroom` writes
 * first, default two seconds of the rate), runs `pinsync plan` then `pinsync sync` (each in its own process) with
 * pacing at the same rate, and reports:
 *   - writes and push-phase seconds (the report's phases.pushMs: list, batches, audience, final reads);
 *   - writes/min over the push phase and that as a fraction of the rate (target >= 95%), and the steady rate from
 *     the first to the last write the emulator answered;
 *   - the in-flight ceiling maxInFlight x 60,000 / latency: above the rate, pacing is the limit; below, no code can
 *     reach the rate;
 *   - 429 answers (the emulator's count) and the sync's retries; pinsync's peak RSS;
 *   - the whole sync against `plan time + writes / rate` (issue 10: the 10M first sync at 400/min within 5%).
 * The last stdout line is JSON ({@link PushLatencyResult}).
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { buildEmailWarehouse, loadNow, numberArg, ROOT, runPinsync, startBenchEmulator, textArg, thousands, writeEmailSyncConfig } from './bench-sync-harness.js';

/** The bench's settings. */
export interface PushLatencyOptions {
  /** Distinct records in the warehouse (one email per row). */
  records: number;
  /** `batch.maxRecords`. */
  batch: number;
  /** Emulator latency per request. */
  latencyMs: number;
  /** Configured and enforced ads_write per minute. */
  rate: number;
  /** `maxInFlight`; undefined: pinsync's default. */
  maxInFlight: number | undefined;
  /** ads_write requests left in the emulator's bucket at the start; undefined: two seconds of the rate. */
  headroom: number | undefined;
  /** Working folder (deleted and recreated). */
  dir: string;
}

/** What one run measured. */
export interface PushLatencyResult {
  /** The settings, resolved. */
  options: PushLatencyOptions & { maxInFlight: number };
  /** Records the sync acknowledged. */
  records: number;
  /** ads_write requests the emulator answered 2xx (list creation, batches, audience creation). */
  writes: number;
  /** Batches the report counts. */
  batches: number;
  /** The report's phases.pushMs, in seconds. */
  pushSeconds: number;
  /** The sync's read and diff phases (phases.readMs + diffMs), seconds: what `planSeconds` stands for in the bound. */
  readDiffSeconds: number;
  /** writes / push minutes. */
  writesPerMinute: number;
  /** writesPerMinute / rate. */
  fraction: number;
  /** (writes - 1) / minutes from the first write's arrival to the last write's answer, / rate. */
  steadyFraction: number;
  /** min(rate, maxInFlight x 60,000 / latency) / rate: the most any push can reach with this bound. */
  ceilingFraction: number;
  /** 429 answers the emulator gave. */
  rateLimited: number;
  /** Retries the sync's report counts. */
  retries: number;
  /** Other error answers the emulator gave. */
  errors: number;
  /** `pinsync plan` wall time, seconds. */
  planSeconds: number;
  /** `pinsync sync` wall time, seconds. */
  syncSeconds: number;
  /** planSeconds + writes / rate, in seconds. */
  boundSeconds: number;
  /** syncSeconds / boundSeconds. */
  vsBound: number;
  /** pinsync sync's peak RSS. */
  maxRssMb: number;
  /** pinsync sync's CPU seconds (null when bench-phase.ts does not report it). */
  cpuSeconds: number | null;
  /** The emulator process's CPU over the run and its peak RSS. */
  emulator: { cpuSeconds: number; maxRssMb: number; meanWriteMs: number };
  /** 1-minute load average at the start and at the end. */
  load: [string, string];
}

/** pinsync's default maxInFlight, read from the config schema's default. */
async function defaultMaxInFlight(): Promise<number> {
  const { DEFAULT_MAX_IN_FLIGHT } = await import('../core/push-pipeline.js');
  return DEFAULT_MAX_IN_FLIGHT;
}

export async function benchPushLatency(opts: PushLatencyOptions, log: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): Promise<PushLatencyResult> {
  const loadAtStart = loadNow();
  const maxInFlight = opts.maxInFlight ?? (await defaultMaxInFlight());
  await rm(opts.dir, { recursive: true, force: true });
  log(`bench-push-latency: warehouse of ${thousands(opts.records)} emails…`);
  await buildEmailWarehouse(opts.dir, opts.records);
  const headroom = opts.headroom ?? Math.max(1, Math.ceil(opts.rate / 30));
  const emulator = await startBenchEmulator({ latencyMs: opts.latencyMs, adsWritePerMinute: opts.rate, headroom });
  try {
    await writeEmailSyncConfig(opts.dir, { baseUrl: emulator.baseUrl, batch: opts.batch, adsWritePerMinute: opts.rate, maxInFlight: opts.maxInFlight });
    log('bench-push-latency: pinsync plan…');
    const plan = await runPinsync(opts.dir, ['plan', '--format', 'json']);
    await emulator.clear();
    log(`bench-push-latency: pinsync sync at ${opts.rate}/min, ${opts.latencyMs} ms a request, ${maxInFlight} in flight…`);
    const sync = await runPinsync(opts.dir, ['sync', '--json']);
    const stats = await emulator.stats();
    if (sync.report.status !== 'succeeded') throw new Error(`the sync ended ${sync.report.status}: ${sync.report.error?.message ?? ''}`);
    const pushSeconds = sync.report.phases.pushMs / 1000;
    const writesPerMinute = (stats.writes / pushSeconds) * 60;
    const steadyMinutes = stats.firstWriteAt === null || stats.lastWriteAt === null ? 0 : (stats.lastWriteAt - stats.firstWriteAt) / 60_000;
    const ceiling = opts.latencyMs > 0 ? Math.min(opts.rate, (maxInFlight * 60_000) / opts.latencyMs) : opts.rate;
    const boundSeconds = plan.ms / 1000 + (stats.writes / opts.rate) * 60;
    return {
      options: { ...opts, maxInFlight, headroom },
      records: sync.report.sent.adds,
      writes: stats.writes,
      batches: sync.report.sent.batches,
      pushSeconds,
      readDiffSeconds: (sync.report.phases.readMs + sync.report.phases.diffMs) / 1000,
      writesPerMinute,
      fraction: writesPerMinute / opts.rate,
      steadyFraction: steadyMinutes > 0 ? (stats.writes - 1) / steadyMinutes / opts.rate : 0,
      ceilingFraction: ceiling / opts.rate,
      rateLimited: stats.rateLimited,
      retries: sync.report.pinterest.retries,
      errors: stats.errors,
      planSeconds: plan.ms / 1000,
      syncSeconds: sync.ms / 1000,
      boundSeconds,
      vsBound: sync.ms / 1000 / boundSeconds,
      maxRssMb: sync.maxRssMb,
      cpuSeconds: sync.cpuMs === undefined ? null : sync.cpuMs / 1000,
      emulator: { cpuSeconds: stats.cpuMs / 1000, maxRssMb: stats.maxRssMb, meanWriteMs: stats.meanWriteMs },
      load: [loadAtStart, loadNow()],
    };
  } finally {
    await emulator.close();
  }
}

/** The human-readable lines of a result. */
export function describePushLatency(r: PushLatencyResult): string[] {
  const o = r.options;
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  return [
    `push at ${o.latencyMs} ms latency: ${thousands(r.records)} records in ${thousands(r.writes)} writes (batches of ${thousands(o.batch)}), ` +
      `${o.maxInFlight} in flight, ${o.rate}/min configured and enforced (emulator in its own process, bucket at ${o.headroom} at the start)`,
    `  push phase ${r.pushSeconds.toFixed(1)} s: ${r.writesPerMinute.toFixed(0)} writes/min = ${pct(r.fraction)} of the rate (target >= 95%); ` +
      `steady ${pct(r.steadyFraction)}; in-flight ceiling ${o.maxInFlight} x 60 s / ${o.latencyMs} ms = ${pct(r.ceilingFraction)}`,
    `  ${r.rateLimited} answers 429 (target 0), ${r.retries} retries, ${r.errors} other errors; pinsync peak RSS ${Math.round(r.maxRssMb)} MB` +
      `${r.cpuSeconds === null ? '' : `, ${r.cpuSeconds.toFixed(1)} s CPU`}; ` +
      `emulator ${r.emulator.cpuSeconds.toFixed(1)} s CPU, ${Math.round(r.emulator.maxRssMb)} MB, ${r.emulator.meanWriteMs.toFixed(0)} ms a write`,
    `  whole sync ${r.syncSeconds.toFixed(1)} s vs plan ${r.planSeconds.toFixed(1)} s + writes / rate ${((r.writes / o.rate) * 60).toFixed(1)} s = ` +
      `${r.boundSeconds.toFixed(1)} s: ${r.vsBound.toFixed(3)}x (target <= 1.05x); the sync's read + diff took ${r.readDiffSeconds.toFixed(1)} s; ` +
      `load ${r.load[0]} -> ${r.load[1]}`,
  ];
}

const invokedDirectly = process.argv[1] !== undefined && /bench-push-latency(\.[cm]?[jt]s)?$/.test(process.argv[1]);
if (invokedDirectly) {
  const maxInFlight = numberArg('max-in-flight', 0);
  benchPushLatency({
    records: numberArg('records', 1_000_000),
    batch: numberArg('batch', 10_000),
    latencyMs: numberArg('latency-ms', 600),
    rate: numberArg('rate', 1200),
    maxInFlight: maxInFlight > 0 ? maxInFlight : undefined,
    headroom: process.argv.includes('--headroom') ? numberArg('headroom', 0) : undefined,
    dir: textArg('dir', join(ROOT, '.bench', 'push-latency')),
  }).then(
    (r) => process.stdout.write(`${[...describePushLatency(r), JSON.stringify(r)].join('\n')}\n`),
    (err: unknown) => {
      process.stderr.write(`bench-push-latency failed: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
