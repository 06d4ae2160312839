/**
 * The client's pacing: a RequestGate with one token bucket per Pinterest rate-limit category, so writes stay under
 * `ads_write` (400/min by default) instead of finding the limit through 429s (DESIGN §4).
 *
 * The buckets start with a small burst (about one second's worth), not a minute's: Pinterest's own bucket may
 * already be partly spent by the previous run, and a full minute sent at once could empty it. Past the burst,
 * admissions follow the configured rate exactly, so a run that always has a request ready sustains ~100% of it.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { RateLimitCategory, RequestGate } from '../http/pinterest-request-gate.js';
import { TokenBucket } from './pinterest-pacing-token-bucket.js';

/** Requests per minute per category, as `destinations.<name>.rateLimits` configures them. */
export interface PacingRates {
  /** `ads_write` (list create/PATCH, audience create). */
  adsWritePerMinute: number;
  /** `ads_read` (GETs). */
  adsReadPerMinute: number;
}

/** Time as the gate sees it; tests inject a virtual clock. */
export interface PacingClock {
  /** Epoch ms. */
  now(): number;
  /** Resolves after `ms`; must reject when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** Options of `PacingGate`. */
export interface PacingGateOptions {
  /** Sustained rates. */
  rates: PacingRates;
  /** Burst allowance in seconds of the rate (default 1; at least one request). */
  burstSeconds?: number;
  /** Default: the system clock and real timers. */
  clock?: PacingClock;
}

/** Wall clock and timers. */
export const systemPacingClock: PacingClock = {
  now: () => Date.now(),
  sleep: (ms, signal) => delay(ms, undefined, { signal }),
};

/** Default burst: one second of the rate. */
export const DEFAULT_BURST_SECONDS = 1;

export class PacingGate implements RequestGate {
  readonly #clock: PacingClock;
  readonly #buckets: Record<RateLimitCategory, TokenBucket>;
  readonly #admitted: Record<RateLimitCategory, number> = { ads_read: 0, ads_write: 0 };
  /** Epoch ms (gate clock) before which nothing of the category passes: the latest 429 reset. */
  readonly #pausedUntil: Record<RateLimitCategory, number> = { ads_read: 0, ads_write: 0 };

  constructor(opts: PacingGateOptions) {
    this.#clock = opts.clock ?? systemPacingClock;
    const burstSeconds = opts.burstSeconds ?? DEFAULT_BURST_SECONDS;
    const now = this.#clock.now();
    const bucket = (perMinute: number) => new TokenBucket({ ratePerMinute: perMinute, burst: burstOf(perMinute, burstSeconds), now });
    this.#buckets = { ads_write: bucket(opts.rates.adsWritePerMinute), ads_read: bucket(opts.rates.adsReadPerMinute) };
  }

  async acquire(category: RateLimitCategory, signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    const bucket = this.#buckets[category];
    for (;;) {
      const waitMs = bucket.reserve(this.#clock.now());
      if (waitMs > 0) {
        try {
          await this.#clock.sleep(waitMs, signal);
        } catch (err) {
          bucket.cancel(this.#clock.now());
          throw err;
        }
      }
      // A 429 came while this waiter slept: its token was for a quota Pinterest says is spent. Queue again behind the
      // reset (the drained bucket spaces everyone out from there).
      if (this.#clock.now() >= this.#pausedUntil[category]) break;
    }
    this.#admitted[category] += 1;
  }

  /** Holds `category` until `ms` from now (a 429's reset), then admits at the rate from an empty bucket. */
  pauseFor(category: RateLimitCategory, ms: number): void {
    if (!(ms > 0)) return;
    const now = this.#clock.now();
    const until = Math.max(this.#pausedUntil[category], now + ms);
    this.#pausedUntil[category] = until;
    this.#buckets[category].drainUntil(until, now);
  }

  /** Applies a stricter rate from another config that shares this gate's quota. */
  lowerRates(rates: PacingRates): void {
    const now = this.#clock.now();
    this.#buckets.ads_write.lowerRate(rates.adsWritePerMinute, now);
    this.#buckets.ads_read.lowerRate(rates.adsReadPerMinute, now);
  }

  /** The current sustained rate and burst of a category. */
  limits(category: RateLimitCategory): { ratePerMinute: number; burst: number } {
    const b = this.#buckets[category];
    return { ratePerMinute: b.ratePerMinute, burst: b.burst };
  }

  /** Requests let through so far per category (benchmarks and tests). */
  admitted(category: RateLimitCategory): number {
    return this.#admitted[category];
  }
}

/** Burst of `burstSeconds` worth of the rate, at least one request. */
export function burstOf(ratePerMinute: number, burstSeconds: number): number {
  return Math.max(1, Math.floor((ratePerMinute / 60) * burstSeconds));
}
