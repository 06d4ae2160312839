/**
 * Checks that run after authentication and before the handler, driven by the route table's metadata. Scope checks
 * live here now; per-category rate limiting (a later issue) is meant to be another gate, throwing a 429 ApiError
 * with `X-RateLimit-Reset`.
 */

import { insufficientScope } from './api-errors.js';
import type { RouteDef } from './route-table.js';
import type { AuthContext } from './token-registry.js';

/** Throws an ApiError to refuse the request. */
export type RequestGate = (route: RouteDef, auth: AuthContext) => void;

/** 401 code 3 when the token lacks the route's OAuth scope. */
export const scopeGate: RequestGate = (route, auth) => {
  if (!auth.scopes.has(route.scope)) throw insufficientScope();
};
