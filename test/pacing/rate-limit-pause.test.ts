/**
 * A 429 while several writes are in flight (issue 10 §1): every request in flight honours the reset, nothing new
 * starts before it, and after it the writes resume at the paced rate, not as a burst of every waiting retry. The
 * first test runs the real client over HTTP against the emulator; the second checks the gate on a virtual clock.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../emulators/pinterest/index.js';
import { PacingGate } from '../../connectors/pinterest/pacing/pinterest-pacing-gate.js';
import { PinterestClient } from '../../connectors/pinterest/http/pinterest-client.js';
import { staticTokenProvider } from '../../connectors/pinterest/oauth/pinterest-token-provider.js';
import { isListPatch, watchArrivals } from '../helpers/request-arrivals.js';
import { VirtualClock } from './helpers/virtual-clock.js';

const RECORDS = ['e'.repeat(64)];
const WRITES_PER_MINUTE = 300; // one every 200 ms, a burst of 5
const WORKERS = 12;
const RESET_SECONDS = 2;

let emu: RunningEmulator;

beforeEach(async () => {
  emu = await startEmulator({});
});

afterEach(async () => {
  emu.faults.clear();
  await emu.close();
});

describe('a 429 with several writes in flight', () => {
  it('every one waits for the reset, none starts inside it, and the retries resume at the paced rate', async () => {
    const gate = new PacingGate({ rates: { adsWritePerMinute: WRITES_PER_MINUTE, adsReadPerMinute: 6_000 } });
    let first429At: number | undefined;
    const client = new PinterestClient({
      baseUrl: emu.baseUrl,
      adAccountId: emu.adAccountId,
      auth: staticTokenProvider(emu.token),
      gate,
      // No jitter: without a shared pause every retry would wake at the same instant, the storm this test looks for.
      retry: { maxAttempts: 6, rateLimitJitterMs: 0 },
      onRequest: (e) => {
        if (e.status === 429) first429At ??= Date.now();
      },
    });
    const list = await client.createCustomerList({ name: 'pause', listType: 'EMAIL', records: RECORDS });
    // 1 s an answer at 5 writes a second: about 5 writes are in flight at any time
    emu.faults.latency(1_000, { match: { method: 'PATCH' } });
    const arrivals = watchArrivals(emu);
    // The quota runs out while the 12th write arrives: the writes in flight are refused for RESET_SECONDS.
    let exhaustedAt = 0;
    arrivals.onArrival(isListPatch, 12, () => {
      exhaustedAt = Date.now();
      emu.faults.quotaExhausted({ category: 'ads_write', resetSeconds: RESET_SECONDS });
    });

    let stop = false;
    const failures: unknown[] = [];
    const workers = Array.from({ length: WORKERS }, async () => {
      while (!stop) await client.updateCustomerList(list.id, 'ADD', RECORDS).catch((err: unknown) => failures.push(err));
    });
    await arrivals.waitFor(isListPatch, 12);
    // until well after the reset, so the resumed writes are in the log
    await new Promise((r) => setTimeout(r, RESET_SECONDS * 1000 + 2_500));
    stop = true;
    await Promise.all(workers);
    await client.close();

    expect(failures).toEqual([]);
    const patches = emu.requests.filter((r) => r.method === 'PATCH');
    const refused = patches.filter((r) => r.status === 429);
    expect(refused.length, 'several writes were in flight when the quota ran out').toBeGreaterThan(1);
    expect(first429At).toBeDefined();
    const windowEnd = exhaustedAt + RESET_SECONDS * 1000;
    // Nothing the client sent after it saw the first 429 reached Pinterest before the reset (200 ms for the wire and
    // a busy event loop).
    const insideWindow = patches.filter((r) => r.timestamp > first429At! + 200 && r.timestamp < windowEnd);
    expect(insideWindow.map((r) => r.timestamp - windowEnd)).toEqual([]);
    // After the reset: one write at once, then one per 200 ms (≤ 6 in the first second), not every waiting retry
    // at once from a bucket that refilled during the wait (5 + 5 = 10).
    const after = patches.filter((r) => r.timestamp >= windowEnd).map((r) => r.timestamp);
    expect(after.length).toBeGreaterThan(6);
    const firstAfter = Math.min(...after);
    expect(after.filter((t) => t < firstAfter + 1_000).length).toBeLessThanOrEqual(6);
    expect(patches.filter((r) => r.timestamp >= windowEnd && r.status === 429)).toEqual([]);
  }, 30_000);
});

describe('PacingGate.pauseFor', () => {
  it('holds every waiter until the reset, then admits at the rate with the burst drained', async () => {
    const clock = new VirtualClock();
    const gate = new PacingGate({ rates: { adsWritePerMinute: 600, adsReadPerMinute: 600 }, clock }); // 1 per 100 ms, burst 10
    const start = clock.now();
    const admitted: number[] = [];
    const waiters: Promise<void>[] = [];
    for (let i = 0; i < 15; i++) waiters.push(gate.acquire('ads_write').then(() => void admitted.push(clock.now() - start)));
    await clock.runFor(0);
    // the burst of 10 went at once; 5 wait for tokens (100..500 ms) when the 429 says "come back in 2 s"
    expect(admitted).toHaveLength(10);
    gate.pauseFor('ads_write', 2_000);
    for (let i = 0; i < 3; i++) waiters.push(gate.acquire('ads_write').then(() => void admitted.push(clock.now() - start)));
    await clock.runFor(10_000);
    await Promise.all(waiters);
    const resumed = admitted.slice(10);
    expect(resumed).toHaveLength(8);
    expect(Math.min(...resumed)).toBeGreaterThanOrEqual(2_000);
    // at the rate from the reset on: never two within 100 ms
    const sorted = [...resumed].sort((a, b) => a - b);
    for (let i = 1; i < sorted.length; i++) expect(sorted[i]! - sorted[i - 1]!).toBeGreaterThanOrEqual(100);
  });
});
