/**
 * The pacing gate on a virtual clock: busy workers get ≥ 90% of the configured rate, no window ever holds more than
 * the bucket allows, aborts give their token back, and the registry shares one gate per quota.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { PacingGate, burstOf } from '../../connectors/pinterest/pacing/pinterest-pacing-gate.js';
import { pacingIdentity, resetPacingRegistry, sharedPacingGate } from '../../connectors/pinterest/pacing/pinterest-pacing-registry.js';
import type { RateLimitCategory } from '../../connectors/pinterest/http/pinterest-request-gate.js';
import { VirtualClock } from './helpers/virtual-clock.js';

afterEach(() => resetPacingRegistry());

/** Starts `workers` loops that acquire forever; returns the admission times. */
function drive(gate: PacingGate, clock: VirtualClock, category: RateLimitCategory, workers: number, signal: AbortSignal): number[] {
  const times: number[] = [];
  for (let w = 0; w < workers; w++) {
    void (async () => {
      for (;;) {
        try {
          await gate.acquire(category, signal);
        } catch {
          return;
        }
        times.push(clock.now());
      }
    })();
  }
  return times;
}

/** Largest number of admissions within any window of `windowMs`. */
function maxInWindow(times: number[], windowMs: number): number {
  let max = 0;
  let start = 0;
  for (let end = 0; end < times.length; end++) {
    while (times[end]! - times[start]! >= windowMs) start++;
    max = Math.max(max, end - start + 1);
  }
  return max;
}

describe('PacingGate', () => {
  it.each([
    { category: 'ads_write' as const, perMinute: 400 },
    { category: 'ads_read' as const, perMinute: 1000 },
  ])('admits ≥ 90% of $perMinute/min for $category and never more than the bucket allows', async ({ category, perMinute }) => {
    const clock = new VirtualClock();
    const gate = new PacingGate({ rates: { adsWritePerMinute: 400, adsReadPerMinute: 1000 }, clock });
    const stop = new AbortController();
    const times = drive(gate, clock, category, 8, stop.signal);
    const minutes = 3;
    await clock.runFor(minutes * 60_000);
    stop.abort();

    const burst = burstOf(perMinute, 1);
    expect(gate.limits(category)).toEqual({ ratePerMinute: perMinute, burst });
    expect(times.length).toBeGreaterThanOrEqual(0.9 * perMinute * minutes);
    expect(times.length).toBeLessThanOrEqual(burst + perMinute * minutes);
    for (const windowMs of [1_000, 10_000, 60_000]) {
      expect(maxInWindow(times, windowMs)).toBeLessThanOrEqual(burst + Math.ceil((perMinute * windowMs) / 60_000));
    }
    // The start is a small burst, not a minute's worth at once.
    expect(maxInWindow(times, 1)).toBeLessThanOrEqual(burst);
  });

  it('keeps categories apart', async () => {
    const clock = new VirtualClock();
    const gate = new PacingGate({ rates: { adsWritePerMinute: 60, adsReadPerMinute: 600 }, clock });
    const stop = new AbortController();
    const writes = drive(gate, clock, 'ads_write', 2, stop.signal);
    const reads = drive(gate, clock, 'ads_read', 2, stop.signal);
    await clock.runFor(60_000);
    stop.abort();
    expect(writes.length).toBeGreaterThanOrEqual(54);
    expect(writes.length).toBeLessThanOrEqual(61);
    expect(reads.length).toBeGreaterThanOrEqual(540);
    expect(reads.length).toBeLessThanOrEqual(610);
  });

  it('gives the token of an aborted waiter back', async () => {
    const clock = new VirtualClock();
    const gate = new PacingGate({ rates: { adsWritePerMinute: 60, adsReadPerMinute: 60 }, clock });
    await gate.acquire('ads_write'); // the burst of 1
    const abort = new AbortController();
    const waiting = gate.acquire('ads_write', abort.signal);
    abort.abort(new Error('stop'));
    await expect(waiting).rejects.toThrow('stop');
    let admittedAt: number | undefined;
    void gate.acquire('ads_write').then(() => (admittedAt = clock.now()));
    await clock.runFor(1_000);
    expect(admittedAt).toBe(clock.now()); // one second after the first, not two
    expect(gate.admitted('ads_write')).toBe(2);
  });

  it('rejects at once when the signal is already aborted', async () => {
    const gate = new PacingGate({ rates: { adsWritePerMinute: 60, adsReadPerMinute: 60 } });
    await expect(gate.acquire('ads_write', AbortSignal.abort())).rejects.toThrow();
  });
});

describe('sharedPacingGate', () => {
  const auth = { accessToken: 'a', refreshToken: 'r', clientId: 'app' };
  const rates = { adsWritePerMinute: 400, adsReadPerMinute: 1000 };

  it('shares one gate per API and credentials, and the stricter rate wins', () => {
    const scope = { apiBaseUrl: 'http://127.0.0.1:1/v5', identity: pacingIdentity(auth) };
    const a = sharedPacingGate(scope, rates);
    const b = sharedPacingGate({ ...scope, apiBaseUrl: 'http://127.0.0.1:1/v5/' }, { adsWritePerMinute: 300, adsReadPerMinute: 2000 });
    expect(b).toBe(a);
    expect(a.limits('ads_write').ratePerMinute).toBe(300);
    expect(a.limits('ads_read').ratePerMinute).toBe(1000);
    expect(sharedPacingGate({ ...scope, identity: pacingIdentity({ ...auth, accessToken: 'other' }) }, rates)).not.toBe(a);
    expect(sharedPacingGate({ ...scope, apiBaseUrl: 'http://127.0.0.1:2/v5' }, rates)).not.toBe(a);
  });

  it('derives the identity from the config, so it survives refreshes, and holds no secret', () => {
    const id = pacingIdentity(auth);
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    expect(pacingIdentity({ ...auth })).toBe(id);
    expect(pacingIdentity({ ...auth, clientId: 'other-app' })).not.toBe(id);
  });
});
