/**
 * The push benches' emulator process (bench/bench-latency-emulator.ts through bench/bench-sync-harness.ts): it
 * starts with its write bucket spent down to the headroom asked for, answers after the latency asked for, and
 * counts what it saw, 429s included, over its stdin protocol.
 */
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { startBenchEmulator, type BenchEmulator } from '../../bench/bench-sync-harness.js';
import { DEFAULT_AD_ACCOUNT_ID, DEFAULT_TOKEN } from '../../emulators/pinterest/emulator-options.js';

describe('bench emulator process', () => {
  const started: BenchEmulator[] = [];
  afterEach(async () => {
    for (const e of started.splice(0)) await e.close();
  });

  it('starts with the write bucket at the headroom, delays answers and counts writes and 429s', async () => {
    const emulator = await startBenchEmulator({ latencyMs: 50, adsWritePerMinute: 60, headroom: 3 });
    started.push(emulator);
    expect(emulator.headroom).toBe(3);
    const headers = { authorization: `Bearer ${DEFAULT_TOKEN}`, 'content-type': 'application/json' };
    const create = () =>
      request(`${emulator.baseUrl}/ad_accounts/${DEFAULT_AD_ACCOUNT_ID}/customer_lists`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ name: `list-${Math.random()}`, records: 'a'.repeat(64), list_type: 'EMAIL' }),
      });
    const statuses: number[] = [];
    const sentAt = performance.now();
    for (let i = 0; i < 5; i++) {
      const res = await create();
      await res.body.text();
      statuses.push(res.statusCode);
    }
    // Five in a row, each after the latency; the bucket held three and refills one a second: one more at most.
    expect(performance.now() - sentAt).toBeGreaterThanOrEqual(5 * 50);
    const ok = statuses.filter((s) => s === 200).length;
    expect(ok).toBeGreaterThanOrEqual(3);
    expect(ok).toBeLessThan(5);
    expect(statuses.filter((s) => s === 429).length).toBe(5 - ok);
    const stats = await emulator.stats();
    expect(stats).toMatchObject({ writes: ok, writeRecords: ok, rateLimited: 5 - ok, errors: 0, reads: 0 });
    expect(stats.meanWriteMs).toBeGreaterThanOrEqual(50);
    expect(stats.lastWriteAt! - stats.firstWriteAt!).toBeGreaterThan(0);
    await emulator.clear();
    expect((await emulator.stats()).writes).toBe(0);
  });
});
