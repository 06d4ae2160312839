/**
 * Checks that run after authentication and before the handler, driven by the route table's metadata: the OAuth
 * scope, whether a client-credentials token may call the operation, and the rate limit of its category. A gate
 * throws an ApiError to refuse, or returns headers to add to the answer (`X-RateLimit-*`).
 */

import { insufficientScope } from './api-errors.js';
import type { RateLimiter } from './rate-limiter.js';
import type { RouteDef } from './route-table.js';
import type { AuthContext } from './token-registry.js';

/** Throws an ApiError to refuse the request; may return headers for the answer. */
export type RequestGate = (route: RouteDef, auth: AuthContext) => Record<string, string> | undefined;

/** 401 code 3 when the token lacks the route's OAuth scope (bearer routes only; Basic routes have no scopes). */
export const scopeGate: RequestGate = (route, auth) => {
  if (route.auth === 'bearer' && !auth.scopes.has(route.scope)) throw insufficientScope();
  return undefined;
};

/**
 * 401 code 3 for a client-credentials token on an operation whose spec `security` lists only `pinterest_oauth2`
 * (customer_lists/create|list|update, audiences/create|update): the emulator contract's reading of "not allowed".
 */
export const clientCredentialsGate: RequestGate = (route, auth) => {
  if (auth.grant === 'client_credentials' && !route.clientCredentials) throw insufficientScope();
  return undefined;
};

/** Spends one request of the route's category from the caller's quota; 429 code 8 when it is empty. */
export function rateLimitGate(limiter: RateLimiter): RequestGate {
  return (route, auth) => limiter.admit({ userId: auth.userId, clientId: auth.clientId }, route.category);
}
