/**
 * Pacing seam. The client calls `acquire` before every HTTP attempt (retries included) so a token bucket can keep
 * writes under Pinterest's `ads_write` quota instead of discovering it through 429s.
 */

/** Pinterest's rate-limit categories (`x-ratelimit-category` in the spec) for the endpoints we call. */
export type RateLimitCategory = 'ads_read' | 'ads_write';

export interface RequestGate {
  /** Resolves when a request of `category` may be sent; rejects if `signal` aborts while waiting. */
  acquire(category: RateLimitCategory, signal?: AbortSignal): Promise<void>;
  /**
   * Pinterest refused a request of `category` with 429 and a reset `ms` from now: nothing of the category passes
   * before it, and after it requests resume at the paced rate, not as a burst (several requests in flight must not
   * all come back at once). Optional: a gate that does not pace ignores it.
   */
  pauseFor?(category: RateLimitCategory, ms: number): void;
}

/** Lets every request through at once. */
export const openRequestGate: RequestGate = { acquire: () => Promise.resolve() };
