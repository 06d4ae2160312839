/**
 * One token provider per (state store, destination tokens) per runtime. Pinterest rotates the refresh token on
 * every refresh, so two clients refreshing the same grant on their own would race, and the loser would present a
 * retired refresh token (401 code 283, "re-authorize"). Sharing the provider makes their refreshes single-flight too.
 */
import type { StateStore } from '../../../core/state-store.js';
import { PinterestOAuthTokenProvider, type PinterestOAuthProviderOptions } from './pinterest-oauth-provider.js';
import { configTokenFingerprint, pinterestTokenKey } from './pinterest-oauth-tokens.js';

/** The providers of one runtime (connectors/runtime/create-runtime.ts), created once per CLI command or scheduler. */
export class OAuthProviderRegistry {
  // Keyed by the store object, so providers go away with the store they write to.
  readonly #providers = new WeakMap<StateStore, Map<string, PinterestOAuthTokenProvider>>();

  /** The provider for these options' store and tokens, created on first use (later callers' other options are ignored). */
  providerFor(opts: PinterestOAuthProviderOptions): PinterestOAuthTokenProvider {
    let byKey = this.#providers.get(opts.store);
    if (byKey === undefined) {
      byKey = new Map();
      this.#providers.set(opts.store, byKey);
    }
    const { destination } = opts;
    const key = [pinterestTokenKey(destination), destination.apiBaseUrl, configTokenFingerprint(destination.auth)].join('\n');
    let provider = byKey.get(key);
    if (provider === undefined) {
      provider = new PinterestOAuthTokenProvider(opts);
      byKey.set(key, provider);
    }
    return provider;
  }
}

// For clients built without a runtime's registry (createPinterestDestination without `oauthProviders`).
const fallback = new OAuthProviderRegistry();

/** The provider in the fallback registry of callers without a runtime; see OAuthProviderRegistry.providerFor. */
export function sharedOAuthTokenProvider(opts: PinterestOAuthProviderOptions): PinterestOAuthTokenProvider {
  return fallback.providerFor(opts);
}
