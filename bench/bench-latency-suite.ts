/**
 * The issue-10 part of `npm run bench` (run by bench/run-bench.ts with its own arguments; skip it with
 * `--no-latency`). Prints its table to stdout; progress goes to stderr. Its files go to `<--dir>/latency` (inside
 * the main bench's folder) or to `--latency-dir`.
 *
 *   push at 600 ms latency   1M emails in batches of 800 (~1,250 writes: at least 60 s of steady push at the rate),
 *                            1,200/min configured and enforced, `--latency-max-in-flight` (default 16: at 600 ms an
 *                            answer, 1,200/min needs at least 12 requests waiting at once); bench-push-latency.ts
 *   forced mass removal      500k of 1M records removed with --force, HTTP not the limit; bench-mass-removal.ts
 *   local cost per batch     readRange + acknowledge at 1M stored, DuckDB state, and Postgres state when the bench
 *                            has `--state postgres|URL`; bench-ack-cost.ts
 * With `--rows` of 10M or more, also: the 10M first sync at 400/min and 600 ms (whole sync against plan time +
 * writes / rate, target within 5%), and the local cost per batch at 10M stored.
 */
import { join, resolve } from 'node:path';
import { benchAckCost, describeAckCost } from './bench-ack-cost.js';
import { benchMassRemoval, describeMassRemoval } from './bench-mass-removal.js';
import { benchPushLatency, describePushLatency } from './bench-push-latency.js';
import { numberArg, ROOT, textArg } from './bench-sync-harness.js';

const TEN_MILLION = 10_000_000;

async function main(): Promise<void> {
  const rows = numberArg('rows', 1_000_000);
  const state = process.argv.includes('--state-pg') ? 'postgres' : textArg('state', 'duckdb');
  // Inside the main bench's folder (its --dir, which it empties at the start), unless --latency-dir says otherwise.
  const dir = resolve(textArg('latency-dir', join(textArg('dir', join(ROOT, '.bench')), 'latency')));
  const maxInFlight = numberArg('latency-max-in-flight', 16);
  const out = (lines: string[]) => process.stdout.write(`${lines.join('\n')}\n`);

  out(
    describePushLatency(
      await benchPushLatency({
        records: 1_000_000,
        batch: 800,
        latencyMs: 600,
        rate: 1200,
        maxInFlight,
        headroom: undefined,
        dir: join(dir, 'push-1m'),
      }),
    ),
  );
  if (rows >= TEN_MILLION) {
    out(
      describePushLatency(
        await benchPushLatency({
          records: TEN_MILLION,
          batch: 10_000,
          latencyMs: 600,
          rate: 400,
          maxInFlight: undefined,
          headroom: undefined,
          dir: join(dir, 'push-10m'),
        }),
      ),
    );
  }
  out(describeMassRemoval(await benchMassRemoval({ records: 1_000_000, batch: 10_000, rate: 100_000, latencyMs: 0, maxInFlight: undefined, dir: join(dir, 'removal-1m') })));
  const sizes = rows >= TEN_MILLION ? [1_000_000, TEN_MILLION] : [1_000_000];
  const engines = state === 'duckdb' ? ['duckdb'] : ['duckdb', state];
  for (const stored of sizes) {
    for (const engine of engines) {
      out(describeAckCost(await benchAckCost({ stored, batch: 10_000, batches: 20, state: engine, dir: join(dir, `ack-${stored}`) })));
    }
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench-latency-suite failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
