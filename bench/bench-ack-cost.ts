/**
 * `npx tsx bench/bench-ack-cost.ts [--stored 1000000] [--batch 10000] [--batches 20] [--state duckdb|postgres|postgres://...]
 *   [--dir PATH]`: how long pinsync spends on one batch outside HTTP (reading its range from the frozen delta, then
 * acknowledging it) when `--stored` records are already acknowledged, for ADD and REMOVE batches (issue 10 §2: the
 * cost per batch must not grow with the audience). Talks to the state store through the same interfaces the sync
 * engine uses (core/state-store.ts); nothing in connectors/state is changed for it.
 *
 * Two runs of one sync, with the state's lock held as a sync holds it:
 *   1. first sync: stages `stored` records and freezes the delta (all adds); all but the last `batches` ranges are
 *      acknowledged as one range (setup), then the last `batches` ranges of `batch` records are read and acknowledged
 *      one by one and timed: ADD batches of a first sync, with ~`stored` already acknowledged;
 *   2. churn: stages the membership minus its first `batches x batch` records plus as many new ones, freezes the
 *      delta, and times `batches` ADD ranges then `batches` REMOVE ranges (the engine's order): a churn sync's
 *      batches against `stored` acknowledged.
 * Also timed: freezing each delta, and the end of each run (the session's dispose, and whatever a later change
 * makes a run do once its batches are acknowledged; see `endOfRun`). The last stdout line is JSON ({@link AckCostResult}).
 */
import { createHash } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { openStateStore } from '../connectors/state/open-state-store.js';
import type { DiffSession, StateStore } from '../core/state-store.js';
import type { IdentifierFamily } from '../core/identifier-types.js';
import { openBenchPostgres, type BenchPostgres } from './bench-postgres-state.js';
import { loadNow, numberArg, ROOT, textArg, thousands } from './bench-sync-harness.js';

/** The bench's settings. */
export interface AckCostOptions {
  /** Records acknowledged before the timed batches. */
  stored: number;
  /** Records per batch. */
  batch: number;
  /** Timed batches per kind. */
  batches: number;
  /** `duckdb`, `postgres` (a throwaway local server) or a postgres:// URL. */
  state: string;
  /** Folder for the DuckDB state file (deleted and recreated). */
  dir: string;
}

/** Per-batch times of one kind of batch. */
export interface BatchTimes {
  /** Which batches: `first-sync ADD`, `churn ADD`, `churn REMOVE`. */
  kind: string;
  /** Records acknowledged when the first timed batch started (recorded; where acknowledgement applies in bulk at the end of the run, not yet in the membership). */
  storedAtStart: number;
  /** Batches timed. */
  batches: number;
  /** Median of readRange + acknowledge, ms. */
  medianMs: number;
  /** Mean of readRange + acknowledge, ms. */
  meanMs: number;
  /** Slowest, ms. */
  maxMs: number;
  /** Mean readRange alone, ms. */
  readMs: number;
  /** Mean acknowledge alone, ms. */
  ackMs: number;
}

/** What one bench measured. */
export interface AckCostResult {
  /** The settings. */
  options: AckCostOptions;
  /** State engine (`duckdb`, `postgres`). */
  engine: string;
  /** Per kind of batch. */
  times: BatchTimes[];
  /** Seconds: staging the first run's records, freezing its delta, the one-range setup acknowledgement. */
  setup: { stageSeconds: number; firstDiffSeconds: number; bulkAckSeconds: number; churnDiffSeconds: number };
  /** Seconds each run spent ending: applying what it acknowledged (0 where acknowledging applies at once), disposing (see `endOfRun`). */
  endOfRunSeconds: { first: { apply: number; dispose: number }; churn: { apply: number; dispose: number } };
  /** Projected per-batch local cost of a forced removal of `stored / 2` records: REMOVE mean x batches, seconds (the end-of-run apply not included). */
  halfRemovalSeconds: number;
  /** 1-minute load average at the start and the end. */
  load: [string, string];
}

const SYNC = 'ack-cost-bench';
const STAGE_CHUNK = 50_000;

/** The hash pinsync would store for record `i` (a SHA-256, as normalized emails hash to). */
function recordHash(i: number): string {
  return createHash('sha256').update(`customer${i}@example.com`).digest('hex');
}

async function stage(session: DiffSession, from: number, to: number): Promise<void> {
  for (let start = from; start < to; start += STAGE_CHUNK) {
    const end = Math.min(to, start + STAGE_CHUNK);
    const hashes: string[] = [];
    for (let i = start; i < end; i++) hashes.push(recordHash(i));
    await session.appendRecords(hashes, new Array<IdentifierFamily>(hashes.length).fill('email'));
  }
}

/**
 * What a run does once its last batch is acknowledged, timed as the end of the run: `applyAcknowledged` where the
 * session has it (acknowledgement that records ranges and applies them in bulk when the push ends), then `dispose`.
 * Looked up at run time so the bench runs on state code from before and after that change.
 */
async function endOfRun(session: DiffSession): Promise<{ apply: number; dispose: number }> {
  let t = performance.now();
  const apply = (session as { applyAcknowledged?: () => Promise<number> }).applyAcknowledged;
  if (apply !== undefined) await apply.call(session);
  const applySeconds = seconds(t);
  t = performance.now();
  await session.dispose();
  return { apply: applySeconds, dispose: seconds(t) };
}

const seconds = (startedMs: number) => (performance.now() - startedMs) / 1000;

async function timeRanges(session: DiffSession, op: 'ADD' | 'REMOVE', runId: number, first: number, opts: AckCostOptions, kind: string, storedAtStart: number): Promise<BatchTimes> {
  const totals: number[] = [];
  let read = 0;
  let ack = 0;
  for (let j = 0; j < opts.batches; j++) {
    const start = first + j * opts.batch;
    const end = start + opts.batch;
    const t0 = performance.now();
    const records = await session.readRange(op, start, end);
    const t1 = performance.now();
    if (records.length !== opts.batch) throw new Error(`${kind}: range ${start}-${end} held ${records.length} records, expected ${opts.batch}`);
    await session.acknowledge({ runId, op, start, end, customerListId: '1', createdList: false });
    const t2 = performance.now();
    totals.push(t2 - t0);
    read += t1 - t0;
    ack += t2 - t1;
  }
  const sorted = [...totals].sort((a, b) => a - b);
  return {
    kind,
    storedAtStart,
    batches: totals.length,
    medianMs: sorted[Math.floor(sorted.length / 2)]!,
    meanMs: totals.reduce((a, b) => a + b, 0) / totals.length,
    maxMs: sorted.at(-1)!,
    readMs: read / totals.length,
    ackMs: ack / totals.length,
  };
}

export async function benchAckCost(opts: AckCostOptions, log: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): Promise<AckCostResult> {
  const loadAtStart = loadNow();
  const churn = opts.batches * opts.batch;
  if (churn >= opts.stored) throw new Error(`--stored must exceed --batches x --batch (${churn})`);
  let postgres: BenchPostgres | undefined;
  let store: StateStore;
  if (opts.state === 'duckdb') {
    await rm(opts.dir, { recursive: true, force: true });
    await mkdir(opts.dir, { recursive: true });
    store = await openStateStore({ kind: 'duckdb', path: join(opts.dir, 'state.duckdb') });
  } else {
    postgres = await openBenchPostgres(opts.state);
    store = await openStateStore({ kind: 'postgres', url: postgres.stateUrl }, { env: { ...process.env, ...postgres.env } }).catch(async (err: unknown) => {
      await postgres!.close();
      throw err;
    });
  }
  try {
    const lock = await store.acquireLock(SYNC, { pid: process.pid, host: hostname(), runId: null });
    try {
      await store.saveSync(SYNC, { adAccountId: '1', customerListId: '1' });

      // Run 1: a first sync of `stored` records.
      const run1 = await store.startRun(SYNC, new Date());
      await lock.setRun(run1);
      let session = await store.openDiff(SYNC);
      log(`bench-ack-cost (${store.kind}): staging ${thousands(opts.stored)} records…`);
      let t = performance.now();
      await stage(session, 0, opts.stored);
      const stageSeconds = seconds(t);
      t = performance.now();
      const first = await session.computeDiff({ fullResync: false });
      const firstDiffSeconds = seconds(t);
      if (first.adds !== opts.stored) throw new Error(`first diff: ${first.adds} adds, expected ${opts.stored}`);
      const setupEnd = opts.stored - churn;
      log(`bench-ack-cost (${store.kind}): acknowledging ${thousands(setupEnd)} as one range…`);
      t = performance.now();
      await session.acknowledge({ runId: run1, op: 'ADD', start: 0, end: setupEnd, customerListId: '1', createdList: false });
      const bulkAckSeconds = seconds(t);
      log(`bench-ack-cost (${store.kind}): timing ${opts.batches} ADD batches of a first sync…`);
      const firstAdds = await timeRanges(session, 'ADD', run1, setupEnd, opts, 'first-sync ADD', setupEnd);
      const firstEnd = await endOfRun(session);

      // Run 2: the first `churn` records leave, as many new ones join.
      const run2 = await store.startRun(SYNC, new Date());
      await lock.setRun(run2);
      session = await store.openDiff(SYNC);
      log(`bench-ack-cost (${store.kind}): staging the churned source…`);
      await stage(session, churn, opts.stored + churn);
      t = performance.now();
      const second = await session.computeDiff({ fullResync: false });
      const churnDiffSeconds = seconds(t);
      if (second.adds !== churn || second.removes !== churn || second.acknowledged !== opts.stored) {
        throw new Error(`churn diff: ${JSON.stringify(second)}, expected ${churn} adds and removes against ${opts.stored}`);
      }
      log(`bench-ack-cost (${store.kind}): timing ${opts.batches} ADD then ${opts.batches} REMOVE batches of a churn sync…`);
      const churnAdds = await timeRanges(session, 'ADD', run2, 0, opts, 'churn ADD', opts.stored);
      const churnRemoves = await timeRanges(session, 'REMOVE', run2, 0, opts, 'churn REMOVE', opts.stored + churn);
      const churnEnd = await endOfRun(session);

      return {
        // The server's display form: a URL given on the command line may hold a password.
        options: { ...opts, state: postgres ? postgres.display : opts.state },
        engine: store.kind,
        times: [firstAdds, churnAdds, churnRemoves],
        setup: { stageSeconds, firstDiffSeconds, bulkAckSeconds, churnDiffSeconds },
        endOfRunSeconds: { first: firstEnd, churn: churnEnd },
        halfRemovalSeconds: (churnRemoves.meanMs * Math.ceil(opts.stored / 2 / opts.batch)) / 1000,
        load: [loadAtStart, loadNow()],
      };
    } finally {
      await lock.release();
    }
  } finally {
    await store.close();
    await postgres?.close();
  }
}

/** The human-readable lines of a result. */
export function describeAckCost(r: AckCostResult): string[] {
  const o = r.options;
  const ms = (x: number) => x.toFixed(1).padStart(7);
  const end = (e: { apply: number; dispose: number }) => `${e.apply.toFixed(2)} + ${e.dispose.toFixed(2)} s`;
  return [
    `local cost per batch of ${thousands(o.batch)} (readRange + acknowledge), ${r.engine} state, ${thousands(o.stored)} stored; load ${r.load[0]} -> ${r.load[1]}`,
    `  batches          stored at start   median    mean     max      read     ack     (ms, ${o.batches} batches each)`,
    ...r.times.map((b) => `  ${b.kind.padEnd(16)} ${thousands(b.storedAtStart).padStart(15)} ${ms(b.medianMs)} ${ms(b.meanMs)} ${ms(b.maxMs)} ${ms(b.readMs)} ${ms(b.ackMs)}`),
    `  end of run (apply + dispose): first ${end(r.endOfRunSeconds.first)}, churn ${end(r.endOfRunSeconds.churn)}; freezing the delta: first ${r.setup.firstDiffSeconds.toFixed(1)} s, ` +
      `churn ${r.setup.churnDiffSeconds.toFixed(1)} s; a forced removal of ${thousands(o.stored / 2)} would spend ~${r.halfRemovalSeconds.toFixed(1)} s on its batches ` +
      '(plus the end-of-run apply)',
  ];
}

const invokedDirectly = process.argv[1] !== undefined && /bench-ack-cost(\.[cm]?[jt]s)?$/.test(process.argv[1]);
if (invokedDirectly) {
  const state = textArg('state', 'duckdb');
  benchAckCost({
    stored: numberArg('stored', 1_000_000),
    batch: numberArg('batch', 10_000),
    batches: numberArg('batches', 20),
    state,
    dir: textArg('dir', join(ROOT, '.bench', 'ack-cost')),
  }).then(
    (r) => process.stdout.write(`${[...describeAckCost(r), JSON.stringify(r)].join('\n')}\n`),
    (err: unknown) => {
      process.stderr.write(`bench-ack-cost failed: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
