/**
 * `npx tsx bench/bench-mass-removal.ts [--records 1000000] [--batch 10000] [--rate 100000] [--latency-ms 0]
 *   [--max-in-flight N] [--dir PATH]`: a forced mass removal (issue 10 §2). After a first sync of `--records`
 * emails, half the source goes away and `pinsync sync --force` removes it (the removal guardrail trips; --force
 * sends anyway). Pacing and the emulator (in its own process, no rate limit) are set so HTTP is not the limit:
 * what remains is pinsync's own work per batch.
 *
 * Reports the removal run's wall time, its diff and push phases, push time per batch (with HTTP answered in about
 * a millisecond and several batches in flight, that is the local cost per batch: reading the range and
 * acknowledging it), the emulator's mean time per write, and pinsync's peak RSS. The last stdout line is JSON
 * ({@link MassRemovalResult}).
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import {
  buildEmailWarehouse,
  changeEmailWarehouse,
  loadNow,
  numberArg,
  ROOT,
  runPinsync,
  startBenchEmulator,
  textArg,
  thousands,
  writeEmailSyncConfig,
} from './bench-sync-harness.js';

/** The bench's settings. */
export interface MassRemovalOptions {
  /** Distinct records in the first sync. */
  records: number;
  /** `batch.maxRecords`. */
  batch: number;
  /** pinsync's pacing, ads_write per minute (high: HTTP must not be the limit). */
  rate: number;
  /** Emulator latency per request. */
  latencyMs: number;
  /** `maxInFlight`; undefined: pinsync's default. */
  maxInFlight: number | undefined;
  /** Working folder (deleted and recreated). */
  dir: string;
}

/** What one run measured. */
export interface MassRemovalResult {
  /** The settings. */
  options: MassRemovalOptions;
  /** The first sync: wall seconds, records, peak RSS. */
  firstSync: { seconds: number; adds: number; pushSeconds: number; batches: number; maxRssMb: number };
  /** Records the forced run removed. */
  removes: number;
  /** Its batches. */
  batches: number;
  /** Whether the guardrail tripped (and --force sent anyway). */
  guardrailTripped: boolean;
  /** Wall seconds of the forced run. */
  seconds: number;
  /** Its read, diff and push phases, seconds. */
  phases: { read: number; diff: number; push: number };
  /** push ms / batches. */
  pushMsPerBatch: number;
  /** The emulator's mean time per write (arrival to answer), ms. */
  emulatorMsPerWrite: number;
  /** Peak RSS of the forced run. */
  maxRssMb: number;
  /** CPU seconds of the forced run (null when bench-phase.ts does not report it). */
  cpuSeconds: number | null;
  /** 1-minute load average at the start and the end. */
  load: [string, string];
}

export async function benchMassRemoval(opts: MassRemovalOptions, log: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): Promise<MassRemovalResult> {
  const loadAtStart = loadNow();
  await rm(opts.dir, { recursive: true, force: true });
  log(`bench-mass-removal: warehouse of ${thousands(opts.records)} emails…`);
  await buildEmailWarehouse(opts.dir, opts.records);
  const emulator = await startBenchEmulator({ latencyMs: opts.latencyMs, adsWritePerMinute: 0, headroom: 0 });
  try {
    await writeEmailSyncConfig(opts.dir, { baseUrl: emulator.baseUrl, batch: opts.batch, adsWritePerMinute: opts.rate, maxInFlight: opts.maxInFlight });
    log('bench-mass-removal: first sync…');
    const first = await runPinsync(opts.dir, ['sync', '--json']);
    if (first.report.status !== 'succeeded') throw new Error(`the first sync ended ${first.report.status}`);
    const left = await changeEmailWarehouse(opts.dir, 'DELETE FROM customers WHERE customer_id % 2 = 0');
    log(`bench-mass-removal: ${thousands(left)} records left the source; pinsync sync --force…`);
    await emulator.clear();
    const forced = await runPinsync(opts.dir, ['sync', '--json', '--force']);
    const stats = await emulator.stats();
    const r = forced.report;
    if (r.status !== 'succeeded') throw new Error(`the forced sync ended ${r.status}: ${r.error?.message ?? ''}`);
    if (r.sent.removes !== left) throw new Error(`the forced sync removed ${r.sent.removes}, expected ${left}`);
    return {
      options: opts,
      firstSync: {
        seconds: first.ms / 1000,
        adds: first.report.sent.adds,
        pushSeconds: first.report.phases.pushMs / 1000,
        batches: first.report.sent.batches,
        maxRssMb: first.maxRssMb,
      },
      removes: r.sent.removes,
      batches: r.sent.batches,
      guardrailTripped: r.guardrail.verdict === 'overridden',
      seconds: forced.ms / 1000,
      phases: { read: r.phases.readMs / 1000, diff: r.phases.diffMs / 1000, push: r.phases.pushMs / 1000 },
      pushMsPerBatch: r.sent.batches === 0 ? 0 : r.phases.pushMs / r.sent.batches,
      emulatorMsPerWrite: stats.meanWriteMs,
      maxRssMb: forced.maxRssMb,
      cpuSeconds: forced.cpuMs === undefined ? null : forced.cpuMs / 1000,
      load: [loadAtStart, loadNow()],
    };
  } finally {
    await emulator.close();
  }
}

/** The human-readable lines of a result. */
export function describeMassRemoval(r: MassRemovalResult): string[] {
  const o = r.options;
  return [
    `forced mass removal: ${thousands(r.removes)} of ${thousands(r.firstSync.adds)} records in ${r.batches} batches of ${thousands(o.batch)} ` +
      `(guardrail ${r.guardrailTripped ? 'tripped, --force sent anyway' : 'did not trip'}); pacing ${thousands(o.rate)}/min, emulator ${o.latencyMs} ms`,
    `  run ${r.seconds.toFixed(1)} s (read ${r.phases.read.toFixed(1)} s, diff ${r.phases.diff.toFixed(1)} s, push ${r.phases.push.toFixed(1)} s): ` +
      `${r.pushMsPerBatch.toFixed(0)} ms of push per batch, of which the emulator answered in ${r.emulatorMsPerWrite.toFixed(1)} ms; peak RSS ${Math.round(r.maxRssMb)} MB` +
      `${r.cpuSeconds === null ? '' : `, ${r.cpuSeconds.toFixed(1)} s CPU`}`,
    `  first sync before it: ${r.firstSync.seconds.toFixed(1)} s, push ${r.firstSync.pushSeconds.toFixed(1)} s for ${r.firstSync.batches} batches ` +
      `(${((r.firstSync.pushSeconds * 1000) / Math.max(1, r.firstSync.batches)).toFixed(0)} ms a batch), ${Math.round(r.firstSync.maxRssMb)} MB; load ${r.load[0]} -> ${r.load[1]}`,
  ];
}

const invokedDirectly = process.argv[1] !== undefined && /bench-mass-removal(\.[cm]?[jt]s)?$/.test(process.argv[1]);
if (invokedDirectly) {
  const maxInFlight = numberArg('max-in-flight', 0);
  benchMassRemoval({
    records: numberArg('records', 1_000_000),
    batch: numberArg('batch', 10_000),
    rate: numberArg('rate', 100_000),
    latencyMs: numberArg('latency-ms', 0),
    maxInFlight: maxInFlight > 0 ? maxInFlight : undefined,
    dir: textArg('dir', join(ROOT, '.bench', 'mass-removal')),
  }).then(
    (r) => process.stdout.write(`${[...describeMassRemoval(r), JSON.stringify(r)].join('\n')}\n`),
    (err: unknown) => {
      process.stderr.write(`bench-mass-removal failed: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
