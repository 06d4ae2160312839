/**
 * Checked before a sync reads anything, for each destination it will write to: the credentials it needs are set,
 * and there is a token at all. An app that was set up (client id and secret) but never authorized would otherwise
 * read the warehouse, send a request with an empty bearer token and report that Pinterest "rejected" it.
 */
import { credentialsNotSet, missingCredentials } from '../../../core/config/deferred-credentials.js';
import type { LoadedConfig } from '../../../core/config/load-config.js';
import type { StateStore } from '../../../core/state-store.js';
import { notAuthorizedYet, type ReauthHint } from './pinterest-oauth-errors.js';
import { resolveTokens } from './pinterest-oauth-tokens.js';

/**
 * Throws a ConfigError (exit 2) naming each unset credential variable the destination needs, and
 * PINSYNC_PINTEREST_NOT_AUTHORIZED (exit 2) when neither the state store nor the config holds a token.
 */
export async function assertPinterestAuthorized(config: LoadedConfig, name: string, store: StateStore, hint: ReauthHint): Promise<void> {
  const { source } = await resolveTokens(store, config.destinations[name]!);
  const missing = missingCredentials(config.deferredCredentials, name, { tokensMayBeStored: source === 'state' });
  // An app that can be authorized but has no token anywhere: the way forward is `pinsync auth url`, not only the variable.
  if (source === 'none' && hasApp(config, name) && missing.every((d) => d.key === 'accessToken' || d.key === 'refreshToken')) {
    throw notAuthorizedYet(hint, missing.length === 0 ? undefined : missing.map((d) => `${d.path}: ${d.message}`).join('; '));
  }
  if (missing.length > 0) throw credentialsNotSet(hint.configPath ?? config.configPath, missing);
  if (source === 'none') throw notAuthorizedYet(hint);
}

/** What can be checked before the state store is opened: the deferred credentials no stored token can replace. */
export function assertPinterestCredentialsSet(config: LoadedConfig, name: string, configLabel: string): void {
  // Without the app's client id and secret no tokens can have been exchanged or refreshed into the state.
  const missing = missingCredentials(config.deferredCredentials, name, { tokensMayBeStored: hasApp(config, name) });
  if (missing.length > 0) throw credentialsNotSet(configLabel, missing);
}

function hasApp(config: LoadedConfig, name: string): boolean {
  const { clientId, clientSecret } = config.destinations[name]!.auth;
  return clientId !== undefined && clientId !== '' && clientSecret !== undefined && clientSecret !== '';
}
