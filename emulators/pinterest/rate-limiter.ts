/**
 * Pinterest's rate limits as token buckets: one per (user, app, category), as the Standard tier counts them
 * ("per minute per user per app"; operations of a category share the quota), plus an optional universal
 * per-second bucket. A full bucket allows a burst of one minute's quota; it refills continuously. Time is the
 * emulator clock, so `advanceTime` refills buckets without sleeping.
 *
 * `exhaust` simulates a daily (Trial tier) quota: every request of a category is refused until a far-away reset,
 * with `X-RateLimit-Reset` counting down to it, the way Airbyte saw ~67,000 s on real accounts.
 */

import { rateLimited } from './api-errors.js';
import type { EmulatorClock } from './emulator-clock.js';
import type { RateLimits } from './emulator-options.js';
import type { RateLimitCategory } from './route-table.js';

/** Whose quota a request uses. */
export interface QuotaKey {
  /** The token's user. */
  userId: string;
  /** The token's OAuth app. */
  clientId: string;
}

interface Bucket {
  tokens: number;
  updatedMs: number;
}

interface BucketSpec {
  key: string;
  capacity: number;
  perMs: number;
}

const ALL = '*';

export class RateLimiter {
  readonly #limits: RateLimits;
  readonly #clock: EmulatorClock;
  readonly #buckets = new Map<string, Bucket>();
  /** Category (or ALL) → emulator-clock ms until which it is exhausted. */
  readonly #exhausted = new Map<string, number>();

  constructor(limits: RateLimits, clock: EmulatorClock) {
    this.#limits = limits;
    this.#clock = clock;
  }

  /**
   * Admits one request of `category` for `key`, or throws 429 code 8. Returns the `X-RateLimit-*` headers to add to
   * the answer (none when the category has no limit).
   */
  admit(key: QuotaKey, category: RateLimitCategory): Record<string, string> {
    const now = this.#clock.nowMs();
    const limit = this.#limits[category];
    const until = Math.max(this.#exhausted.get(category) ?? 0, this.#exhausted.get(ALL) ?? 0);
    if (now < until) {
      throw rateLimited({
        ...(limit === undefined ? {} : { 'X-RateLimit-Limit': String(limit) }),
        'X-RateLimit-Remaining': '0',
        'X-RateLimit-Reset': String(Math.max(1, Math.ceil((until - now) / 1000))),
      });
    }

    const perSecond = this.#limits.universalPerSecond;
    const universal = perSecond === undefined ? undefined : { key: `${key.userId}\0${key.clientId}\0${ALL}`, capacity: perSecond, perMs: perSecond / 1000 };
    const own = limit === undefined ? undefined : { key: `${key.userId}\0${key.clientId}\0${category}`, capacity: limit, perMs: limit / 60_000 };
    const checks = [universal, own].filter((s): s is BucketSpec => s !== undefined).map((spec) => ({ spec, bucket: this.#refill(spec, now) }));
    // Check every bucket before taking from any, so a request refused by one does not spend the other's quota.
    for (const { spec, bucket } of checks) {
      if (bucket.tokens < 1) {
        throw rateLimited({
          'X-RateLimit-Limit': String(spec.capacity),
          'X-RateLimit-Remaining': '0',
          'X-RateLimit-Reset': String(Math.max(1, Math.ceil((1 - bucket.tokens) / spec.perMs / 1000))),
        });
      }
    }
    for (const { bucket } of checks) bucket.tokens -= 1;
    const ownBucket = own === undefined ? undefined : this.#buckets.get(own.key);
    // Only Limit and Remaining on success: Reset is a 429's "come back in N seconds", which a success has no use for.
    return ownBucket === undefined ? {} : { 'X-RateLimit-Limit': String(limit), 'X-RateLimit-Remaining': String(Math.floor(ownBucket.tokens)) };
  }

  /** Refuses every request of `category` (every category when undefined) for `resetSeconds` of emulator time. */
  exhaust(category: RateLimitCategory | undefined, resetSeconds: number): void {
    if (!(resetSeconds > 0)) throw new RangeError(`resetSeconds must be positive (was ${resetSeconds})`);
    this.#exhausted.set(category ?? ALL, this.#clock.nowMs() + resetSeconds * 1000);
  }

  /** Ends every `exhaust`. */
  clearExhaustion(): void {
    this.#exhausted.clear();
  }

  /** Fills every bucket again. */
  reset(): void {
    this.#buckets.clear();
  }

  #refill(spec: BucketSpec, now: number): Bucket {
    let bucket = this.#buckets.get(spec.key);
    if (bucket === undefined) {
      bucket = { tokens: spec.capacity, updatedMs: now };
      this.#buckets.set(spec.key, bucket);
      return bucket;
    }
    // max(): a clock moved backwards (advanceTime(-n)) must not drain the bucket.
    bucket.tokens = Math.min(spec.capacity, bucket.tokens + Math.max(0, now - bucket.updatedMs) * spec.perMs);
    bucket.updatedMs = Math.max(bucket.updatedMs, now);
    return bucket;
  }
}
