/**
 * Builds the Pinterest client for a configured destination: the refreshing token provider when the config allows
 * refreshes (client id and secret; the refresh token may come from `pinsync auth exchange`), a static token
 * otherwise, and the process-wide pacing gate of its credentials.
 */
import type { Dispatcher } from 'undici';
import type { PinterestDestinationConfig } from '../../core/config/destination-schema.js';
import type { Logger } from '../../core/logger.js';
import type { StateStore } from '../../core/state-store.js';
import { PinterestClient } from './http/pinterest-client.js';
import { type OAuthProviderRegistry, sharedOAuthTokenProvider } from './oauth/pinterest-oauth-shared-provider.js';
import type { PacingClock } from './pacing/pinterest-pacing-gate.js';
import { pacingIdentity, sharedPacingGate } from './pacing/pinterest-pacing-registry.js';
import type { RequestGate } from './http/pinterest-request-gate.js';
import type { PinterestRequestEvent } from './http/pinterest-transport.js';
import { staticTokenProvider, type TokenProvider } from './oauth/pinterest-token-provider.js';

/** What the client needs besides its config. */
export interface PinterestDestinationDeps {
  /** Tokens are read from here and refreshed tokens persisted here. */
  state: StateStore;
  /** Requests, retries, refreshes. */
  logger: Logger;
  /** The destination's name (`destinations.<name>`), for re-authorization messages. */
  name?: string;
  /** The config file, so re-authorization messages can spell out `pinsync auth … -c FILE`. */
  configPath?: string;
  /** Pacing override (tests, benchmarks); default the shared gate of these credentials. */
  gate?: RequestGate;
  /** The runtime's OAuth providers (one single-flight refresh per store and tokens); default the process fallback. */
  oauthProviders?: OAuthProviderRegistry;
  /** Clock of the default shared gate when it is created by this call (tests). */
  pacingClock?: PacingClock;
  /** undici dispatcher for API and token requests (tests); default the client's own pool. */
  dispatcher?: Dispatcher;
  /** Called after every HTTP attempt (progress, benchmarks). */
  onRequest?: (event: PinterestRequestEvent) => void;
}

export function createPinterestDestination(config: PinterestDestinationConfig, deps: PinterestDestinationDeps): PinterestClient {
  return new PinterestClient({
    baseUrl: config.apiBaseUrl,
    adAccountId: config.adAccountId,
    auth: tokenProviderFor(config, deps),
    gate:
      deps.gate ??
      sharedPacingGate({ apiBaseUrl: config.apiBaseUrl, identity: pacingIdentity(config.auth) }, config.rateLimits, { clock: deps.pacingClock }),
    dispatcher: deps.dispatcher,
    logger: deps.logger,
    onRequest: deps.onRequest,
    retry: {
      maxAttempts: config.retry.maxAttempts,
      baseDelayMs: config.retry.baseDelayMs,
      maxDelayMs: config.retry.maxDelayMs,
      rateLimitMaxWaitMs: config.retry.maxRateLimitWaitSeconds * 1000,
    },
    maxBodyBytes: config.batch.maxBytes,
  });
}

/**
 * Without the app's client id and secret no refresh is possible, so the config's access token is used as it is and
 * a 401 fails with "access token rejected". With them, tokens come from the state store when it has newer ones.
 */
export function tokenProviderFor(config: PinterestDestinationConfig, deps: PinterestDestinationDeps): TokenProvider {
  const { clientId, clientSecret } = config.auth;
  if (clientId === undefined || clientId === '' || clientSecret === undefined || clientSecret === '') {
    return staticTokenProvider(config.auth.accessToken ?? '');
  }
  const opts = { destination: config, store: deps.state, logger: deps.logger, hint: { destinationName: deps.name, configPath: deps.configPath }, dispatcher: deps.dispatcher };
  return deps.oauthProviders?.providerFor(opts) ?? sharedOAuthTokenProvider(opts);
}
