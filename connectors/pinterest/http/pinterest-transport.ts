/**
 * The request core of the Pinterest client: one typed `request()` that authenticates, paces, sends JSON, counts
 * every HTTP attempt, retries per pinterest-retry-policy.ts, replays once after a token refresh, and turns every
 * failure into a PinterestError. Endpoint methods live in pinterest-client.ts.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { Agent, request as undiciRequest, type Dispatcher } from 'undici';
import type { DestinationStats } from '../../../core/destination.js';
import { PinsyncError } from '../../../core/errors.js';
import { silentLogger, type Logger } from '../../../core/logger.js';
import {
  PINTEREST_DEFAULT_BASE_URL,
  PINTEREST_DEFAULT_MAX_BODY_BYTES,
  PINTEREST_DEFAULT_RETRY,
  PINTEREST_DEFAULT_TIMEOUTS,
  type PinterestRetryConfig,
  type PinterestTimeouts,
} from '../pinterest-config.js';
import {
  PINTEREST_ERROR_CODES as CODES,
  PinterestError,
  describeResponse,
  parseErrorBody,
  redactSecrets,
  ridSuffix,
  type PinterestErrorCode,
} from './pinterest-errors.js';
import { openRequestGate, type RateLimitCategory, type RequestGate } from './pinterest-request-gate.js';
import { decideRetry, networkErrorCode, rateLimitResetMs, type AttemptFailure, type FailReason, type ResponseHeaders } from './pinterest-retry-policy.js';
import type { TokenProvider } from '../oauth/pinterest-token-provider.js';

/** HTTP methods the Pinterest endpoints we call use. */
export type PinterestMethod = 'GET' | 'POST' | 'PATCH';

/** One call to the API. */
export interface PinterestRequest {
  /** Name of the client method making the call (`updateCustomerList`), used in errors, logs and events. */
  operation: string;
  /** HTTP method. */
  method: PinterestMethod;
  /** Path under the base URL, starting with `/` (ids already validated/encoded). */
  path: string;
  /** Query parameters; undefined values are left out. */
  query?: Readonly<Record<string, string | number | undefined>>;
  /** JSON body. */
  body?: unknown;
  /** Rate-limit category for the gate; default `ads_read` for GET, `ads_write` otherwise. */
  category?: RateLimitCategory;
  /**
   * Whether sending the request twice equals sending it once, which allows blind retries after network errors and
   * 500/502/504. Default: true for GET and PATCH, false for POST (a create).
   */
  replaySafe?: boolean;
  /** Aborts the request, any retry wait and any gate wait. */
  signal?: AbortSignal;
}

/** A successful (2xx) answer. */
export interface PinterestResponse<T> {
  /** Parsed JSON body (unchecked: map it before trusting it). */
  data: T;
  /** HTTP status. */
  status: number;
  /** `x-pinterest-rid`. */
  requestId: string | undefined;
  /** HTTP attempts this call took (1 without retries). */
  attempts: number;
}

/** Emitted after every HTTP attempt (retries included), for logs and progress bars. */
export interface PinterestRequestEvent {
  /** Client method, e.g. `updateCustomerList`. */
  operation: string;
  /** HTTP method. */
  method: PinterestMethod;
  /** Path under the base URL, without the query string. */
  path: string;
  /** HTTP status, undefined when the attempt failed at the network level. */
  status: number | undefined;
  /** Time from sending to the end of the response body, in ms. */
  durationMs: number;
  /** 1 for the first send of this call, 2 for its first re-send, … */
  attempt: number;
  /** `x-pinterest-rid`, when there was a response. */
  requestId: string | undefined;
  /** Network error code (`ECONNRESET`, `UND_ERR_HEADERS_TIMEOUT`, …) when there was no response. */
  networkError: string | undefined;
}

/** Options of the request core (the client adds `adAccountId`). */
export interface PinterestTransportOptions {
  /** API root; default https://api.pinterest.com/v5. */
  baseUrl?: string;
  /** Supplies (and on 401, refreshes) the bearer token. */
  auth: TokenProvider;
  /** undici dispatcher to send through; default a keep-alive Agent this client owns and closes in `close()`. */
  dispatcher?: Dispatcher;
  /** Socket timeouts of the default Agent (ignored when `dispatcher` is given). */
  timeouts?: Partial<PinterestTimeouts>;
  /** Pacing hook awaited before every HTTP attempt; default lets everything through. */
  gate?: RequestGate;
  /** Where request details and retry warnings go; default silent. */
  logger?: Logger;
  /** Overrides of the retry defaults. */
  retry?: Partial<PinterestRetryConfig>;
  /** Largest JSON body sent; bigger ones fail locally with PINSYNC_PINTEREST_TOO_LARGE. Default 1,000,000. */
  maxBodyBytes?: number;
  /** Called after every HTTP attempt; exceptions it throws are ignored. */
  onRequest?: (event: PinterestRequestEvent) => void;
  /** `User-Agent` header; default `pinsync`. */
  userAgent?: string;
  /** Waits between retries (tests inject a fake); must reject when `signal` aborts. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Source of jitter in [0, 1). */
  random?: () => number;
  /** Wall clock in epoch ms (durations, rate-limit reset times). */
  now?: () => number;
}

type AttemptOutcome =
  | { kind: 'response'; status: number; headers: ResponseHeaders; text: string; durationMs: number }
  | { kind: 'network'; error: unknown; status: number | undefined; headers: ResponseHeaders | undefined; durationMs: number };

/** What a thrown PinterestError needs to know about the call. */
interface CallContext {
  req: PinterestRequest;
  path: string;
  attempts: number;
  secrets: Set<string>;
}

const defaultSleep = (ms: number, signal?: AbortSignal): Promise<void> => delay(ms, undefined, { signal });

export class PinterestTransport {
  private readonly baseUrl: string;
  private readonly auth: TokenProvider;
  private readonly dispatcher: Dispatcher;
  private readonly ownsDispatcher: boolean;
  private readonly gate: RequestGate;
  private readonly logger: Logger;
  private readonly retry: PinterestRetryConfig;
  private readonly maxBodyBytes: number;
  private readonly onRequest: ((event: PinterestRequestEvent) => void) | undefined;
  private readonly userAgent: string;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private readonly random: () => number;
  private readonly now: () => number;
  private readonly counters: DestinationStats = { apiCalls: 0, retries: 0 };

  constructor(opts: PinterestTransportOptions) {
    this.baseUrl = (opts.baseUrl ?? PINTEREST_DEFAULT_BASE_URL).replace(/\/+$/, '');
    this.auth = opts.auth;
    if (opts.dispatcher === undefined) {
      const t = { ...PINTEREST_DEFAULT_TIMEOUTS, ...opts.timeouts };
      this.dispatcher = new Agent({
        connect: { timeout: t.connectMs },
        headersTimeout: t.headersMs,
        bodyTimeout: t.bodyMs,
        keepAliveTimeout: t.keepAliveMs,
        keepAliveMaxTimeout: t.keepAliveMs,
      });
      this.ownsDispatcher = true;
    } else {
      this.dispatcher = opts.dispatcher;
      this.ownsDispatcher = false;
    }
    this.gate = opts.gate ?? openRequestGate;
    this.logger = opts.logger ?? silentLogger;
    this.retry = { ...PINTEREST_DEFAULT_RETRY, ...opts.retry };
    this.maxBodyBytes = opts.maxBodyBytes ?? PINTEREST_DEFAULT_MAX_BODY_BYTES;
    this.onRequest = opts.onRequest;
    this.userAgent = opts.userAgent ?? 'pinsync';
    this.sleep = opts.sleep ?? defaultSleep;
    this.random = opts.random ?? Math.random;
    this.now = opts.now ?? Date.now;
  }

  /** Calls made so far: every HTTP attempt counts once in `apiCalls`; every re-send also in `retries`. */
  stats(): DestinationStats {
    return { ...this.counters };
  }

  /** Closes the default Agent; an injected dispatcher belongs to the caller and is left open. */
  async close(): Promise<void> {
    if (this.ownsDispatcher) await this.dispatcher.close();
  }

  /** Sends `req` until it succeeds or the retry policy gives up; rejects with a PinterestError. */
  async request<T>(req: PinterestRequest): Promise<PinterestResponse<T>> {
    const { method, signal } = req;
    const category = req.category ?? (method === 'GET' ? 'ads_read' : 'ads_write');
    const replaySafe = req.replaySafe ?? method !== 'POST';
    const ctx: CallContext = { req, path: req.path, attempts: 0, secrets: new Set() };
    const url = this.url(req.path, req.query);
    const body = req.body === undefined ? undefined : JSON.stringify(req.body);

    if (body !== undefined && Buffer.byteLength(body) > this.maxBodyBytes) {
      throw this.error(ctx, CODES.tooLarge, `the JSON body is ${Buffer.byteLength(body)} bytes, over the ${this.maxBodyBytes}-byte limit; split the batch (nothing was sent)`, {});
    }

    let policyAttempt = 0; // sends that count toward retry.maxAttempts (the post-refresh replay does not)
    let refreshed = false;
    let nextToken: string | undefined;
    for (;;) {
      await this.guardAbort(ctx, () => this.gate.acquire(category, signal));
      const token = nextToken ?? (await this.auth.getAccessToken());
      nextToken = undefined;
      ctx.secrets.add(token);

      ctx.attempts += 1;
      policyAttempt += 1;
      this.counters.apiCalls += 1;
      if (ctx.attempts > 1) this.counters.retries += 1;

      const outcome = await this.send(url, method, token, body, signal);
      this.report(ctx, outcome);
      if (outcome.kind === 'response' && outcome.status === 429) this.counters.rateLimited = (this.counters.rateLimited ?? 0) + 1;

      // A success that raced an abort is still returned: the write happened and core may acknowledge it.
      if (outcome.kind === 'response' && outcome.status >= 200 && outcome.status < 300) {
        return this.parseSuccess<T>(ctx, outcome);
      }
      if (signal?.aborted) throw this.abortError(ctx, signal.reason);

      const failure = toFailure(outcome);
      if (failure.kind === 'response' && failure.status === 401 && (failure.apiCode === 2 || failure.apiCode === undefined)) {
        // 401 code 2 = the token is expired or revoked. A 401 means nothing was applied, so even a create may be
        // replayed; once only, so a refresh that yields another rejected token cannot loop.
        const onUnauthorized = this.auth.onUnauthorized?.bind(this.auth);
        if (!refreshed && onUnauthorized !== undefined) {
          const fresh = await this.refresh(ctx, () => onUnauthorized(token), outcome);
          if (fresh !== undefined) {
            ctx.secrets.add(fresh);
            nextToken = fresh;
            refreshed = true;
            policyAttempt -= 1;
            continue;
          }
        }
        throw this.authError(ctx, outcome, refreshed);
      }

      const decision = decideRetry(failure, { attempt: policyAttempt, replaySafe }, this.retry, this.random, this.now());
      if (decision.action === 'fail') throw this.failureError(ctx, decision.reason, outcome, decision.retryAt);
      // The quota is spent for every request of the category, not just this one: the other requests in flight and
      // those about to start wait for the reset at the gate, instead of each finding the 429 for itself.
      const resetMs = decision.reason === 'rate-limit' && failure.kind === 'response' ? rateLimitResetMs(failure.headers, this.now()) : undefined;
      if (resetMs !== undefined) this.gate.pauseFor?.(category, resetMs);

      // Replays reach here only when the policy judged them safe: GETs, 429/503 refusals, connect failures, and
      // PATCH ADD/REMOVE, which are idempotent on membership (a list is a set; only Pinterest's upload/remove
      // counters count a batch twice). DESIGN §2 relies on this: a batch in flight may be sent twice.
      this.logger.warn(
        {
          operation: req.operation,
          method,
          path: req.path,
          status: outcome.status,
          networkError: outcome.kind === 'network' ? networkErrorCode(outcome.error) : undefined,
          requestId: outcome.headers ? requestIdOf(outcome.headers) : undefined,
          attempt: ctx.attempts,
          delayMs: decision.delayMs,
          reason: decision.reason,
        },
        'pinterest request failed; retrying',
      );
      await this.guardAbort(ctx, () => this.sleep(decision.delayMs, signal));
    }
  }

  private url(path: string, query: PinterestRequest['query']): string {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query ?? {})) if (value !== undefined) params.set(key, String(value));
    const qs = params.toString();
    return `${this.baseUrl}${path}${qs === '' ? '' : `?${qs}`}`;
  }

  private async send(
    url: string,
    method: PinterestMethod,
    token: string,
    body: string | undefined,
    signal: AbortSignal | undefined,
  ): Promise<AttemptOutcome> {
    const headers: Record<string, string> = {
      authorization: `Bearer ${token}`,
      accept: 'application/json',
      'user-agent': this.userAgent,
    };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const started = this.now();
    let res: Dispatcher.ResponseData;
    try {
      res = await undiciRequest(url, { dispatcher: this.dispatcher, method, headers, body, signal });
    } catch (error) {
      return { kind: 'network', error, status: undefined, headers: undefined, durationMs: this.now() - started };
    }
    try {
      const text = await res.body.text();
      return { kind: 'response', status: res.statusCode, headers: res.headers, text, durationMs: this.now() - started };
    } catch (error) {
      // Status and headers arrived but the body did not. For an error status that is enough to decide; a 2xx
      // without its body is a lost answer (the write happened), which the policy treats like a reset.
      if (res.statusCode >= 300) {
        return { kind: 'response', status: res.statusCode, headers: res.headers, text: '', durationMs: this.now() - started };
      }
      return { kind: 'network', error, status: res.statusCode, headers: res.headers, durationMs: this.now() - started };
    }
  }

  private report(ctx: CallContext, outcome: AttemptOutcome): void {
    const event: PinterestRequestEvent = {
      operation: ctx.req.operation,
      method: ctx.req.method,
      path: ctx.req.path,
      status: outcome.status,
      durationMs: outcome.durationMs,
      attempt: ctx.attempts,
      requestId: outcome.headers ? requestIdOf(outcome.headers) : undefined,
      networkError: outcome.kind === 'network' ? networkErrorCode(outcome.error) : undefined,
    };
    this.logger.debug(event, 'pinterest request');
    try {
      this.onRequest?.(event);
    } catch {
      // A broken progress bar must not fail a sync.
    }
  }

  private parseSuccess<T>(ctx: CallContext, outcome: Extract<AttemptOutcome, { kind: 'response' }>): PinterestResponse<T> {
    const requestId = requestIdOf(outcome.headers);
    try {
      return { data: JSON.parse(outcome.text) as T, status: outcome.status, requestId, attempts: ctx.attempts };
    } catch (cause) {
      throw this.error(ctx, CODES.badResponse, `HTTP ${outcome.status} with a body that is not JSON${ridSuffix(requestId)}`, {
        status: outcome.status,
        requestId,
        cause,
      });
    }
  }

  private async refresh(ctx: CallContext, refresher: () => Promise<string | undefined>, outcome: AttemptOutcome): Promise<string | undefined> {
    try {
      return await refresher();
    } catch (cause) {
      // A refresher that fails says why itself (e.g. "re-authorization required"); keep its code and message.
      if (cause instanceof PinsyncError) throw cause;
      const detail = cause instanceof Error ? cause.message : String(cause);
      throw this.error(
        ctx,
        CODES.auth,
        `the access token was rejected (HTTP 401) and refreshing it failed: ${detail}${ridSuffix(outcome.headers ? requestIdOf(outcome.headers) : undefined)}`,
        { status: 401, requestId: outcome.headers ? requestIdOf(outcome.headers) : undefined, cause },
      );
    }
  }

  private authError(ctx: CallContext, outcome: AttemptOutcome, refreshed: boolean): PinterestError {
    const { code, message } = outcome.kind === 'response' ? parseErrorBody(outcome.text) : { code: undefined, message: undefined };
    const requestId = outcome.headers ? requestIdOf(outcome.headers) : undefined;
    const why = refreshed
      ? 'even after refreshing it once; re-authorize pinsync with Pinterest'
      : this.auth.onUnauthorized === undefined
        ? 'and no token refresh is configured; set a new access token or configure refreshToken, clientId and clientSecret'
        : 'and no refreshed token is available; re-authorize pinsync with Pinterest';
    return this.error(ctx, CODES.auth, `access token rejected (${describeResponse(401, code, message)}) ${why}${ridSuffix(requestId)}`, {
      status: 401,
      apiCode: code,
      apiMessage: message,
      requestId,
    });
  }

  private failureError(ctx: CallContext, reason: FailReason, outcome: AttemptOutcome, retryAt: number | undefined): PinterestError {
    const requestId = outcome.headers ? requestIdOf(outcome.headers) : undefined;
    const rid = ridSuffix(requestId);
    const attempts = ctx.attempts === 1 ? '1 attempt' : `${ctx.attempts} attempts`;

    if (outcome.kind === 'network') {
      const netCode = networkErrorCode(outcome.error) ?? 'unknown';
      const detail = `network error ${netCode}: ${outcome.error instanceof Error ? outcome.error.message : String(outcome.error)}`;
      const fields = { status: outcome.status, requestId, cause: outcome.error };
      switch (reason) {
        case 'uncertain':
          return this.error(ctx, CODES.createUncertain, `${detail}; the request may have been applied, so it was not resent (a second create would make a duplicate): look it up by name before creating it again${rid}`, fields);
        case 'exhausted':
          return this.error(ctx, CODES.network, `${detail} (gave up after ${attempts})${rid}`, { ...fields, retryable: true });
        default:
          return this.error(ctx, CODES.network, `${detail}${rid}`, fields);
      }
    }

    const { code: apiCode, message: apiMessage } = parseErrorBody(outcome.text);
    const status = outcome.status;
    const what = describeResponse(status, apiCode, apiMessage);
    const fields = { status, apiCode, apiMessage, requestId };
    switch (reason) {
      case 'too-large':
        return this.error(ctx, CODES.tooLarge, `${what}: the batch is too large; split it${rid}`, fields);
      case 'spam':
        return this.error(ctx, CODES.spam, `${what}: Pinterest flagged the traffic as spam; not retried${rid}`, fields);
      case 'rate-limit-far': {
        const at = new Date(retryAt ?? this.now());
        const hours = Math.max(0, (at.getTime() - this.now()) / 3_600_000);
        return this.error(
          ctx,
          CODES.rateLimited,
          `${what}: rate limit reached; it lifts at ${at.toISOString()} (in about ${hours.toFixed(1)} h), too far away to wait${rid}`,
          { ...fields, retryable: true, retryAt: at },
        );
      }
      case 'uncertain':
        return this.error(ctx, CODES.createUncertain, `${what}; the request may have been applied, so it was not resent (a second create would make a duplicate): look it up by name before creating it again${rid}`, fields);
      case 'exhausted':
        return this.error(ctx, status === 429 ? CODES.rateLimited : CODES.server, `${what} (gave up after ${attempts})${rid}`, { ...fields, retryable: true });
      default:
        return this.error(ctx, rejectionCode(status), `${what}${rid}`, fields);
    }
  }

  private error(
    ctx: CallContext,
    code: PinterestErrorCode,
    detail: string,
    fields: { status?: number; apiCode?: number; apiMessage?: string; requestId?: string; retryable?: boolean; retryAt?: Date; cause?: unknown },
  ): PinterestError {
    const { req } = ctx;
    const message = redactSecrets(`Pinterest ${req.operation} (${req.method} ${ctx.path}) failed: ${detail}`, ctx.secrets);
    return new PinterestError(code, message, {
      ...fields,
      apiMessage: fields.apiMessage === undefined ? undefined : redactSecrets(fields.apiMessage, ctx.secrets),
      operation: req.operation,
      method: req.method,
      path: ctx.path,
      attempts: ctx.attempts,
    });
  }

  private abortError(ctx: CallContext, reason: unknown): PinterestError {
    return this.error(ctx, CODES.aborted, 'aborted', { cause: reason });
  }

  // Gate waits and retry sleeps reject when the signal fires; report that as our ABORTED error, not a bare AbortError.
  private async guardAbort(ctx: CallContext, wait: () => Promise<void>): Promise<void> {
    if (ctx.req.signal?.aborted) throw this.abortError(ctx, ctx.req.signal.reason);
    try {
      await wait();
    } catch (err) {
      if (ctx.req.signal?.aborted) throw this.abortError(ctx, ctx.req.signal.reason);
      throw err;
    }
  }
}

function toFailure(outcome: AttemptOutcome): AttemptFailure {
  if (outcome.kind === 'network') return { kind: 'network', error: outcome.error };
  const body = parseErrorBody(outcome.text);
  return { kind: 'response', status: outcome.status, apiCode: body.code, apiMessage: body.message, headers: outcome.headers };
}

function rejectionCode(status: number): PinterestErrorCode {
  if (status === 404) return CODES.notFound;
  if (status === 401 || status === 403) return CODES.forbidden;
  return CODES.rejected;
}

function requestIdOf(headers: ResponseHeaders): string | undefined {
  const rid = headers['x-pinterest-rid'];
  return Array.isArray(rid) ? rid[0] : rid;
}
