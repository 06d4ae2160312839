/**
 * What to do after one failed HTTP attempt: wait and retry, or give up (and why). Pure: the transport feeds it the
 * failure, the attempt count, `random` and `now`, so every branch is testable without a clock or a socket.
 *
 * Why not undici's `RetryAgent` / `interceptors.retry`: its decision runs in `onResponseStart`, before the body is
 * read, so it cannot see Pinterest's `{code, message}` (needed for "429 mentioning spam: do not retry" and the
 * too-large seam); it only understands `Retry-After`, not `X-RateLimit-Reset`, and would clamp a daily-quota reset
 * to its `maxTimeout` and sleep instead of failing fast; it has no hook that counts attempts for `stats()` or emits
 * per-attempt events; its timers are not injectable; and it cannot tell "a create may have reached the server"
 * from "it certainly did not", which decides whether a POST may be replayed. A 100-line policy is simpler than
 * bending it.
 */
import type { PinterestRetryConfig } from '../pinterest-config.js';

/** Response headers as undici hands them over: lower-case names. */
export type ResponseHeaders = Readonly<Record<string, string | string[] | undefined>>;

/** One failed attempt, as the policy sees it. */
export type AttemptFailure =
  | {
      /** Pinterest (or a proxy in front of it) answered with a non-2xx status. */
      kind: 'response';
      /** HTTP status. */
      status: number;
      /** `code` of Pinterest's `{code, message}` body, when the body had one. */
      apiCode: number | undefined;
      /** `message` (and `message_detail`) of the body, when present. */
      apiMessage: string | undefined;
      /** Response headers (lower-case names, as undici gives them). */
      headers: ResponseHeaders;
    }
  | {
      /** No usable response: connection refused/reset, timeout, truncated body. */
      kind: 'network';
      /** What undici threw. */
      error: unknown;
    };

/** Facts about the request being retried. */
export interface RetryContext {
  /** Sends of this request so far, the failed one included (1 after the first try). */
  attempt: number;
  /**
   * Whether sending the request twice has the same effect as once. PATCH ADD/REMOVE and GETs are; a POST create
   * is not (a second one makes a duplicate list or audience).
   */
  replaySafe: boolean;
}

/** Why the policy gave up. */
export type FailReason =
  | 'rejected' // a 4xx that retrying cannot fix
  | 'too-large' // the batch should be split
  | 'spam' // Pinterest flagged the traffic; retrying makes it worse
  | 'rate-limit-far' // the quota resets later than we are willing to sleep
  | 'exhausted' // retryable, but maxAttempts reached
  | 'uncertain' // a non-replay-safe request may have been applied; replaying could duplicate it
  | 'not-retryable'; // a local/programming error (bad URL, closed dispatcher, unknown host)

/** The policy's verdict. */
export type RetryDecision =
  | {
      /** Send again after `delayMs`. */
      action: 'retry';
      /** Milliseconds to wait first. */
      delayMs: number;
      /** Which rule fired, for logs. */
      reason: 'server' | 'network' | 'rate-limit';
    }
  | {
      /** Stop and surface an error. */
      action: 'fail';
      /** Which rule fired; the transport turns it into an error code. */
      reason: FailReason;
      /** For `rate-limit-far`: epoch ms when Pinterest says the limit lifts. */
      retryAt?: number;
    };

/**
 * Network failures worth another try. Not ENOTFOUND (the host does not exist: a wrong `apiBaseUrl`, better
 * reported at once) nor UND_ERR_CLOSED/UND_ERR_DESTROYED (we closed the dispatcher ourselves).
 */
const RETRYABLE_NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'ENETUNREACH',
  'ENETDOWN',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_RES_CONTENT_LENGTH_MISMATCH',
]);

/**
 * Failures that happen before a single byte of the request can have reached Pinterest, so even a create may be
 * replayed. A reset or timeout after connecting is excluded: the server may have processed the request and lost
 * only the answer.
 */
const PRE_CONNECT_CODES = new Set([
  'ECONNREFUSED',
  'EAI_AGAIN',
  'ENETUNREACH',
  'ENETDOWN',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** The `code` of a network error, looking one level into `cause` (undici wraps socket errors). */
export function networkErrorCode(error: unknown): string | undefined {
  const own = (error as { code?: unknown } | null)?.code;
  if (typeof own === 'string' && own !== 'UND_ERR_SOCKET') return own;
  const inner = (error as { cause?: { code?: unknown } } | null)?.cause?.code;
  if (typeof inner === 'string') return inner;
  return typeof own === 'string' ? own : undefined;
}

/** Full jitter: uniform in [0, min(max, base * factor^retryIndex)), retryIndex 0 for the first retry. */
export function backoffDelayMs(retryIndex: number, config: PinterestRetryConfig, random: () => number): number {
  const ceiling = Math.min(config.maxDelayMs, config.baseDelayMs * config.factor ** retryIndex);
  return Math.floor(random() * ceiling);
}

/**
 * Milliseconds until the rate limit resets, from `X-RateLimit-Reset` (seconds, what Pinterest sends) or, failing
 * that, a numeric `Retry-After`. A value that looks like an epoch timestamp is converted, in case Pinterest ever
 * switches to the other common convention.
 */
export function rateLimitResetMs(headers: ResponseHeaders, now: number): number | undefined {
  for (const name of ['x-ratelimit-reset', 'retry-after']) {
    const raw = headers[name];
    const value = Number(Array.isArray(raw) ? raw[0] : raw);
    if (raw === undefined || raw === '' || !Number.isFinite(value) || value < 0) continue;
    if (value > 1_000_000_000) return Math.max(0, value * 1000 - now);
    return value * 1000;
  }
  return undefined;
}

/**
 * Pinterest's own limit for an oversize write is undocumented: 413 from a gateway, or a 400 whose message talks
 * about size. Matching words is a heuristic; a false positive only makes core split a batch that was fine.
 */
export function looksTooLarge(status: number, message: string | undefined): boolean {
  if (status === 413) return true;
  if (status !== 400 || message === undefined) return false;
  return /too (large|long|big|many)|exceed|payload|entity|max(imum)? (number|size|length|records)|size limit|record limit/i.test(
    message,
  );
}

/** Decides the fate of one failed attempt. */
export function decideRetry(
  failure: AttemptFailure,
  ctx: RetryContext,
  config: PinterestRetryConfig,
  random: () => number,
  now: number,
): RetryDecision {
  const exhausted = ctx.attempt >= config.maxAttempts;
  const backoff = (): number => backoffDelayMs(ctx.attempt - 1, config, random);

  if (failure.kind === 'network') {
    const code = networkErrorCode(failure.error);
    if (code === undefined || !RETRYABLE_NETWORK_CODES.has(code)) return { action: 'fail', reason: 'not-retryable' };
    if (!ctx.replaySafe && !PRE_CONNECT_CODES.has(code)) return { action: 'fail', reason: 'uncertain' };
    if (exhausted) return { action: 'fail', reason: 'exhausted' };
    return { action: 'retry', delayMs: backoff(), reason: 'network' };
  }

  const { status } = failure;
  if (status === 429) {
    // The quickstart's SpamException: Pinterest is throttling abuse, and hammering it again would only deepen that.
    if (failure.apiMessage !== undefined && /spam/i.test(failure.apiMessage)) return { action: 'fail', reason: 'spam' };
    const resetMs = rateLimitResetMs(failure.headers, now);
    if (resetMs !== undefined && resetMs > config.rateLimitMaxWaitMs) {
      return { action: 'fail', reason: 'rate-limit-far', retryAt: now + resetMs };
    }
    if (exhausted) return { action: 'fail', reason: 'exhausted' };
    // A 429 is refused at the gate, before the request is processed, so even a create may be replayed.
    const delayMs = resetMs === undefined ? backoff() : resetMs + Math.floor(random() * config.rateLimitJitterMs);
    return { action: 'retry', delayMs, reason: 'rate-limit' };
  }

  if (status >= 500) {
    // 503 (incl. code 4197 "ramped down, not accepting any traffic") means the request was turned away. A 500/502/504
    // may come after the create was applied (a gateway timing out on a slow backend), so a create is not replayed.
    if (!ctx.replaySafe && status !== 503) return { action: 'fail', reason: 'uncertain' };
    if (exhausted) return { action: 'fail', reason: 'exhausted' };
    return { action: 'retry', delayMs: backoff(), reason: 'server' };
  }

  if (looksTooLarge(status, failure.apiMessage)) return { action: 'fail', reason: 'too-large' };
  return { action: 'fail', reason: 'rejected' };
}
