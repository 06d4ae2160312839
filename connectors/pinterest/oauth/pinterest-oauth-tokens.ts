/**
 * Which tokens a destination uses: the ones in the state store when present, else the config's. Pinterest rotates
 * refresh tokens, so after the first refresh the config's copy is stale and the stored one is the truth. The
 * stored row remembers a fingerprint of the config's tokens at the time it was written: when the user later puts
 * new tokens in the config (they re-authorized by hand), the fingerprint no longer matches and the config wins.
 * A config with no token at all never wins over a stored row.
 */
import { createHash } from 'node:crypto';
import type { PinterestAuthConfig, PinterestDestinationConfig } from '../../../core/config/destination-schema.js';
import type { StateStore, StoredTokens } from '../../../core/state-store.js';

/** The tokens in use and their expiries (null = unknown). */
export interface TokenSet {
  /** Bearer token. */
  accessToken: string;
  /** When the access token expires; null when unknown (tokens pasted into the config). */
  accessExpiresAt: Date | null;
  /** Refresh token; null when there is none. */
  refreshToken: string | null;
  /** When the refresh token expires; null when unknown. */
  refreshExpiresAt: Date | null;
}

/** Where the tokens in use came from; `none`: neither the state nor the config holds any (never authorized). */
export type TokenSource = 'state' | 'config' | 'none';

/** The outcome of `resolveTokens`. */
export interface ResolvedTokens {
  /** The tokens to use. */
  tokens: TokenSet;
  /** `state` when the stored row matched the config's fingerprint, else `config`, or `none` when the config has no token either. */
  source: TokenSource;
  /** The config holds tokens other than the ones the stored row was based on: the config's replace them. */
  configReplacesStored: boolean;
  /** The stored row, if any (also when the config replaces it). */
  stored: StoredTokens | undefined;
}

/** The fields of a destination config that locate its tokens. */
export type TokenKeySource = Pick<PinterestDestinationConfig, 'adAccountId'> & { auth: Pick<PinterestAuthConfig, 'clientId'> };

/**
 * The state-store key of a destination's tokens: `pinterest:<clientId>:<adAccountId>` (`-` without a client id).
 * Made of what does not change when tokens rotate, and not of the destination's name, which users rename.
 */
export function pinterestTokenKey(dest: TokenKeySource): string {
  return `pinterest:${dest.auth.clientId ?? '-'}:${dest.adAccountId}`;
}

/** sha256 of the config's access and refresh tokens: identifies "the tokens the user last put in the config". */
export function configTokenFingerprint(auth: Pick<PinterestAuthConfig, 'accessToken' | 'refreshToken'>): string {
  return createHash('sha256')
    .update(`pinsync-config-tokens-v1\n${auth.accessToken ?? ''}\n${auth.refreshToken ?? ''}`)
    .digest('hex');
}

/** The config's tokens as a TokenSet (expiries unknown). */
export function configTokens(auth: Pick<PinterestAuthConfig, 'accessToken' | 'refreshToken'>): TokenSet {
  return { accessToken: auth.accessToken ?? '', accessExpiresAt: null, refreshToken: auth.refreshToken || null, refreshExpiresAt: null };
}

/** Reads the stored row and decides between it and the config. Changes nothing. */
export async function resolveTokens(store: StateStore, dest: TokenKeySource & { auth: PinterestAuthConfig }): Promise<ResolvedTokens> {
  const stored = await store.getTokens(pinterestTokenKey(dest));
  const tokens = configTokens(dest.auth);
  // A config that names no token at all (its variable is unset on this machine, or the tokens were taken out after
  // `auth exchange`) holds nothing newer than the stored row, whatever the row's fingerprint says.
  if (stored !== undefined && (stored.configFingerprint === configTokenFingerprint(dest.auth) || !hasAnyToken(tokens))) {
    return { tokens: tokenSetOf(stored), source: 'state', configReplacesStored: false, stored };
  }
  return { tokens, source: hasAnyToken(tokens) ? 'config' : 'none', configReplacesStored: stored !== undefined, stored };
}

/** An access token to send, or a refresh token to get one with. */
export function hasAnyToken(tokens: TokenSet): boolean {
  return tokens.accessToken !== '' || tokens.refreshToken !== null;
}

/** The TokenSet part of a stored row. */
export function tokenSetOf(stored: StoredTokens): TokenSet {
  return {
    accessToken: stored.accessToken,
    accessExpiresAt: stored.accessExpiresAt,
    refreshToken: stored.refreshToken,
    refreshExpiresAt: stored.refreshExpiresAt,
  };
}
