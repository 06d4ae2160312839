/**
 * A token bucket that hands out reservations instead of yes/no answers: every caller takes a token at once (the
 * count may go negative) and learns how long to wait before its token exists. Reservation order is admission order,
 * so waiters are served first come, first served without a queue, and admissions in any window of W ms never
 * exceed `burst + rate × W`. Pure arithmetic over a caller-supplied clock, so tests need no timers.
 */

/** Settings of one bucket. */
export interface TokenBucketOptions {
  /** Sustained admissions per minute. */
  ratePerMinute: number;
  /** Tokens the bucket holds when full: how many requests may go out back to back after a quiet spell. */
  burst: number;
  /** Epoch ms the bucket starts at (full). */
  now: number;
}

export class TokenBucket {
  #ratePerMs: number;
  readonly #burst: number;
  #tokens: number;
  #last: number;

  constructor(opts: TokenBucketOptions) {
    if (!(opts.ratePerMinute > 0)) throw new RangeError(`ratePerMinute must be positive (was ${opts.ratePerMinute})`);
    if (!(opts.burst >= 1)) throw new RangeError(`burst must be at least 1 (was ${opts.burst})`);
    this.#ratePerMs = opts.ratePerMinute / 60_000;
    this.#burst = opts.burst;
    this.#tokens = opts.burst;
    this.#last = opts.now;
  }

  /** Sustained admissions per minute. */
  get ratePerMinute(): number {
    return this.#ratePerMs * 60_000;
  }

  /** Capacity of the bucket. */
  get burst(): number {
    return this.#burst;
  }

  /** Takes a token; resolves to the ms to wait (0 = go now) before using it. */
  reserve(now: number): number {
    this.#refill(now);
    this.#tokens -= 1;
    // Rounded up: admitting a request a fraction of a millisecond early is what would let a window overflow.
    return this.#tokens >= 0 ? 0 : Math.ceil(-this.#tokens / this.#ratePerMs);
  }

  /**
   * Gives back the token of a reservation that will not be used (its waiter was aborted). Later reservations keep
   * their times; the returned token only lets a future caller in sooner, which never beats the rate.
   */
  cancel(now: number): void {
    this.#refill(now);
    this.#tokens = Math.min(this.#burst, this.#tokens + 1);
  }

  /**
   * Empties the bucket so that the next reservation waits until `until` and later ones follow at the rate: what a
   * 429 with a reset asks for. Requests paced from a full bucket right after the reset would arrive as a burst into
   * a quota that has only just started to refill.
   */
  drainUntil(until: number, now: number): void {
    this.#refill(now);
    this.#tokens = Math.min(this.#tokens, 1 - Math.max(0, until - now) * this.#ratePerMs);
  }

  /** Lowers the sustained rate (never raises it): two configs sharing one quota get the stricter of the two. */
  lowerRate(ratePerMinute: number, now: number): void {
    if (!(ratePerMinute > 0) || ratePerMinute >= this.ratePerMinute) return;
    this.#refill(now);
    this.#ratePerMs = ratePerMinute / 60_000;
  }

  #refill(now: number): void {
    // A clock that steps backwards (NTP) must not mint tokens.
    const elapsed = Math.max(0, now - this.#last);
    this.#last = Math.max(this.#last, now);
    this.#tokens = Math.min(this.#burst, this.#tokens + elapsed * this.#ratePerMs);
  }
}
