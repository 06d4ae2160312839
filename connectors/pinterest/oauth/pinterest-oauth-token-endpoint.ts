/**
 * `POST {apiBaseUrl}/oauth/token`: the one call that turns an authorization code or a refresh token into tokens.
 * Form-encoded, the app authenticated with HTTP Basic (reference/pinterest-api.md §4.1). 429, 5xx and network
 * failures back off (bounded, honouring `X-RateLimit-Reset`) with the client's retry policy; refusals do not.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { Agent, request as undiciRequest, type Dispatcher } from 'undici';
import { PINTEREST_DEFAULT_RETRY, type PinterestRetryConfig } from '../pinterest-config.js';
import { describeResponse, parseErrorBody, redactSecrets } from '../http/pinterest-errors.js';
import { decideRetry, networkErrorCode, type ResponseHeaders } from '../http/pinterest-retry-policy.js';

/** Tokens Pinterest granted, with expiries made absolute. */
export interface TokenGrant {
  /** New access token. */
  accessToken: string;
  /** `now + expires_in`; null when Pinterest did not say. */
  accessExpiresAt: Date | null;
  /** New (rotated) refresh token; null when none was returned (legacy refresh: keep the old one). */
  refreshToken: string | null;
  /** When `refreshToken` expires; null when unknown or when no refresh token was returned. */
  refreshExpiresAt: Date | null;
  /** Granted scopes (`scope`, split on spaces and commas as both forms occur). */
  scopes: string[];
}

/** Why the token endpoint did not grant tokens. */
export type TokenFailureKind =
  /** 401 code 283 or 400: the code or refresh token is invalid, expired, revoked or already used. */
  | 'invalid-grant'
  /** Any other 401/403: Pinterest did not accept the app's client id and secret. */
  | 'invalid-client'
  /** Another 4xx. */
  | 'rejected'
  /** 429/5xx/network errors past the retry budget, or a rate limit too far away to wait for. */
  | 'unavailable'
  /** A 2xx without an access token. */
  | 'bad-response';

/** A failed token request; its message never holds a secret. */
export class TokenEndpointError extends Error {
  /** What went wrong, for the caller's advice. */
  readonly kind: TokenFailureKind;
  /** Last HTTP status, undefined for network failures. */
  readonly status: number | undefined;
  /** Pinterest's error code from the body. */
  readonly apiCode: number | undefined;
  /** `x-pinterest-rid` of the last response. */
  readonly requestId: string | undefined;
  /** HTTP attempts made. */
  readonly attempts: number;
  constructor(
    kind: TokenFailureKind,
    message: string,
    details: { status?: number; apiCode?: number; requestId?: string; attempts: number; cause?: unknown },
  ) {
    super(message, { cause: details.cause });
    this.name = 'TokenEndpointError';
    this.kind = kind;
    this.status = details.status;
    this.apiCode = details.apiCode;
    this.requestId = details.requestId;
    this.attempts = details.attempts;
  }
}

/** A token request. */
export interface TokenRequestOptions {
  /** API root, e.g. https://api.pinterest.com/v5. */
  baseUrl: string;
  /** The app's client id (Basic user). */
  clientId: string;
  /** The app's client secret (Basic password). */
  clientSecret: string;
  /** Form fields: `grant_type` and what it needs. */
  form: Readonly<Record<string, string>>;
  /** undici dispatcher; default a short-lived Agent closed after the call. */
  dispatcher?: Dispatcher;
  /** Backoff overrides; default 5 attempts, 1 s base, 30 s cap, rate-limit resets waited up to 120 s. */
  retry?: Partial<PinterestRetryConfig>;
  /** Waits between attempts (tests inject a fake). */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Jitter source in [0, 1). */
  random?: () => number;
  /** Epoch ms, for expiries and rate-limit resets. */
  now?: () => number;
  /** Aborts the call and any wait. */
  signal?: AbortSignal;
}

/**
 * Refreshes are rare (monthly) and a failed one stops a run, so they get a little more patience than API calls:
 * five attempts from a 1 s base (Airbyte backs its refresh off up to 300 s; 15 s of expected waiting is enough to
 * ride out a blip without hanging a cron job).
 */
export const TOKEN_RETRY: Readonly<PinterestRetryConfig> = Object.freeze({
  ...PINTEREST_DEFAULT_RETRY,
  maxAttempts: 5,
  baseDelayMs: 1_000,
});

const defaultSleep = (ms: number, signal?: AbortSignal): Promise<void> => delay(ms, undefined, { signal });

/** Sends a token request; resolves with the grant or rejects with a TokenEndpointError. */
export async function requestToken(opts: TokenRequestOptions): Promise<TokenGrant> {
  const retry = { ...TOKEN_RETRY, ...opts.retry };
  const sleep = opts.sleep ?? defaultSleep;
  const random = opts.random ?? Math.random;
  const now = opts.now ?? Date.now;
  const url = `${opts.baseUrl.replace(/\/+$/, '')}/oauth/token`;
  // Only the secret values: redacting `refresh_token` or the redirect URI would garble the message for nothing.
  const secrets = [opts.clientSecret, opts.form.refresh_token, opts.form.code].filter((v): v is string => v !== undefined);
  const headers = {
    authorization: `Basic ${Buffer.from(`${opts.clientId}:${opts.clientSecret}`).toString('base64')}`,
    'content-type': 'application/x-www-form-urlencoded',
    accept: 'application/json',
    'user-agent': 'pinsync',
  };
  const body = new URLSearchParams(opts.form).toString();
  // A refresh happens about once a month: a pool kept alive for it would only hold the process open.
  const dispatcher = opts.dispatcher ?? new Agent({ connect: { timeout: 10_000 }, headersTimeout: 30_000, bodyTimeout: 30_000 });

  try {
    for (let attempt = 1; ; attempt++) {
      let status: number;
      let resHeaders: ResponseHeaders;
      let text: string;
      try {
        const res = await undiciRequest(url, { method: 'POST', headers, body, dispatcher, signal: opts.signal });
        status = res.statusCode;
        resHeaders = res.headers;
        text = await res.body.text();
      } catch (error) {
        if (opts.signal?.aborted) throw error;
        const decision = decideRetry({ kind: 'network', error }, { attempt, replaySafe: true }, retry, random, now());
        if (decision.action === 'fail') {
          const code = networkErrorCode(error) ?? 'unknown';
          throw new TokenEndpointError('unavailable', `network error ${code} reaching ${url} (${plural(attempt, 'attempt')})`, { attempts: attempt, cause: error });
        }
        await sleep(decision.delayMs, opts.signal);
        continue;
      }

      const requestId = firstHeader(resHeaders['x-pinterest-rid']);
      if (status >= 200 && status < 300) return parseGrant(text, now(), { status, requestId, attempts: attempt });

      const { code: apiCode, message } = parseErrorBody(text);
      const what = redactSecrets(describeResponse(status, apiCode, message), secrets);
      const details = { status, apiCode, requestId, attempts: attempt };
      if (status === 400 || (status === 401 && apiCode === 283)) throw new TokenEndpointError('invalid-grant', what, details);
      if (status === 401 || status === 403) throw new TokenEndpointError('invalid-client', what, details);

      const decision = decideRetry(
        { kind: 'response', status, apiCode, apiMessage: message, headers: resHeaders },
        { attempt, replaySafe: true },
        retry,
        random,
        now(),
      );
      if (decision.action === 'fail') {
        const kind: TokenFailureKind = status === 429 || status >= 500 ? 'unavailable' : 'rejected';
        const suffix = kind === 'unavailable' ? ` (${plural(attempt, 'attempt')})` : '';
        throw new TokenEndpointError(kind, `${what}${suffix}`, details);
      }
      await sleep(decision.delayMs, opts.signal);
    }
  } finally {
    if (opts.dispatcher === undefined) await dispatcher.close().catch(() => undefined);
  }
}

/** Splits an OAuth `scope` value; Pinterest has been seen to use spaces and commas. */
export function parseScopes(scope: unknown): string[] {
  if (typeof scope !== 'string') return [];
  return scope.split(/[\s,]+/).filter((s) => s !== '');
}

function parseGrant(text: string, nowMs: number, details: { status: number; requestId: string | undefined; attempts: number }): TokenGrant {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const body = (typeof json === 'object' && json !== null ? json : {}) as Record<string, unknown>;
  if (typeof body.access_token !== 'string' || body.access_token === '') {
    throw new TokenEndpointError('bad-response', `HTTP ${details.status} without an access_token`, details);
  }
  const refreshToken = typeof body.refresh_token === 'string' && body.refresh_token !== '' ? body.refresh_token : null;
  return {
    accessToken: body.access_token,
    accessExpiresAt: afterSeconds(nowMs, body.expires_in),
    refreshToken,
    // expires_in is relative to our clock and unit-certain; expires_at's unit is unconfirmed (reference §4.2).
    refreshExpiresAt: refreshToken === null ? null : (afterSeconds(nowMs, body.refresh_token_expires_in) ?? epochDate(body.refresh_token_expires_at)),
    scopes: parseScopes(body.scope),
  };
}

function afterSeconds(nowMs: number, seconds: unknown): Date | null {
  return typeof seconds === 'number' && Number.isFinite(seconds) && seconds > 0 ? new Date(nowMs + seconds * 1000) : null;
}

function epochDate(value: unknown): Date | null {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) return null;
  // Seconds today; a value this large can only be milliseconds.
  return new Date(value > 1e12 ? value : value * 1000);
}

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
