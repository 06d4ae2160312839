/**
 * Where the client gets its bearer token. A seam so OAuth refresh (single-flight, rotation, persistence) can live
 * in its own module without the client knowing how tokens are stored.
 */
import { notAuthorizedYet, type ReauthHint } from './pinterest-oauth-errors.js';

export interface TokenProvider {
  /** The access token to send now. Called before every HTTP attempt, so a refresh by another request is picked up. */
  getAccessToken(): Promise<string>;
  /**
   * Pinterest answered 401 code 2 to `rejectedToken`. Return a fresh token to replay the request once with it, or
   * undefined when no refresh is possible. Implementations should single-flight concurrent calls and compare
   * `rejectedToken` with their current token so a refresh done meanwhile is not repeated.
   */
  onUnauthorized?(rejectedToken: string): Promise<string | undefined>;
}

/**
 * A fixed token with no refresh: a 401 then fails the request with "access token rejected". An empty token fails
 * before any request with "not authorized yet" (`hint` names the destination and config in that message).
 */
export function staticTokenProvider(accessToken: string, hint: ReauthHint = {}): TokenProvider {
  return { getAccessToken: () => (accessToken === '' ? Promise.reject(notAuthorizedYet(hint)) : Promise.resolve(accessToken)) };
}
