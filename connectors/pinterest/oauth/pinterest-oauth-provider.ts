/**
 * The TokenProvider that refreshes: tokens from the state store (else the config), refreshed on 401 code 2 and
 * ahead of expiry, rotated refresh tokens persisted before the new access token is used (DESIGN §4).
 *
 * Single-flight: concurrent requests that see their token rejected share one refresh, and a request whose token
 * was already replaced by someone else's refresh just takes the new one. A refresh token that Pinterest refused is
 * remembered, so later 401s in the same process fail at once with the re-authorization message instead of asking
 * again.
 */
import type { Dispatcher } from 'undici';
import type { PinterestDestinationConfig } from '../../../core/config/destination-schema.js';
import { PinsyncError } from '../../../core/errors.js';
import { silentLogger, type Logger } from '../../../core/logger.js';
import type { StateStore } from '../../../core/state-store.js';
import type { PinterestRetryConfig } from '../pinterest-config.js';
import { notAuthorizedYet, reauthorizationRequired, refreshFailed, tokenStoreFailed, type ReauthHint } from './pinterest-oauth-errors.js';
import { TokenEndpointError, requestToken } from './pinterest-oauth-token-endpoint.js';
import { configTokenFingerprint, pinterestTokenKey, resolveTokens, tokenSetOf, type TokenSet } from './pinterest-oauth-tokens.js';
import type { TokenProvider } from './pinterest-token-provider.js';

/** Refresh when the access token has less than this left (Pinterest's are good for 30 days). */
export const ACCESS_REFRESH_MARGIN_MS = 24 * 3_600_000;

/**
 * Also refresh when the refresh token has less than this left: a continuous refresh token gets a new 60-day window
 * at every refresh, so a run in its last two weeks keeps the connection alive without the user.
 */
export const REFRESH_RENEW_MARGIN_MS = 14 * 24 * 3_600_000;

/** Options of `PinterestOAuthTokenProvider`. */
export interface PinterestOAuthProviderOptions {
  /** The destination: its `auth` (tokens, client id and secret), `adAccountId` and `apiBaseUrl`. */
  destination: Pick<PinterestDestinationConfig, 'adAccountId' | 'apiBaseUrl' | 'auth'>;
  /** Where tokens are read from and refreshed tokens written to. */
  store: StateStore;
  /** Refreshes and token replacements are logged here (never the tokens). */
  logger?: Logger;
  /** Names the destination and config file in re-authorization messages. */
  hint?: ReauthHint;
  /** Refresh when the access token has less than this many ms left; default one day. */
  refreshMarginMs?: number;
  /** Backoff of the token endpoint (429/5xx/network). */
  retry?: Partial<PinterestRetryConfig>;
  /** undici dispatcher for the token endpoint; default a short-lived Agent per refresh. */
  dispatcher?: Dispatcher;
  /** Epoch ms; expiry arithmetic. */
  now?: () => number;
  /** Waits between token endpoint retries. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Jitter source in [0, 1). */
  random?: () => number;
}

export class PinterestOAuthTokenProvider implements TokenProvider {
  readonly #opts: PinterestOAuthProviderOptions;
  readonly #key: string;
  readonly #fingerprint: string;
  readonly #logger: Logger;
  readonly #hint: ReauthHint;
  readonly #now: () => number;
  #current: TokenSet | undefined;
  #loading: Promise<TokenSet> | undefined;
  #refreshing: Promise<string> | undefined;
  /** A refusal from the token endpoint that retrying cannot fix. */
  #fatal: PinsyncError | undefined;
  /** A proactive refresh failed while the token still worked: don't try again on every request. */
  #proactiveGaveUp = false;
  /** Renewing an expiring refresh token is tried once per process: a legacy one cannot be renewed at all. */
  #renewAttempted = false;
  #refreshes = 0;

  constructor(opts: PinterestOAuthProviderOptions) {
    this.#opts = opts;
    this.#key = pinterestTokenKey(opts.destination);
    this.#fingerprint = configTokenFingerprint(opts.destination.auth);
    this.#logger = opts.logger ?? silentLogger;
    this.#hint = opts.hint ?? {};
    this.#now = opts.now ?? Date.now;
  }

  /** The state-store key this provider reads and writes. */
  get key(): string {
    return this.#key;
  }

  /** Refreshes this provider has performed (tests and logs). */
  get refreshCount(): number {
    return this.#refreshes;
  }

  async getAccessToken(): Promise<string> {
    const tokens = await this.#load();
    if (tokens.accessToken === '') {
      // Never send an empty bearer token: Pinterest would answer 401 and the message would blame a token that was never there.
      if (this.#fatal !== undefined) throw this.#fatal;
      if (!this.#canRefresh(tokens)) throw notAuthorizedYet(this.#hint);
      return this.#refresh(tokens.accessToken, 'no-access-token');
    }
    if (!this.#canRefresh(tokens) || this.#proactiveGaveUp || this.#fatal !== undefined) return tokens.accessToken;
    const reason = this.#refreshDue(tokens);
    if (reason === undefined) return tokens.accessToken;
    try {
      return await this.#refresh(tokens.accessToken, reason);
    } catch (err) {
      const stillValid = tokens.accessExpiresAt === null || tokens.accessExpiresAt.getTime() > this.#now();
      if (!stillValid || !(err instanceof PinsyncError)) throw err;
      // The token still works for a while: finish this run with it, and say loudly that it will not last.
      this.#proactiveGaveUp = true;
      const until = tokens.accessExpiresAt === null ? '' : ` until ${tokens.accessExpiresAt.toISOString()}`;
      this.#logger.warn({ code: err.code }, `${err.message} (the current access token still works${until}, so this run goes on)`);
      return tokens.accessToken;
    }
  }

  async onUnauthorized(rejectedToken: string): Promise<string | undefined> {
    const tokens = await this.#load();
    // Someone else's refresh already replaced the token this request was sent with.
    if (rejectedToken !== tokens.accessToken) return tokens.accessToken;
    if (this.#fatal !== undefined) throw this.#fatal;
    if (!this.#canRefresh(tokens)) {
      throw reauthorizationRequired(this.#hint, 'Pinterest rejected the access token (HTTP 401) and no refresh token is stored or configured to get a new one');
    }
    return this.#refresh(rejectedToken, 'rejected');
  }

  #canRefresh(tokens: TokenSet): boolean {
    const { clientId, clientSecret } = this.#opts.destination.auth;
    return tokens.refreshToken !== null && isSet(clientId) && isSet(clientSecret);
  }

  #refreshDue(tokens: TokenSet): 'expiring' | 'renew-refresh-token' | undefined {
    const now = this.#now();
    const margin = this.#opts.refreshMarginMs ?? ACCESS_REFRESH_MARGIN_MS;
    if (tokens.accessExpiresAt !== null && tokens.accessExpiresAt.getTime() - now < margin) return 'expiring';
    if (!this.#renewAttempted && tokens.refreshExpiresAt !== null && tokens.refreshExpiresAt.getTime() - now < REFRESH_RENEW_MARGIN_MS) {
      return 'renew-refresh-token';
    }
    return undefined;
  }

  #load(): Promise<TokenSet> {
    if (this.#current !== undefined) return Promise.resolve(this.#current);
    this.#loading ??= this.#loadOnce().finally(() => {
      this.#loading = undefined;
    });
    return this.#loading;
  }

  async #loadOnce(): Promise<TokenSet> {
    const resolved = await resolveTokens(this.#opts.store, this.#opts.destination);
    if (resolved.configReplacesStored) {
      // The user put new tokens in the config (re-authorized by hand): they win over what refreshes left behind.
      this.#logger.info({ destination: this.#hint.destinationName, key: this.#key }, 'the config holds new Pinterest tokens; they replace the stored ones');
      // Not fatal: the config's tokens work without being stored (a read-only store in `doctor`), and the next
      // run that can write replaces the stale row.
      await this.#save(resolved.tokens).catch((err: unknown) =>
        this.#logger.warn({ code: err instanceof PinsyncError ? err.code : undefined }, err instanceof Error ? err.message : String(err)),
      );
    }
    this.#current = resolved.tokens;
    return resolved.tokens;
  }

  #refresh(rejectedToken: string, reason: string): Promise<string> {
    if (this.#refreshing !== undefined) return this.#refreshing;
    if (this.#current !== undefined && this.#current.accessToken !== rejectedToken) return Promise.resolve(this.#current.accessToken);
    this.#refreshing = this.#refreshOnce(reason).finally(() => {
      this.#refreshing = undefined;
    });
    return this.#refreshing;
  }

  async #refreshOnce(reason: string): Promise<string> {
    this.#renewAttempted = true;
    let current = this.#current!;
    // Another process (or a client with its own provider) may have refreshed already, retiring the refresh token we
    // hold: adopt its tokens, and use them as they are unless they too are about to expire.
    const stored = await this.#opts.store.getTokens(this.#key);
    if (stored !== undefined && stored.configFingerprint === this.#fingerprint && stored.accessToken !== current.accessToken) {
      current = tokenSetOf(stored);
      this.#current = current;
      if (reason === 'rejected' || this.#refreshDue(current) !== 'expiring') return current.accessToken;
    }
    if (current.refreshToken === null) throw reauthorizationRequired(this.#hint, 'no refresh token is stored or configured');
    // Pinterest retires the refresh token the moment it answers: a state that would then refuse to store the new one
    // (shared Postgres state without PINSYNC_STATE_KEY) must refuse before the old one is spent.
    this.#opts.store.checkTokenStorage?.();

    const { auth, apiBaseUrl } = this.#opts.destination;
    let grant;
    try {
      // Deliberately no abort signal: a refresh abandoned after Pinterest applied it (Ctrl-C mid-request) would
      // leave a spent refresh token in the state; letting it finish and be stored costs at most a few seconds.
      grant = await requestToken({
        baseUrl: apiBaseUrl,
        clientId: auth.clientId!,
        clientSecret: auth.clientSecret!,
        form: { grant_type: 'refresh_token', refresh_token: current.refreshToken },
        dispatcher: this.#opts.dispatcher,
        retry: this.#opts.retry,
        sleep: this.#opts.sleep,
        random: this.#opts.random,
        now: this.#now,
      });
    } catch (err) {
      if (!(err instanceof TokenEndpointError)) throw err;
      const failure = refreshFailed(this.#hint, err);
      if (err.kind === 'invalid-grant' || err.kind === 'invalid-client') this.#fatal = failure;
      throw failure;
    }

    const rotated = grant.refreshToken !== null;
    const next: TokenSet = {
      accessToken: grant.accessToken,
      accessExpiresAt: grant.accessExpiresAt,
      // Legacy refresh answers carry no refresh token: the old one stays valid (reference §4.2).
      refreshToken: grant.refreshToken ?? current.refreshToken,
      refreshExpiresAt: rotated ? grant.refreshExpiresAt : current.refreshExpiresAt,
    };
    // Durable before use: if the process died after using the new tokens but before storing them, the rotated-away
    // refresh token in the state would lock the next run out.
    await this.#save(next);
    this.#current = next;
    this.#refreshes += 1;
    this.#logger.info(
      {
        destination: this.#hint.destinationName,
        reason,
        accessExpiresAt: next.accessExpiresAt?.toISOString() ?? null,
        refreshExpiresAt: next.refreshExpiresAt?.toISOString() ?? null,
        refreshTokenRotated: rotated,
      },
      'refreshed the Pinterest access token',
    );
    return next.accessToken;
  }

  async #save(tokens: TokenSet): Promise<void> {
    try {
      await this.#opts.store.saveTokens(this.#key, { ...tokens, configFingerprint: this.#fingerprint });
    } catch (err) {
      const secrets = [tokens.accessToken, tokens.refreshToken, this.#opts.destination.auth.clientSecret].filter(isSet);
      throw tokenStoreFailed(this.#hint, err, secrets);
    }
  }
}

function isSet(value: string | null | undefined): value is string {
  return value !== undefined && value !== null && value !== '';
}
