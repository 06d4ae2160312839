/**
 * Defaults for the Pinterest connector. Every number here is configurable; the comments say where each one comes
 * from, because Pinterest documents few of its limits (see reference/pinterest-api.md §2.2 and §6).
 */

/** Production API root; point it at `pinsync emulator` for tests and demos. */
export const PINTEREST_DEFAULT_BASE_URL = 'https://api.pinterest.com/v5';

/**
 * Records per create/PATCH. Pinterest publishes no per-request cap; 10,000 SHA-256 hashes plus commas is ~650 KB,
 * under the 1 MB we also enforce, and matches what Tealium flushes. Core lowers it if Pinterest answers "too large".
 */
export const PINTEREST_DEFAULT_BATCH_RECORDS = 10_000;

/**
 * Largest JSON body we will send. Undocumented by Pinterest; 1 MB is the common gateway limit and Tealium's flush
 * size. The client refuses larger bodies locally (PINSYNC_PINTEREST_TOO_LARGE) instead of paying for a 413.
 */
export const PINTEREST_DEFAULT_MAX_BODY_BYTES = 1_000_000;

/** The spec's maximum `page_size`: fewer round trips when an ad account holds many lists. */
export const PINTEREST_LIST_PAGE_SIZE = 250;

/** How the client retries; see pinterest-retry-policy.ts for what each failure does. */
export interface PinterestRetryConfig {
  /** First backoff ceiling in ms (the delay is drawn uniformly below it: full jitter). */
  baseDelayMs: number;
  /** Growth of the ceiling per retry. */
  factor: number;
  /** Upper bound of any backoff delay in ms. */
  maxDelayMs: number;
  /** Total sends of one request (first try included) before giving up; a 401 token replay does not count. */
  maxAttempts: number;
  /** A 429 whose `X-RateLimit-Reset` is further away than this (ms) fails at once instead of sleeping. */
  rateLimitMaxWaitMs: number;
  /** Random extra wait (0..this ms) added to an `X-RateLimit-Reset` wait so parallel workers do not stampede. */
  rateLimitJitterMs: number;
}

/**
 * Full-jitter exponential backoff (AWS architecture blog) from 500 ms: six sends means five waits, at most 15.5 s
 * in total (about 8 s on average), long enough to ride out a deploy or a load-balancer blip, short enough that a cron run fails
 * visibly instead of hanging. 30 s caps any single wait. 120 s is the longest `X-RateLimit-Reset` worth sleeping
 * through: per-minute windows reset within 60 s, while a trial account's daily quota reports many hours (Airbyte
 * saw ~67,000 s), which no run should sleep through.
 */
export const PINTEREST_DEFAULT_RETRY: Readonly<PinterestRetryConfig> = Object.freeze({
  baseDelayMs: 500,
  factor: 2,
  maxDelayMs: 30_000,
  maxAttempts: 6,
  rateLimitMaxWaitMs: 120_000,
  rateLimitJitterMs: 1_000,
});

/** Socket timeouts of the default dispatcher. */
export interface PinterestTimeouts {
  /** TCP + TLS handshake. */
  connectMs: number;
  /** From the end of the request body to the response headers. */
  headersMs: number;
  /** Maximum idle time between two chunks of the response body. */
  bodyMs: number;
  /** How long an idle keep-alive socket is kept for the next request. */
  keepAliveMs: number;
}

/**
 * A create or PATCH with 10,000 records is processed before Pinterest answers, so headers get a generous 120 s;
 * a response body is small and should never stall for a minute. Keep-alive stays below the 60 s idle timeout
 * common to load balancers, so we rarely reuse a socket the server is about to close (which would turn a create
 * into an uncertain outcome).
 */
export const PINTEREST_DEFAULT_TIMEOUTS: Readonly<PinterestTimeouts> = Object.freeze({
  connectMs: 10_000,
  headersMs: 120_000,
  bodyMs: 60_000,
  keepAliveMs: 30_000,
});
