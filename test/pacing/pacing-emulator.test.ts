/**
 * Pacing against the emulator's own rate limiter. The gate's clock and the emulator's clock move in lockstep on
 * virtual time, advanced only while the writer waits at the gate, so minutes of `ads_write` quota are checked in a
 * second: paced writes sustain ≥ 90% of the rate with no 429, while the same writes unpaced are refused.
 */
import { setImmediate as tick } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pinterestDestinationSchema } from '../../core/config/destination-schema.js';
import { silentLogger } from '../../core/logger.js';
import { startEmulator, type RunningEmulator } from '../../emulators/pinterest/index.js';
import { createPinterestDestination } from '../../connectors/pinterest/create-pinterest-destination.js';
import { PinterestClient } from '../../connectors/pinterest/http/pinterest-client.js';
import { PinterestError } from '../../connectors/pinterest/http/pinterest-errors.js';
import type { PacingClock } from '../../connectors/pinterest/pacing/pinterest-pacing-gate.js';
import { resetPacingRegistry } from '../../connectors/pinterest/pacing/pinterest-pacing-registry.js';
import { staticTokenProvider } from '../../connectors/pinterest/oauth/pinterest-token-provider.js';
import { DuckDbStateStore } from '../../connectors/state/duckdb/duckdb-state-store.js';

const WRITES_PER_MINUTE = 60;
const RECORDS = ['d'.repeat(64)];

/** Virtual time shared with the emulator; only `advance` moves it. */
class LockstepClock implements PacingClock {
  #now = Date.UTC(2025, 0, 1);
  #timers: { at: number; resolve: () => void }[] = [];
  constructor(private readonly emu: RunningEmulator) {}

  now(): number {
    return this.#now;
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.#timers.push({ at: this.#now + ms, resolve }));
  }

  /** Timers waiting. */
  get pending(): number {
    return this.#timers.length;
  }

  /** Jumps to the earliest timer, moving the emulator's clock by the same amount, and fires it. */
  advance(): void {
    this.#timers.sort((a, b) => a.at - b.at);
    const next = this.#timers.shift()!;
    const delta = Math.max(0, next.at - this.#now);
    this.#now += delta;
    this.emu.advanceTime(delta);
    next.resolve();
  }
}

let emu: RunningEmulator;
let store: DuckDbStateStore;

beforeEach(async () => {
  emu = await startEmulator({ rateLimits: { ads_write: WRITES_PER_MINUTE } });
  store = await DuckDbStateStore.open(':memory:');
});

afterEach(async () => {
  resetPacingRegistry();
  await store.close();
  await emu.close();
});

describe('pacing against the emulator rate limiter', () => {
  it('an unpaced burst past the quota is refused (the check below can fail)', async () => {
    const client = new PinterestClient({
      baseUrl: emu.baseUrl,
      adAccountId: emu.adAccountId,
      auth: staticTokenProvider(emu.token),
      retry: { maxAttempts: 1 },
    });
    const list = await client.createCustomerList({ name: 'burst', listType: 'EMAIL', records: RECORDS });
    const outcomes: (string | number)[] = [];
    for (let i = 0; i < WRITES_PER_MINUTE + 10; i++) {
      outcomes.push(await client.updateCustomerList(list.id, 'ADD', RECORDS).then(() => 200, (e: unknown) => (e as PinterestError).status ?? 'error'));
    }
    await client.close();
    expect(outcomes.filter((s) => s === 429).length).toBeGreaterThan(0);
  });

  it('paced writes sustain ≥ 90% of ads_write with no 429', async () => {
    const clock = new LockstepClock(emu);
    const config = pinterestDestinationSchema.parse({
      type: 'pinterest',
      adAccountId: emu.adAccountId,
      apiBaseUrl: emu.baseUrl,
      auth: { accessToken: emu.token },
      rateLimits: { adsWritePerMinute: WRITES_PER_MINUTE },
      retry: { maxAttempts: 1 }, // a 429 fails the write instead of hiding behind a retry
    });
    const statuses: number[] = [];
    const client = createPinterestDestination(config, { state: store, logger: silentLogger, pacingClock: clock, onRequest: (e) => statuses.push(e.status ?? 0) });

    const writes = 2 * WRITES_PER_MINUTE + 30; // two and a half minutes of quota: the emulator's full bucket covers only one
    const started = clock.now();
    let done = false;
    let failure: unknown;
    const work = (async () => {
      const list = await client.createCustomerList({ name: 'paced', listType: 'EMAIL', records: RECORDS });
      for (let i = 1; i < writes; i++) await client.updateCustomerList(list.id, 'ADD', RECORDS);
    })().then(
      () => (done = true),
      (err: unknown) => {
        failure = err;
        done = true;
      },
    );
    // Advance virtual time only while the writer is parked at the gate, never while a request is in flight.
    while (!done) {
      await tick();
      if (clock.pending > 0) clock.advance();
    }
    await work;
    await client.close();

    expect(failure).toBeUndefined();
    expect(statuses).toHaveLength(writes);
    expect(statuses.every((s) => s === 200)).toBe(true);
    const minutes = (clock.now() - started) / 60_000;
    const sustained = writes / minutes / WRITES_PER_MINUTE;
    expect(sustained).toBeGreaterThanOrEqual(0.9);
    expect(sustained).toBeLessThanOrEqual(1.05);
  });
});
