/**
 * `tsx bench/bench-write-rate.ts [--rate 1200] [--seconds 30] [--clients 2] [--check]`: does pacing sustain the
 * configured `ads_write` rate without provoking 429s? (DESIGN §5: at least 90% of the configured write rate.)
 *
 * Starts the emulator in-process with its rate limiter at `--rate` writes/min, spends its bucket down to a few
 * requests of headroom (as if a previous run had just used the quota, so the full bucket a fresh emulator starts
 * with cannot hide over-pacing), then drives PATCH writes through the real client from `--clients` clients that
 * share one pacing gate (as several syncs of one run do). Prints a summary and, as the last stdout line, JSON:
 * `{ rate, writes, seconds, fraction, steadyFraction, rateLimited, errors, emulatorHeadroom }`. `--check` exits 1 below 90% or on any 429.
 */
import { request } from 'undici';
import { pinterestDestinationSchema } from '../core/config/destination-schema.js';
import { silentLogger } from '../core/logger.js';
import { startEmulator, type RunningEmulator } from '../emulators/pinterest/index.js';
import { createPinterestDestination } from '../connectors/pinterest/create-pinterest-destination.js';
import { burstOf, DEFAULT_BURST_SECONDS } from '../connectors/pinterest/pacing/pinterest-pacing-gate.js';
import { DuckDbStateStore } from '../connectors/state/duckdb/duckdb-state-store.js';

/** What one bench run measured. */
export interface WriteRateResult {
  /** Configured (and emulator-enforced) ads_write rate per minute. */
  rate: number;
  /** Writes that succeeded. */
  writes: number;
  /** Wall time of the paced run. */
  seconds: number;
  /** Achieved writes/min over the whole run ÷ configured rate (the opening burst included). */
  fraction: number;
  /** The same past the opening burst: the rate the gate sustains. */
  steadyFraction: number;
  /** 429 answers seen (retries included). */
  rateLimited: number;
  /** Writes that failed. */
  errors: number;
  /** Requests left in the emulator's ads_write bucket when the paced run started. */
  emulatorHeadroom: number;
}

const RECORDS = ['e'.repeat(64)];

export async function benchWriteRate(opts: { rate: number; seconds: number; clients: number }): Promise<WriteRateResult> {
  const emu = await startEmulator({ rateLimits: { ads_write: opts.rate }, trackMembership: false, requestLogLimit: 1_000 });
  const store = await DuckDbStateStore.open(':memory:');
  try {
    const config = pinterestDestinationSchema.parse({
      type: 'pinterest',
      adAccountId: emu.adAccountId,
      apiBaseUrl: emu.baseUrl,
      auth: { accessToken: emu.token },
      rateLimits: { adsWritePerMinute: opts.rate },
    });
    let rateLimited = 0;
    const clients = Array.from({ length: opts.clients }, () =>
      createPinterestDestination(config, { state: store, logger: silentLogger, onRequest: (e) => void (e.status === 429 && rateLimited++) }),
    );
    // List creation is an ads_write too; done before the drain so the measured run is PATCHes only.
    const lists = await Promise.all(clients.map((c, i) => c.createCustomerList({ name: `bench-${i}`, listType: 'EMAIL', records: RECORDS })));
    const burst = burstOf(opts.rate, DEFAULT_BURST_SECONDS);
    const emulatorHeadroom = await drainBucket(emu, lists[0]!.id, 2 * burst);
    rateLimited = 0;

    const total = Math.round((opts.rate / 60) * opts.seconds);
    let issued = 0;
    let errors = 0;
    const done: number[] = [];
    const started = performance.now();
    await Promise.all(
      clients.map(async (client, i) => {
        while (issued < total) {
          issued++;
          try {
            await client.updateCustomerList(lists[i]!.id, 'ADD', RECORDS);
            done.push(performance.now());
          } catch {
            errors++;
          }
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    await Promise.all(clients.map((c) => c.close()));

    done.sort((a, b) => a - b);
    const perMinute = (n: number, ms: number) => (ms > 0 ? (n / ms) * 60_000 : Number.POSITIVE_INFINITY);
    const afterBurst = done.slice(burst);
    const steady = afterBurst.length > 1 ? perMinute(afterBurst.length - 1, afterBurst.at(-1)! - afterBurst[0]!) : 0;
    return {
      rate: opts.rate,
      writes: done.length,
      seconds,
      fraction: perMinute(done.length, seconds * 1000) / opts.rate,
      steadyFraction: steady / opts.rate,
      rateLimited,
      errors,
      emulatorHeadroom,
    };
  } finally {
    await store.close();
    await emu.close();
  }
}

/** Sends unpaced writes until the emulator says at most `headroom` remain in the ads_write bucket; returns what remains. */
async function drainBucket(emu: RunningEmulator, listId: string, headroom: number): Promise<number> {
  const url = `${emu.baseUrl}/ad_accounts/${emu.adAccountId}/customer_lists/${listId}`;
  const body = JSON.stringify({ operation_type: 'ADD', records: RECORDS.join(',') });
  const headers = { authorization: `Bearer ${emu.token}`, 'content-type': 'application/json' };
  for (;;) {
    const res = await request(url, { method: 'PATCH', headers, body });
    await res.body.text();
    const remaining = Number(res.headers['x-ratelimit-remaining']);
    if (res.statusCode === 429) return 0;
    if (!Number.isFinite(remaining)) throw new Error('the emulator sent no X-RateLimit-Remaining; is its rate limiter on?');
    if (remaining <= headroom) return remaining;
  }
}

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const value = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!(value > 0)) throw new Error(`--${name} must be a positive number`);
  return value;
}

const invokedDirectly = process.argv[1] !== undefined && /bench-write-rate(\.[cm]?[jt]s)?$/.test(process.argv[1]);
if (invokedDirectly) {
  const rate = arg('rate', 1200);
  const seconds = arg('seconds', 30);
  const clients = arg('clients', 2);
  process.stderr.write(`bench-write-rate: ${rate} writes/min for ~${seconds} s from ${clients} clients sharing one gate…\n`);
  benchWriteRate({ rate, seconds, clients }).then(
    (r) => {
      const pass = r.steadyFraction >= 0.9 && r.rateLimited === 0 && r.errors === 0;
      process.stdout.write(
        [
          `write rate  ${((r.writes / r.seconds) * 60).toFixed(0)}/min of ${r.rate}/min configured: ${(r.fraction * 100).toFixed(1)}% overall, ` +
            `${(r.steadyFraction * 100).toFixed(1)}% sustained past the opening burst (target >= 90%)`,
          `429s        ${r.rateLimited}   errors ${r.errors}   writes ${r.writes} in ${r.seconds.toFixed(1)} s, emulator bucket headroom at start ${r.emulatorHeadroom}   ${pass ? 'PASS' : 'FAIL'}`,
          JSON.stringify(r),
          '',
        ].join('\n'),
      );
      if (process.argv.includes('--check') && !pass) process.exitCode = 1;
    },
    (err: unknown) => {
      process.stderr.write(`bench-write-rate failed: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
